import Foundation
import Testing
@testable import SAEKit

/// The product count the benchmark's arithmetic floor rests on, derived a second way: from the
/// shapes of the block matrices (each `out × in` matrix costs `2·out·in` per token) and a loop
/// over query positions for the causal attention products.
@Suite struct TinyLMFLOPsTests {
  @Test func forwardCountMatchesTheMatrixShapesAndTheCausalLoop() {
    for config in [TinyLMConfig.standard, TinyLMConfig(context: 9, width: 12, layerCount: 3, headCount: 3)] {
      let batch = 3, length = config.context
      let tokens = Double(batch * length)
      var expected = 0.0
      for tensor in [TinyLMParameters.Tensor.qkvWeight, .attentionProjectionWeight, .fcWeight, .fcProjectionWeight] {
        let shape = TinyLMParameters.shape(tensor, config)  // [L, out, in]
        expected += 2 * Double(shape[0] * shape[1] * shape[2]) * tokens
      }
      let head = TinyLMParameters.shape(.tokenEmbedding, config)  // [V, C]
      expected += 2 * Double(head[0] * head[1]) * tokens
      for _ in 0..<config.layerCount {
        for t in 0..<length {  // query t attends to keys 0...t: scores q·k and Σ w·v, per head
          for _ in 0..<config.headCount { expected += Double(batch) * 2 * 2 * Double(config.headSize * (t + 1)) }
        }
      }
      #expect(config.forwardFLOPs(batch: batch, length: length) == expected)
      #expect(config.trainingFLOPs(batch: batch, length: length) == 3 * expected)
    }
    // The benchmark's step (16 × 128 tokens of the standard model): 10.9 GFLOP.
    let step = TinyLMConfig.standard.trainingFLOPs(batch: 16, length: 128)
    #expect(abs(step / 1e9 - 10.9) < 0.05, "\(step)")
  }

  /// MiniLM's count (all-MiniLM-L6-v2's config), from the six matrices of a block and a loop over
  /// query positions attending to every key. The benchmark's batch of 32 × 128 tokens: 91.8 GFLOP.
  @Test func miniLMCountMatchesTheMatrixShapes() throws {
    let json = #"{"hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536,"#
      + #" "max_position_embeddings": 512, "type_vocab_size": 2, "vocab_size": 30522, "layer_norm_eps": 1e-12,"#
      + #" "hidden_act": "gelu"}"#
    let config = try JSONDecoder().decode(MiniLMConfig.self, from: Data(json.utf8))
    let (batch, length) = (2, 7)
    let (h, f) = (config.hiddenSize, config.intermediateSize)
    var expected = 0.0
    for _ in 0..<config.layerCount {
      for (out, input) in [(h, h), (h, h), (h, h), (h, h), (f, h), (h, f)] { expected += 2 * Double(out * input * batch * length) }
      for _ in 0..<(batch * length) {  // each query: scores against every key, then Σ w·v, per head
        for _ in 0..<config.headCount { expected += 2 * 2 * Double(config.headSize * length) }
      }
    }
    #expect(config.forwardFLOPs(batch: batch, length: length) == expected)
    #expect(abs(config.forwardFLOPs(batch: 32, length: 128) / 1e9 - 91.8) < 0.05)
  }
}
