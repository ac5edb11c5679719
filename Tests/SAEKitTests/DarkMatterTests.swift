import Foundation
import Testing
@testable import SAEKit

@Suite struct DarkMatterTests {
  /// `x ~ N(0, I_d)`, `SaeError = x·A + σ·ε` with `ε ⟂ x`, so that
  /// `Sae(x) = x − SaeError` and `a* = A` exactly in expectation.
  static func knownSplit(n: Int, d: Int, sigma: Double, seed: UInt64) -> (x: Matrix, recon: Matrix, a: Matrix) {
    var rng = RandomSource(seed: seed)
    let x = Matrix.gaussian(rows: n, cols: d, using: &rng)
    let a = Matrix.gaussian(rows: d, cols: d, std: 0.3, using: &rng)
    var error = try! x.matmul(a)
    for e in 0..<error.count { error.storage[e] += Float(sigma * rng.gaussian()) }
    return (x, try! x.subtracting(error), a)
  }

  @Test func linearSplitRecoversAKnownMapAndItsShare() throws {
    let (n, d, sigma) = (3000, 6, 0.5)
    let (x, recon, a) = Self.knownSplit(n: n, d: d, sigma: sigma, seed: 1)
    let split = try SAEErrorDecomposition(activations: x, reconstructions: recon)
    #expect(split.linearMap.coefficients.shape == Shape(d, d) && split.linearMap.intercept == nil)
    let fitCount = split.split.fitRows.count
    #expect(fitCount == Int((TokenSplit.paperFitFraction * Double(n)).rounded()))
    #expect(fitCount + split.split.testRows.count == n)
    // a* ≈ A within a few standard errors σ/√N_fit.
    let tolerance = 5 * sigma / Double(fitCount).squareRoot()
    for i in 0..<d { for j in 0..<d { #expect(abs(Double(split.linearMap.coefficients[i, j] - a[i, j])) < tolerance) } }
    // Theory for x ~ N(0, I): R²_j = ‖A_{:,j}‖² / (‖A_{:,j}‖² + σ²), share = ‖A‖² / (‖A‖² + dσ²).
    let columnPower = (0..<d).map { j in (0..<d).reduce(0.0) { $0 + Double(a[$1, j] * a[$1, j]) } }
    let expectedR2 = columnPower.map { $0 / ($0 + sigma * sigma) }
    let expectedMean = expectedR2.reduce(0, +) / Double(d)
    let power = columnPower.reduce(0, +)
    #expect(abs(split.vectorR2.mean - expectedMean) < 0.03)
    #expect(abs(split.vectorR2.pooled - power / (power + Double(d) * sigma * sigma)) < 0.03)
    #expect(abs(split.linearNormShare - power / (power + Double(d) * sigma * sigma)) < 0.03)
    #expect(abs(split.nonlinearFVU - sigma * sigma) < 0.03)
    #expect(abs(split.totalFVU - (power / Double(d) + sigma * sigma)) < 0.05)
    #expect(abs(split.linearFVU - power / Double(d)) < 0.03)
    #expect(abs(split.heldOutNonlinearFVU - sigma * sigma) < 0.04)
    // x = Sae(x) + LinearError + NonlinearError, and LinearError = x·a*.
    let parts = try split.components(activations: x, reconstructions: recon)
    let sum = try recon.adding(parts.linearError).adding(parts.nonlinearError)
    #expect(try sum.subtracting(x).storage.allSatisfy { abs($0) < 1e-5 })
    #expect(try parts.linearError.subtracting(x.matmul(split.linearMap.coefficients)).frobeniusNorm < 1e-3)
    // The nonlinear FVU is the FVU of Sae(x) + LinearError.
    let direct = try ReconstructionMetrics.fractionOfVarianceUnexplained(x: x, reconstruction: recon.adding(parts.linearError))
    #expect(abs(direct - split.nonlinearFVU) < 1e-9)
  }

  @Test func pureNoiseErrorIsNonlinearAndAPureMapIsLinear() throws {
    let (x, _, _) = Self.knownSplit(n: 1500, d: 5, sigma: 1, seed: 2)
    // Error = pure noise: vector R² ≈ 0 (slightly negative held out), linear share ≈ 0.
    var rng = RandomSource(seed: 3)
    let noise = Matrix.gaussian(rows: 1500, cols: 5, using: &rng)
    let pure = try SAEErrorDecomposition(activations: x, reconstructions: x.subtracting(noise))
    #expect(abs(pure.vectorR2.mean) < 0.02 && pure.linearNormShare < 0.02)
    // Error = exactly x·A: R² = 1, nonlinear FVU = 0.
    let a = try Matrix([[0.5, 0, 0, 0, 0], [0, -1, 0, 0, 0], [0, 0, 0.2, 0.1, 0], [0, 0, 0, 1, 0], [0.3, 0, 0, 0, 0.7]])
    let exact = try SAEErrorDecomposition(activations: x, reconstructions: x.subtracting(x.matmul(a)))
    #expect(exact.vectorR2.mean > 0.99999 && exact.vectorR2.pooled > 0.99999)
    #expect(exact.nonlinearFVU < 1e-9 && abs(exact.linearNormShare - 1) < 1e-5)
  }

  @Test func rSquaredDefinitionsOnHandCases() throws {
    // Per-dimension mean vs pooled: column 0 exact, column 1 SSE 8 / SST 200.
    let y = try Matrix([[1, 10], [2, 20], [3, 30]])
    let yh = try Matrix([[1, 12], [2, 20], [3, 28]])
    let r = try RSquared(truth: y, prediction: yh)
    #expect(abs(r.mean - 0.98) < 1e-12)
    #expect(abs(r.pooled - (1 - 8.0 / 202.0)) < 1e-12)
    // No intercept, centred TSS: fit x = [1, 2] → y = [5, 7] gives β = 19/5; on
    // x = [3, 4], y = [9, 11]: SSE = 2.4² + 4.2² = 23.4, SST = 2 → R² = −10.7.
    let x = try Matrix([[1], [2], [3], [4]])
    let target: [Double] = [5, 7, 9, 11]
    let split = try TokenSplit(fitRows: [0, 1], testRows: [2, 3])
    let noIntercept = try HeldOutRegression.scalar(inputs: x, target: target, split: split, intercept: false)
    #expect(abs(Double(noIntercept.fit.coefficients[0, 0]) - 3.8) < 1e-6)
    #expect(abs(noIntercept.r2 - (-10.7)) < 1e-5)
    let withIntercept = try HeldOutRegression.scalar(inputs: x, target: target, split: split, intercept: true)
    #expect(abs(withIntercept.r2 - 1) < 1e-6)
    // Grand-mean FVU (synthetic test) vs per-column FVU: residual 1; grand mean 6
    // gives SST = 36 + 16 + 16 + 36 = 104, column means give SST = 4.
    let truth = try Matrix([[0, 10], [2, 12]]), guess = try Matrix([[1, 10], [2, 12]])
    #expect(abs(try DarkMatterStatistics.grandMeanFVU(truth: truth, prediction: guess) - 1.0 / 104.0) < 1e-12)
    #expect(abs(try ReconstructionMetrics.fractionOfVarianceUnexplained(x: truth, reconstruction: guess) - 0.25) < 1e-12)
    // Pearson on a hand case: corr([1,2,3], [2,4,7]) = 0.99339…
    #expect(abs(try DarkMatterStatistics.pearson([1, 2, 3], [2, 4, 7]) - 5 / (2 * 12.666666666666666).squareRoot()) < 1e-9)
    #expect(try DarkMatterStatistics.pearson([1, 2, 3], [4, 4, 4]) == 0)
  }

  @Test func splitIsASeededPermutation() throws {
    let a = try TokenSplit(tokenCount: 100, fitFraction: 0.6, seed: 9)
    let b = try TokenSplit(tokenCount: 100, fitFraction: 0.6, seed: 9)
    let c = try TokenSplit(tokenCount: 100, fitFraction: 0.6, seed: 10)
    #expect(a == b && a != c)
    #expect(a.fitRows.count == 60 && Set(a.fitRows + a.testRows) == Set(0..<100))
    #expect(a.fitRows != Array(0..<60))  // shuffled, not a prefix
    #expect(throws: SAEKitError.self) { try TokenSplit(fitRows: [0, 1], testRows: [1, 2]) }
    #expect(throws: SAEKitError.self) { try TokenSplit(tokenCount: 10, fitCount: 10, seed: 0) }
  }
}

@Suite struct DarkMatterNormTests {
  /// `x = Σ y_i w_i` over `n` unit features in `d` dimensions (Bernoulli 0.25 supports).
  static func data(
    n: Int, d: Int, tokens: Int, magnitude: SyntheticSuperposition.Magnitude, orthonormal: Bool, seed: UInt64,
    noise: Double = 0
  ) throws -> SyntheticSuperposition {
    var rng = RandomSource(seed: seed)
    let features = orthonormal ? GradientPursuitTests.orthonormal(d, seed: seed).rows(0..<n) : nil
    let config = SyntheticSuperposition.Config(
      featureCount: n, dimension: d, sampleCount: tokens,
      support: .bernoulli(frequencies: [Double](repeating: 0.25, count: n)), magnitude: magnitude, noiseStd: noise)
    return try SyntheticSuperposition(config, features: features, using: &rng)
  }

  /// The SAE that knows features `0 ..< known` exactly: `Sae(x) = Σ_{i<known} y_i w_i`.
  static func oracleReconstruction(_ data: SyntheticSuperposition, known: Int) throws -> Matrix {
    let codes = data.coefficients
    let values = codes.values.indices.map { codes.indices[$0] < known ? codes.values[$0] : 0 }
    var out = Matrix(rows: codes.rows, cols: data.x.cols)
    SparseKernels.decode(codes, values: values, weights: data.features, bias: [], into: &out)
    return out
  }

  @Test func squaredNormIsLinearForConstantMagnitudesOnly() throws {
    // §1a's mechanism: ‖Σ y_i w_i‖² = Σ y_i² = Σ ȳ_i y_i = (Σ ȳ_i w_i)ᵀx for orthonormal
    // w_i and constant magnitudes ȳ_i; magnitude variance breaks it.
    var r2 = [Double]()
    for magnitude in [SyntheticSuperposition.Magnitude.constant(1), .uniform(low: 0.5, high: 1.5), .logNormal(mu: 0, sigma: 1)] {
      let data = try Self.data(n: 16, d: 32, tokens: 2000, magnitude: magnitude, orthonormal: true, seed: 4)
      let split = try TokenSplit(tokenCount: 2000, fitFraction: 0.5, seed: 1)
      r2.append(try HeldOutRegression.squaredNorm(inputs: data.x, of: data.x, split: split).r2)
    }
    #expect(r2[0] > 0.9999, "constant: \(r2)")
    #expect(r2[1] > 0.9 && r2[1] < r2[0], "uniform: \(r2)")
    #expect(r2[2] < 0.8, "log-normal: \(r2)")
  }

  @Test func normIsMorePredictableThanTheVector() throws {
    // 24 near-orthogonal features in 256 dims (plus a little dense noise so that
    // x has full rank); the SAE knows 12 and adds introduced noise ε:
    // SaeError ≈ (unknown features) + ε. The vector is mostly noise (low R²), but
    // its squared norm tracks the count of unknown features, which is linear in x
    // (§1a mechanism).
    let (n, d, tokens) = (24, 256, 8000)
    let data = try Self.data(
      n: n, d: d, tokens: tokens, magnitude: .constant(1), orthonormal: false, seed: 5, noise: 0.02)
    var rng = RandomSource(seed: 6)
    let introduced = Matrix.gaussian(rows: tokens, cols: d, std: 0.16, using: &rng)
    let recon = try Self.oracleReconstruction(data, known: 12).subtracting(introduced)
    let tokenIDs = (0..<tokens).map { _ in rng.int(below: 50) }
    let l0 = (0..<tokens).map { t in data.coefficients.entries(row: t).filter { data.coefficients.indices[$0] < 12 }.count }
    // ‖SaeError‖² has a large constant part (E‖ε‖²), so the norm fit needs the
    // intercept here (TMLR Fig. 7 / Fig. 13 style).
    let split = try SAEErrorDecomposition(
      activations: data.x, reconstructions: recon, l0: l0, tokenIDs: tokenIDs,
      options: .init(fitFraction: 0.5, normIntercept: true))
    #expect(split.normFit.intercept != nil && split.linearMap.intercept == nil)
    #expect(split.vectorR2.mean > 0.1 && split.vectorR2.mean < 0.4, "vector \(split.vectorR2.mean)")
    #expect(split.normR2 > split.vectorR2.mean + 0.3, "norm \(split.normR2) vector \(split.vectorR2.mean)")
    let base = split.normBaselines
    #expect(abs(base.activation - split.normR2) < 1e-9)  // the same [x, 1] regression
    // Without the intercept (the paper's Fig. 1/7 default) the centred TSS punishes the offset.
    let noIntercept = try SAEErrorDecomposition(
      activations: data.x, reconstructions: recon, options: .init(fitFraction: 0.5))
    #expect(noIntercept.normFit.intercept == nil && noIntercept.normR2 < split.normR2 - 0.5)
    #expect(noIntercept.vectorR2 == split.vectorR2 && noIntercept.normBaselines.l0 == nil)
    #expect(base.activation > base.activationNorm + 0.2, "\(base)")
    #expect(base.activation > (base.l0 ?? 1) + 0.5 && abs(base.l0 ?? 1) < 0.05, "\(base)")
    #expect(base.activation > (base.tokenIdentity ?? 1) + 0.5 && abs(base.tokenIdentity ?? 1) < 0.1, "\(base)")
    // Fig. 7: the nonlinear part's norm is the least predictable component.
    let parts = try split.componentNormR2(activations: data.x, reconstructions: recon, intercept: true)
    #expect(parts.nonlinearError < parts.saeError && parts.nonlinearError < parts.linearError, "\(parts)")
    #expect(parts.activation > 0.9, "\(parts)")
  }

  @Test func tokenIdentityAndConstantBaselinesOnHandCases() throws {
    // ‖e‖² = the token id exactly: the per-id mean is perfect on seen ids.
    let n = 40
    let ids = (0..<n).map { $0 % 4 }
    let target = ids.map(Double.init)
    var rng = RandomSource(seed: 7)
    let x = Matrix.gaussian(rows: n, cols: 3, using: &rng)
    let split = try TokenSplit(tokenCount: n, fitFraction: 0.5, seed: 2)
    let constantL0 = [Int](repeating: 32, count: n)
    let base = try NormBaselines(x: x, squaredErrorNorms: target, l0: constantL0, tokenIDs: ids, split: split)
    #expect(abs(try #require(base.tokenIdentity) - 1) < 1e-9)
    // A constant L0 (TopK) predicts the fit mean: R² = −(ȳ_fit − ȳ_test)² / var_test ≤ 0.
    let fitMean = split.fitRows.reduce(0.0) { $0 + target[$1] } / Double(split.fitRows.count)
    let test = split.testRows.map { target[$0] }
    let testMean = test.reduce(0, +) / Double(test.count)
    let variance = test.reduce(0) { $0 + ($1 - testMean) * ($1 - testMean) } / Double(test.count)
    #expect(abs(try #require(base.l0) + (fitMean - testMean) * (fitMean - testMean) / variance) < 1e-6)
    // An unseen id falls back to the overall fit mean.
    let unseen = try NormBaselines.tokenIdentityR2(
      tokenIDs: [0, 0, 1, 1, 9], target: [1, 3, 5, 7, 2], split: TokenSplit(fitRows: [0, 1, 2, 3], testRows: [4]))
    #expect(unseen == 0)  // one test token predicted 4 ≠ 2, constant target → 0 by convention
  }

  @Test func perTokenScalingMatrixAndGain() throws {
    var rng = RandomSource(seed: 8)
    let n = 600
    let e1 = (0..<n).map { _ in 1 + rng.uniform() }
    let n1 = (0..<n).map { _ in rng.uniform() }
    let e2 = (0..<n).map { 0.8 * e1[$0] + 0.5 * n1[$0] + 0.1 }
    let e3 = (0..<n).map { 0.5 * e1[$0] + 0.3 * rng.gaussian() }
    let split = try TokenSplit(tokenCount: n, fitFraction: 0.5, seed: 3)
    let scaling = try PerTokenScaling(
      errorNorms: [e1, e2, e3], nonlinearNorms: [n1, n1.reversed(), n1], split: split)
    #expect(abs(scaling.r2[0][0]! - 1) < 1e-6 && scaling.gain[0][0] == nil && scaling.r2[1][0] == nil)
    // e2 is e1 plus the nonlinear norm: R² < 1 from e1 alone, and adding n1 explains all the rest.
    let r01 = try #require(scaling.r2[0][1])
    #expect(r01 > 0.5 && r01 < 0.95)
    #expect(abs(try #require(scaling.gain[0][1]) - 100) < 1e-3)
    // e3 is unrelated to n1: the gain is ≈ 0.
    #expect(abs(try #require(scaling.gain[0][2])) < 2)
  }
}

@Suite struct SyntheticNoiseTestTests {
  static func run(features n: Int, dimension d: Int, drops: [Double]) throws -> SyntheticNoiseTest {
    var rng = RandomSource(seed: 12)
    let config = SyntheticSuperposition.Config(
      featureCount: n, dimension: d, sampleCount: 1500, support: .zipf(exponent: 1, meanActive: 5),
      magnitude: .uniform(low: 0.9, high: 1.1))
    let truth = SyntheticNoiseTest.GroundTruth.oracle(try SyntheticSuperposition(config, using: &rng))
    let levels: [Double] = [0, 0.5, 1, 1.5, 2]
    return try SyntheticNoiseTest(truth: truth, config: .init(
      activationNoise: levels, reconstructionNoise: levels, dropFractions: drops, noiseUnit: truth.signalRMS, seed: 1))
  }

  @Test func activationNoiseBecomesLinearAndIntroducedNoiseNonlinear() throws {
    let test = try Self.run(features: 96, dimension: 24, drops: [0, 0.5])
    #expect(test.cells.count == 50)
    let table = try test.correlationTable()
    // Table 1's strong diagonal, weak off-diagonal.
    #expect(table.activationNoiseVsLinear > 0.9, "\(table)")
    #expect(table.reconstructionNoiseVsNonlinear > 0.6, "\(table)")
    #expect(abs(table.reconstructionNoiseVsLinear) < 0.3 && table.activationNoiseVsNonlinear < 0.3, "\(table)")
    let clean = try #require(test.cell(activationNoise: 0, reconstructionNoise: 0, dropFraction: 0))
    #expect(clean.reconstructionFVU < 1e-9 && abs(clean.estimatedLinear) < 1e-9)
    let activation = try #require(test.cell(activationNoise: 1.5, reconstructionNoise: 0, dropFraction: 0))
    #expect(activation.estimatedLinear > 2 * activation.estimatedNonlinear, "\(activation)")
    let introduced = try #require(test.cell(activationNoise: 0, reconstructionNoise: 1.5, dropFraction: 0))
    #expect(introduced.estimatedNonlinear > 10 * introduced.estimatedLinear, "\(introduced)")
    // Dropping features raises the estimated linear error.
    let dropped = try #require(test.cell(activationNoise: 0, reconstructionNoise: 0, dropFraction: 0.5))
    #expect(dropped.estimatedLinear > 0.01, "\(dropped)")
    #expect(try #require(table.dropFractionVsLinear) > 0.9, "\(table)")
    // Cells follow the documented formulas.
    for cell in test.cells { #expect(abs(cell.estimatedLinear + cell.estimatedNonlinear - cell.reconstructionFVU) < 1e-12) }
  }

  @Test func droppedFeaturesAreExactlyLinearWithoutSuperposition() throws {
    // n ≤ d: the dropped part Σ_{dropped} y_i w_i is a linear function of x.
    let test = try Self.run(features: 16, dimension: 24, drops: [0, 0.5])
    let dropped = try #require(test.cell(activationNoise: 0, reconstructionNoise: 0, dropFraction: 0.5))
    #expect(dropped.reconstructionFVU > 0.05 && dropped.estimatedNonlinear < 1e-4, "\(dropped)")
  }

  @Test func saeGroundTruthDecodesTheSAEsOwnCodes() throws {
    var rng = RandomSource(seed: 13)
    var sae = try SparseAutoencoder(dimension: 6, width: 20, activation: .topK(k: 3), random: &rng)
    sae.inputScale = 0.5
    sae.decoderBias = [0.1, -0.2, 0, 0.3, 0, 0]
    let x = Matrix.gaussian(rows: 30, cols: 6, using: &rng)
    let truth = try SyntheticNoiseTest.GroundTruth.sae(sae, activations: x)
    #expect(try truth.clean == sae.reconstruct(x))
    #expect(try truth.decode(dropping: []).subtracting(sae.reconstruct(truth.clean)).frobeniusNorm < 1e-5)
    // Dropping every latent leaves b_dec / s.
    let empty = try truth.decode(dropping: Array(0..<20))
    #expect(empty.row(0) == sae.decoderBias.map { $0 / 0.5 })
    // The drop order is by mean activation, lowest first.
    let order = truth.latentsByMeanActivation()
    let sums = truth.codes.dense().transposed.rowSums()
    for k in 1..<order.count { #expect(sums[order[k - 1]] <= sums[order[k]]) }
  }
}

@Suite struct HeldOutRegressionTests {
  @Test func severalExplainersAreConcatenatedColumnWise() throws {
    var rng = RandomSource(seed: 21)
    let a = Matrix.gaussian(rows: 200, cols: 2, using: &rng)
    let b = Matrix.gaussian(rows: 200, cols: 3, using: &rng)
    let both = try HeldOutRegression.columnConcatenation([a, b])
    #expect(both.shape == Shape(200, 5) && both.row(7) == a.row(7) + b.row(7))
    // The target depends on both explainers: only the joint fit explains it.
    let y = Matrix(rows: 200, cols: 1) { i, _ in a[i, 0] - 2 * b[i, 2] }
    let split = try TokenSplit(tokenCount: 200, fitFraction: 0.5, seed: 4)
    let joint = try HeldOutRegression.vector(explainers: [a, b], targets: y, split: split)
    let alone = try HeldOutRegression.vector(inputs: a, targets: y, split: split)
    #expect(joint.r2.mean > 0.99999 && alone.r2.mean < 0.5)
    #expect(throws: SAEKitError.self) { try HeldOutRegression.columnConcatenation([a, b.rows(0..<10)]) }
  }
}
