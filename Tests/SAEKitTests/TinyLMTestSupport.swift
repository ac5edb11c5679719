import Foundation
import Testing
import SAEKit

/// The PyTorch reference of the TinyLM tests, `Fixtures/tinylm/` (written by
/// `bench/tinylm/make_fixture.py`): a `GPT2LMHeadModel` saved by `transformers` and one batch
/// with its logits, loss and gradients.
enum TinyLMFixtures {
  static let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    .appendingPathComponent("tinylm").path
  /// `model/`: `config.json` + `model.safetensors` as `save_pretrained` wrote them.
  static let modelDirectory = directory + "/model"
  static let batchPath = directory + "/batch.safetensors"

  /// The fixture's architecture: context 8, width 16, 2 layers of 2 heads, byte vocabulary.
  static let config = TinyLMConfig(context: 8, width: 16, layerCount: 2, headCount: 2)

  /// The batch: `tokens` and `targets` (`batch × length`, -100 ignored), PyTorch's logits
  /// (`batch × length × V`) and loss.
  struct Batch {
    var batch: Int
    var length: Int
    var tokens: [Int]
    var targets: [Int]
    var logits: [Float]
    var loss: Float
  }

  static func batch() throws -> Batch {
    let file = try SafeTensors.read(batchPath)
    let shape = try file.shape(of: "tokens")
    return Batch(
      batch: shape[0], length: shape[1], tokens: try file.ints("tokens"), targets: try file.ints("targets"),
      logits: try file.floats("logits"), loss: try file.floats("loss")[0])
  }

  /// Random parameters with every tensor exercised (LayerNorm gains near 1, biases non-zero).
  static func randomParameters(_ config: TinyLMConfig, seed: UInt64) -> TinyLMParameters {
    var p = TinyLMParameters(initialising: config, seed: seed)
    var random = RandomSource(seed: seed &+ 1)
    for i in p.storage.indices { p.storage[i] += Float(random.gaussian(mean: 0, std: 0.1)) }
    return p
  }
}
