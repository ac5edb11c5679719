import Testing
@testable import SAEKit

/// The metrics of the AbsTopK and Feature/Mutual Choice notebooks, on cases
/// whose answers are known by hand.
@Suite struct AllocationMetricsTests {
  @Test func antipodalPairsAreFoundAcrossBlocks() throws {
    // Rows 0/3 opposite, 1/4 nearly opposite (cos ≈ −0.95), 2 alone, 5 zero; blocks of 2 rows.
    let decoder = try Matrix([
      [1, 0, 0], [0, 2, 0], [0, 0, 1], [-3, 0, 0], [0.3, -1, 0], [0, 0, 0],
    ])
    let found = try AntipodalPairs(decoder: decoder, blockRows: 2)
    #expect(found.pairs.map { [$0.a, $0.b] } == [[0, 3], [1, 4]])
    #expect(abs(found.pairs[0].cosine + 1) < 1e-6 && found.latentCount == 4)
    #expect(try AntipodalPairs(decoder: decoder, threshold: -0.99).count == 1)
    #expect(try AntipodalPairs(decoder: decoder) == AntipodalPairs(decoder: decoder, blockRows: 512))
    #expect(throws: SAEKitError.self) { try AntipodalPairs(decoder: decoder, threshold: 0.5) }
  }

  @Test func signUsageCountsLatentsUsingBothSigns() throws {
    let codes = SparseCodes(dense: try Matrix([[1, -2, 0, 0], [3, -1, 0, 0], [-1, -4, 5, 0], [2, 0, 1, 0]]))
    var usage = SignUsage(width: 4)
    try usage.record(codes)
    #expect(usage.positive == [3, 0, 2, 0] && usage.negative == [1, 3, 0, 0])
    #expect(usage.bothSignsFraction() == 0.25)
    #expect(usage.bothSignsFraction(minorityShare: 0.25) == 0.25 && usage.bothSignsFraction(minorityShare: 0.3) == 0)
    #expect(usage.minorityShares == [0.25, 0, 0, 0])
    // TopK codes never use both signs.
    var rng = RandomSource(seed: 1)
    var topK = SignUsage(width: 50)
    try topK.record(SparseCodes.topK(of: Matrix.gaussian(rows: 40, cols: 50, mean: 0, std: 1, using: &rng), k: 5))
    #expect(topK.bothSignsFraction() == 0)
    #expect(throws: SAEKitError.self) { try usage.record(SparseCodes(dense: Matrix(rows: 1, cols: 3))) }
  }

  @Test func l0DistributionCountsTokensPerL0() throws {
    let codes = SparseCodes(dense: try Matrix([[1, -2, 0], [0, 0, 0], [3, 1, 1], [0, 5, 0]]))
    let l0 = L0Distribution(codes)
    #expect(l0.perToken == [2, 0, 3, 1] && l0.counts == [1, 1, 1, 1])
    #expect(l0.mean == 1.5 && l0.zeroFraction == 0.25)
    #expect(abs(l0.standardDeviation - (5.0 / 3).squareRoot()) < 1e-12)
    #expect(L0Distribution(perToken: []).mean == 0 && L0Distribution(perToken: []).counts == [0])
  }

  @Test func spearmanUsesAverageRanksForTies() throws {
    #expect(try RankCorrelation.averageRanks([10, 20, 10, 5]) == [2.5, 4, 2.5, 1])
    #expect(try RankCorrelation.spearman([1, 2, 3, 4], [10, 100, 1000, 1e6]) == 1)
    #expect(try RankCorrelation.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
    // A constant series (TopK's per-token L0) has no rank order: ρ = 0.
    #expect(try RankCorrelation.spearman([3, 3, 3], [1, 5, 2]) == 0)
    // By hand: ranks a = [1, 2.5, 2.5, 4], b = [2, 1, 3, 4] → ρ = 3 / √(4.5 · 5).
    let rho = try RankCorrelation.spearman([1, 2, 2, 3], [20, 10, 30, 40])
    #expect(abs(rho - 3 / (4.5 * 5.0).squareRoot()) < 1e-12)
    #expect(throws: SAEKitError.self) { try RankCorrelation.spearman([1], [2]) }
    #expect(throws: SAEKitError.self) { try RankCorrelation.spearman([1, .nan], [2, 3]) }
  }
}
