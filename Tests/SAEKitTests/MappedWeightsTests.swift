import Foundation
import Testing
@testable import SAEKit

/// SAEs whose weights stay in their file (``MappedSAEWeights``): the same function as the
/// Float32 copy, on the library fixtures and on SAEs wide enough for several latent blocks
/// in bfloat16 and float16; what needs the weights in memory says so.
@Suite struct MappedWeightsTests {
  @Test(arguments: ["saelens_topk", "saelens_jumprelu", "sparsify/layers.0", "saelens5_topk_by_activation_fn",
                    "saelens6_relu_with_old_topk_key", "saelens_checkpoint_scaled"])
  func mappedFixturesComputeWhatTheLibraryComputes(folder: String) throws {
    let dir = try InterchangeTests.fixture(folder)
    let mapped = try SAEFile.load(directory: dir, weights: .mapped)
    let widened = try SAEFile.load(directory: dir, weights: .float32)
    #expect(mapped.mappedWeights != nil && widened.mappedWeights == nil)
    #expect(mapped.dimension == widened.dimension && mapped.width == widened.width)
    #expect(mapped.decoderNorms == widened.decoderNorms)
    let x = try NPY.readMatrix(try InterchangeTests.fixture("input.npy"))
    let expected = try NPY.readMatrix(try InterchangeTests.fixture("expected_" + (folder.hasPrefix("sparsify") ? "sparsify" : folder) + ".npy"))
    #expect(try InterchangeTests.maxError(try mapped.reconstruct(x), expected) <= 1e-5)
    #expect(try InterchangeTests.maxError(try mapped.reconstruct(x), try widened.reconstruct(x)) <= 1e-6)
    #expect(mapped.provenance == widened.provenance)
  }

  /// bfloat16 and float16 files of an SAE with 2,500 latents (two whole blocks of 1,024 and a
  /// ragged one), both layouts: pre-activations, codes and reconstructions match the widened SAE.
  @Test(arguments: [DType.bfloat16, .float16])
  func blocksOfLatentsGiveTheWidenedResults(dtype: DType) throws {
    try InterchangeTests.withScratch { dir in
      var rng = RandomSource(seed: 5)
      var sae = try SparseAutoencoder(dimension: 40, width: 2500, activation: .topK(k: 9), random: &rng)
      sae.encoderWeights = sae.encoderWeights.map { $0 + Float(rng.gaussian(mean: 0, std: 0.2)) }
      sae.encoderBias = (0..<2500).map { _ in Float(rng.gaussian(mean: 0, std: 0.1)) }
      sae.decoderBias = (0..<40).map { _ in Float(rng.gaussian(mean: 0, std: 0.3)) }
      let x = Matrix.gaussian(rows: 300, cols: 40, mean: 0, std: 1, using: &rng)
      for (format, weights) in [(SAEFile.Format.saeLens, "sae_weights.safetensors"), (.sparsify, "sae.safetensors")] {
        let folder = dir + "/" + format.rawValue
        try SAEFile.save(sae, format: format, to: folder)
        try SafeTensors.rewrite(folder + "/" + weights, storing: ["W_enc", "encoder.weight", "W_dec"], as: dtype)
        let mapped = try SAEFile.load(directory: folder, weights: .mapped)
        let widened = try SAEFile.load(directory: folder, weights: .float32)
        #expect(mapped.mappedWeights?.dtype == dtype && mapped.provenance.filePrecision == dtype.rawValue)
        let (a, b) = (try mapped.preActivations(x), try widened.preActivations(x))
        #expect(try InterchangeTests.maxError(a, b) <= 1e-5 * max(1, b.storage.map(abs).max() ?? 0))
        #expect(try mapped.encode(x).indices == widened.encode(x).indices)
        #expect(try InterchangeTests.maxError(try mapped.reconstruct(x), try widened.reconstruct(x)) <= 1e-5)
        // Streaming in row chunks changes nothing.
        #expect(try mapped.encode(x, denseLimit: 2500 * 8) == mapped.encode(x))
      }
    }
  }

  @Test func foldsThatRewriteTheWeightsCannotStayMapped() throws {
    for (folder, fold) in [("saelens_topk_rescaled", "rescale_acts_by_decoder_norm"), ("saelens_checkpoint_whitened", "covariance_whitening")] {
      let dir = try InterchangeTests.fixture(folder)
      expectFileError(dir + "/sae_weights.safetensors", "cannot stay in the file", fold) { _ = try SAEFile.load(directory: dir, weights: .mapped) }
      _ = try SAEFile.load(directory: dir, weights: .auto)  // small float32 files: widened
    }
  }

  @Test func whatNeedsTheWeightsInMemorySaysSo() throws {
    let dir = try InterchangeTests.fixture("saelens_jumprelu")
    let mapped = try SAEFile.load(directory: dir, weights: .mapped)
    func expectRefusal(_ what: String, _ body: () throws -> Void) {
      do {
        try body()
        Issue.record("\(what): no error")
      } catch {
        let text = "\(error)"
        #expect(text.contains(what) && text.contains("bfloat16") && text.contains("sae_weights.safetensors") && text.contains("float32"), "\(text)")
      }
    }
    expectRefusal("saving an SAE") { try InterchangeTests.withScratch { try SAEFile.save(mapped, format: .saeLens, to: $0 + "/out") } }
    expectRefusal("training an SAE") { _ = try SAETrainer(sae: mapped, config: TrainingConfig()) }
    expectRefusal("gradient pursuit") { _ = try GradientPursuit.reconstruct(InterchangeTests.input(), sae: mapped) }
    expectRefusal("sae.decoder") { _ = try mapped.decoderInMemory(for: "sae.decoder") }
    #expect(try SAEFile.load(directory: dir, weights: .float32).decoderInMemory(for: "x").rows == 16)
  }

  @Test func autoKeepsSixteenBitWeightsMappedOnlyWhenTheirFloat32CopyWouldCrowdMemory() {
    let gb: UInt64 = 1 << 30
    // 2304 × 65,536 × 2 matrices × 4 bytes = 1.2 GB as float32.
    #expect(!SAEWeightResidence.auto.keepsMapped(.bfloat16, dimension: 2304, width: 65_536, memory: 16 * gb))
    #expect(SAEWeightResidence.auto.keepsMapped(.bfloat16, dimension: 2304, width: 65_536, memory: 2 * gb))
    #expect(SAEWeightResidence.auto.keepsMapped(.float16, dimension: 2304, width: 65_536, memory: 2 * gb))
    #expect(!SAEWeightResidence.auto.keepsMapped(.float32, dimension: 2304, width: 65_536, memory: 2 * gb))
    #expect(SAEWeightResidence.auto.keepsMapped(.bfloat16, dimension: Int.max / 2, width: 4, memory: 16 * gb))
    #expect(SAEWeightResidence.mapped.keepsMapped(.float32, dimension: 1, width: 1, memory: 16 * gb))
    #expect(!SAEWeightResidence.float32.keepsMapped(.bfloat16, dimension: 2304, width: 65_536, memory: 1))
  }
}
