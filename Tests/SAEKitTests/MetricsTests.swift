import Foundation
import Testing
@testable import SAEKit

@Suite struct MetricsTests {
  // X = [[1, 2], [3, 4]], X̂ = [[1, 1], [2, 4]]: E = [[0, 1], [1, 0]], Σ‖e‖² = 2,
  // x̄ = (2, 3), Σ‖x − x̄‖² = 4.
  static let x = try! Matrix([[1, 2], [3, 4]])
  static let xhat = try! Matrix([[1, 1], [2, 4]])

  @Test func handComputedReconstructionMetrics() throws {
    let (x, xhat) = (Self.x, Self.xhat)
    #expect(abs(try ReconstructionMetrics.meanSquaredError(x: x, reconstruction: xhat) - 0.5) < 1e-12)
    #expect(abs(try ReconstructionMetrics.fractionOfVarianceUnexplained(x: x, reconstruction: xhat) - 0.5) < 1e-12)
    #expect(abs(try ReconstructionMetrics.explainedVariance(x: x, reconstruction: xhat) - 0.5) < 1e-12)
    #expect(try ReconstructionMetrics.errorNorms(x: x, reconstruction: xhat) == [1, 1])
    let cosines = try ReconstructionMetrics.cosineSimilarities(x: x, reconstruction: xhat)
    let want = [3 / 10.0.squareRoot(), 22 / (5 * 20.0.squareRoot())]
    #expect(abs(cosines[0] - want[0]) < 1e-12 && abs(cosines[1] - want[1]) < 1e-12)
    let mean = try ReconstructionMetrics.meanCosineSimilarity(x: x, reconstruction: xhat)
    #expect(abs(mean - (want[0] + want[1]) / 2) < 1e-12)

    let codes = try SparseCodes(
      rows: 2, width: 5, rowStart: [0, 3, 4], indices: [0, 2, 4, 1], values: [1.5, 0, -2, 0.25])
    #expect(ReconstructionMetrics.l0(codes) == [2, 1])
    let summary = try ReconstructionMetrics.summary(x: x, reconstruction: xhat, codes: codes)
    #expect(summary.tokens == 2 && summary.meanL0 == 1.5)
    #expect(abs(summary.fractionOfVarianceUnexplained - 0.5) < 1e-12)
    #expect(abs(summary.explainedVariance - 0.5) < 1e-12)
    #expect(abs(summary.meanSquaredError - 0.5) < 1e-12 && abs(summary.meanErrorNorm - 1) < 1e-12)
    #expect(abs(summary.meanCosineSimilarity - mean) < 1e-12)
  }

  @Test func degenerateCasesAndErrors() throws {
    // Perfect reconstruction; a zero token has cosine 1 with a zero reconstruction.
    let z = try Matrix([[0, 0], [1, 1]])
    #expect(try ReconstructionMetrics.fractionOfVarianceUnexplained(x: z, reconstruction: z) == 0)
    #expect(try ReconstructionMetrics.cosineSimilarities(x: z, reconstruction: z) == [1, 1])
    #expect(try ReconstructionMetrics.cosineSimilarities(x: z, reconstruction: Matrix([[1, 0], [0, 0]])) == [0, 0])
    // One token: no variance; FVU is 0 when exact, 1 otherwise.
    let one = try Matrix([[1, 2]])
    #expect(try ReconstructionMetrics.fractionOfVarianceUnexplained(x: one, reconstruction: one) == 0)
    #expect(try ReconstructionMetrics.fractionOfVarianceUnexplained(x: one, reconstruction: Matrix([[1, 3]])) == 1)
    let error = try #require(throws: SAEKitError.self) {
      try ReconstructionMetrics.meanSquaredError(x: Self.x, reconstruction: Matrix(rows: 2, cols: 3))
    }
    #expect(error.description.contains("(2×2)") && error.description.contains("(2×3)"))
    #expect(throws: SAEKitError.self) { try ReconstructionMetrics.meanSquaredError(x: Matrix(rows: 0, cols: 2), reconstruction: Matrix(rows: 0, cols: 2)) }
    #expect(throws: SAEKitError.self) { try ReconstructionAccumulator().summary() }
  }

  @Test func accumulatorEqualsOneShotOnConcatenation() throws {
    var rng = RandomSource(seed: 21)
    // Large per-dimension offsets (mean ≫ spread) stress the streaming variance.
    let offset = (0..<16).map { Float($0) * 100 }
    var batches = [(Matrix, Matrix)]()
    var accumulator = ReconstructionAccumulator()
    for rows in [7, 1, 33, 20] {
      let x = try Matrix.gaussian(rows: rows, cols: 16, using: &rng).addingRowVector(offset)
      let xhat = try x.adding(Matrix.gaussian(rows: rows, cols: 16, std: 0.3, using: &rng))
      batches.append((x, xhat))
      try accumulator.add(x: x, reconstruction: xhat, codes: SparseCodes(dense: Matrix(rows: rows, cols: 4, repeating: 1)))
    }
    let x = try Matrix.vstack(batches.map(\.0)), xhat = try Matrix.vstack(batches.map(\.1))
    let streamed = try accumulator.summary()
    let fvu = try ReconstructionMetrics.fractionOfVarianceUnexplained(x: x, reconstruction: xhat)
    #expect(streamed.tokens == 61 && streamed.meanL0 == 4)
    #expect(abs(streamed.fractionOfVarianceUnexplained - fvu) <= 1e-12 * fvu)
    #expect(abs(accumulator.totalSumOfSquares - x.columnSumsOfSquaredDeviations().reduce(0, +)) <= 1e-12 * accumulator.totalSumOfSquares)
    let mse = try ReconstructionMetrics.meanSquaredError(x: x, reconstruction: xhat)
    #expect(abs(streamed.meanSquaredError - mse) <= 1e-12 * mse)
    let cos = try ReconstructionMetrics.meanCosineSimilarity(x: x, reconstruction: xhat)
    #expect(abs(streamed.meanCosineSimilarity - cos) < 1e-12)
    // The mean of per-batch FVUs is not the same thing.
    let perBatch = try batches.map { try ReconstructionMetrics.fractionOfVarianceUnexplained(x: $0.0, reconstruction: $0.1) }
    #expect(abs(perBatch.reduce(0, +) / 4 - fvu) > 1e-3 * fvu)
    #expect(throws: SAEKitError.self) { try accumulator.add(x: Matrix(rows: 2, cols: 3), reconstruction: Matrix(rows: 2, cols: 3)) }
    accumulator.reset()
    #expect(accumulator.tokens == 0)
  }

  /// Width 4, window 3. Tokens: t0 {0}, t1 {1, (2 stored as 0)} | t2 {0}, t3 {0, 3, 3} | t4 {}.
  @Test func trackerDeadAndDenseOnConstructedSequence() throws {
    var tracker = try LatentFiringTracker(width: 4, window: 3)
    try tracker.record(SparseCodes(rows: 2, width: 4, rowStart: [0, 1, 3], indices: [0, 1, 2], values: [1, 2, 0]))
    #expect(tracker.tokensSinceFired == [1, 0, 2, 2])
    #expect(tracker.deadFraction == 0)  // only 2 < window tokens seen
    try tracker.record(SparseCodes(rows: 2, width: 4, rowStart: [0, 1, 4], indices: [0, 0, 3, 3], values: [1, 1, -1, 5]))
    #expect(tracker.tokensSinceFired == [0, 2, 4, 0])
    #expect(tracker.deadLatents == [2] && tracker.deadFraction == 0.25)
    try tracker.record(SparseCodes(rows: 1, width: 4, rowStart: [0, 0], indices: [], values: []))
    #expect(tracker.tokensSinceFired == [1, 3, 5, 1])
    #expect(tracker.deadMask == [false, true, true, false] && tracker.deadFraction == 0.5)
    #expect(tracker.firingCounts == [3, 1, 0, 1])  // latent 3 listed twice in t3 fires once
    #expect(tracker.firingFrequencies == [0.6, 0.2, 0, 0.2])
    #expect(tracker.denseFraction() == 0.75)
    #expect(tracker.denseFraction(threshold: 0.5) == 0.25)

    let histogram = try tracker.densityHistogram(bins: 10)
    #expect(histogram.edges.count == 11 && histogram.edges.first == -10 && histogram.edges.last == 0)
    #expect(histogram.counts == [1, 0, 0, 0, 0, 0, 0, 0, 0, 3])
    #expect(abs(histogram.logDensities[0] - log10(0.6 + 1e-10)) < 1e-15 && histogram.logDensities[2] == -10)
    #expect(abs(histogram.centers[0] + 9.5) < 1e-12)

    tracker.resetCounts()
    #expect(tracker.countedTokens == 0 && tracker.firingFrequencies == [0, 0, 0, 0])
    #expect(tracker.tokensSeen == 5 && tracker.deadFraction == 0.5)
    #expect(throws: SAEKitError.self) { try tracker.record(SparseCodes(dense: Matrix(rows: 1, cols: 5))) }
    #expect(throws: SAEKitError.self) { try LatentFiringTracker(width: 4, window: 0) }
  }

  @Test func permutedFeaturesAreFullyRecovered() throws {
    var rng = RandomSource(seed: 31)
    var v = Matrix.gaussian(rows: 6, cols: 10, using: &rng)
    v.normalizeRows()
    let permutation = [4, 0, 5, 2, 1, 3]
    // Decoder rows: the true features, permuted and rescaled, plus three random rows.
    var w = v.rows(permutation)
    try w.scaleRows(by: [2, 0.5, 1, 3, 1, 0.1])
    w = try Matrix.vstack([w, Matrix.gaussian(rows: 3, cols: 10, using: &rng)])
    let recovery = try FeatureRecovery(truth: v, learned: w)
    #expect(abs(recovery.meanMaxCosine - 1) < 1e-6)
    #expect(recovery.recoveredFraction == 1)
    for (k, i) in permutation.enumerated() { #expect(recovery.bestMatch[i] == k) }
    #expect(recovery.learnedMaxCosine.count == 9 && recovery.learnedMaxCosine[0..<6].allSatisfy { abs($0 - 1) < 1e-6 })
    let c = try FeatureRecovery.cosineMatrix(truth: v, learned: w)
    #expect(c.shape == Shape(6, 9) && abs(c[4, 0] - 1) < 1e-6)
  }

  @Test func partialRecoveryOnConstructedCase() throws {
    // True features e0..e3 in d = 8.
    let v = Matrix(rows: 4, cols: 8) { i, j in i == j ? 1 : 0 }
    let w = try Matrix([
      [3, 0, 0, 0, 0, 0, 0, 0],  // 3·e0: cos 1 with e0
      [0, -1, 0, 0, 0, 0, 0, 0],  // −e1: cos −1, does not recover e1
      [0, 0, 0.95, 0, 0, Float((1 - 0.95 * 0.95).squareRoot()), 0, 0],  // cos 0.95 with e2
      [0, 0, 0, 0.8, 0, 0, 0.6, 0],  // cos 0.8 with e3
      [0, 0, 0, 0, 0, 0, 0, 0],  // a dead decoder row: cos 0
    ])
    let recovery = try FeatureRecovery(truth: v, learned: w)
    let want = [1, 0, 0.95, 0.8]
    for i in 0..<4 { #expect(abs(recovery.maxCosine[i] - want[i]) < 1e-6) }
    #expect(abs(recovery.meanMaxCosine - 0.6875) < 1e-6)
    #expect(recovery.recoveredFraction == 0.5)
    #expect(recovery.recoveredFraction(threshold: 0.75) == 0.75)
    #expect(try FeatureRecovery(truth: v, learned: w, threshold: 0.99).recoveredFraction == 0.25)
    #expect(recovery.bestMatch == [0, 0, 2, 3])
    #expect(recovery.learnedMaxCosine[1] == 0 && recovery.learnedMaxCosine[4] == 0)

    let error = try #require(throws: SAEKitError.self) { try FeatureRecovery(truth: v, learned: Matrix(rows: 5, cols: 7)) }
    guard case .shapeMismatch = error else { Issue.record("expected shapeMismatch, got \(error)"); return }
    #expect(error.description.contains("(4×8)") && error.description.contains("(5×7)"))
  }

  @Test func rSquaredPerDimensionAndPooled() throws {
    // Column 0: y = (1, 2, 3), ŷ = (1, 2, 4): SSE 1, SST 2 → R² = 0.5.
    // Column 1: y = (0, 0, 3), ŷ = (0, 1, 3): SSE 1, SST 6 → R² = 5/6.
    let y = try Matrix([[1, 0], [2, 0], [3, 3]]), yhat = try Matrix([[1, 0], [2, 1], [4, 3]])
    let r2 = try RSquared(truth: y, prediction: yhat)
    #expect(abs(r2.perDimension[0] - 0.5) < 1e-12 && abs(r2.perDimension[1] - 5.0 / 6) < 1e-12)
    #expect(abs(r2.mean - (0.5 + 5.0 / 6) / 2) < 1e-12)
    #expect(abs(r2.pooled - 0.75) < 1e-12)
    #expect(abs(try RSquared.scalar(truth: [1, 2, 3], prediction: [1, 2, 4]) - 0.5) < 1e-12)
    // A constant column: 1 when predicted exactly, 0 otherwise.
    let constant = try Matrix([[5, 1], [5, 2]])
    #expect(try RSquared(truth: constant, prediction: constant).perDimension == [1, 1])
    #expect(try RSquared(truth: constant, prediction: Matrix([[4, 1], [5, 2]])).perDimension == [0, 1])
    #expect(throws: SAEKitError.self) { try RSquared(truth: y, prediction: Matrix(rows: 3, cols: 1)) }
  }
}
