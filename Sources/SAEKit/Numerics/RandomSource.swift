import Foundation

/// A seeded, splittable pseudo-random source (SplitMix64).
///
/// Every random choice in SAEKit takes a `RandomSource` explicitly, so one seed
/// reproduces a run bit for bit. SplitMix64 (Steele, Lea & Flood 2014) passes
/// BigCrush, has a 2⁶⁴ period and needs one word of state; ``fork(_:)`` derives
/// independent streams for parallel workers from a parent deterministically.
public struct RandomSource: RandomNumberGenerator, Sendable {
  private var state: UInt64
  private var spareGaussian: Double?

  public init(seed: UInt64) {
    state = seed
    spareGaussian = nil
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// An independent stream, e.g. for worker `index` of a parallel loop; the
  /// parent's own sequence is not advanced.
  public func fork(_ index: UInt64) -> RandomSource {
    var mixer = RandomSource(seed: state ^ (0xD1B5_4A32_D192_ED03 &* (index &+ 1)))
    return RandomSource(seed: mixer.next())
  }

  /// Uniform in `[0, 1)` with 53 random bits.
  public mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// Uniform in `[low, high)`.
  public mutating func uniform(_ low: Double, _ high: Double) -> Double {
    low + (high - low) * uniform()
  }

  /// Uniform integer in `0..<bound` (bias-free, Lemire's method via the standard library).
  public mutating func int(below bound: Int) -> Int {
    Int.random(in: 0..<bound, using: &self)
  }

  /// Standard normal by the Box–Muller transform (the second value is kept for the next call).
  public mutating func gaussian() -> Double {
    if let spare = spareGaussian {
      spareGaussian = nil
      return spare
    }
    var u1 = uniform()
    while u1 <= Double.leastNormalMagnitude { u1 = uniform() }
    let u2 = uniform()
    let r = (-2 * log(u1)).squareRoot()
    let theta = 2 * Double.pi * u2
    spareGaussian = r * sin(theta)
    return r * cos(theta)
  }

  /// Normal with the given mean and standard deviation.
  public mutating func gaussian(mean: Double, std: Double) -> Double {
    mean + std * gaussian()
  }

  /// A uniformly random permutation of `0..<n` (Fisher–Yates).
  public mutating func permutation(_ n: Int) -> [Int] {
    var p = Array(0..<n)
    shuffle(&p)
    return p
  }

  /// Shuffles `array` in place (Fisher–Yates, deterministic for a given state).
  public mutating func shuffle<T>(_ array: inout [T]) {
    guard array.count > 1 else { return }
    for i in stride(from: array.count - 1, to: 0, by: -1) {
      let j = int(below: i + 1)
      if i != j { array.swapAt(i, j) }
    }
  }

  /// `k` distinct indices from `0..<n`, in random order (partial Fisher–Yates
  /// for dense draws, rejection for sparse ones).
  public mutating func sample(_ k: Int, from n: Int) -> [Int] {
    precondition(k >= 0 && k <= n, "cannot sample \(k) of \(n)")
    if k * 4 < n {
      var chosen = Set<Int>()
      var out = [Int]()
      out.reserveCapacity(k)
      while out.count < k {
        let i = int(below: n)
        if chosen.insert(i).inserted { out.append(i) }
      }
      return out
    }
    var p = Array(0..<n)
    for i in 0..<k {
      let j = i + int(below: n - i)
      p.swapAt(i, j)
    }
    return Array(p[0..<k])
  }
}

extension Matrix {
  /// A matrix of i.i.d. `N(mean, std²)` entries.
  public static func gaussian(
    rows: Int, cols: Int, mean: Float = 0, std: Float = 1, using rng: inout RandomSource
  ) -> Matrix {
    var m = Matrix(rows: rows, cols: cols)
    for i in 0..<m.count { m.storage[i] = Float(rng.gaussian(mean: Double(mean), std: Double(std))) }
    return m
  }

  /// A matrix of i.i.d. `U[low, high)` entries.
  public static func uniform(
    rows: Int, cols: Int, low: Float, high: Float, using rng: inout RandomSource
  ) -> Matrix {
    var m = Matrix(rows: rows, cols: cols)
    for i in 0..<m.count { m.storage[i] = Float(rng.uniform(Double(low), Double(high))) }
    return m
  }
}
