import Foundation
import Testing
import SAEKit

/// `TinyLMFiles` (Hugging Face GPT-2 layout) and the Double reference GPT-2, both checked
/// against the PyTorch fixture.
@Suite struct TinyLMFilesTests {
  // MARK: - The transformers fixture

  @Test func loadsTheModelThatTransformersSaved() throws {
    let p = try TinyLMFiles.load(TinyLMFixtures.modelDirectory)
    #expect(p.config == TinyLMFixtures.config)
    #expect(p.config.endOfText == 256)

    // Conv1D weights are (in × out): our (out × in) element [o][i] is the file's [i][o].
    let file = try SafeTensors.read(TinyLMFixtures.modelDirectory + "/" + TinyLMFiles.weightsFileName)
    let C = 16
    let cAttn = try file.floats("transformer.h.1.attn.c_attn.weight")  // [C, 3C]
    let qkv = p.storage[p.range(.qkvWeight, layer: 1)]  // 3C × C
    for (o, i) in [(0, 0), (5, 3), (C + 2, 7), (2 * C + 9, 15), (3 * C - 1, 1)] {
      #expect(qkv[qkv.startIndex + o * C + i] == cAttn[i * 3 * C + o])
    }
    let cProj = try file.floats("transformer.h.0.mlp.c_proj.weight")  // [4C, C]
    let fcProjection = p.storage[p.range(.fcProjectionWeight, layer: 0)]  // C × 4C
    for (o, i) in [(0, 0), (3, 50), (C - 1, 4 * C - 1)] {
      #expect(fcProjection[fcProjection.startIndex + o * 4 * C + i] == cProj[i * C + o])
    }
    #expect(p.values(.tokenEmbedding) == (try file.floats("transformer.wte.weight")))
    #expect(p.values(.finalNormBias) == (try file.floats("transformer.ln_f.bias")))
  }

  /// Measured: max |Δlogit| 2.2e-6, loss relative difference 6e-9.
  @Test func referenceMatchesPyTorchLogitsAndLoss() throws {
    let p = try TinyLMFiles.load(TinyLMFixtures.modelDirectory)
    let batch = try TinyLMFixtures.batch()
    #expect(batch.targets.filter { $0 < 0 } == [-100])
    #expect(batch.tokens.contains(256))

    let logits = TinyLMReference.logits(p, tokens: batch.tokens, batch: batch.batch, length: batch.length)
    #expect(logits.count == batch.logits.count)
    let logitDifference = zip(logits, batch.logits).map { abs($0 - Double($1)) }.max()!
    #expect(logitDifference <= 1e-4, "max |Δlogit| = \(logitDifference)")

    let loss = TinyLMReference.loss(
      p, tokens: batch.tokens, targets: batch.targets, batch: batch.batch, length: batch.length)
    let relative = abs(loss - Double(batch.loss)) / Double(batch.loss)
    #expect(relative <= 1e-5, "loss \(loss) vs PyTorch \(batch.loss): relative difference \(relative)")
  }

  /// Central differences of the reference loss against PyTorch's gradients, a few weights of
  /// every tensor: checks the reference's loss as a function of the weights (what later
  /// gradient checks of the fast model rely on) and the fixture's `grad.` tensors. Measured:
  /// relative error ≤ 1.1e-5 (PyTorch's float32 gradients).
  @Test func referenceFiniteDifferencesMatchPyTorchGradients() throws {
    let p = try TinyLMFiles.load(TinyLMFixtures.modelDirectory)
    let batch = try TinyLMFixtures.batch()
    let file = try SafeTensors.read(TinyLMFixtures.batchPath)
    let weights = p.storage.map(Double.init)
    func loss(_ w: [Double]) -> Double {
      TinyLMReference.loss(
        config: p.config, weights: w, tokens: batch.tokens, targets: batch.targets, batch: batch.batch, length: batch.length)
    }
    let h = 1e-5
    for mapping in GPT2TensorMapping.all(p.config) {
      let gradient = try file.floats("grad." + mapping.name)
      // The largest entry, and two others.
      let largest = gradient.indices.max { abs(gradient[$0]) < abs(gradient[$1]) }!
      for fileIndex in [largest, gradient.count / 3, gradient.count - 1] {
        let index = mapping.storageIndex(ofFileElement: fileIndex, in: p)
        var up = weights, down = weights
        up[index] += h
        down[index] -= h
        let numeric = (loss(up) - loss(down)) / (2 * h)
        let error = abs(numeric - Double(gradient[fileIndex])) / max(1e-3, abs(numeric))
        #expect(error <= 1e-4, "\(mapping.name)[\(fileIndex)]: finite difference \(numeric), PyTorch \(gradient[fileIndex])")
      }
    }
  }

  @Test func referenceLossIgnoresNegativeTargets() throws {
    let p = TinyLMFixtures.randomParameters(TinyLMFixtures.config, seed: 3)
    let tokens = [1, 2, 3, 256, 4, 5]
    let logits = TinyLMReference.logits(p, tokens: tokens, batch: 2, length: 3)
    func crossEntropy(_ position: Int, _ target: Int) -> Double {
      let row = logits[(position * 257)..<((position + 1) * 257)]
      return log(row.reduce(0) { $0 + exp($1) }) - row[row.startIndex + target]
    }
    let loss = TinyLMReference.loss(p, tokens: tokens, targets: [2, -100, 9, 4, -1, 0], batch: 2, length: 3)
    let expected = (crossEntropy(0, 2) + crossEntropy(2, 9) + crossEntropy(3, 4) + crossEntropy(5, 0)) / 4
    #expect(abs(loss - expected) <= 1e-12 * expected)
  }

  @Test func fixtureHasOneGradientPerTensor() throws {
    let file = try SafeTensors.read(TinyLMFixtures.batchPath)
    let mappings = GPT2TensorMapping.all(TinyLMFixtures.config)
    #expect(Set(file.names.filter { $0.hasPrefix("grad.") }) == Set(mappings.map { "grad." + $0.name }))
    for mapping in mappings {
      #expect(try file.shape(of: "grad." + mapping.name) == mapping.shape, "\(mapping.name)")
      #expect(try file.floats("grad." + mapping.name).contains { $0 != 0 }, "\(mapping.name)")
    }
    #expect(try file.shape(of: "logits") == [2, 8, 257])
    #expect(try file.shape(of: "loss") == [1])
  }

  // MARK: - Round trips

  @Test func saveThenLoadGivesIdenticalParameters() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    for config in [TinyLMFixtures.config, TinyLMConfig(context: 5, width: 12, layerCount: 3, headCount: 3, layerNormEpsilon: 1e-6)] {
      let p = TinyLMFixtures.randomParameters(config, seed: 7)
      let folder = scratch + "/model-\(config.width)"
      try TinyLMFiles.save(p, to: folder)
      #expect(try TinyLMFiles.load(folder) == p)
    }
  }

  @Test func savesTheFixtureAsTransformersDid() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let p = try TinyLMFiles.load(TinyLMFixtures.modelDirectory)
    try TinyLMFiles.save(p, to: scratch)
    let ours = try SafeTensors.read(scratch + "/model.safetensors")
    let theirs = try SafeTensors.read(TinyLMFixtures.modelDirectory + "/model.safetensors")
    #expect(ours.names == theirs.names)
    #expect(ours.metadata == ["format": "pt"])
    for name in theirs.names {
      #expect(try ours.array(name) == theirs.array(name), "\(name)")
    }
    #expect(try TinyLMFiles.readConfig(scratch + "/config.json") == TinyLMFiles.readConfig(TinyLMFixtures.modelDirectory + "/config.json"))
  }

  @Test func savingTwiceGivesIdenticalBytes() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let p = TinyLMFixtures.randomParameters(TinyLMFixtures.config, seed: 5)
    try TinyLMFiles.save(p, to: scratch + "/a", metadata: ["step": "10"])
    try TinyLMFiles.save(p, to: scratch + "/b", metadata: ["step": "10"])
    let before = try DataFiles.bytes(scratch + "/a/model.safetensors")
    try TinyLMFiles.save(p, to: scratch + "/a", metadata: ["step": "10"])  // over the existing files
    for name in [TinyLMFiles.configFileName, TinyLMFiles.weightsFileName] {
      #expect(try DataFiles.bytes(scratch + "/a/" + name) == DataFiles.bytes(scratch + "/b/" + name), "\(name)")
    }
    #expect(try DataFiles.bytes(scratch + "/a/model.safetensors") == before)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch + "/a").sorted()
    #expect(leftovers == ["config.json", "model.safetensors"])
  }

  @Test func configJSONIsGPT2sAndRoundTrips() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    try TinyLMFiles.save(TinyLMFixtures.randomParameters(TinyLMFixtures.config, seed: 1), to: scratch)
    let text = String(decoding: try DataFiles.bytes(scratch + "/config.json"), as: UTF8.self)
    #expect(text == """
      {
        "activation_function": "gelu_new",
        "add_cross_attention": false,
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.0,
        "bos_token_id": 256,
        "embd_pdrop": 0.0,
        "eos_token_id": 256,
        "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05,
        "model_type": "gpt2",
        "n_ctx": 8,
        "n_embd": 16,
        "n_head": 2,
        "n_inner": null,
        "n_layer": 2,
        "n_positions": 8,
        "reorder_and_upcast_attn": false,
        "resid_pdrop": 0.0,
        "scale_attn_by_inverse_layer_idx": false,
        "scale_attn_weights": true,
        "tie_word_embeddings": true,
        "vocab_size": 257
      }

      """)
    #expect(try TinyLMFiles.readConfig(scratch + "/config.json") == TinyLMFixtures.config)

    let odd = TinyLMConfig(vocabularySize: 300, context: 7, width: 20, layerCount: 1, headCount: 5, layerNormEpsilon: 3e-7)
    try TinyLMFiles.save(TinyLMParameters(zeros: odd), to: scratch)
    #expect(try TinyLMFiles.readConfig(scratch + "/config.json") == odd)
  }

  @Test func metadataIsSavedWithFormatPT() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let p = TinyLMFixtures.randomParameters(TinyLMFixtures.config, seed: 2)
    try TinyLMFiles.save(p, to: scratch, metadata: ["step": "1200", "format": "pt"])
    #expect(try TinyLMFiles.metadata(scratch) == ["format": "pt", "step": "1200"])
    #expect(throws: SAEKitError.self) { try TinyLMFiles.save(p, to: scratch, metadata: ["format": "np"]) }
  }

  // MARK: - Other files transformers may write

  @Test func acceptsATiedHeadMaskBuffersHalfPrecisionAndBareNames() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let p = TinyLMFixtures.randomParameters(TinyLMFixtures.config, seed: 4)
    try TinyLMFiles.save(p, to: scratch)

    try rewriteWeights(scratch) { tensors in
      tensors["lm_head.weight"] = tensors["transformer.wte.weight"]
      tensors["transformer.h.0.attn.bias"] = try NDArray(floats: [1, 0, 1, 1], shape: [1, 1, 2, 2])
      tensors["transformer.h.1.attn.masked_bias"] = try NDArray(floats: [-1e4], shape: [])
    }
    #expect(try TinyLMFiles.load(scratch) == p)

    try rewriteWeights(scratch) { tensors in
      tensors["transformer.wpe.weight"] = try NDArray(floats: p.values(.positionEmbedding), shape: [8, 16], dtype: .float16)
    }
    let half = try TinyLMFiles.load(scratch)
    #expect(half.values(.positionEmbedding) == p.values(.positionEmbedding).map { Float(Float16($0)) })
    #expect(half.values(.tokenEmbedding) == p.values(.tokenEmbedding))

    try TinyLMFiles.save(p, to: scratch)
    try rewriteWeights(scratch) { tensors in
      tensors = Dictionary(uniqueKeysWithValues: tensors.map { (String($0.key.dropFirst("transformer.".count)), $0.value) })
    }
    #expect(try TinyLMFiles.load(scratch) == p)
  }

  // MARK: - Errors

  @Test func missingFilesAreReported() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    expectFileError(scratch + "/config.json", "no such file", "config.json") { _ = try TinyLMFiles.load(scratch) }
    try TinyLMFiles.save(TinyLMFixtures.randomParameters(TinyLMFixtures.config, seed: 1), to: scratch)
    try FileManager.default.removeItem(atPath: scratch + "/model.safetensors")
    expectFileError(scratch + "/model.safetensors", "no such file", "not its weights") { _ = try TinyLMFiles.load(scratch) }
  }

  @Test(arguments: [
    ("activation_function", JSONValue.string("relu"), "activation_function 'relu' is not supported (only the tanh GELU: gelu_new, gelu_pytorch_tanh)"),
    ("n_inner", .int(32), "n_inner 32 is not supported (only null or 4·n_embd = 64)"),
    ("n_head", .int(3), "n_embd 16 is not a multiple of n_head 3"),
    ("n_embd", .null, "missing key \"n_embd\""),
    ("n_layer", .int(0), "n_layer must be positive, got 0"),
    ("model_type", .string("bert"), "model_type 'bert' is not supported"),
    ("scale_attn_by_inverse_layer_idx", .bool(true), "scale_attn_by_inverse_layer_idx true is not supported"),
    ("reorder_and_upcast_attn", .bool(true), "reorder_and_upcast_attn true is not supported"),
    ("add_cross_attention", .bool(true), "add_cross_attention true is not supported"),
    ("scale_attn_weights", .bool(false), "scale_attn_weights false is not supported"),
    ("tie_word_embeddings", .bool(false), "tie_word_embeddings false is not supported"),
    ("eos_token_id", .int(0), "eos_token_id 0 is not the last token"),
    ("layer_norm_epsilon", .double(-1), "layer_norm_epsilon must be positive"),
  ])
  func unsupportedConfigurationsAreRejected(change: (key: String, value: JSONValue, message: String)) throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    try TinyLMFiles.save(TinyLMFixtures.randomParameters(TinyLMFixtures.config, seed: 1), to: scratch)
    try rewriteConfig(scratch, [change.key: change.value])
    expectFileError(scratch + "/config.json", change.message) { _ = try TinyLMFiles.load(scratch) }
  }

  @Test func acceptedConfigurationVariants() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    try TinyLMFiles.save(TinyLMFixtures.randomParameters(TinyLMFixtures.config, seed: 1), to: scratch)
    try rewriteConfig(scratch, [
      "activation_function": .string("gelu_pytorch_tanh"), "n_inner": .int(64), "resid_pdrop": .double(0.1),
      "eos_token_id": .array([.int(256)]), "n_ctx": .int(1024),
    ])
    #expect(try TinyLMFiles.readConfig(scratch + "/config.json") == TinyLMFixtures.config)
  }

  @Test func badTensorsAreReported() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let p = TinyLMFixtures.randomParameters(TinyLMFixtures.config, seed: 6)
    let weights = scratch + "/model.safetensors"
    func check(_ fragments: String..., change: (inout [String: NDArray]) throws -> Void) throws {
      try TinyLMFiles.save(p, to: scratch)
      try rewriteWeights(scratch, change)
      do {
        _ = try TinyLMFiles.load(scratch)
        Issue.record("expected an error containing \(fragments)")
      } catch let error as SAEKitError {
        guard case .file(let path, let reason) = error else { Issue.record("\(error)"); return }
        #expect(path == weights)
        for fragment in fragments { #expect(reason.contains(fragment), "\(reason) lacks \(fragment)") }
      }
    }
    // Not transposed: c_fc stored (out × in) as torch.nn.Linear would.
    try check("tensor 'transformer.h.0.mlp.c_fc.weight' has shape [64, 16], expected [16, 64]") { tensors in
      tensors["transformer.h.0.mlp.c_fc.weight"] = try NDArray(floats: p.values(.fcWeight).prefix(1024).map { $0 }, shape: [64, 16])
    }
    try check("tensor 'transformer.ln_f.bias' has dtype I64, expected F32") { tensors in
      tensors["transformer.ln_f.bias"] = try NDArray(ints: Array(repeating: 0, count: 16), shape: [16])
    }
    try check("missing tensors 'transformer.h.1.ln_2.bias', 'transformer.ln_f.weight'") { tensors in
      tensors["transformer.h.1.ln_2.bias"] = nil
      tensors["transformer.ln_f.weight"] = nil
    }
    try check("unexpected tensors 'transformer.h.2.ln_1.weight'") { tensors in
      tensors["transformer.h.2.ln_1.weight"] = tensors["transformer.h.1.ln_1.weight"]
    }
    try check("'lm_head.weight' differs from 'transformer.wte.weight': untied output heads are not supported") { tensors in
      var head = p.values(.tokenEmbedding)
      head[100] += 1
      tensors["lm_head.weight"] = try NDArray(floats: head, shape: [257, 16])
    }
  }

  // MARK: - Helpers

  /// Rewrites `directory/model.safetensors` with `change` applied to its tensors.
  private func rewriteWeights(_ directory: String, _ change: (inout [String: NDArray]) throws -> Void) throws {
    let path = directory + "/" + TinyLMFiles.weightsFileName
    let file = try SafeTensors.read(path)
    var tensors = [String: NDArray]()
    for name in file.names { tensors[name] = try file.array(name) }
    try change(&tensors)
    try SafeTensors.write(tensors, metadata: file.metadata, to: path)
  }

  /// Rewrites `directory/config.json` (the fixture configuration's) with `changes` applied.
  private func rewriteConfig(_ directory: String, _ changes: [String: JSONValue]) throws {
    guard case .object(var entries) = TinyLMFiles.configJSON(TinyLMFixtures.config) else {
      Issue.record("configJSON is not an object")
      return
    }
    entries.merge(changes) { _, new in new }
    try AtomicFileWriter.write(JSONValue.object(entries).encoded(), to: directory + "/" + TinyLMFiles.configFileName)
  }
}
