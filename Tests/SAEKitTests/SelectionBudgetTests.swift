import Testing
@testable import SAEKit

/// The one selection kernel (per-row, per-column and whole-batch budgets, by
/// value or magnitude) against a naive full sort, ties included.
@Suite struct SelectionBudgetTests {
  /// The kept positions of `scores` under `budget`, by full sort of each group
  /// (rows, columns or the whole matrix) with ties to the lower position.
  func naive(_ scores: [[Float]], _ budget: SelectionBudget, _ ranking: SelectionRanking) -> [[Float]] {
    let b = scores.count, m = scores[0].count
    let key: (Float) -> Float = ranking == .value ? { $0 } : { abs($0) }
    var z = [[Float]](repeating: [Float](repeating: 0, count: m), count: b)
    func take(_ positions: [(Int, Int)], _ n: Int) {
      let order = positions.indices.sorted {
        let (a, c) = (key(scores[positions[$0].0][positions[$0].1]), key(scores[positions[$1].0][positions[$1].1]))
        return a > c || (a == c && $0 < $1)
      }
      for i in order.prefix(max(0, n)) {
        let (r, j) = positions[i]
        if key(scores[r][j]) > 0 { z[r][j] = scores[r][j] }
      }
    }
    switch budget {
    case .perRow(let k): for r in 0..<b { take((0..<m).map { (r, $0) }, k) }
    case .eachRow(let counts): for r in 0..<b { take((0..<m).map { (r, $0) }, counts[r]) }
    case .perColumn(let caps): for j in 0..<m { take((0..<b).map { ($0, j) }, caps[j]) }
    case .total(let n): take((0..<b).flatMap { r in (0..<m).map { (r, $0) } }, n)
    }
    return z
  }

  func randomScores(_ b: Int, _ m: Int, coarse: Bool, _ rng: inout RandomSource) -> [[Float]] {
    (0..<b).map { _ in
      (0..<m).map { _ in coarse ? Float(rng.int(below: 9) - 4) : Float(rng.gaussian()) }
    }
  }

  @Test(arguments: [SelectionRanking.value, .magnitude])
  func everyBudgetMatchesAFullSort(ranking: SelectionRanking) throws {
    var rng = RandomSource(seed: 17)
    for trial in 0..<60 {
      let b = 1 + rng.int(below: 70), m = 1 + rng.int(below: 90)
      let scores = randomScores(b, m, coarse: trial % 2 == 0, &rng)
      let pre = try Matrix(scores)
      let budgets: [SelectionBudget] = [
        .perRow(rng.int(below: m + 2)),
        .eachRow((0..<b).map { _ in rng.int(below: m + 2) }),
        .perColumn((0..<m).map { _ in rng.int(below: b + 3) }),
        .total(rng.int(below: b * m + 5)),
      ]
      for budget in budgets {
        let (codes, _) = SparseCodes.selecting(pre, budget: budget, rankedBy: ranking)
        #expect(codes.dense() == (try Matrix(naive(scores, budget, ranking))), "trial \(trial), \(budget)")
        for r in 0..<b {
          let ids = codes.entries(row: r).map { codes.indices[$0] }
          #expect(ids == ids.sorted(), "latents of a row in ascending order")
        }
      }
    }
  }

  @Test func largeBatchesTakeTheSampledCutAndThePrefilter() throws {
    var rng = RandomSource(seed: 2)
    let scores = randomScores(300, 256, coarse: false, &rng)
    let pre = try Matrix(scores)
    for budget in [SelectionBudget.total(300 * 8), .perColumn([Int](repeating: 9, count: 256))] {
      let (codes, _) = SparseCodes.selecting(pre, budget: budget)
      #expect(codes.dense() == (try Matrix(naive(scores, budget, .value))))
    }
    // Many ties at the cut of the batch budget: the lower row-major positions win.
    let steps = (0..<200).map { r in (0..<64).map { j in Float((r * 64 + j) % 5) } }
    let (codes, cuts) = SparseCodes.selecting(try Matrix(steps), budget: .total(4_000))
    #expect(codes.values.count == 4_000 && cuts == [3])
    #expect(codes.dense() == (try Matrix(naive(steps, .total(4_000), .value))))
  }

  @Test func cutsAreTheSmallestKeptKeys() throws {
    let pre = try Matrix([[3, -1, 0.5], [2, -4, 0], [1, 5, -0.25]])
    let columns = SparseCodes.selecting(pre, budget: .perColumn([2, 2, 2]))
    #expect(columns.cuts == [2, 0, 0], "column 1 has one positive affinity, column 2 one")
    #expect(SparseCodes.selecting(pre, budget: .perColumn([2, 2, 2]), rankedBy: .magnitude).cuts == [2, 4, 0.25])
    #expect(SparseCodes.selecting(pre, budget: .total(3)).cuts == [2])
    #expect(SparseCodes.selecting(pre, budget: .total(3), rankedBy: .magnitude).cuts == [3])
    #expect(SparseCodes.selecting(pre, budget: .total(0)).codes.values.isEmpty)
    // An empty batch selects nothing under every budget.
    for budget in [SelectionBudget.perRow(2), .eachRow([]), .perColumn([1, 1, 1]), .total(4)] {
      let (codes, _) = SparseCodes.selecting(Matrix(rows: 0, cols: 3), budget: budget)
      #expect(codes.rows == 0 && codes.values.isEmpty && codes.rowStart == [0])
    }
  }

  @Test func capacitiesShareTheBudgetWithAFloorOfOne() {
    for (m, b, k, alpha) in [(64, 32, 4, Float(0)), (64, 32, 4, 1), (3072, 4096, 32, 1), (100, 40, 3, 2.5), (10, 5, 3, 0)] {
      let caps = FeatureCapacities.make(width: m, batch: b, k: k, zipfExponent: alpha)
      #expect(caps.reduce(0, +) == k * b, "Σ m_j = k·B for m = \(m), B = \(b), α = \(alpha)")
      #expect(caps.allSatisfy { 1...b ~= $0 })
      #expect(zip(caps, caps.dropFirst()).allSatisfy { $0 >= $1 }, "non-increasing with rank")
      if alpha == 0 { #expect(caps.max()! - caps.min()! <= 1) }
    }
    #expect(FeatureCapacities.make(width: 10, batch: 5, k: 3, zipfExponent: 0) == [2, 2, 2, 2, 2, 1, 1, 1, 1, 1])
    #expect(FeatureCapacities.make(width: 6, batch: 2, k: 2, zipfExponent: 1) == [1, 1, 1, 1, 0, 0],
            "k·B < m: the first k·B latents get one token each")
    let steep = FeatureCapacities.make(width: 50, batch: 20, k: 10, zipfExponent: 3)
    #expect(steep.prefix(3) == [20, 20, 20], "shares above the batch are capped at B")
  }
}
