import Testing
@testable import SAEKit

/// AbsTopK's selection against a naive full sort of |pre|, its signed codes and
/// exact L0, and its magnitude-ranked AuxK codes.
@Suite struct AbsTopKTests {
  /// Dense codes by full sort of |row|, ties to the lower index, signs kept.
  func naive(_ row: [Float], _ k: Int) -> [Float] {
    var z = [Float](repeating: 0, count: row.count)
    let order = row.indices.sorted { abs(row[$0]) > abs(row[$1]) || (abs(row[$0]) == abs(row[$1]) && $0 < $1) }
    for j in order.prefix(k) { z[j] = row[j] }
    return z
  }

  @Test func codesMatchAFullSortOfMagnitudesIncludingTies() throws {
    var rng = RandomSource(seed: 21)
    for trial in 0..<40 {
      let b = 1 + rng.int(below: 6), m = 8 + rng.int(below: 400), k = 1 + rng.int(below: min(m, 40))
      // Coarse signed values: many ties in |value|, including +v against −v.
      let levels = trial % 2 == 0 ? 7 : 1_000_000
      let rows = (0..<b).map { _ in (0..<m).map { _ in Float(rng.int(below: 2 * levels + 1) - levels) } }
      let pre = try Matrix(rows)
      let codes = AbsTopK(k: k).inferenceCodes(pre).dense()
      for r in 0..<b {
        #expect(codes.row(r) == naive(rows[r], k), "trial \(trial): m = \(m), k = \(k)")
      }
    }
  }

  @Test func signedCodesAndL0ExactlyK() {
    var rng = RandomSource(seed: 4)
    let pre = Matrix.gaussian(rows: 64, cols: 300, mean: -0.5, std: 1, using: &rng)
    var act = AbsTopK(k: 12)
    let codes = act.trainingCodes(pre)
    #expect((0..<64).allSatisfy { codes.l0(row: $0) == 12 })
    #expect(codes.meanL0 == 12)
    #expect(codes.values.contains { $0 < 0 } && codes.values.contains { $0 > 0 })
    // TopK on the same pre-activations keeps only positive values.
    #expect(SparseCodes.topK(of: pre, k: 12).values.allSatisfy { $0 > 0 })
  }

  @Test func auxCodesRankDeadLatentsByMagnitudeAndKeepSigns() throws {
    let pre = try Matrix([[-5, 1, 4, -2, 0.5, 3], [0, -1, 0, 1, 0, 0]])
    let dead: [Int32] = [0, 2, 3, 4]
    let codes = AuxKLoss.codes(pre, dead: dead, k: 2, ranking: .magnitude)
    #expect(codes.dense() == (try Matrix([[-5, 0, 4, 0, 0, 0], [0, 0, 0, 1, 0, 0]])),
            "row 1: only one dead latent is non-zero, and zeros are not stored")
    let byValue = AuxKLoss.codes(pre, dead: dead, k: 2)
    #expect(byValue.dense() == (try Matrix([[0, 0, 4, 0, 0.5, 0], [0, 0, 0, 1, 0, 0]])))
  }
}
