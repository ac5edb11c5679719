import Foundation
import Testing
@testable import SAEKit

/// The native MiniLM encoder against the PyTorch golden reference (`shared/golden/minilm`):
/// every hidden layer within 1e-4, pooled embeddings within 1e-5, plus batching, hooks and errors.
@Suite("MiniLM encoder")
struct MiniLMTests {
  /// The 8 golden sentences run as one packed batch, with every layer captured.
  static let goldenRun: Result<MiniLM.ForwardResult, any Error> = Result {
    let model = try MiniLMFixtures.model()
    let batch = model.tokenize(try MiniLMFixtures.goldenSentences().map(\.text))
    return try model.run(batch, options: .init(capture: Set(0...6)))
  }

  @Test("every hidden layer of the batched forward pass is within 1e-4 of the golden layer")
  func goldenHiddenStates() throws {
    let result = try Self.goldenRun.get()
    #expect(result.batch.offsets == (try MiniLMFixtures.goldenOffsets()))
    for layer in 0...6 {
      let golden = try NPY.readMatrix(MiniLMFixtures.golden("hidden_states_layer\(layer).npy"))
      let ours = try result.hiddenState(layer)
      #expect(ours.shape == Shape(225, 384))
      let difference = MiniLMFixtures.maxAbsDifference(ours, golden)
      #expect(difference <= 1e-4, "layer \(layer): max |Δ| = \(difference)")
    }
    #expect(result.lastHiddenState == (try result.hiddenState(6)))
  }

  @Test("the OpenBLAS path (CPUs without AVX-512 or AVX2 + FMA) is within 1e-4 of every golden layer too")
  func openBLASPathMatchesTheGoldenLayers() throws {
    var model = try MiniLMFixtures.model()
    model.weights = model.weights.withoutPacking()
    #expect(model.weights.blocks.allSatisfy { $0.qkv.packed == nil && $0.output.packed == nil })
    let result = try model.run(model.tokenize(try MiniLMFixtures.goldenSentences().map(\.text)),
                               options: .init(capture: Set(0...6)))
    for layer in 0...6 {
      let golden = try NPY.readMatrix(MiniLMFixtures.golden("hidden_states_layer\(layer).npy"))
      let difference = MiniLMFixtures.maxAbsDifference(try result.hiddenState(layer), golden)
      #expect(difference <= 1e-4, "layer \(layer): max |Δ| = \(difference)")
    }
    let embeddings = try NPY.readMatrix(MiniLMFixtures.golden("pooled_embeddings.npy"))
    #expect(MiniLMFixtures.maxAbsDifference(result.embeddings, embeddings) <= 1e-5)
  }

  @Test("pooled sentence embeddings are within 1e-5 of the golden ones (cosine ≥ 0.99999)")
  func goldenEmbeddings() throws {
    let result = try Self.goldenRun.get()
    let golden = try NPY.readMatrix(MiniLMFixtures.golden("pooled_embeddings.npy"))
    let difference = MiniLMFixtures.maxAbsDifference(result.embeddings, golden)
    #expect(difference <= 1e-5, "max |Δ| = \(difference)")
    for i in 0..<8 {
      let cosine = zip(result.embeddings.row(i), golden.row(i)).reduce(0) { $0 + Double($1.0) * Double($1.1) }
      #expect(cosine >= 0.99999, "sentence \(i): cosine \(cosine)")
    }
    let unnormalized = try NPY.readMatrix(MiniLMFixtures.golden("pooled_unnormalized.npy"))
    #expect(MiniLMFixtures.maxAbsDifference(result.meanPooled, unnormalized) <= 1e-4)
    // embed() tokenizes, runs and pools the same way, in chunks.
    let model = try MiniLMFixtures.model()
    let embedded = try model.embed(try MiniLMFixtures.goldenSentences().map(\.text), batchSize: 3)
    #expect(MiniLMFixtures.maxAbsDifference(embedded, result.embeddings) <= 1e-6)
  }

  @Test("a batch gives the same hidden states as running each sentence alone")
  func batchedEqualsOneByOne() throws {
    let model = try MiniLMFixtures.model()
    let batched = try Self.goldenRun.get()
    for (i, sentence) in try MiniLMFixtures.goldenSentences().enumerated() {
      let alone = try model.run(try TokenizedBatch(sequences: [sentence.ids]), options: .init(capture: [3, 6]))
      for layer in [3, 6] {
        let rows = try batched.hiddenState(layer).rows(batched.batch.rows(i))
        let difference = MiniLMFixtures.maxAbsDifference(rows, try alone.hiddenState(layer))
        #expect(difference <= 1e-5, "sentence \(i), layer \(layer): max |Δ| = \(difference)")
      }
      let difference = MiniLMFixtures.maxAbsDifference(
        batched.embeddings.rows(i..<(i + 1)), alone.embeddings)
      #expect(difference <= 1e-6, "sentence \(i): embedding max |Δ| = \(difference)")
    }
  }

  @Test("a batch of many sequence groups gives the same bits as each sequence alone")
  func groupsDoNotChangeBits() throws {
    let model = try MiniLMFixtures.model()
    var random = RandomSource(seed: 3)
    // 30 sequences of 1…300 tokens: groups of ≤ 256 rows, and longer sequences on their own.
    let sequences = (0..<30).map { i in
      [101] + (0..<(i % 7 == 3 ? 298 : 1 + i * 5 % 90)).map { _ in 1000 + Int(random.next() % 20_000) } + [102]
    }
    let batch = try TokenizedBatch(sequences: sequences)
    let groups = EncoderBlockPass.groups(batch)
    #expect(groups.flatMap(\.lengths) == sequences.map(\.count))
    #expect(groups.count > 4 && groups.allSatisfy { $0.rowCount <= 256 || $0.lengths.count == 1 })
    #expect(zip(groups, groups.dropFirst()).allSatisfy { $0.rows.upperBound == $1.rows.lowerBound })
    let together = try model.run(batch, options: .init(capture: [2], captureBlockSums: [4]))
    for i in [0, 3, 10, 29] {
      let alone = try model.run(try TokenizedBatch(sequences: [sequences[i]]), options: .init(capture: [2], captureBlockSums: [4]))
      #expect(try together.hiddenState(2).rows(batch.rows(i)) == alone.hiddenState(2), "sequence \(i)")
      #expect(together.blockSums[4]!.feedForward.rows(batch.rows(i)) == alone.blockSums[4]!.feedForward, "sequence \(i)")
      #expect(together.lastHiddenState.rows(batch.rows(i)) == alone.lastHiddenState, "sequence \(i)")
    }
  }

  @Test("patching a layer with the identity reproduces the clean output exactly", arguments: [0, 3, 6])
  func identityPatch(layer: Int) throws {
    let model = try MiniLMFixtures.model()
    let clean = try Self.goldenRun.get()
    var calls = 0
    let patched = try model.run(clean.batch, options: .init(capture: [layer], patches: [layer: { h in
      calls += 1
      #expect(h.shape == Shape(225, 384))
      return h
    }]))
    #expect(calls == 1)
    #expect(patched.lastHiddenState == clean.lastHiddenState)
    #expect(patched.embeddings == clean.embeddings)
    #expect(try patched.hiddenState(layer) == clean.hiddenState(layer))
    let fidelity = try MiniLM.embeddingFidelity(
      clean: clean.embeddings, patched: patched.embeddings,
      zeroAblated: try model.run(clean.batch, options: .init(patches: [layer: MiniLM.zeroAblation])).embeddings)
    #expect(fidelity == Array(repeating: 1, count: 8))
  }

  @Test("stopping after a layer gives the same bits for that layer as the full pass")
  func stopAfterLayer() throws {
    let model = try MiniLMFixtures.model()
    let clean = try Self.goldenRun.get()
    let early = try model.run(clean.batch, options: .init(capture: [3], stopAfterLayer: 3))
    #expect(try early.hiddenState(3) == clean.hiddenState(3))
    #expect(early.lastHiddenState == (try clean.hiddenState(3)))
  }

  @Test("zero ablation changes the output and has fidelity 0; a small perturbation keeps it near 1")
  func ablationAndFidelity() throws {
    let model = try MiniLMFixtures.model()
    let clean = try Self.goldenRun.get()
    let zeroed = try model.run(clean.batch, options: .init(capture: [3], patches: [3: MiniLM.zeroAblation]))
    #expect(try zeroed.hiddenState(3) == Matrix(rows: 225, cols: 384))  // captures see the patched state
    #expect(MiniLMFixtures.maxAbsDifference(zeroed.embeddings, clean.embeddings) > 0.05)
    let zeroFidelity = try MiniLM.embeddingFidelity(
      clean: clean.embeddings, patched: zeroed.embeddings, zeroAblated: zeroed.embeddings)
    #expect(zeroFidelity == Array(repeating: 0, count: 8))

    var random = RandomSource(seed: 7)
    let noisy = try model.run(clean.batch, options: .init(patches: [3: { h in
      var out = h
      for i in out.storage.indices { out.storage[i] += 0.05 * Float(random.gaussian()) }
      return out
    }]))
    let fidelity = try MiniLM.embeddingFidelity(
      clean: clean.embeddings, patched: noisy.embeddings, zeroAblated: zeroed.embeddings)
    for f in fidelity { #expect(f > 0.9 && f < 1, "fidelity \(f)") }
  }

  @Test("patches must keep the shape; their errors propagate")
  func patchErrors() throws {
    let model = try MiniLMFixtures.model()
    let batch = model.tokenize(["Hi!"])
    #expect(throws: SAEKitError.shapeMismatch(operation: "patch of layer 2", lhs: Shape(4, 384), rhs: Shape(4, 383))) {
      _ = try model.run(batch, options: .init(patches: [2: { _ in Matrix(rows: 4, cols: 383) }]))
    }
    #expect(throws: SAEKitError.cancelled) {
      _ = try model.run(batch, options: .init(patches: [1: { _ in throw SAEKitError.cancelled }]))
    }
    #expect(throws: SAEKitError.self) { _ = try model.run(batch, options: .init(capture: [7])) }
    #expect(throws: SAEKitError.self) { _ = try model.run(batch, options: .init(captureBlockSums: [0])) }
    #expect(throws: SAEKitError.self) { _ = try model.run(try TokenizedBatch(sequences: [[101, 30522, 102]])) }
    #expect(throws: SAEKitError.self) {
      _ = try model.run(try TokenizedBatch(sequences: [Array(repeating: 1000, count: 513)]))
    }
    #expect(throws: SAEKitError.self) { _ = try model.run(batch, options: .init(capture: [4], stopAfterLayer: 3)) }
    let truncated = model.tokenize([String(repeating: "word ", count: 600)])
    #expect(truncated.tokenCount == 512)
    #expect(try model.run(truncated).embeddings.rows == 1)
  }
}
