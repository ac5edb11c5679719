/// The number of active latents of each token (`≠ 0`), and how it is spread:
/// under Feature and Mutual Choice it varies from token to token ("adaptive
/// computation"), under TopK and AbsTopK it is (at most) `k` for all.
public struct L0Distribution: Sendable, Equatable {
  /// Per token, its L0.
  public let perToken: [Int]
  /// `counts[n]` = tokens with L0 = n, for n in `0...max`.
  public let counts: [Int]

  public init(_ codes: SparseCodes) {
    self.init(perToken: (0..<codes.rows).map { codes.l0(row: $0) })
  }

  public init(perToken: [Int]) {
    self.perToken = perToken
    var counts = [Int](repeating: 0, count: (perToken.max() ?? 0) + 1)
    for n in perToken { counts[n] += 1 }
    self.counts = counts
  }

  /// Mean L0 over tokens (0 without tokens).
  public var mean: Double {
    perToken.isEmpty ? 0 : Double(perToken.reduce(0, +)) / Double(perToken.count)
  }

  /// Sample standard deviation (`n − 1`; 0 for fewer than two tokens).
  public var standardDeviation: Double {
    guard perToken.count > 1 else { return 0 }
    let mu = mean
    let ss = perToken.reduce(0.0) { $0 + (Double($1) - mu) * (Double($1) - mu) }
    return (ss / Double(perToken.count - 1)).squareRoot()
  }

  /// Share of tokens with no active latent (possible under Feature Choice).
  public var zeroFraction: Double { perToken.isEmpty ? 0 : Double(counts[0]) / Double(perToken.count) }
}
