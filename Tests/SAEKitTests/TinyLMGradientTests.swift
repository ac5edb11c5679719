import Foundation
import Testing
@testable import SAEKit

/// The fast TinyLM backward against central finite differences of its own float32 loss
/// along random directions, tensor by tensor (the Double reference in `TinyLMReference`
/// checks the forward against PyTorch).
@Suite struct TinyLMGradientTests {
  static let config = TinyLMConfig(vocabularySize: 11, context: 6, width: 8, layerCount: 2, headCount: 2)

  /// GPT-2's initialisation with every LayerNorm gain and bias perturbed, so that no
  /// gradient is trivially zero or one.
  static func model(seed: UInt64 = 3) -> TinyLM {
    var p = TinyLMParameters(initialising: config, seed: seed)
    var random = RandomSource(seed: seed + 100)
    for i in p.storage.indices { p.storage[i] += Float(random.gaussian(mean: 0, std: 0.2)) }
    return TinyLM(parameters: p)
  }

  static let batch = 2, length = 5
  static let tokens = [1, 4, 10, 2, 2, 7, 0, 3, 9, 5]
  static let targets = [4, 10, 2, -1, 6, 0, 3, 9, 5, 1]

  static func loss(_ p: TinyLMParameters, hooks: TinyLMHooks = TinyLMHooks()) throws -> Double {
    Double(try TinyLM(parameters: p).loss(tokens: tokens, targets: targets, batch: batch, length: length, hooks: hooks))
  }

  @Test func everyTensorsGradientMatchesFiniteDifferences() throws {
    let model = Self.model()
    let (loss, gradients, _) = try model.lossAndGradients(tokens: Self.tokens, targets: Self.targets, batch: Self.batch, length: Self.length)
    #expect(abs(Double(loss) - (try Self.loss(model.parameters))) < 1e-6)
    var random = RandomSource(seed: 9)
    for tensor in TinyLMParameters.Tensor.allCases {
      let range = model.parameters.range(tensor)
      var analytic = 0.0
      var plus = model.parameters, minus = model.parameters
      let eps: Float = 2e-3
      for i in range {
        let u = Float(random.gaussian())
        analytic += Double(gradients.storage[i]) * Double(u)
        plus.storage[i] += eps * u
        minus.storage[i] -= eps * u
      }
      let numeric = (try Self.loss(plus) - (try Self.loss(minus))) / (2 * Double(eps))
      let scale = max(abs(analytic), abs(numeric), 1e-3)
      #expect(abs(analytic - numeric) / scale < 5e-3, "\(tensor): analytic \(analytic), numeric \(numeric)")
    }
  }

  @Test func residualGradientsAndGradientsThroughAPatch() throws {
    let model = Self.model()
    let n = Self.batch * Self.length, c = Self.config.width
    var random = RandomSource(seed: 4)
    let direction = try Matrix(rows: n, cols: c, storage: (0..<(n * c)).map { _ in Float(random.gaussian()) })
    func shifted(_ eps: Float) -> TinyLMPatch {
      TinyLMPatch(forward: { x in
        var y = x
        for i in y.storage.indices { y.storage[i] += eps * direction.storage[i] }
        return y
      }, backward: { _, g in g })
    }
    for layer in 0...Self.config.layerCount {
      let result = try model.lossAndGradients(tokens: Self.tokens, targets: Self.targets, batch: Self.batch, length: Self.length,
                                              hooks: TinyLMHooks(gradients: [layer]))
      let g = try #require(result.residualGradients[layer])
      let analytic = zip(g.storage, direction.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
      let eps: Float = 2e-3
      let numeric = (try Self.loss(model.parameters, hooks: TinyLMHooks(patches: [layer: shifted(eps)]))
        - (try Self.loss(model.parameters, hooks: TinyLMHooks(patches: [layer: shifted(-eps)])))) / (2 * Double(eps))
      #expect(abs(analytic - numeric) / max(abs(numeric), 1e-3) < 2e-2, "layer \(layer): \(analytic) vs \(numeric)")
    }
    // A patch that doubles the stream at layer 1: the gradient below it doubles too.
    let double = TinyLMPatch(forward: { x in var y = x; for i in y.storage.indices { y.storage[i] *= 2 }; return y },
                             backward: { _, g in var d = g; for i in d.storage.indices { d.storage[i] *= 2 }; return d })
    let through = try model.lossAndGradients(tokens: Self.tokens, targets: Self.targets, batch: Self.batch, length: Self.length,
                                             hooks: TinyLMHooks(patches: [1: double], gradients: [1]))
    let atOne = try #require(through.residualGradients[1])
    var plus = model.parameters, minus = model.parameters
    let wte = model.parameters.range(.tokenEmbedding)
    for i in wte { plus.storage[i] += 1e-3 * direction.storage[i % (n * c)]; minus.storage[i] -= 1e-3 * direction.storage[i % (n * c)] }
    let numeric = (try Self.loss(plus, hooks: TinyLMHooks(patches: [1: double])) - (try Self.loss(minus, hooks: TinyLMHooks(patches: [1: double])))) / 2e-3
    let analytic = wte.reduce(0.0) { $0 + Double(through.gradients.storage[$1]) * Double(direction.storage[$1 % (n * c)]) }
    #expect(abs(analytic - numeric) / max(abs(numeric), 1e-3) < 2e-2)
    #expect(atOne.rows == n)
    // Without a backward the pass refuses rather than returning wrong gradients.
    let opaque = TinyLMPatch(forward: { $0 })
    #expect(throws: SAEKitError.self) {
      _ = try model.lossAndGradients(tokens: Self.tokens, targets: Self.targets, batch: Self.batch, length: Self.length,
                                     hooks: TinyLMHooks(patches: [1: opaque]))
    }
  }

  @Test func repeatedPassesGiveTheSameBits() throws {
    let model = Self.model()
    let a = try model.lossAndGradients(tokens: Self.tokens, targets: Self.targets, batch: Self.batch, length: Self.length)
    let b = try model.lossAndGradients(tokens: Self.tokens, targets: Self.targets, batch: Self.batch, length: Self.length)
    #expect(a.loss.bitPattern == b.loss.bitPattern && a.gradients == b.gradients)
  }

  @Test func badInputIsAnErrorNotACrash() throws {
    let model = Self.model()
    #expect(throws: SAEKitError.self) { _ = try model.loss(tokens: [11] + Self.tokens.dropFirst(), targets: Self.targets, batch: 2, length: 5) }
    #expect(throws: SAEKitError.self) { _ = try model.loss(tokens: Self.tokens, targets: Self.targets, batch: 1, length: 10) }
    #expect(throws: SAEKitError.self) { _ = try model.logits(tokens: Self.tokens, batch: 2, length: 5, hooks: TinyLMHooks(capture: [3])) }
    #expect(throws: SAEKitError.self) { _ = try TinyLM(config: TinyLMConfig(context: 4, width: 10, layerCount: 1, headCount: 3), seed: 1) }
  }
}
