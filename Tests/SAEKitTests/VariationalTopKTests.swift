import Foundation
import Testing

@testable import SAEKit

/// The vSAE (Baker & Li 2025): deterministic inference, reparameterised
/// sampling that depends on the seed only, the KL schedule, and its file form.
@Suite struct VariationalTopKTests {
  @Test func inferenceIsTopKOverTheMeansAndTrainingSamples() throws {
    var rng = RandomSource(seed: 4)
    let pre = Matrix.gaussian(rows: 30, cols: 20, mean: 0, std: 1, using: &rng)
    var vsae = VariationalTopK(k: 4, sigma: 0.5)
    #expect(vsae.inferenceCodes(pre) == TopK(k: 4).inferenceCodes(pre))
    #expect(vsae.trainingCodes(pre, context: ActivationContext()) == TopK(k: 4).inferenceCodes(pre), "no noise: deterministic")
    let noise = RandomSource(seed: 11)
    let sampled = vsae.trainingCodes(pre, context: ActivationContext(noise: noise))
    #expect(sampled == vsae.trainingCodes(pre, context: ActivationContext(noise: noise)), "same noise, same codes")
    #expect(sampled != vsae.inferenceCodes(pre))
    #expect(sampled.values.contains { $0 < 0 }, "z = μ + σε can be negative and keeps its sign")
    #expect((0..<30).allSatisfy { sampled.entries(row: $0).count == 4 })
    // Row r of z draws from noise.fork(r): the same row gives the same values in any batch.
    let z = vsae.sampled(pre, noise: noise)
    var g = noise.fork(7)
    for j in 0..<20 { #expect(z[7, j] == Float(Double(max(pre[7, j], 0)) + 0.5 * g.gaussian())) }
    var none = VariationalTopK(k: 4, sigma: 0)
    #expect(none.trainingCodes(pre, context: ActivationContext(noise: noise)) == TopK(k: 4).inferenceCodes(pre))
  }

  @Test func klWarmsUpLinearly() {
    let kl = LatentKL(beta: 2, latents: .all, warmupFraction: 0.1)
    #expect(kl.weight(step: 0, steps: 100) == 0.2)
    #expect(kl.weight(step: 4, steps: 100) == 1)
    #expect(kl.weight(step: 9, steps: 100) == 2 && kl.weight(step: 50, steps: 100) == 2)
    #expect(LatentKL(beta: 2, warmupFraction: 0).weight(step: 0, steps: 100) == 2)
    #expect(LatentKL.constant(sigma: 1) == 0 && LatentKL.constant(sigma: 0) == 0)
  }

  /// Every arm of the 2×2×2 design trains; a seed reproduces the sampled
  /// run bit for bit (rows draw from fixed forks, not from a shared stream);
  /// KL on all latents lowers the codes' norm.
  @Test func theDesignsArmsTrainReproducibly() throws {
    var rng = RandomSource(seed: 1)
    let data = try SyntheticSuperposition(
      .init(featureCount: 48, dimension: 16, sampleCount: 2_048, support: .exactly(3)), using: &rng)
    func run(_ kind: ActivationKind, kl: Bool, aux: Bool, seed: UInt64 = 3) throws -> TrainingResult {
      var config = TrainingConfig()
      config.steps = 30
      config.batchSize = 256
      config.threads = 2
      config.deadWindowTokens = 512
      if !aux { config.auxCoefficient = 0 }
      if kl { config.latentKL = LatentKL(beta: 1, latents: .all, warmupFraction: 0.1) }
      return try SAETrainer.train(data.x, width: 64, activation: kind, config: config, random: RandomSource(seed: seed))
    }
    for kind in [ActivationKind.topK(k: 3), .vsae(k: 3, sigma: 1)] {
      for kl in [false, true] {
        for aux in [false, true] {
          let r = try run(kind, kl: kl, aux: aux)
          #expect(r.history.loss.allSatisfy { $0.isFinite }, "\(kind) kl \(kl) aux \(aux)")
        }
      }
    }
    let one = try run(.vsae(k: 3, sigma: 1), kl: true, aux: true)
    let again = try run(.vsae(k: 3, sigma: 1), kl: true, aux: true)
    #expect(one.model.decoderWeights == again.model.decoderWeights && one.history.loss == again.history.loss)
    #expect(try run(.vsae(k: 3, sigma: 1), kl: true, aux: true, seed: 4).history.loss != one.history.loss)
    let plain = try run(.vsae(k: 3, sigma: 1), kl: false, aux: true)
    func codeNorm(_ r: TrainingResult) throws -> Double {
      let c = try r.model.encode(data.x)
      return c.values.map { Double($0) * Double($0) }.reduce(0, +) / Double(c.rows)
    }
    #expect(try codeNorm(one) < codeNorm(plain), "the KL pulls the posterior means toward 0")
  }

  @Test func savesAsTopKWithItsKindAndTopAFAIsAClearError() throws {
    var rng = RandomSource(seed: 2)
    var sae = try SparseAutoencoder(dimension: 6, width: 12, activation: .vsae(k: 3, sigma: 0.5), random: &rng)
    sae.inputScale = 2
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vsae-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try SAELensFormat.save(sae, to: dir)
    let config = try String(contentsOfFile: dir + "/cfg.json", encoding: .utf8)
    #expect(config.contains("\"architecture\": \"topk\"") && config.contains("\"vsae\""), "\(config)")
    let back = try SAELensFormat.load(directory: dir)
    #expect(back.activation.kind == .vsae(k: 3, sigma: 0.5))
    let x = Matrix.gaussian(rows: 5, cols: 6, mean: 0, std: 1, using: &rng)
    let (a, b) = (try sae.reconstruct(x), try back.reconstruct(x))
    #expect(zip(a.storage, b.storage).allSatisfy { abs($0 - $1) <= 1e-5 })
    let afa = try SparseAutoencoder(dimension: 6, width: 12, activation: .topAFA, random: &rng)
    #expect(throws: SAEKitError.self) { try SAELensFormat.save(afa, to: dir + "-afa") }
    do { try SAELensFormat.save(afa, to: dir + "-afa") } catch { #expect("\(error)".contains("Top-AFA")) }
    #expect(throws: SAEKitError.self) { try SparsifyFormat.save(afa, to: dir + "-afa") }
  }
}
