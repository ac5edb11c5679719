import Foundation
import Testing

@testable import SAEKit

/// Top-AFA (Lee et al. 2025): the norm-matched budget `k*` against the
/// reference code's sort-and-argmin, the activation against the dense
/// reference, and the AFA inequality on synthetic dictionaries.
@Suite struct TopAFATests {
  /// `k*` as the code computes it: sort every squared contribution (zeros
  /// included), cumulate, force the last to 1e8, first argmin, plus one.
  func codeCount(_ scores: [Float], target: Double) -> Int {
    let s = scores.map { v -> Double in let a = Double(max(v, 0)); return a * a }.sorted(by: >)
    var c = [Double](), sum = 0.0
    for v in s { sum += v; c.append(sum.squareRoot()) }
    c[c.count - 1] = 1e8
    var best = 0
    for t in 1..<c.count where abs(c[t] - target) < abs(c[best] - target) { best = t }
    return best + 1
  }

  @Test func theStepByStepToy() throws {
    // Decoder rows (1,2), (3,4), (5,6) with activations 5, 4, 3: squared contributions 125, 400, 549.
    let scores = try Matrix([[5 * Float(5).squareRoot(), 20, 3 * Float(61).squareRoot()]])
    let counts = { (t: Float) in NormMatchedBudget.counts(scores, targets: [t])[0] }
    #expect(counts(30) == 2, "C = 23.4, 30.8, 1e8: 30 is nearest 30.8")
    #expect(counts(25) == 1)
    #expect(counts(100) == 2, "the forced last entry hides C_3 = 33.2 when every latent is positive")
    #expect(counts(6e7) == 3)
    // With a zero latent the plateau after the positive ones is reachable.
    #expect(NormMatchedBudget.counts(try Matrix([[3, 4, 0, -1]]), targets: [100])[0] == 2)
    #expect(NormMatchedBudget.counts(try Matrix([[0, -2, 0]]), targets: [1])[0] == 1, "nothing positive: k* = 1, nothing kept")
  }

  @Test func countsMatchTheCodesSortAndArgmin() throws {
    var rng = RandomSource(seed: 5)
    for trial in 0..<400 {
      let m = 1 + rng.int(below: 40)
      let coarse = trial % 3 == 0  // many ties
      let row = (0..<m).map { _ in coarse ? Float(rng.int(below: 5) - 1) : Float(rng.gaussian()) }
      let positive = row.filter { $0 > 0 }.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
      let target = Float(rng.uniform(0, 1.3) * max(positive, 0.5))
      let got = NormMatchedBudget.counts(try Matrix([row]), targets: [target])[0]
      let expected = codeCount(row, target: Double(target))
      // Past the positive entries the code may pick a later plateau index; it keeps the same codes.
      let kept = row.filter { $0 > 0 }.count
      #expect(got == expected || (got == kept && expected > kept), "trial \(trial): \(row) target \(target)")
    }
  }

  @Test func codesMatchTheDenseReferenceWithAndWithoutDecoderNorms() throws {
    var rng = RandomSource(seed: 3)
    for scaled in [false, true] {
      var sae = try SparseAutoencoder(dimension: 8, width: 24, activation: .topAFA, random: &rng)
      sae.encoderBias = (0..<24).map { _ in Float(rng.gaussian(mean: 0, std: 0.2)) }
      sae.decoderBias = (0..<8).map { _ in Float(rng.gaussian(mean: 0, std: 0.3)) }
      if scaled { for j in 0..<24 { for t in 0..<8 { sae.decoderWeights[j, t] *= Float(0.6 + 0.05 * Double(j)) } } }
      sae.inputScale = 0.8
      let x = Matrix.gaussian(rows: 40, cols: 8, mean: 0, std: 1, using: &rng)
      let ref = ReferenceSAE(sae, kind: .topAFA)
      let expected = ref.codes(ref.preActivations(x), inputNorms: ref.inputNorms(x))
      let got = try sae.encode(x).dense()
      for r in 0..<40 {
        for j in 0..<24 { #expect(abs(Double(got[r, j]) - expected[r][j]) <= 1e-5, "row \(r) latent \(j)") }
      }
      let l0 = try sae.encode(x).meanL0
      #expect(l0 > 1 && l0 < 24, "k* varies between tokens: mean L0 \(l0)")
    }
  }

  /// papers-2.md §3f (1): for random unit dictionaries, `‖z‖²/‖f‖²` lies in
  /// `[1 − ε(h−1), 1 + ε(h−1)]` for every sparse `f` (and in the tighter
  /// `[1 − ε(s−1), 1 + ε(s−1)]` for `s` active features); the bound is vacuous
  /// for `h ≫ d`, while the typical deviation is far smaller: about
  /// `√(2/d · (1 − Σf⁴/‖f‖⁴))`, since `w_i·w_j` has variance `1/d`.
  @Test(arguments: [(512, 32, 8), (512, 128, 16), (4096, 64, 12)])
  func theInequalityItsVacuityAndTheTypicalDeviation(h: Int, d: Int, s: Int) throws {
    var rng = RandomSource(seed: UInt64(h + d + s))
    var w = Matrix.gaussian(rows: h, cols: d, mean: 0, std: 1, using: &rng)
    w.normalizeRows()
    let epsilon = try DecoderCoherence(decoder: w).maxAbsolute
    let spread = epsilon * Double(h - 1)
    #expect(spread >= 1, "h = \(h) ≫ d = \(d): ε(h−1) = \(spread) makes the bound vacuous")
    var squaredDeviation = 0.0, predicted = 0.0, worst = 0.0
    let samples = 400
    for _ in 0..<samples {
      let support = rng.sample(s, from: h)
      let f = support.map { _ in rng.uniform(0.5, 1.5) }
      var z = [Double](repeating: 0, count: d)
      for (i, a) in zip(support, f) { for t in 0..<d { z[t] += a * Double(w[i, t]) } }
      let f2 = f.map { $0 * $0 }.reduce(0, +), f4 = f.map { pow($0, 4) }.reduce(0, +)
      let ratio = z.map { $0 * $0 }.reduce(0, +) / f2
      let bounds = ApproximateFeatureActivation.featureNormBounds(inputNorm: ratio.squareRoot(), epsilon: epsilon, width: h)
      #expect(bounds.contains(1), "‖f‖ = 1 relative to ‖z‖ lies in the theorem's interval")
      #expect(abs(ratio - 1) <= epsilon * Double(s - 1) + 1e-12, "the support-size bound ε(s−1)")
      squaredDeviation += (ratio - 1) * (ratio - 1)
      predicted += 2 / Double(d) * (1 - f4 / (f2 * f2))
      worst = max(worst, abs(ratio - 1))
    }
    let typical = (squaredDeviation / Double(samples)).squareRoot()
    let expected = (predicted / Double(samples)).squareRoot()
    #expect(typical > 0.75 * expected && typical < 1.25 * expected, "RMS deviation \(typical) vs √(2/d·…) = \(expected)")
    #expect(worst < spread / 4, "every deviation (max \(worst)) is far inside the vacuous bound \(spread)")
  }

  /// ``QuasiOrthogonalityCheck`` (the notebook's form of the test above):
  /// every code inside both bounds, the bound vacuous for h ≫ d and not for
  /// h ≪ d, the RMS deviation near its prediction, reproducible from the seed.
  @Test(arguments: [(512, 64, 3, true), (8, 1_024, 4, false)])
  func quasiOrthogonalityCheckHoldsTheTheorem(h: Int, d: Int, s: Int, vacuous: Bool) throws {
    var rng = RandomSource(seed: 11)
    let check = try QuasiOrthogonalityCheck(width: h, dimension: d, active: s, samples: 500, using: &rng)
    #expect(check.ratios.count == 500 && check.insideBound == 1 && check.insideSupportBound == 1)
    #expect((check.spread >= 1) == vacuous, "ε(h−1) = \(check.spread)")
    #expect(check.epsilon > check.meanCosine && check.meanCosine > 0)
    #expect(check.rmsDeviation > 0.75 * check.predictedRMSDeviation && check.rmsDeviation < 1.25 * check.predictedRMSDeviation,
            "RMS \(check.rmsDeviation) vs predicted \(check.predictedRMSDeviation)")
    var again = RandomSource(seed: 11)
    #expect(try QuasiOrthogonalityCheck(width: h, dimension: d, active: s, samples: 500, using: &again) == check)
    #expect(throws: SAEKitError.self) { try QuasiOrthogonalityCheck(width: h, dimension: d, active: h + 1, samples: 5, using: &rng) }
  }

  @Test func standardizedRowsHaveNormRootDMinusOne() throws {
    var rng = RandomSource(seed: 9)
    let x = Matrix.gaussian(rows: 20, cols: 16, mean: 3, std: 2, using: &rng)
    let z = x.standardizedRows()
    for (r, n) in z.rowNorms().enumerated() {
      #expect(abs(n - 15.0.squareRoot()) < 1e-4, "row \(r): ‖z‖ = \(n)")
      #expect(abs(z.row(r).map(Double.init).reduce(0, +)) < 1e-4)
    }
  }

  /// (`config.threads` cuts the encoder GEMM into blocks, which may round
  /// differently; every other kernel uses fixed chunks, independent of the cores.)
  @Test func trainingIsReproducibleAndLearnsAVaryingL0() throws {
    var rng = RandomSource(seed: 1)
    let data = try SyntheticSuperposition(
      .init(featureCount: 48, dimension: 16, sampleCount: 2_048, support: .exactly(3)), using: &rng)
    var runs: [TrainingResult] = []
    for _ in 0..<2 {
      var config = TrainingConfig()
      config.steps = 40
      config.batchSize = 256
      config.threads = 2
      config.normMatching = NormMatchingLoss(coefficient: 1.0 / 32)
      runs.append(try SAETrainer.train(data.x, width: 64, activation: .topAFA, config: config, random: RandomSource(seed: 2)))
    }
    #expect(runs[0].model.decoderWeights == runs[1].model.decoderWeights)
    #expect(runs[0].history.loss == runs[1].history.loss)
    let perToken = L0Distribution(try runs[0].model.encode(data.x)).perToken
    #expect(perToken.max()! > perToken.min()!, "k* differs between tokens")
  }
}
