/// How often each latent fires with each sign: for signed codes (AbsTopK),
/// the share of latents that use both directions (papers-1.md §3f; TopK's is
/// 0 by construction). Accumulates over batches.
public struct SignUsage: Sendable, Equatable {
  /// Per latent, the tokens on which its code was `> 0`.
  public private(set) var positive: [Int]
  /// Per latent, the tokens on which its code was `< 0`.
  public private(set) var negative: [Int]

  public init(width: Int) {
    positive = [Int](repeating: 0, count: max(0, width))
    negative = positive
  }

  /// Counts the signs of one batch of codes.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` when the codes' width differs.
  public mutating func record(_ codes: SparseCodes) throws {
    try require(codes.width == positive.count, "codes of width \(codes.width) for a sign count of width \(positive.count)")
    for e in 0..<codes.values.count {
      let v = codes.values[e], j = Int(codes.indices[e])
      if v > 0 { positive[j] += 1 } else if v < 0 { negative[j] += 1 }
    }
  }

  /// Per latent, the share of its firings with the rarer sign (0 for a latent that never fired).
  public var minorityShares: [Double] {
    zip(positive, negative).map { p, n in p + n == 0 ? 0 : Double(min(p, n)) / Double(p + n) }
  }

  /// The share of all latents that fired with both signs, the rarer one on at
  /// least `minorityShare` of its firings (0: any firing of each sign counts;
  /// papers-1.md suggests 0.2 for "substantial mass").
  public func bothSignsFraction(minorityShare: Double = 0) -> Double {
    guard !positive.isEmpty else { return 0 }
    let both = zip(positive, negative).filter { p, n in
      p > 0 && n > 0 && Double(min(p, n)) / Double(p + n) >= minorityShare
    }
    return Double(both.count) / Double(positive.count)
  }
}
