/// Pairs of decoder rows pointing in nearly opposite directions,
/// `cos(d_a, d_b) ≤ −0.9` (papers-1.md §3f): how a non-negative SAE (TopK)
/// represents one signed feature with two latents, where AbsTopK needs one.
public struct AntipodalPairs: Sendable, Equatable {
  /// `(a, b, cos)` with `a < b`, in ascending `(a, b)` order.
  public let pairs: [(a: Int, b: Int, cosine: Float)]
  /// The threshold used.
  public let threshold: Float

  /// Number of pairs.
  public var count: Int { pairs.count }
  /// Latents that belong to at least one pair.
  public var latentCount: Int { Set(pairs.flatMap { [$0.a, $0.b] }).count }

  /// Scans every pair of rows of `decoder (m × d)`; rows are normalised here
  /// (a zero row has cosine 0 with everything).
  ///
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` when `threshold` is not in `[−1, 0)`.
  /// - Complexity: `m²·d` multiply-adds through BLAS, `blockRows` rows of the
  ///   cosine matrix at a time (memory `blockRows·m`, not `m²`).
  public init(decoder: Matrix, threshold: Float = -0.9, blockRows: Int = 512) throws {
    try require(threshold >= -1 && threshold < 0, "the antipodal threshold must be in [−1, 0), got \(threshold)")
    var unit = decoder
    unit.normalizeRows()
    var found = [(a: Int, b: Int, cosine: Float)]()
    let m = unit.rows
    for start in Swift.stride(from: 0, to: m, by: max(1, blockRows)) {
      let end = min(m, start + max(1, blockRows))
      let cosines = try unit.rows(start..<end).matmulTransposed(unit)  // (block × m)
      for a in start..<end {
        for b in (a + 1)..<m where cosines[a - start, b] <= threshold {
          found.append((a, b, cosines[a - start, b]))
        }
      }
    }
    pairs = found
    self.threshold = threshold
  }

  public static func == (l: AntipodalPairs, r: AntipodalPairs) -> Bool {
    l.threshold == r.threshold && l.pairs.count == r.pairs.count
      && zip(l.pairs, r.pairs).allSatisfy { $0.a == $1.a && $0.b == $1.b && $0.cosine == $1.cosine }
  }
}
