import Foundation
import Testing
@testable import SAEKit

/// SAELens and sparsify folders: files written by PyTorch code (the fixture of
/// `bench/make_interchange_fixture.py`), round trips of every activation, the
/// exact conversions (input scale, `apply_b_dec_to_input`), and errors.
@Suite struct InterchangeTests {
  // MARK: - Files written by PyTorch

  @Test(arguments: ["saelens_topk", "saelens_topk_rescaled", "saelens_jumprelu", "sparsify/layers.0"])
  func reconstructsLikeTheLibraryThatWroteIt(folder: String) throws {
    let sae = try SAEFile.load(directory: try Self.fixture(folder))
    let x = try NPY.readMatrix(try Self.fixture("input.npy"))
    let expectedName = "expected_" + (folder.hasPrefix("sparsify") ? "sparsify" : folder) + ".npy"
    let expected = try NPY.readMatrix(try Self.fixture(expectedName))
    #expect(sae.dimension == 8 && sae.width == 16)
    #expect(try Self.maxError(try sae.reconstruct(x), expected) <= 1e-5)
    #expect(try SAEFile.detect(directory: try Self.fixture(folder)) == (folder.hasPrefix("sparsify") ? .sparsify : .saeLens))
  }

  @Test func readsTheFixtureConfigurations() throws {
    #expect(try SAEFile.load(directory: try Self.fixture("saelens_topk")).activation is TopK)
    #expect((try SAEFile.load(directory: try Self.fixture("sparsify/layers.0")).activation as? TopK)?.k == 3)
    let jump = try #require(try SAEFile.load(directory: try Self.fixture("saelens_jumprelu")).activation as? JumpReLU)
    let raw = try SafeTensors.read(try Self.fixture("saelens_jumprelu/sae_weights.safetensors")).floats("threshold")
    // logθ cannot represent every θ: within half a step of exp between adjacent Floats.
    for (theta, file) in zip(jump.thresholds, raw) { #expect(abs(theta - file) <= 0x1p-23 * max(1, abs(log(file))) * file) }
    let root = try Self.fixture("sparsify")
    #expect(SparsifyFormat.hookpoints(in: root) == ["layers.0"])
    expectFileError(root, "one sparsify SAE per hookpoint", "layers.0") { _ = try SAEFile.load(directory: root) }
  }

  // MARK: - Round trips

  static let kinds: [ActivationKind] = [
    .relu(l1: 0.7), .topK(k: 4), .batchTopK(k: 4), .jumpReLU(l0: 0.3, bandwidth: 0.05), .absTopK(k: 4),
    .mutualChoice(k: 4), .featureChoice(k: 4, zipf: 1.5),
  ]

  @Test(arguments: kinds)
  func roundTripsBitwiseThroughSAELens(kind: ActivationKind) throws {
    try Self.withScratch { dir in
      let sae = try Self.makeSAE(kind)
      try SAELensFormat.save(sae, to: dir, hookName: "blocks.3.hook_resid_post", modelName: "minilm")
      let back = try SAELensFormat.load(directory: dir)
      try Self.expectSameSAE(back, sae)
      #expect("\(back.activation)" == "\(sae.activation)")  // k, λ, bandwidth and θ survive
    }
  }

  /// Feature and Mutual Choice keep their kind, thresholds and inference rule; the file
  /// says what they are; an SAE whose kind we do not know, or with no threshold yet, is an error.
  @Test func choiceKindsSayWhatTheyAreAndUnknownKindsAreErrors() throws {
    try Self.withScratch { dir in
      for kind in [ActivationKind.mutualChoice(k: 3, inference: .batch), .featureChoice(k: 2, zipf: 0.5, inference: .batch)] {
        let sae = try Self.makeSAE(kind)
        try SAELensFormat.save(sae, to: dir)
        let saekit = try #require(try Self.readConfig(dir)["saekit"] as? [String: Any])
        #expect(saekit["inference"] as? String == "batch" && saekit["k"] as? Int != nil)
        let back = try SAELensFormat.load(directory: dir)
        #expect(back.activation.kind == kind && back.activation.state == sae.activation.state)
      }
      #expect(try Self.readConfig(dir)["architecture"] as? String == "jumprelu", "SAELens reads the threshold rule")
      try Self.editConfig(dir) { $0["saekit"] = ["activation": "token_choice", "k": 2] }
      expectFileError(dir + "/cfg.json", "unknown saekit activation 'token_choice'") { _ = try SAELensFormat.load(directory: dir) }
      try Self.editConfig(dir) { $0["saekit"] = ["activation": "mutual_choice"] }
      expectFileError(dir + "/cfg.json", "saekit.k is missing for a mutual_choice SAE") { _ = try SAELensFormat.load(directory: dir) }
      try SAELensFormat.save(try Self.makeSAE(.absTopK(k: 3)), to: dir)
      #expect(try Self.readConfig(dir)["architecture"] as? String == "abstopk")
      var rng = RandomSource(seed: 2)
      for fresh in [ActivationKind.mutualChoice(k: 2), .featureChoice(k: 2)] {
        let untrained = try SparseAutoencoder(dimension: 4, width: 8, activation: fresh, random: &rng)
        #expect(throws: SAEKitError.self) { try SAELensFormat.save(untrained, to: dir) }
        #expect(throws: SAEKitError.self) { try SparsifyFormat.save(untrained, to: dir) }
      }
    }
  }

  @Test func roundTripsTopKBitwiseThroughSparsify() throws {
    try Self.withScratch { dir in
      let sae = try Self.makeSAE(.topK(k: 4))
      try SparsifyFormat.save(sae, to: dir + "/layers.3")
      try Self.expectSameSAE(try SAEFile.load(directory: dir + "/layers.3"), sae)
      #expect(SparsifyFormat.hookpoints(in: dir) == ["layers.3"])
    }
  }

  @Test func savingIsDeterministicWithSortedKeys() throws {
    try Self.withScratch { dir in
      let sae = try Self.makeSAE(.jumpReLU(l0: 0.3), scale: 0.37)
      try SAELensFormat.save(sae, to: dir + "/a", hookName: "h")
      try SAELensFormat.save(sae, to: dir + "/b", hookName: "h")
      for name in ["cfg.json", "sae_weights.safetensors"] {
        #expect(try DataFiles.bytes(dir + "/a/" + name) == DataFiles.bytes(dir + "/b/" + name))
      }
      let text = try String(contentsOfFile: dir + "/a/cfg.json", encoding: .utf8)
      let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: ":")[0] }
      #expect(keys == keys.sorted() && keys.count == 10)
      #expect(text.contains("\"input_scale\": 0.37,"), "Floats in their own shortest form: \(text)")
    }
  }

  @Test func configTextRejectsNaNAndInfinity() throws {
    let fine = JSONValue.object(["b": .float(1e-5), "a": .object(["x": .float(0.001), "n": .null])])
    #expect(try fine.configText() == "{\n  \"a\": {\n    \"n\": null,\n    \"x\": 0.001\n  },\n  \"b\": 1e-05\n}\n")
    for bad in [Float.nan, .infinity, -.infinity] {
      let value = JSONValue.object(["ok": .float(1), "z": .object(["deep": .float(bad)])])
      #expect(value.firstNonFiniteNumber.map { $0.isNaN == bad.isNaN && ($0.isNaN || $0 == Double(bad)) } == true)
      #expect(throws: SAEKitError.self) { try value.configText() }
    }
  }

  // MARK: - Exact conversions, checked against the libraries' forward passes

  /// Our SAE with input scale s ≠ 1, saved: the files alone (read raw, run as
  /// SAELens / sparsify run them) reproduce our reconstructions, and our loader
  /// brings the scale back.
  @Test(arguments: kinds)
  func inputScaleIsFoldedExactly(kind: ActivationKind) throws {
    try Self.withScratch { dir in
      let sae = try Self.makeSAE(kind, scale: 0.37)
      let x = Self.input()
      let ours = try sae.reconstruct(x)
      try SAELensFormat.save(sae, to: dir + "/lens")
      #expect(try Self.maxError(try FileForward.saeLens(dir + "/lens", x), ours) <= 1e-5)
      let back = try SAELensFormat.load(directory: dir + "/lens")
      #expect(back.inputScale == 0.37)
      #expect(try Self.maxError(try back.reconstruct(x), ours) <= 1e-5)
      let raw = try SafeTensors.read(dir + "/lens/sae_weights.safetensors").matrix("W_enc")
      #expect(try Self.maxError(raw, sae.encoderWeights.scaled(by: 0.37)) <= 1e-6)
      guard case .topK = kind else { return }
      try SparsifyFormat.save(sae, to: dir + "/sparsify")
      #expect(try Self.maxError(try FileForward.sparsify(dir + "/sparsify", x), ours) <= 1e-5)
      #expect(try Self.maxError(try SparsifyFormat.load(directory: dir + "/sparsify").reconstruct(x), ours) <= 1e-5)
    }
  }

  @Test(arguments: [false, true])
  func applyBDecToInputIsHonoured(apply: Bool) throws {
    try Self.withScratch { dir in
      let sae = try Self.makeSAE(.relu(l1: 0))
      try SAELensFormat.save(sae, to: dir)
      try Self.editConfig(dir) { $0["apply_b_dec_to_input"] = apply }
      let x = Self.input()
      let expected = try FileForward.saeLens(dir, x)
      #expect(try Self.maxError(try SAELensFormat.load(directory: dir).reconstruct(x), expected) <= 1e-5)
      // The two settings really differ, so the check above can fail.
      #expect(try Self.maxError(try sae.reconstruct(x), expected) > (apply ? -1 : 1e-2))
    }
  }

  @Test func normScalingFactorBecomesTheInputScale() throws {
    try Self.withScratch { dir in
      try SAELensFormat.save(try Self.makeSAE(.topK(k: 4)), to: dir)
      expectFileError(dir + "/cfg.json", "normalize_activations is \"none\"") {
        _ = try SAELensFormat.load(directory: dir, normScalingFactor: 2)
      }
      try Self.editConfig(dir) { $0["normalize_activations"] = "expected_average_only_in" }
      #expect(try SAELensFormat.load(directory: dir, normScalingFactor: 2).inputScale == 2)
      #expect(try SAELensFormat.load(directory: dir).inputScale == 1)
    }
  }

  /// SAELens training state dicts: JumpReLU with `log_threshold`, BatchTopK with a scalar `topk_threshold`.
  @Test func readsTrainingCheckpointLayouts() throws {
    try Self.withScratch { dir in
      let jump = try Self.makeSAE(.jumpReLU(l0: 0.3))
      try SAELensFormat.save(jump, to: dir)
      let weights = dir + "/sae_weights.safetensors"
      let common = ["W_enc": try NDArray(jump.encoderWeights), "W_dec": try NDArray(jump.decoderWeights),
                    "b_enc": try NDArray(floats: jump.encoderBias, shape: [24]), "b_dec": try NDArray(floats: jump.decoderBias, shape: [8])]
      try SafeTensors.write(common.merging(["log_threshold": try NDArray(floats: jump.activation.parameters, shape: [24])]) { a, _ in a }, to: weights)
      #expect(try SAELensFormat.load(directory: dir).activation.parameters == jump.activation.parameters)
      try SafeTensors.write(common.merging(["topk_threshold": try NDArray(floats: [0.25], shape: [], dtype: .float64)]) { a, _ in a }, to: weights)
      try Self.editConfig(dir) { $0["architecture"] = "batchtopk"; $0["k"] = 5.0; $0["saekit"] = nil }
      let batch = try #require(try SAELensFormat.load(directory: dir).activation as? BatchTopK)
      #expect(batch.k == 5 && batch.threshold == 0.25)
      // SAELens types BatchTopK's k as a float; a Matryoshka BatchTopK checkpoint computes the same way.
      try Self.editConfig(dir) { $0["architecture"] = "matryoshka_batchtopk"; $0["k"] = 4.6 }
      let matryoshka = try #require(try SAELensFormat.load(directory: dir).activation as? BatchTopK)
      #expect(matryoshka.k == 5 && matryoshka.threshold == 0.25)
      try Self.editConfig(dir) { $0["architecture"] = "topk"; $0["k"] = 4.6 }
      expectFileError(dir + "/cfg.json", "k = 4.6 is not a whole number") { _ = try SAELensFormat.load(directory: dir) }
    }
  }

  @Test func thresholdsSurviveLogAndExp() {
    var rng = RandomSource(seed: 5)
    let ours = (0..<2000).map { _ in Foundation.exp(Float(rng.uniform(-9, 3))) }  // θ = exp(p): exact
    #expect(ours.allSatisfy { Foundation.exp(SAEFolding.logThreshold($0)) == $0 })
    let foreign = (0..<2000).map { _ in Float(rng.uniform(0.001, 20)) }  // within half an exp step
    #expect(foreign.allSatisfy { abs(Foundation.exp(SAEFolding.logThreshold($0)) - $0) <= 0x1p-23 * max(1, abs(log($0))) * $0 })
    #expect(Foundation.exp(SAEFolding.logThreshold(0)) == 0 && Foundation.exp(SAEFolding.logThreshold(-1)) == 0)
  }

  // MARK: - Errors

  @Test func errorsNameTheFileAndTheCulprit() throws {
    try Self.withScratch { dir in
      let sae = try Self.makeSAE(.topK(k: 4))
      try SAELensFormat.save(sae, to: dir)
      let cfg = dir + "/cfg.json", weights = dir + "/sae_weights.safetensors"
      try Self.editConfig(dir) { $0["architecture"] = "gated" }
      expectFileError(cfg, "unsupported SAELens architecture 'gated'", "standard, topk") { _ = try SAELensFormat.load(directory: dir) }
      try Self.editConfig(dir) { $0["architecture"] = "topk"; $0["normalize_activations"] = "layer_norm" }
      expectFileError(cfg, "unsupported normalize_activations 'layer_norm'") { _ = try SAELensFormat.load(directory: dir) }
      try Self.editConfig(dir) { $0["normalize_activations"] = "none"; $0["d_in"] = nil }
      expectFileError(cfg, "missing key \"d_in\"") { _ = try SAELensFormat.load(directory: dir) }
      try Self.editConfig(dir) { $0["d_in"] = 8; $0["k"] = 99 }
      expectFileError(cfg, "k = 99 is outside 1...d_sae = 24") { _ = try SAELensFormat.load(directory: dir) }
      try Self.editConfig(dir) { $0["k"] = 4 }

      try SafeTensors.write(matrices: ["W_enc": sae.decoderWeights, "W_dec": sae.decoderWeights],
                            vectors: ["b_enc": sae.encoderBias, "b_dec": sae.decoderBias], to: weights)
      expectFileError(weights, "tensor 'W_enc' has shape [24, 8], expected [8, 24]") { _ = try SAELensFormat.load(directory: dir) }
      try SafeTensors.write(matrices: ["W_enc": sae.encoderWeights, "W_dec": sae.decoderWeights],
                            vectors: ["b_dec": sae.decoderBias], to: weights)
      expectFileError(weights, "no tensor named 'b_enc'") { _ = try SAELensFormat.load(directory: dir) }
      try FileManager.default.removeItem(atPath: cfg)
      expectFileError(cfg, "no such file") { _ = try SAELensFormat.load(directory: dir) }
      try FileManager.default.removeItem(atPath: weights)
      expectFileError(dir, "not an SAE folder") { _ = try SAEFile.detect(directory: dir) }
    }
  }

  @Test func sparsifyOptionsWeCannotRepresentAreErrors() throws {
    try Self.withScratch { dir in
      try SparsifyFormat.save(try Self.makeSAE(.topK(k: 4)), to: dir)
      let cfg = dir + "/cfg.json"
      try Self.editConfig(dir) { $0["skip_connection"] = true }
      expectFileError(cfg, "unsupported sparsify option \"skip_connection\"") { _ = try SparsifyFormat.load(directory: dir) }
      try Self.editConfig(dir) { $0["skip_connection"] = false; $0["activation"] = "groupmax" }
      expectFileError(cfg, "unsupported sparsify activation 'groupmax'") { _ = try SparsifyFormat.load(directory: dir) }
      try Self.editConfig(dir) { $0["activation"] = "topk"; $0["num_latents"] = 0; $0["expansion_factor"] = 2 }
      expectFileError(dir + "/sae.safetensors", "'encoder.weight' has shape [24, 8], expected [16, 8]") {
        _ = try SparsifyFormat.load(directory: dir)
      }
    }
    #expect(throws: SAEKitError.self) { try SparsifyFormat.save(try Self.makeSAE(.relu(l1: 1)), to: "/nonexistent") }
    var untrained = try Self.makeSAE(.batchTopK(k: 4))
    untrained.activation = BatchTopK(k: 4)
    #expect(throws: SAEKitError.invalidArgument(
      "cannot save BatchTopK(k: 4) in SAELens format: it has no inference threshold yet (train it first)")) {
      try SAELensFormat.save(untrained, to: "/nonexistent")
    }
  }
}

// MARK: - Helpers

extension InterchangeTests {
  /// NaN or infinity anywhere in the weights (float32, or 16-bit left in the file) is an error
  /// naming the tensor and the element, not a silently broken SAE; a file is not a folder.
  @Test func nonFiniteWeightsAndFilesForFoldersAreErrors() throws {
    try Self.withScratch { dir in
      let sae = try Self.makeSAE(.topK(k: 4))
      let weights = dir + "/sae_weights.safetensors"
      var decoder = sae.decoderWeights
      decoder[2, 5] = .nan
      for (dtype, bad) in [(DType.float32, Float.nan), (.bfloat16, .infinity), (.float16, -.infinity)] {
        try SAELensFormat.save(sae, to: dir)
        decoder[2, 5] = bad
        try SafeTensors.write(matrices: ["W_enc": sae.encoderWeights, "W_dec": decoder],
                              vectors: ["b_enc": sae.encoderBias, "b_dec": sae.decoderBias], to: weights)
        if dtype != .float32 { try SafeTensors.rewrite(weights, storing: ["W_enc", "W_dec"], as: dtype) }
        expectFileError(weights, "tensor 'W_dec' holds a value that is not finite (NaN or infinity) at [2, 5]") {
          _ = try SAEFile.load(directory: dir, weights: dtype == .float32 ? .float32 : .mapped)
        }
      }
      expectFileError(weights, "is a file, not an SAE folder") { _ = try SAEFile.load(directory: weights) }
    }
  }

  static func fixture(_ name: String) throws -> String {
    try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).path + "/interchange/" + name
  }

  static func withScratch(_ body: (String) throws -> Void) throws {
    let dir = try DataFiles.scratchFolder()
    defer { DataFiles.remove(dir) }
    try body(dir)
  }

  /// A d = 8, m = 24 SAE with an encoder that is not the decoder's transpose, biases, and trained-looking state.
  static func makeSAE(_ kind: ActivationKind, scale: Float = 1) throws -> SparseAutoencoder {
    var rng = RandomSource(seed: 41)
    var sae = try SparseAutoencoder(dimension: 8, width: 24, activation: kind, random: &rng)
    sae.encoderWeights = sae.encoderWeights.map { $0 + Float(rng.gaussian(mean: 0, std: 0.3)) }
    sae.encoderBias = (0..<24).map { _ in Float(rng.gaussian(mean: 0, std: 0.2)) }
    sae.decoderBias = (0..<8).map { _ in Float(rng.gaussian(mean: 0, std: 0.5)) }
    sae.inputScale = scale
    switch kind {
    case .batchTopK(let k): sae.activation = BatchTopK(k: k, threshold: 0.3)
    case .mutualChoice(let k, let rule): sae.activation = MutualChoice(k: k, inference: rule, threshold: 0.3)
    case .featureChoice:
      sae.activation.state = (0..<24).map { _ in Float(rng.uniform(0.05, 0.5)) }
    default: break
    }
    if var jump = sae.activation as? JumpReLU {
      jump.parameters = (0..<24).map { _ in Float(log(rng.uniform(0.05, 0.5))) }
      sae.activation = jump
    }
    return sae
  }

  static func input() -> Matrix {
    var rng = RandomSource(seed: 77)
    return Matrix.gaussian(rows: 9, cols: 8, mean: 0, std: 1.5, using: &rng)
  }

  static func maxError(_ a: Matrix, _ b: Matrix) throws -> Float {
    try #require(a.shape == b.shape)
    return zip(a.storage, b.storage).map { abs($0 - $1) }.max() ?? 0
  }

  /// Same parameters bit for bit, same activation state, same codes and reconstructions.
  static func expectSameSAE(_ back: SparseAutoencoder, _ sae: SparseAutoencoder) throws {
    #expect(back.encoderWeights == sae.encoderWeights && back.decoderWeights == sae.decoderWeights)
    #expect(back.encoderBias == sae.encoderBias && back.decoderBias == sae.decoderBias)
    #expect(back.inputScale == sae.inputScale)
    #expect(type(of: back.activation) == type(of: sae.activation))
    if let a = back.activation as? JumpReLU, let b = sae.activation as? JumpReLU { #expect(a.thresholds == b.thresholds) }
    #expect(back.activation.kind == sae.activation.kind && back.activation.state == sae.activation.state)
    let x = input()
    #expect(try back.encode(x) == sae.encode(x))
    #expect(try back.reconstruct(x) == sae.reconstruct(x))
  }

  static func readConfig(_ dir: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/cfg.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  static func editConfig(_ dir: String, _ edit: (inout [String: Any]) -> Void) throws {
    var cfg = try readConfig(dir)
    edit(&cfg)
    try JSONSerialization.data(withJSONObject: cfg, options: [.sortedKeys]).write(to: URL(fileURLWithPath: dir + "/cfg.json"))
  }
}

/// The libraries' forward passes, dense and in Double, on tensors read raw from
/// the files and settings read with JSONSerialization (not through the loaders).
enum FileForward {
  /// SAELens: `relu`/`topk`/`jumprelu` of `(x − b_dec·apply)·W_enc + b_enc`, optional decoder-norm rescaling.
  static func saeLens(_ dir: String, _ x: Matrix) throws -> Matrix {
    let cfg = try InterchangeTests.readConfig(dir)
    let t = try SafeTensors.read(dir + "/sae_weights.safetensors")
    let arch = cfg["architecture"] as? String ?? "standard", k = cfg["k"] as? Int ?? 0
    let theta = arch == "jumprelu" ? try t.floats("threshold").map(Double.init) : []
    let rescale = cfg["rescale_acts_by_decoder_norm"] as? Bool ?? false
    return try forward(x, wEnc: try t.matrix("W_enc"), bEnc: try t.floats("b_enc"), wDec: try t.matrix("W_dec"),
                       bDec: try t.floats("b_dec"), subtract: cfg["apply_b_dec_to_input"] as? Bool ?? true,
                       rescale: rescale) { pre in
      switch arch {
      case "topk": return topK(pre, k)
      case "abstopk":
        let keep = Set(pre.indices.sorted { abs(pre[$0]) > abs(pre[$1]) }.prefix(k))
        return pre.indices.map { keep.contains($0) ? pre[$0] : 0 }
      case "jumprelu": return pre.indices.map { pre[$0] > theta[$0] ? max(pre[$0], 0) : 0 }
      default: return pre.map { max($0, 0) }
      }
    }
  }

  /// sparsify: `topk(relu((x − b_dec)·encoder.weightᵀ + encoder.bias), k)`.
  static func sparsify(_ dir: String, _ x: Matrix) throws -> Matrix {
    let k = try #require(try InterchangeTests.readConfig(dir)["k"] as? Int)
    let t = try SafeTensors.read(dir + "/sae.safetensors")
    return try forward(x, wEnc: try t.matrix("encoder.weight").transposed, bEnc: try t.floats("encoder.bias"),
                       wDec: try t.matrix("W_dec"), bDec: try t.floats("b_dec"), subtract: true, rescale: false) {
      topK($0.map { max($0, 0) }, k)
    }
  }

  static func topK(_ pre: [Double], _ k: Int) -> [Double] {
    let keep = Set(pre.indices.sorted { pre[$0] > pre[$1] }.prefix(k))
    return pre.indices.map { keep.contains($0) ? max(pre[$0], 0) : 0 }
  }

  static func forward(
    _ x: Matrix, wEnc: Matrix, bEnc: [Float], wDec: Matrix, bDec: [Float], subtract: Bool, rescale: Bool,
    rule: ([Double]) -> [Double]
  ) throws -> Matrix {
    let d = wEnc.rows, m = wEnc.cols
    let norms = rescale ? wDec.rowNorms() : [Double](repeating: 1, count: m)
    var out = Matrix(rows: x.rows, cols: d)
    for r in 0..<x.rows {
      let pre = (0..<m).map { j in
        (0..<d).reduce(Double(bEnc[j])) { $0 + (Double(x[r, $1]) - (subtract ? Double(bDec[$1]) : 0)) * Double(wEnc[$1, j]) }
          * norms[j]
      }
      let z = zip(rule(pre), norms).map { $0 / $1 }
      try out.setRow(r, (0..<d).map { c in Float((0..<m).reduce(Double(bDec[c])) { $0 + z[$1] * Double(wDec[$1, c]) }) })
    }
    return out
  }
}
