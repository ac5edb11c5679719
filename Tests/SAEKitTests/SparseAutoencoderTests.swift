import Testing
@testable import SAEKit

/// Encode/decode of the sparse kernels against the dense Double reference,
/// shape errors, and a training run that must recover planted features.
@Suite struct SparseAutoencoderTests {
  @Test(arguments: [ActivationKind.relu(l1: 1), .topK(k: 4), .batchTopK(k: 4), .jumpReLU(l0: 1)])
  func encodeDecodeMatchesReference(kind: ActivationKind) throws {
    var rng = RandomSource(seed: 21)
    var sae = try SparseAutoencoder(dimension: 8, width: 24, activation: kind, random: &rng)
    sae.encoderBias = (0..<24).map { _ in Float(rng.gaussian(mean: 0, std: 0.2)) }
    sae.decoderBias = (0..<8).map { _ in Float(rng.gaussian(mean: 0, std: 0.5)) }
    sae.inputScale = 0.8
    if case .batchTopK = kind { sae.activation = BatchTopK(k: 4, threshold: 0.3) }
    let x = Matrix.gaussian(rows: 7, cols: 8, mean: 0, std: 1, using: &rng)
    let ref = ReferenceSAE(sae, kind: kind)
    let pre = ref.preActivations(x)
    let dense: [[Double]]
    if case .batchTopK = kind {
      dense = pre.map { $0.map { $0 > 0.3 ? $0 : 0 } }
    } else {
      dense = ref.codes(pre)
    }
    let codes = try sae.encode(x).dense()
    let xhat = try sae.reconstruct(x)
    for r in 0..<7 {
      for j in 0..<24 { #expect(abs(Double(codes[r, j]) - dense[r][j]) < 1e-4) }
      let expected = ref.decode(dense[r]).map { $0 / ref.scale }
      for t in 0..<8 { #expect(abs(Double(xhat[r, t]) - expected[t]) < 1e-4) }
    }
  }

  @Test func wrongInputWidthIsAClearError() throws {
    var rng = RandomSource(seed: 1)
    let sae = try SparseAutoencoder(dimension: 8, width: 16, activation: .topK(k: 2), random: &rng)
    #expect(throws: SAEKitError.shapeMismatch(operation: "SAE encode (x vs W_enc)", lhs: Shape(3, 5), rhs: Shape(8, 16))) {
      try sae.encode(Matrix(rows: 3, cols: 5))
    }
    #expect(throws: SAEKitError.self) {
      try SparseAutoencoder(dimension: 0, width: 16, activation: .topK(k: 2), random: &rng)
    }
  }

  @Test func decoderRowsStayUnitNormAndTheRunIsReproducible() throws {
    var rng = RandomSource(seed: 4)
    let x = Matrix.gaussian(rows: 512, cols: 16, mean: 0.5, std: 2, using: &rng)
    var config = TrainingConfig()
    config.steps = 20
    config.batchSize = 128
    let a = try SAETrainer.train(x, width: 32, activation: .topK(k: 4), config: config, random: RandomSource(seed: 8))
    let b = try SAETrainer.train(x, width: 32, activation: .topK(k: 4), config: config, random: RandomSource(seed: 8))
    #expect(a.model.decoderWeights == b.model.decoderWeights && a.history == b.history)
    for n in a.model.decoderWeights.rowNorms() { #expect(abs(n - 1) < 1e-5) }
    // E‖s·x‖² = d on the initialisation sample.
    let scaled = x.scaled(by: a.model.inputScale).rowSquaredNorms().reduce(0, +) / 512
    #expect(abs(scaled - 16) < 1e-2)
    #expect(a.history.fvu.last! < a.history.fvu.first!)
  }

  @Test func divergenceIsReportedNotSilent() throws {
    var x = Matrix(rows: 64, cols: 4, repeating: 1)
    x[3, 2] = .nan
    var config = TrainingConfig()
    config.steps = 3
    config.batchSize = 64
    config.normalizeInput = false
    config.initializationSample = 1
    #expect(throws: SAEKitError.self) {
      try SAETrainer.train(x, width: 8, activation: .topK(k: 2), config: config, random: RandomSource(seed: 1))
    }
  }

  /// The acceptance test: a TopK SAE with m ≥ n on synthetic superposition
  /// recovers at least 90% of the true features at cos ≥ 0.9.
  @Test func topKRecoversPlantedFeatures() throws {
    var rng = RandomSource(seed: 2024)
    let data = try SyntheticSuperposition(
      .init(featureCount: 48, dimension: 24, sampleCount: 24_000, support: .exactly(3),
            magnitude: .uniform(low: 0.5, high: 1.5)),
      using: &rng)
    var config = TrainingConfig()
    config.steps = 1_500
    config.batchSize = 256
    config.learningRate = 4e-3
    config.deadWindowTokens = 20_000
    let result = try SAETrainer.train(data.x, width: 64, activation: .topK(k: 3), config: config, random: RandomSource(seed: 5))
    let recovery = try FeatureRecovery(truth: data.features, learned: result.model.decoderWeights)
    #expect(recovery.recoveredFraction >= 0.9, "recovered \(recovery.recoveredFraction), MMCS \(recovery.meanMaxCosine), final FVU \(result.history.fvu.last!)")
  }

  /// A large input is encoded in chunks of whole product blocks: the same codes, bit for bit, as
  /// the dense path (here with a small limit, so that 3,000 rows × 48 latents, twelve product
  /// blocks of 250 rows, stream in chunks of two blocks); batch rules ignore the limit.
  @Test(arguments: [ActivationKind.relu(l1: 1), .topK(k: 4), .absTopK(k: 3), .jumpReLU(l0: 1), .batchTopK(k: 4), .mutualChoice(k: 2)])
  func streamingEncodeGivesTheDenseBits(kind: ActivationKind) throws {
    var rng = RandomSource(seed: 8)
    var sae = try SparseAutoencoder(dimension: 16, width: 48, activation: kind, random: &rng)
    sae.encoderBias = (0..<48).map { _ in Float(rng.gaussian(mean: 0, std: 0.2)) }
    sae.inputScale = 1.3
    if case .batchTopK = kind { sae.activation = BatchTopK(k: 4, threshold: 0.3) }
    let x = Matrix.gaussian(rows: 3000, cols: 16, mean: 0, std: 1, using: &rng)
    let dense = try sae.encode(x, denseLimit: .max)
    #expect(Matrix.productBlocks(rows: 3000).count == 12)
    let streamed = try sae.encode(x, denseLimit: 48 * 2999)  // chunks of ≤ 749 rows: two blocks
    #expect(streamed == dense)
    #expect(try sae.encode(x) == dense)
    #expect(try SparseCodes.stacking([dense, dense]).rows == 6000)
  }
}
