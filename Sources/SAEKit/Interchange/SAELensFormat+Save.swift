import Foundation

extension SAELensFormat {
  /// The SAELens version whose config layout ``save(_:to:hookName:modelName:)``
  /// writes (recorded as `metadata.sae_lens_version`, which SAELens's loader reads to
  /// choose between its ≥ 6 and pre-6 config handling).
  public static let writtenConfigVersion = "6.0.0"

  /// Saves `sae` to `directory` (created when missing) as SAELens 6 writes an
  /// inference SAE, so `SAE.load_from_disk(directory)` reproduces our reconstructions.
  ///
  /// | ours | `architecture` | extra |
  /// | --- | --- | --- |
  /// | ``ReLUL1`` | `standard` | |
  /// | ``TopK`` | `topk` | `k`, `rescale_acts_by_decoder_norm: false` |
  /// | ``JumpReLU`` | `jumprelu` | tensor `threshold = exp(logθ)` |
  /// | ``BatchTopK`` | `jumprelu` | tensor `threshold = θ` for every latent (as SAELens saves BatchTopK) |
  ///
  /// The input scale `s` is folded into the weights (``SparseAutoencoder/foldingInputScale()``),
  /// so the file has `normalize_activations: "none"` and decoder rows of norm `1/s`;
  /// `cfg.json` records `s` under `saekit` and ``load(directory:normScalingFactor:)`` unfolds it.
  /// Weights are Float32 (`dtype: "float32"`). Both files are written atomically;
  /// the same SAE always gives byte-identical files.
  ///
  /// - Parameters:
  ///   - hookName: the TransformerLens hook the SAE reads (`metadata.hook_name`), e.g. `blocks.3.hook_resid_post`.
  ///   - modelName: `metadata.model_name`.
  /// - Throws: for a BatchTopK SAE without an inference threshold (train it first),
  ///   a negative BatchTopK threshold, an activation SAELens has no counterpart for, and I/O errors.
  public static func save(_ sae: SparseAutoencoder, to directory: String, hookName: String? = nil, modelName: String? = nil) throws {
    let folded = try sae.foldingInputScale()
    let m = sae.width
    var cfg: [String: JSONValue] = [:]
    var vectors: [String: [Float]] = ["b_enc": folded.encoderBias, "b_dec": folded.decoderBias]
    switch sae.activation {
    case is ReLUL1:
      cfg["architecture"] = .string("standard")
    case let a as TopK:
      cfg["architecture"] = .string("topk")
      cfg["k"] = .int(a.k)
      cfg["rescale_acts_by_decoder_norm"] = .bool(false)
    case let a as JumpReLU:
      cfg["architecture"] = .string("jumprelu")
      vectors["threshold"] = a.thresholds
    case let a as BatchTopK:
      guard let theta = a.threshold else {
        throw SAEKitError.invalidArgument(
          "cannot save \(a) in SAELens format: it has no inference threshold yet (train it first)")
      }
      guard theta >= 0 else {
        throw SAEKitError.invalidArgument("cannot save \(a) in SAELens format: its threshold is negative")
      }
      cfg["architecture"] = .string("jumprelu")
      vectors["threshold"] = [Float](repeating: theta, count: m)
    default:
      throw SAEKitError.invalidArgument("cannot save activation \(sae.activation) in SAELens format")
    }
    cfg["d_in"] = .int(sae.dimension)
    cfg["d_sae"] = .int(m)
    cfg["dtype"] = .string("float32")
    cfg["device"] = .string("cpu")
    cfg["apply_b_dec_to_input"] = .bool(true)
    cfg["normalize_activations"] = .string("none")
    cfg["reshape_activations"] = .string(hookName?.hasSuffix("hook_z") == true ? "hook_z" : "none")
    cfg["metadata"] = .object([
      "hook_name": .optional(hookName),
      "model_name": .optional(modelName),
      "sae_lens_version": .string(writtenConfigVersion),
      "sae_lens_training_version": .string(writtenConfigVersion),
    ])
    cfg[SAEKitExtras.key] = SAEKitExtras.describing(sae)

    try InterchangePaths.makeDirectory(directory)
    try SafeTensors.write(
      matrices: ["W_enc": folded.encoderWeights, "W_dec": folded.decoderWeights], vectors: vectors,
      metadata: ["format": "pt"], to: InterchangePaths.join(directory, weightsFileName))
    try AtomicFileWriter.write(
      JSONValue.object(cfg).configText(), to: InterchangePaths.join(directory, configFileName))
  }
}
