import Foundation
import Testing
@testable import SAEKit

/// The pieces every held-out analysis of the notebooks stands on: the split by
/// texts, seed statistics, the normal-equation path of least squares, the
/// subset regressions of Fig. 10b and the single-source shares of the noise test.
@Suite struct HeldOutAnalysisTests {
  // MARK: - Split by texts

  @Test func everyTextIsOnExactlyOneSide() throws {
    let split = try TextInterleavedSplit(period: 4)
    // 40 texts of 1…5 tokens each, with a special token at every text's start.
    var documents = [Int](), ids = [Int]()
    for text in 0..<40 {
      for position in 0...(text % 5) {
        documents.append(text)
        ids.append(position == 0 ? 101 : 1000 + text)
      }
    }
    let rows = try split.rows(documents: documents, tokenIds: ids, excluding: [101])
    let sides = [rows.training, rows.fit, rows.test].map { Set($0.map { documents[$0] }) }
    for a in 0..<3 {
      for b in (a + 1)..<3 { #expect(sides[a].isDisjoint(with: sides[b]), "sides \(a) and \(b) share a text") }
    }
    #expect(sides[0].union(sides[1]).union(sides[2]) == Set((0..<40).filter { $0 % 5 != 0 }), "texts with only a special token have no rows")
    #expect(sides[1] == [3, 11, 19, 27])
    #expect(sides[2] == [7, 23, 31, 39])
    #expect(!(rows.training + rows.fit + rows.test).contains { ids[$0] == 101 }, "excluded ids are on no side")
    #expect(rows.heldOut == (rows.fit + rows.test).sorted())
    #expect(rows.training == rows.training.sorted())
    #expect(TextInterleavedSplit.texts(of: rows.test, documents: documents) == [7, 23, 31, 39])
  }

  @Test func splitRejectsBadInput() throws {
    #expect(throws: SAEKitError.self) { try TextInterleavedSplit(period: 1) }
    let split = try TextInterleavedSplit(period: 3)
    #expect(throws: SAEKitError.self) { try split.rows(documents: [0, 1], tokenIds: [5]) }
    #expect(throws: SAEKitError.self) { try split.rows(documents: [0, -1], tokenIds: [5, 6]) }
  }

  // MARK: - Seed statistics

  @Test func meanAndSampleStandardDeviation() throws {
    let s = try SampleStatistics([2, 4, 4, 4, 5, 5, 7, 9])
    #expect(s.count == 8 && s.mean == 5 && s.minimum == 2 && s.maximum == 9)
    #expect(abs(s.standardDeviation - (32.0 / 7).squareRoot()) < 1e-12)
    #expect(try SampleStatistics([3.5]).standardDeviation == 0)
    #expect(throws: SAEKitError.self) { try SampleStatistics([]) }
    #expect(throws: SAEKitError.self) { try SampleStatistics([1, .nan]) }
  }

  @Test func bootstrapIntervalOfAKnownCase() throws {
    // The mean of 400 draws from N(2, 1): the interval should be ≈ 2 ± 1.96/√400.
    var rng = RandomSource(seed: 11)
    let values = (0..<400).map { _ in rng.gaussian(mean: 2, std: 1) }
    let s = try SampleStatistics(values)
    let ci = try SampleStatistics.bootstrapInterval(values, level: 0.95, resamples: 4_000, seed: 3)
    let halfWidth = 1.96 * s.standardDeviation / 20
    #expect(ci.low < s.mean && s.mean < ci.high)
    #expect(abs((ci.high - ci.low) / 2 - halfWidth) < 0.15 * halfWidth, "\(ci) vs ± \(halfWidth)")
    #expect(abs((ci.low + ci.high) / 2 - s.mean) < 0.25 * halfWidth)
    #expect(try SampleStatistics.bootstrapInterval(values, resamples: 4_000, seed: 3) == ci, "seeded: the same interval")
    let constant = try SampleStatistics.bootstrapInterval([0.25, 0.25, 0.25])
    #expect(constant.low == 0.25 && constant.high == 0.25)
    #expect(throws: SAEKitError.self) { try SampleStatistics.bootstrapInterval([1, 2], level: 1) }
    #expect(throws: SAEKitError.self) { try SampleStatistics.bootstrapInterval([1, 2], resamples: 10) }
  }

  @Test func quantileInterpolatesLikeNumpy() {
    let sorted = [1.0, 2.0, 4.0, 8.0]
    #expect(SampleStatistics.quantile(sorted: sorted, 0) == 1)
    #expect(SampleStatistics.quantile(sorted: sorted, 1) == 8)
    #expect(SampleStatistics.quantile(sorted: sorted, 0.5) == 3)  // numpy.quantile([1, 2, 4, 8], 0.5)
    #expect(abs(SampleStatistics.quantile(sorted: sorted, 0.9) - 6.8) < 1e-12)
  }

  // MARK: - Least squares: normal equations and QR agree

  @Test func normalEquationsAgreeWithHouseholder() throws {
    var rng = RandomSource(seed: 21)
    // Anisotropic columns (scales 0.1 … 30), as residual streams are.
    let x = Matrix(rows: 3_000, cols: 24) { _, j in Float(rng.gaussian()) * Float(0.1 + 1.3 * Double(j)) }
    let y = Matrix(rows: 3_000, cols: 5) { i, j in x[i, j] - 0.5 * x[i, (j + 7) % 24] + Float(rng.gaussian()) }
    for intercept in [false, true] {
      let fast = try #require(LeastSquares.Design.choleskyFactor(x: x, intercept: intercept, ridge: 0))
      #expect(fast.count == (24 + (intercept ? 1 : 0)) * (24 + (intercept ? 1 : 0)))
      let viaDesign = try LeastSquares.fit(x: x, y: y, intercept: intercept)
      let viaQR = try LeastSquares.householder(x: x, y: y, intercept: intercept, ridge: 0)
      for e in 0..<viaQR.coefficients.count {
        #expect(abs(viaDesign.coefficients.storage[e] - viaQR.coefficients.storage[e]) <= 1e-5 * max(1, abs(viaQR.coefficients.storage[e])))
      }
      if intercept {
        for j in 0..<5 { #expect(abs(viaDesign.intercept![j] - viaQR.intercept![j]) <= 1e-4) }
      }
    }
  }

  @Test func aBadlyConditionedDesignFallsBackToQR() throws {
    var rng = RandomSource(seed: 4)
    // Column 2 = column 0 + 1e-6 noise: κ(XᵀX) ≈ 10¹³, beyond the normal equations' bound.
    var x = Matrix.gaussian(rows: 500, cols: 3, using: &rng)
    for i in 0..<500 { x[i, 2] = x[i, 0] + Float(rng.gaussian() * 1e-6) }
    #expect(LeastSquares.Design.choleskyFactor(x: x, intercept: false, ridge: 0) == nil)
    // Exactly collinear columns are still a clear error (from the QR path).
    var collinear = Matrix.gaussian(rows: 100, cols: 3, using: &rng)
    for i in 0..<100 { collinear[i, 2] = 2 * collinear[i, 1] }
    #expect(throws: SAEKitError.self) { try LeastSquares.fit(x: collinear, y: Matrix(rows: 100, cols: 1, repeating: 1)) }
  }

  @Test func oneDesignServesManyTargetsLikeSeparateFits() throws {
    var rng = RandomSource(seed: 9)
    let x = Matrix.gaussian(rows: 800, cols: 10, using: &rng)
    let design = try LeastSquares.Design(x: x, intercept: true)
    for t in 0..<3 {
      let y = Matrix(rows: 800, cols: 2) { i, j in x[i, (t + j) % 10] * Float(t + 1) + Float(rng.gaussian()) }
      #expect(try design.fit(y) == LeastSquares.fit(x: x, y: y, intercept: true))
    }
  }

  // MARK: - Subset regressions (Fig. 10b)

  @Test func everySubsetEqualsItsOwnRegression() throws {
    var rng = RandomSource(seed: 33)
    let n = 1_500, m = 700
    func explainers(_ rows: Int) -> [Matrix] { (0..<3).map { _ in Matrix.gaussian(rows: rows, cols: 4, using: &rng) } }
    let fit = explainers(n), test = explainers(m)
    func target(_ e: [Matrix]) -> Matrix {
      Matrix(rows: e[0].rows, cols: 3) { i, j in e[0][i, j] - 2 * e[2][i, (j + 1) % 4] + 0.3 * Float(j) + 0.5 * e[1][i, 0] * e[1][i, 0] }
    }
    let subsets = [[0], [2], [0, 2], [0, 1, 2]]
    for intercept in [false, true] {
      let results = try SubsetRegression.fit(
        explainers: fit, targets: [target(fit)], testExplainers: test, testTargets: [target(test)], subsets: subsets,
        intercept: intercept)
      #expect(results.map(\.subset) == subsets)
      #expect(results.map(\.columns) == subsets.map { 4 * $0.count + (intercept ? 1 : 0) })
      for (result, subset) in zip(results, subsets) {
        let x = try Matrix.vstack([
          HeldOutRegression.columnConcatenation(subset.map { fit[$0] }),
          HeldOutRegression.columnConcatenation(subset.map { test[$0] }),
        ])
        let reference = try HeldOutRegression.vector(
          inputs: x, targets: Matrix.vstack([target(fit), target(test)]), split: TokenSplit.stacked(fitCount: n, testCount: m),
          intercept: intercept)
        #expect(abs(result.r2[0].mean - reference.r2.mean) < 1e-5, "\(subset): \(result.r2[0].mean) vs \(reference.r2.mean)")
        #expect(abs(result.r2[0].pooled - reference.r2.pooled) < 1e-5)
      }
      #expect(results[3].r2[0].mean > results[0].r2[0].mean, "more explainers explain more")
    }
  }

  @Test func collinearExplainersAreRefusedByName() throws {
    var rng = RandomSource(seed: 2)
    let a = Matrix.gaussian(rows: 300, cols: 3, using: &rng)
    let y = Matrix.gaussian(rows: 300, cols: 2, using: &rng)
    #expect(throws: SAEKitError.self) {
      try SubsetRegression.fit(explainers: [a, a], targets: [y], testExplainers: [a, a], testTargets: [y], subsets: [[0, 1]])
    }
    #expect(throws: SAEKitError.self) {
      try SubsetRegression.fit(explainers: [a], targets: [y], testExplainers: [a], testTargets: [y], subsets: [[1]])
    }
    #expect(throws: SAEKitError.self) {
      try SubsetRegression.fit(explainers: [a], targets: [y], testExplainers: [a], testTargets: [y], subsets: [[]])
    }
  }

  @Test func errorPartsOfAnSAEAreExplainedAsTheirDefinitionsSay() throws {
    var rng = RandomSource(seed: 5)
    let data = try SyntheticSuperposition(.init(featureCount: 64, dimension: 12, sampleCount: 2_400, support: .exactly(3)), using: &rng)
    var config = TrainingConfig()
    config.steps = 60
    config.batchSize = 256
    let sae = try SAETrainer.train(data.x, width: 32, activation: .topK(k: 3), config: config, random: RandomSource(seed: 1)).model
    let fitX = data.x.rows(0..<1_200), testX = data.x.rows(1_200..<2_400)
    let map = try SAEErrorDecomposition.linearMap(activations: fitX, reconstructions: sae.reconstruct(fitX))
    let results = try ErrorExplanation.analyse(
      sae: sae, linearMap: map, fit: (fitX, [fitX, try sae.reconstruct(fitX)]), test: (testX, [testX, try sae.reconstruct(testX)]),
      subsets: [[0], [1], [0, 1]])
    #expect(results.map(\.fitTokens) == [1_200, 1_200, 1_200] && results.map(\.testTokens) == [1_200, 1_200, 1_200])
    #expect(results[0].linear.mean > 0.9999, "LinearError = a*ᵀx is linear in x")
    #expect(results[2].nonlinear.mean > 0.9999, "NonlinearError = x − Sae(x) − a*ᵀx is linear in x and Sae(x)")
    #expect(results[1].nonlinear.mean < results[2].nonlinear.mean)
  }

  // MARK: - The noise test's single sources

  @Test func eachSourceAloneIsSortedAsThePaperArgues() throws {
    var rng = RandomSource(seed: 8)
    let data = try SyntheticSuperposition(
      .init(featureCount: 256, dimension: 32, sampleCount: 3_000, support: .zipf(exponent: 1, meanActive: 6)), using: &rng)
    let test = try SyntheticNoiseTest(
      truth: .oracle(data), config: .init(activationNoise: [0, 1], reconstructionNoise: [0, 1], dropFractions: [0, 0.5], noiseUnit: 0.25, seed: 2))
    let sources = test.singleSources()
    #expect(sources.map(\.source) == [.activationNoise, .reconstructionNoise, .droppedFeatures])
    #expect(sources[0].cell.activationNoise == 1 && sources[0].cell.reconstructionNoise == 0 && sources[0].cell.dropFraction == 0)
    #expect(sources[2].cell.dropFraction == 0.5)
    let shares = sources.map(\.linearShare)
    #expect(abs(shares[1]) < 0.05, "noise added to the reconstruction is independent of x: \(shares[1])")
    #expect(shares[0] > shares[1] && shares[2] > shares[1], "\(shares)")
    #expect(shares.allSatisfy { $0 <= 1 })
    // A grid without a single-source cell leaves that source out.
    let partial = try SyntheticNoiseTest(truth: .oracle(data), config: .init(activationNoise: [0], reconstructionNoise: [0, 2], dropFractions: [0]))
    #expect(partial.singleSources().map(\.source) == [.reconstructionNoise])
  }
}
