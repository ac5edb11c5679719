import Foundation

/// Per-sample support samplers, compiled once from a ``SyntheticSuperposition/Support``.
///
/// - `exactly(s)`: Floyd's algorithm (`s` draws, no rejection loop), with
///   membership tested against a per-worker stamp array of length `n`.
/// - Bernoulli: features are grouped into classes by frequency,
///   `f ∈ (2^−(c+1), 2^−c]`. Within a class every member is a candidate with
///   the class bound `p_c = 2^−c`: the gap to the next candidate is
///   geometric, `G = ⌊ln U / ln(1 − p_c)⌋`, so candidates are found without
///   visiting the others; a candidate is kept with probability `f_i / p_c ≥ ½`
///   (thinning). Each feature is thus active with probability exactly `f_i`,
///   independently, and a sample costs `O(#classes + 2·Σ f_i)` instead of `O(n)`.
struct SupportSampler: Sendable {
  private enum Kind: Sendable {
    case exactly(Int)
    case bernoulli([FrequencyClass])
    case mixture(cumulative: [Double], parts: [SupportSampler])
  }

  /// Features whose frequencies share the bound `p = 2^−c`.
  private struct FrequencyClass: Sendable {
    /// `p_c`.
    var bound: Double
    /// `ln(1 − p_c)`, or `-∞` when `p_c = 1`.
    var logComplement: Double
    /// Member feature ids, ascending.
    var members: [Int32]
    /// `f_i / p_c` per member.
    var acceptance: [Double]
  }

  private let kind: Kind
  /// The most features one sample can have (capacity of the row buffer).
  let maxActive: Int

  init(_ support: SyntheticSuperposition.Support, featureCount n: Int) throws {
    switch support {
    case .exactly(let s):
      try require(s >= 0 && s <= n, "exactly(\(s)) needs 0 ≤ s ≤ n = \(n)")
      kind = .exactly(s)
      maxActive = s
    case .bernoulli, .zipf, .geometric:
      let f = try support.frequencies(featureCount: n)
      try SyntheticSuperposition.validate(frequencies: f, featureCount: n)
      kind = .bernoulli(SupportSampler.classes(f))
      maxActive = f.lazy.filter { $0 > 0 }.count
    case .mixture(let components):
      let total = try SyntheticSuperposition.validate(weights: components.map(\.weight))
      var running = 0.0
      var cumulative = [Double]()
      var parts = [SupportSampler]()
      for component in components {
        running += component.weight / total
        cumulative.append(running)
        parts.append(try SupportSampler(component.support, featureCount: n))
      }
      kind = .mixture(cumulative: cumulative, parts: parts)
      maxActive = parts.map(\.maxActive).max() ?? 0
    }
  }

  private static func classes(_ f: [Double]) -> [FrequencyClass] {
    var byClass = [Int: FrequencyClass]()
    for (i, fi) in f.enumerated() where fi > 0 {
      var c = min(1074, Int((-log2(fi)).rounded(.down)))
      while c > 0 && fi > exp2(-Double(c)) { c -= 1 }
      let bound = exp2(-Double(c))
      let empty = FrequencyClass(
        bound: bound, logComplement: bound >= 1 ? -.infinity : log1p(-bound), members: [], acceptance: [])
      byClass[c, default: empty].members.append(Int32(i))
      byClass[c, default: empty].acceptance.append(min(1, fi / bound))
    }
    return byClass.sorted { $0.key < $1.key }.map(\.value)
  }

  /// Draws one sample's active features into `out` (capacity ``maxActive``), unsorted.
  /// - Returns: the number written.
  func sample(
    into out: UnsafeMutablePointer<Int32>, stamps: inout SubsetStamps, rng: inout RandomSource
  ) -> Int {
    switch kind {
    case .exactly(let s):
      return stamps.floyd(s, into: out, rng: &rng)
    case .bernoulli(let classes):
      var count = 0
      for cls in classes {
        let m = cls.members.count
        cls.members.withUnsafeBufferPointer { members in
          cls.acceptance.withUnsafeBufferPointer { accept in
            var position = -1
            while true {
              if cls.bound >= 1 {
                position += 1
              } else {
                // Failures before the next success of a Bernoulli(p) stream.
                let gap = (log(1 - rng.uniform()) / cls.logComplement).rounded(.down)
                guard gap < Double(m) else { return }
                position += 1 + Int(gap)
              }
              guard position < m else { return }
              if accept[position] >= 1 || rng.uniform() < accept[position] {
                out[count] = members[position]
                count += 1
              }
            }
          }
        }
      }
      return count
    case .mixture(let cumulative, let parts):
      let u = rng.uniform()
      var k = 0
      while k < cumulative.count - 1 && u >= cumulative[k] { k += 1 }
      return parts[k].sample(into: out, stamps: &stamps, rng: &rng)
    }
  }
}

/// A reusable "is `i` chosen for this sample" set over `0..<n`: each sample
/// gets a new stamp, so nothing is cleared between samples.
struct SubsetStamps {
  private var stamps: [UInt32]
  private var current: UInt32 = 0

  init(count n: Int) { stamps = [UInt32](repeating: 0, count: n) }

  /// Floyd's algorithm: `s` distinct values of `0..<n`, uniformly, in `s` draws.
  mutating func floyd(_ s: Int, into out: UnsafeMutablePointer<Int32>, rng: inout RandomSource) -> Int {
    let n = stamps.count
    if current == UInt32.max {
      for i in 0..<n { stamps[i] = 0 }
      current = 0
    }
    current += 1
    let stamp = current
    return stamps.withUnsafeMutableBufferPointer { marks in
      var count = 0
      for j in (n - s)..<n {
        let t = rng.int(below: j + 1)
        let pick = marks[t] == stamp ? j : t
        marks[pick] = stamp
        out[count] = Int32(pick)
        count += 1
      }
      return count
    }
  }
}
