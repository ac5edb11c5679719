/// An n-gram model (order 1…3) over tokens `0..<vocabularySize` with interpolated modified
/// Kneser–Ney smoothing (Chen & Goodman 1999, §3.5), the strongest classic n-gram smoothing.
///
/// Level `k` (1 ≤ k ≤ order) holds counts of k-grams: raw counts at the top level,
/// continuation counts (the number of distinct tokens seen before a k-gram) below it. With
/// `c` the count of k-gram `h w`, `T(h)` the total and `Nᵢ(h)` the number of tokens with
/// count i (i = 3: three or more) after context `h`,
///
///     P_k(w | h) = (max(c − D(c), 0) + γ(h) · P_{k−1}(w | h′)) / T(h),
///     γ(h) = D₁·N₁(h) + D₂·N₂(h) + D₃₊·N₃₊(h),
///
/// where `h′` drops the oldest token of `h`, `P₀` is uniform, and `P_k = P_{k−1}` when
/// `T(h) = 0`. Every `P_k(· | h)` sums to 1.
///
/// The discounts of each level come from its own count-of-counts `nᵢ` (k-grams with count i),
/// in Chen & Goodman's closed form `Y = n₁/(n₁ + 2n₂)`, `D₁ = 1 − 2Y·n₂/n₁`,
/// `D₂ = 2 − 3Y·n₃/n₂`, `D₃₊ = 3 − 4Y·n₄/n₃` (a leave-one-out estimate on the training counts,
/// so nothing is tuned on held-out text); each is clamped to `[0, i]`, and when some `nᵢ`
/// (i ≤ 4) is zero (tiny streams) every discount is `Y`, or ½ without singletons.
struct KneserNeyModel: Sendable {
  /// Absolute discounts for counts 1, 2 and 3 or more.
  struct Discounts: Sendable, Equatable {
    var one: Double, two: Double, threeOrMore: Double

    /// The discount of a count (0 for a count of 0).
    func of(_ count: Int32) -> Double {
      count >= 3 ? threeOrMore : count == 2 ? two : count == 1 ? one : 0
    }

    /// Chen & Goodman's estimate from the number of n-grams seen once, twice, three and four times.
    static func estimated(n1: Int, n2: Int, n3: Int, n4: Int) -> Discounts {
      let n = [n1, n2, n3, n4].map(Double.init)
      guard n1 > 0 else { return Discounts(one: 0.5, two: 0.5, threeOrMore: 0.5) }
      let y = n[0] / (n[0] + 2 * n[1])
      guard n2 > 0, n3 > 0, n4 > 0 else { return Discounts(one: y, two: y, threeOrMore: y) }
      func clamped(_ d: Double, _ most: Double) -> Double { min(max(d, 0), most) }
      return Discounts(
        one: clamped(1 - 2 * y * n[1] / n[0], 1), two: clamped(2 - 3 * y * n[2] / n[1], 2),
        threeOrMore: clamped(3 - 4 * y * n[3] / n[2], 3))
    }
  }

  /// The k-gram counts of one level and the statistics of their contexts.
  struct Level: Sendable {
    /// Counts keyed by `context · V + token` (contexts encoded base V, most recent token last).
    let counts: [Int: Int32]
    /// Per context (dense, `V^(k−1)` entries): total count and tokens seen once, twice, 3+ times.
    let totals: [Int32], ones: [Int32], twos: [Int32], more: [Int32]
    let discounts: Discounts

    init(counts: [Int: Int32], contexts: Int, vocabularySize: Int, discounts: Discounts?) {
      var totals = [Int32](repeating: 0, count: contexts), ones = totals, twos = totals, more = totals
      var countOfCounts = [0, 0, 0, 0, 0]
      for (key, count) in counts {
        let context = key / vocabularySize
        totals[context] += count
        switch count {
        case 1: ones[context] += 1
        case 2: twos[context] += 1
        default: more[context] += 1
        }
        if count <= 4 { countOfCounts[Int(count)] += 1 }
      }
      self.counts = counts
      self.totals = totals
      self.ones = ones
      self.twos = twos
      self.more = more
      self.discounts = discounts ?? .estimated(
        n1: countOfCounts[1], n2: countOfCounts[2], n3: countOfCounts[3], n4: countOfCounts[4])
    }
  }

  let vocabularySize: Int
  /// `levels[k − 1]` holds k-grams; the last level has raw counts.
  let levels: [Level]
  var order: Int { levels.count }

  /// Fits the model on every n-gram of `stream` (positions `order − 1` onwards).
  /// - Parameter discounts: per level (index k − 1), to override the estimate (tests).
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` for an order outside 1…3, a token outside
  ///   the vocabulary, or a stream shorter than `order`.
  init(order: Int, vocabularySize: Int, stream: [UInt16], discounts: [Discounts]? = nil) throws {
    try require((1...3).contains(order), "order must be 1, 2 or 3, got \(order)")
    try require(vocabularySize >= 1, "vocabularySize must be positive, got \(vocabularySize)")
    try require(stream.count >= order, "stream: \(stream.count) tokens hold no \(order)-gram")
    try require(stream.allSatisfy { Int($0) < vocabularySize }, "stream: a token is outside the vocabulary of \(vocabularySize)")
    try require((discounts?.count ?? order) == order, "discounts: one per level (\(order)), got \(discounts?.count ?? 0)")
    let v = vocabularySize
    var counts = Self.rawCounts(order: order, vocabularySize: v, stream: stream)
    var contextCount = 1
    for _ in 1..<order { contextCount *= v }
    var levels = [Level(counts: counts, contexts: contextCount, vocabularySize: v, discounts: discounts?[order - 1])]
    // Continuation counts: the k-gram `h w` counts the distinct tokens seen before it.
    for k in stride(from: order - 1, through: 1, by: -1) {
      var continuation: [Int: Int32] = [:]
      for key in counts.keys { continuation[key % contextCount, default: 0] += 1 }
      contextCount /= v
      counts = continuation
      levels.insert(Level(counts: counts, contexts: contextCount, vocabularySize: v, discounts: discounts?[k - 1]), at: 0)
    }
    self.vocabularySize = v
    self.levels = levels
  }

  /// Counts of the n-grams ending at positions `order − 1 ..< stream.count`, keyed base V.
  /// Fixed chunks count into their own tables, merged in chunk order (integer sums, so the
  /// result does not depend on scheduling).
  static func rawCounts(order: Int, vocabularySize v: Int, stream: [UInt16]) -> [Int: Int32] {
    let positions = stream.count - order + 1, chunks = min(8, positions)
    var tables = [[Int: Int32]](repeating: [:], count: chunks)
    tables.withUnsafeMutableBufferPointer { tables in
      stream.withUnsafeBufferPointer { stream in
        Parallel.forEachChunk(count: positions, chunks: chunks) { chunk, range in
          var counts: [Int: Int32] = [:]
          for first in range {
            var key = 0
            for t in stream[first..<(first + order)] { key = key * v + Int(t) }
            counts[key, default: 0] += 1
          }
          tables[chunk] = counts
        }
      }
    }
    var counts = tables[0]
    for table in tables.dropFirst() { counts.merge(table, uniquingKeysWith: +) }
    return counts
  }

  /// `P(token | context)`, where `context` holds the preceding tokens, most recent last; only
  /// its last `order − 1` tokens are used. With a shorter context the interpolation stops at
  /// the level it fills (whose counts are continuation counts); scoring with less context
  /// uses a model of lower order instead (see ``NGramBaselines``).
  func probability(of token: Int, after context: ArraySlice<UInt16>) -> Double {
    let v = vocabularySize
    var p = 1 / Double(v), contextCode = 0, scale = 1, preceding = context.endIndex
    for (k, level) in levels.enumerated() {
      if k > 0 {
        guard preceding > context.startIndex else { break }
        preceding -= 1
        contextCode += Int(context[preceding]) * scale
        scale *= v
      }
      let total = level.totals[contextCode]
      guard total > 0 else { continue }
      let count = level.counts[contextCode * v + token] ?? 0
      let d = level.discounts
      let gamma = d.one * Double(level.ones[contextCode]) + d.two * Double(level.twos[contextCode])
        + d.threeOrMore * Double(level.more[contextCode])
      p = (max(Double(count) - d.of(count), 0) + gamma * p) / Double(total)
    }
    return p
  }
}
