import Foundation
import Testing
@testable import SAEKit

/// The fast TinyLM (``TinyLMPass``) against PyTorch's `GPT2LMHeadModel` on the committed
/// fixture: logits, loss and every parameter's gradient; and against the Double reference
/// on random weights.
@Suite struct TinyLMParityTests {
  @Test func logitsLossAndGradientsMatchPyTorch() throws {
    let p = try TinyLMFiles.load(TinyLMFixtures.modelDirectory)
    let batch = try TinyLMFixtures.batch()
    let model = TinyLM(parameters: p)
    let logits = try model.logits(tokens: batch.tokens, batch: batch.batch, length: batch.length)
    let logitDifference = zip(logits.storage, batch.logits).map { abs($0 - $1) }.max()!
    #expect(logitDifference <= 1e-4, "max |Δlogit| = \(logitDifference)")
    let (loss, gradients, _) = try model.lossAndGradients(tokens: batch.tokens, targets: batch.targets,
                                                          batch: batch.batch, length: batch.length)
    #expect(abs(loss - batch.loss) / batch.loss <= 1e-5, "loss \(loss) vs \(batch.loss)")
    let file = try SafeTensors.read(TinyLMFixtures.batchPath)
    for mapping in GPT2TensorMapping.all(p.config) {
      let torch = try file.floats("grad." + mapping.name)
      let ours = mapping.fileValues(from: gradients)
      let norm = torch.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
      let error = zip(ours, torch).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
      #expect(error <= 1e-4 * max(norm, 1e-12), "\(mapping.name): |Δ| \(error) against |g| \(norm)")
    }
  }

  @Test func forwardMatchesTheDoubleReferenceOnRandomWeights() throws {
    let config = TinyLMConfig(vocabularySize: 257, context: 12, width: 24, layerCount: 3, headCount: 3)
    let p = TinyLMFixtures.randomParameters(config, seed: 5)
    var random = RandomSource(seed: 6)
    let tokens = (0..<(2 * 12)).map { _ in random.int(below: 257) }
    let targets = (0..<(2 * 12)).map { i in i == 3 ? -1 : random.int(below: 257) }
    let reference = TinyLMReference.loss(p, tokens: tokens, targets: targets, batch: 2, length: 12)
    let ours = try TinyLM(parameters: p).loss(tokens: tokens, targets: targets, batch: 2, length: 12)
    #expect(abs(Double(ours) - reference) / reference < 1e-5)
  }
}
