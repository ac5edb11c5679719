import Foundation
import Testing
@testable import SAEKit

/// ``EmbeddingFidelity`` on MiniLM (a few short texts): the score's fixed points,
/// agreement with patched full forward passes, and the rows it leaves clean; the
/// forward pass resumed after a layer; several layers' activations in one pass.
@Suite(.serialized) struct EmbeddingFidelityTests {
  static let texts = ["The cat sat on the mat.", "Light travels faster than sound, which is why some people appear bright until you hear them speak.", "Hi!"]

  @Test func resumingAfterALayerEqualsPatchingIt() throws {
    let model = try MiniLMFixtures.model()
    let batch = model.tokenize(Self.texts, maxLength: 64)
    let clean = try model.run(batch, options: .init(capture: [2, 6]))
    var h = try clean.hiddenState(2)
    for e in stride(from: 0, to: h.count, by: 7) { h.storage[e] *= 0.5 }
    let changed = h
    let patched = try model.run(batch, options: .init(capture: [4], patches: [2: { _ in changed }]))
    let resumed = try model.run(batch, after: 2, hidden: changed, options: .init(capture: [4]))
    #expect(resumed.embeddings == patched.embeddings)
    #expect(try resumed.hiddenState(4) == patched.hiddenState(4))
    #expect(throws: SAEKitError.self) { try model.run(batch, after: 2, hidden: changed, options: .init(capture: [1])) }
    #expect(throws: SAEKitError.self) { try model.run(batch, after: 2, hidden: Matrix(rows: 3, cols: 384)) }
    #expect(try model.run(batch, after: 6, hidden: try clean.hiddenState(6)).embeddings == clean.embeddings)
  }

  @Test func identityScoresOneAndZeroScoresZero() throws {
    let model = try MiniLMFixtures.model()
    let result = try EmbeddingFidelity.measure(
      model: model, texts: Self.texts, layer: 3, maxLength: 64, rows: .all,
      replacements: [{ $0 }, { Matrix(rows: $0.rows, cols: $0.cols) }], batchSize: 2)
    #expect(result.texts == 3)
    #expect(result.patchedTokens == model.tokenize(Self.texts, maxLength: 64).tokenCount)
    #expect(result.scores[0] == [1, 1, 1])
    #expect(result.scores[1] == [0, 0, 0], "replacing by zeros is the ablation itself")
    #expect(result.means == [1, 0])
  }

  @Test func scoresEqualFullPatchedPasses() throws {
    let model = try MiniLMFixtures.model()
    let special: Set<Int> = [model.tokenizer.classifierID, model.tokenizer.separatorID]
    let halve: EmbeddingFidelity.Replacement = { $0.scaled(by: 0.5) }
    var inspected = 0
    let result = try EmbeddingFidelity.measure(
      model: model, texts: Self.texts, layer: 2, maxLength: 64, rows: .excluding(special), replacements: [halve],
      inspect: { h, patched in
        inspected += h.rows
        #expect(patched.filter { !$0 }.count == 2 * Self.texts.count, "[CLS] and [SEP] of every text stay clean")
      })
    // The same by hand: full passes with the ordinary rows of layer 2 halved or zeroed.
    let batch = model.tokenize(Self.texts, maxLength: 64)
    let ordinary = batch.ids.map { !special.contains($0) }
    func only(_ f: @escaping (Matrix) -> Matrix) -> MiniLM.Patch {
      { h in
        let r = f(h)
        var out = h
        for row in 0..<h.rows where ordinary[row] { for j in 0..<h.cols { out[row, j] = r[row, j] } }
        return out
      }
    }
    let clean = try model.run(batch).embeddings
    let patched = try model.run(batch, options: .init(patches: [2: only { $0.scaled(by: 0.5) }])).embeddings
    let ablated = try model.run(batch, options: .init(patches: [2: only { Matrix(rows: $0.rows, cols: $0.cols) }])).embeddings
    let reference = try MiniLM.embeddingFidelity(clean: clean, patched: patched, zeroAblated: ablated)
    #expect(result.scores[0] == reference)
    #expect(inspected == batch.tokenCount)
    #expect(result.patchedTokens == batch.tokenCount - 6)
    #expect(reference.allSatisfy { $0 > 0 && $0 < 1 }, "\(reference)")
  }

  @Test func badRequestsAreErrors() throws {
    let model = try MiniLMFixtures.model()
    #expect(throws: SAEKitError.self) {
      try EmbeddingFidelity.measure(model: model, texts: [], layer: 3, maxLength: 64, rows: .all, replacements: [{ $0 }])
    }
    #expect(throws: SAEKitError.self) {
      try EmbeddingFidelity.measure(model: model, texts: ["a b"], layer: 7, maxLength: 64, rows: .all, replacements: [{ $0 }])
    }
    #expect(throws: SAEKitError.self) {
      try EmbeddingFidelity.measure(model: model, texts: ["a b"], layer: 3, maxLength: 64, rows: .all,
                                    replacements: [{ _ in Matrix(rows: 1, cols: 384) }])
    }
  }

  @Test func severalLayersInOnePassEqualOneLayerAtATime() throws {
    let model = try MiniLMFixtures.model()
    let corpus = TextCorpus(name: "test", snippets: Self.texts + ["Another short text, with a comma.", "And a last one"])
    let together = try ModelActivations.collect(model: model, layers: [4, 1], corpus: corpus, tokens: 40, maxLength: 16, cache: nil)
    #expect(together.map(\.cached) == [false, false])
    for (i, layer) in [4, 1].enumerated() {
      let alone = try ModelActivations.collect(model: model, layer: layer, corpus: corpus, tokens: 40, maxLength: 16, cache: nil).set
      #expect(together[i].set.x == alone.x, "layer \(layer)")
      #expect(together[i].set.documents == alone.documents && together[i].set.tokenIds == alone.tokenIds)
    }
    // Cached one by one: a later request for either layer finds it.
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("acts-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let cache = ActivationCache(directory: folder)
    _ = try ModelActivations.collect(model: model, layers: [2, 3], corpus: corpus, tokens: 40, maxLength: 16, cache: cache)
    let again = try ModelActivations.collect(model: model, layer: 3, corpus: corpus, tokens: 40, maxLength: 16, cache: cache)
    #expect(again.cached)
    let mixed = try ModelActivations.collect(model: model, layers: [3, 5], corpus: corpus, tokens: 40, maxLength: 16, cache: cache)
    #expect(mixed.map(\.cached) == [true, false])
  }
}
