import Foundation
import Testing
@testable import SAEKit

/// Hand-written backward passes against central finite differences of the
/// naive Double reference loss (``ReferenceSAE``), for every activation.
@Suite struct GradientCheckTests {
  let d = 6, m = 10, b = 5

  func setUp(
    _ kind: ActivationKind, seed: UInt64, afa: NormMatchingLoss? = nil, kl: LatentKL? = nil, auxOff: Bool = false
  ) throws -> (SAETrainer, Matrix) {
    var rng = RandomSource(seed: seed)
    var sae = try SparseAutoencoder(dimension: d, width: m, activation: kind, random: &rng)
    sae.encoderBias = (0..<m).map { _ in Float(rng.gaussian(mean: 0.1, std: 0.3)) }
    sae.decoderBias = (0..<d).map { _ in Float(rng.gaussian(mean: 0, std: 0.2)) }
    // Rows of different norms so the decoder-norm weighting matters.
    for j in 0..<m { for t in 0..<d { sae.decoderWeights[j, t] *= Float(0.5 + 0.1 * Double(j)) } }
    sae.inputScale = 1.25
    if case .jumpReLU = kind {
      sae.activation.parameters = (0..<m).map { _ in Float(log(rng.uniform(0.05, 0.6))) }
    }
    var config = TrainingConfig()
    config.auxK = 3
    config.normMatching = afa
    config.latentKL = kl
    if auxOff { config.auxCoefficient = 0 }
    let x = Matrix.gaussian(rows: b, cols: d, mean: 0, std: 1, using: &rng)
    return (try SAETrainer(sae: sae, config: config), x)
  }

  /// Central differences of `f` at every index of `values`, step `h`.
  func finiteDifferences(_ values: [Double], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    values.indices.map { i in
      var plus = values, minus = values
      plus[i] += h
      minus[i] -= h
      return (f(plus) - f(minus)) / (2 * h)
    }
  }

  func expectClose(_ analytic: [Float], _ numeric: [Double], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let scale = numeric.map(abs).max() ?? 0
    let worst = zip(analytic, numeric).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(analytic.count == numeric.count, "\(what): gradient length", sourceLocation: sourceLocation)
    #expect(worst <= 2e-3 * scale + 1e-5, "\(what): max |analytic − numeric| = \(worst), scale \(scale)", sourceLocation: sourceLocation)
  }

  func check(
    _ kind: ActivationKind, dead: [Int] = [], weights: [Double]? = nil, seed: UInt64 = 7,
    afa: NormMatchingLoss? = nil, kl: LatentKL? = nil, auxOff: Bool = false
  ) throws {
    let (trainer, x) = try setUp(kind, seed: seed, afa: afa, kl: kl, auxOff: auxOff)
    let set = AuxiliarySet(
      latents: dead.map(Int32.init), weights: weights?.map(Float.init) ?? [Float](repeating: 1, count: dead.count))
    let g = try trainer.gradients(x, auxiliary: set)
    let w = trainer.workspace
    var ref = ReferenceSAE(trainer.model, kind: kind)
    if case .vsae = kind {  // the noise of step 0, row r: noise.fork(0).fork(r)
      ref.noise = (0..<b).map { r in
        var random = trainer.noise.fork(0).fork(UInt64(r))
        return (0..<m).map { _ in random.gaussian() }
      }
    }
    let fixed = ref.residuals(x)
    let afaTerm = afa.map { (coefficient: Double($0.coefficient), centered: $0.target == .centered) }
    let klTerm = kl.map { (beta: Double($0.weight(step: 0, steps: trainer.config.steps)), selected: $0.latents == .selected) }
    func loss(_ r: ReferenceSAE) -> Double {
      r.loss(
        x, dead: dead, auxK: 3, auxCoefficient: auxOff ? 0 : 1.0 / 32, residual: fixed, auxWeights: weights, afa: afaTerm, kl: klTerm)
    }
    let value = loss(ref)
    #expect(abs(g.loss - value) <= 1e-4 * (1 + abs(value)), "\(kind): loss \(g.loss) vs reference \(value)")
    expectClose(w.gradEncoderT.storage, finiteDifferences(ref.encoderT) { var r = ref; r.encoderT = $0; return loss(r) }, "\(kind) W_enc")
    expectClose(w.gradEncoderBias, finiteDifferences(ref.encoderBias) { var r = ref; r.encoderBias = $0; return loss(r) }, "\(kind) b_enc")
    expectClose(w.gradDecoder.storage, finiteDifferences(ref.decoder) { var r = ref; r.decoder = $0; return loss(r) }, "\(kind) W_dec")
    expectClose(w.gradDecoderBias, finiteDifferences(ref.decoderBias) { var r = ref; r.decoderBias = $0; return loss(r) }, "\(kind) b_dec")
    // The gradient must not be trivially zero.
    #expect(w.gradEncoderT.storage.contains { $0 != 0 } && w.gradDecoder.storage.contains { $0 != 0 })
  }

  @Test func reluL1() throws { try check(.relu(l1: 0.3)) }
  @Test func topK() throws { try check(.topK(k: 3)) }
  @Test func topKWithAuxK() throws { try check(.topK(k: 3), dead: [1, 4, 6, 8]) }
  @Test func batchTopK() throws { try check(.batchTopK(k: 3)) }
  @Test func batchTopKWithAuxK() throws { try check(.batchTopK(k: 2), dead: [0, 2, 9]) }
  @Test func absTopK() throws { try check(.absTopK(k: 3)) }
  @Test func absTopKWithAuxKRankedByMagnitude() throws { try check(.absTopK(k: 3), dead: [0, 3, 5, 7, 9]) }
  @Test func featureChoiceUniform() throws { try check(.featureChoice(k: 3)) }
  @Test func featureChoiceZipf() throws { try check(.featureChoice(k: 2, zipf: 1.2), dead: [2, 7]) }
  @Test func mutualChoice() throws { try check(.mutualChoice(k: 3), dead: [1, 5]) }
  @Test func mutualChoiceWithWeightedAuxiliaryLatents() throws {
    try check(.mutualChoice(k: 2), dead: [1, 4, 6, 8], weights: [0.25, 1, 0.5, 0.75])
  }
  @Test func absTopKWithWeightedAuxiliaryLatents() throws {
    try check(.absTopK(k: 2), dead: [0, 3, 9], weights: [0.5, 0.125, 1])
  }
  @Test func jumpReLUWeights() throws { try check(.jumpReLU(l0: 0.2, bandwidth: 0.001)) }
  @Test func topAFA() throws {
    for seed: UInt64 in [7, 8, 9] { try check(.topAFA, seed: seed) }
  }
  @Test func topAFAWithAuxK() throws { try check(.topAFA, dead: [1, 4, 6, 8]) }
  @Test func topAFAWithTheCodesNormMatchingLoss() throws {
    try check(.topAFA, dead: [2, 5], afa: NormMatchingLoss(coefficient: 0.25, target: .input))
  }
  @Test func topAFAWithTheCenteredNormMatchingLoss() throws {
    for seed: UInt64 in [7, 12] { try check(.topAFA, seed: seed, afa: NormMatchingLoss(coefficient: 0.25, target: .centered)) }
  }
  @Test func normMatchingLossOnTopK() throws { try check(.topK(k: 3), afa: NormMatchingLoss(coefficient: 0.5)) }
  @Test func vsaeSampled() throws { try check(.vsae(k: 3, sigma: 0.5)) }
  @Test func vsaeSampledWithAuxK() throws { try check(.vsae(k: 3, sigma: 1), dead: [0, 3, 7]) }
  @Test func vsaeWithKLOnAllLatents() throws {
    try check(.vsae(k: 3, sigma: 0.5), kl: LatentKL(beta: 0.3, latents: .all, warmupFraction: 0))
  }
  @Test func vsaeWithKLOnTheSelectedLatentsAndAWarmUp() throws {
    try check(.vsae(k: 3, sigma: 0.5), dead: [2, 9], kl: LatentKL(beta: 0.3, latents: .selected, warmupFraction: 0.1))
  }
  @Test func deterministicVSAEWithKL() throws {
    try check(.vsae(k: 3, sigma: 0), kl: LatentKL(beta: 0.5, latents: .all, warmupFraction: 0))
  }
  @Test func klOnTopKWithoutAuxK() throws {
    try check(.topK(k: 3), dead: [1, 4], kl: LatentKL(beta: 0.5, latents: .all, warmupFraction: 0), auxOff: true)
  }

  /// The threshold's straight-through gradient against the formula evaluated
  /// densely in Double (finite differences of a step function are meaningless).
  @Test func jumpReLUThresholdStraightThrough() throws {
    let kind = ActivationKind.jumpReLU(l0: 0.2, bandwidth: 0.5)
    let (trainer, x) = try setUp(kind, seed: 11)
    _ = try trainer.gradients(x, dead: [])
    let ref = ReferenceSAE(trainer.model, kind: kind)
    let pre = ref.preActivations(x)
    let z = ref.codes(pre)
    let eps = 0.5, lambda = 0.2
    var expected = [Double](repeating: 0, count: m)
    var inBand = 0
    for r in 0..<b {
      let xhat = ref.decode(z[r])
      let dxhat = (0..<d).map { 2 * (xhat[$0] - ref.scale * Double(x[r, $0])) / Double(b) }
      for j in 0..<m {
        let theta = exp(ref.activationParameters[j])
        guard abs((pre[r][j] - theta) / eps) <= 0.5 else { continue }
        inBand += 1
        let dz = (0..<d).map { dxhat[$0] * ref.decoder[j * d + $0] }.reduce(0, +)
        expected[j] += (-(theta / eps) * dz - lambda / Double(b) / eps) * theta
      }
    }
    #expect(inBand >= 3, "the test needs entries inside the band, found \(inBand)")
    expectClose(trainer.workspace.gradActivation, expected, "JumpReLU log θ")
  }
}
