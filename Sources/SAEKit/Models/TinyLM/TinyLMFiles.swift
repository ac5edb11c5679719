import Foundation

/// A TinyLM on disk in Hugging Face's GPT-2 layout, so that
/// `transformers.GPT2LMHeadModel.from_pretrained(directory)` loads it unchanged:
///
/// - `config.json`: a `GPT2Config` (``configJSON(_:)``, read back by ``readConfig(_:)``);
/// - `model.safetensors`: the state dict, float32, names and shapes as
///   ``GPT2TensorMapping`` lists them (`Conv1D` weights transposed), `__metadata__`
///   `{"format": "pt"}`: `transformers` 4.x raises for a format other than pt/tf/flax/mlx and,
///   before 4.48.2, fails on a file without metadata (later 4.x warn; 5.x no longer looks).
///
/// The output head is tied to `transformer.wte.weight`, so no `lm_head.weight` is saved.
/// Loading also takes what `save_pretrained` of `transformers` writes, including older files:
/// an `lm_head.weight` equal to the token embedding, the `attn.bias` / `attn.masked_bias`
/// mask buffers (ignored), names without the `transformer.` prefix (a bare `GPT2Model`),
/// and F16 / BF16 tensors (widened to float32).
///
/// ```swift
/// try TinyLMFiles.save(model.parameters, to: "models/tinylm", metadata: ["step": "5000"])
/// let parameters = try TinyLMFiles.load("models/tinylm")
/// ```
public enum TinyLMFiles {
  /// `config.json`.
  public static let configFileName = "config.json"
  /// `model.safetensors`.
  public static let weightsFileName = "model.safetensors"
  /// The output head's name in a `GPT2LMHeadModel` state dict (tied, so never saved).
  public static let outputHeadName = "lm_head.weight"

  /// Saves `parameters` to `directory` (created when missing). Both files are written
  /// atomically (temporary file, then rename); the same parameters and metadata always
  /// give byte-identical files.
  ///
  /// - Parameter metadata: extra `__metadata__` entries of `model.safetensors` (e.g. the
  ///   training step); `format` is always `pt`.
  /// - Throws: `SAEKitError.invalidArgument` for an invalid configuration or a `format`
  ///   entry other than `pt`; ``SAEKitError/file(path:reason:)`` on I/O errors.
  public static func save(_ parameters: TinyLMParameters, to directory: String, metadata: [String: String] = [:]) throws {
    let config = try parameters.config.validated()
    if let format = metadata["format"], format != "pt" {
      throw SAEKitError.invalidArgument(
        "TinyLM metadata: format '\(format)' is not allowed (transformers reads only format 'pt', which is always written)")
    }
    var tensors = [String: NDArray]()
    for mapping in GPT2TensorMapping.all(config) {
      tensors[mapping.name] = try NDArray(floats: mapping.fileValues(from: parameters), shape: mapping.shape)
    }
    try InterchangePaths.makeDirectory(directory)
    try SafeTensors.write(
      tensors, metadata: metadata.merging(["format": "pt"]) { _, pt in pt },
      to: InterchangePaths.join(directory, weightsFileName))
    try AtomicFileWriter.write(configJSON(config).configText(), to: InterchangePaths.join(directory, configFileName))
  }

  /// Loads the TinyLM saved in `directory` (by ``save(_:to:metadata:)`` or by
  /// `GPT2LMHeadModel.save_pretrained(directory, safe_serialization=True)`).
  /// - Throws: ``SAEKitError/file(path:reason:)`` naming the file at fault: the problems
  ///   ``readConfig(_:)`` lists; a missing weights file; missing or unexpected tensors;
  ///   a tensor of the wrong shape or of a dtype other than F32, F16, BF16; an
  ///   `lm_head.weight` that differs from the token embedding (untied heads).
  public static func load(_ directory: String) throws -> TinyLMParameters {
    let config = try readConfig(InterchangePaths.join(directory, configFileName))
    let path = InterchangePaths.join(directory, weightsFileName)
    guard FileManager.default.fileExists(atPath: path) else {
      throw SAEKitError.file(path: path, reason: "no such file: the TinyLM folder has a config.json but not its weights")
    }
    let file = try SafeTensors.read(path)
    func fail(_ reason: String) -> SAEKitError { .file(path: path, reason: reason) }

    // A bare GPT2Model's state dict has no "transformer." prefix.
    let prefix = file.tensors["transformer.wte.weight"] == nil && file.tensors["wte.weight"] != nil ? "" : "transformer."
    let mappings = GPT2TensorMapping.all(config, prefix: prefix)
    let missing = mappings.map(\.name).filter { file.tensors[$0] == nil }
    if !missing.isEmpty {
      throw fail("missing tensors \(listing(missing)) for config.json's n_layer \(config.layerCount)")
    }

    var parameters = TinyLMParameters(zeros: config)
    for mapping in mappings {
      try checkTensor(mapping.name, in: file, shape: mapping.shape)
      mapping.store(try file.floats(mapping.name), into: &parameters)
    }

    if file.tensors[outputHeadName] != nil {
      let embedding = mappings.first { $0.tensor == .tokenEmbedding }!
      try checkTensor(outputHeadName, in: file, shape: embedding.shape)
      guard try file.floats(outputHeadName) == parameters.values(.tokenEmbedding) else {
        throw fail(
          "tensor '\(outputHeadName)' differs from '\(embedding.name)': untied output heads are not supported "
            + "(TinyLM's output head is its token embedding)")
      }
    }

    let known = Set(mappings.map(\.name) + [outputHeadName])
    let unexpected = file.names.filter { !known.contains($0) && !isMaskBuffer($0) }
    if !unexpected.isEmpty {
      throw fail("unexpected tensors \(listing(unexpected)) (is this a GPT2LMHeadModel of config.json's sizes?)")
    }
    return parameters
  }

  /// The `__metadata__` of the `model.safetensors` in `directory` (what ``save(_:to:metadata:)`` recorded).
  public static func metadata(_ directory: String) throws -> [String: String] {
    try SafeTensors.read(InterchangePaths.join(directory, weightsFileName)).metadata
  }

  /// Checks tensor `name`'s shape and dtype.
  private static func checkTensor(_ name: String, in file: SafeTensorsFile, shape: [Int]) throws {
    let info = try file.info(name)
    guard info.shape == shape else {
      throw SAEKitError.file(
        path: file.path, reason: "tensor '\(name)' has shape \(info.shape), expected \(shape) from config.json")
    }
    guard [.float32, .float16, .bfloat16].contains(info.dtype) else {
      throw SAEKitError.file(
        path: file.path,
        reason: "tensor '\(name)' has dtype \(SafeTensors.name(of: info.dtype)), expected F32 (or F16, BF16)")
    }
  }

  /// The causal-mask buffers that older `transformers` saved (`h.N.attn.bias`, `h.N.attn.masked_bias`).
  private static func isMaskBuffer(_ name: String) -> Bool {
    name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias")
  }

  /// `'a', 'b', 'c'` and how many more, for error messages.
  private static func listing(_ names: [String], limit: Int = 4) -> String {
    let shown = names.prefix(limit).map { "'\($0)'" }.joined(separator: ", ")
    return names.count > limit ? "\(shown) and \(names.count - limit) more" : shown
  }
}
