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
}
