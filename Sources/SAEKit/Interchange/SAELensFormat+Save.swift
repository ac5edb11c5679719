import Foundation

extension SAELensFormat {
  /// The SAELens version whose config layout ``save(_:to:hookName:modelName:)``
  /// writes (recorded as `metadata.sae_lens_version`, which SAELens's loader reads to
  /// choose between its ≥ 6 and pre-6 config handling).
  public static let writtenConfigVersion = "6.0.0"
  /// `metadata.written_by` of the files we write: the version above names the config layout,
  /// not the program that wrote it.
  public static let writer = "SAEKit"

  /// Saves `sae` to `directory` (created when missing) as SAELens 6 writes an
  /// inference SAE, so `SAE.load_from_disk(directory)` reproduces our reconstructions.
  ///
  /// | ours | `architecture` | extra |
  /// | --- | --- | --- |
  /// | ``ReLUL1`` | `standard` | |
  /// | ``TopK`` | `topk` | `k`, `rescale_acts_by_decoder_norm: false` |
  /// | ``JumpReLU`` | `jumprelu` | tensor `threshold = exp(logθ)` |
  /// | ``BatchTopK`` | `jumprelu` | tensor `threshold = θ` for every latent (as SAELens saves BatchTopK) |
  /// | ``AbsTopK`` | `abstopk` | `k`, `rescale_acts_by_decoder_norm: false` (SAELens PR #736's port) |
  /// | ``MutualChoice`` | `jumprelu` | tensor `threshold = θ` for every latent (its threshold rule) |
  /// | ``FeatureChoice`` | `jumprelu` | tensor `threshold = θ_j` (its per-latent threshold rule) |
  /// | ``VariationalTopK`` | `topk` | `k` (its inference rule is TopK over `μ`); `saekit` names `vsae` and `σ` |
  /// | ``TopAFA`` | — | an error: its per-token `k` matches `‖x − b_dec‖`, which no SAELens architecture computes |
  ///
  /// Feature and Mutual Choice at inference by threshold are JumpReLUs, so
  /// SAELens reproduces their threshold-rule codes; the `saekit` object of
  /// `cfg.json` says what they are (kind, `k`, Zipf exponent, inference rule),
  /// and our loader restores them exactly.
  ///
  /// The input scale `s` is folded into the weights (``SparseAutoencoder/foldingInputScale()``),
  /// so the file has `normalize_activations: "none"` and decoder rows of norm `1/s`;
  /// `cfg.json` records `s` under `saekit` and ``load(directory:normScalingFactor:)`` unfolds it.
  /// Weights are Float32 (`dtype: "float32"`). Both files are written atomically;
  /// the same SAE always gives byte-identical files.
  ///
  /// - Parameters:
  ///   - hookName: the TransformerLens hook the SAE reads (`metadata.hook_name`), e.g. `blocks.3.hook_resid_post`;
  ///     default: the one the SAE was loaded with (``SparseAutoencoder/provenance``).
  ///   - modelName: `metadata.model_name` (default: likewise).
  /// - Throws: for a BatchTopK, Mutual Choice or Feature Choice SAE without an
  ///   inference threshold (train it first), a negative threshold, an activation
  ///   SAELens has no counterpart for, and I/O errors.
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
    case let a as VariationalTopK:
      cfg["architecture"] = .string("topk")
      cfg["k"] = .int(a.k)
      cfg["rescale_acts_by_decoder_norm"] = .bool(false)
    case is TopAFA:
      throw SAEKitError.invalidArgument(
        "cannot save a Top-AFA SAE in SAELens format: its per-token k is chosen to match the input's norm "
          + "‖x − b_dec‖, and no SAELens architecture computes that (a topk file would reconstruct differently)")
    case let a as JumpReLU:
      cfg["architecture"] = .string("jumprelu")
      vectors["threshold"] = a.thresholds
    case let a as AbsTopK:
      cfg["architecture"] = .string("abstopk")
      cfg["k"] = .int(a.k)
      cfg["rescale_acts_by_decoder_norm"] = .bool(false)
    case let a as BatchTopK:
      cfg["architecture"] = .string("jumprelu")
      vectors["threshold"] = try uniformThreshold(a, a.threshold, width: m)
    case let a as MutualChoice:
      cfg["architecture"] = .string("jumprelu")
      vectors["threshold"] = try uniformThreshold(a, a.threshold, width: m)
    case let a as FeatureChoice:
      guard a.thresholds.count == m, a.thresholds.allSatisfy({ $0 >= 0 }) else {
        throw SAEKitError.invalidArgument(
          "cannot save \(a) in SAELens format: it has no inference thresholds yet (train it first)")
      }
      cfg["architecture"] = .string("jumprelu")
      vectors["threshold"] = a.thresholds
    default:
      throw SAEKitError.invalidArgument("cannot save activation \(sae.activation) in SAELens format")
    }
    cfg["d_in"] = .int(sae.dimension)
    cfg["d_sae"] = .int(m)
    cfg["dtype"] = .string("float32")
    cfg["device"] = .string("cpu")
    cfg["apply_b_dec_to_input"] = .bool(true)
    cfg["normalize_activations"] = .string("none")
    let hookName = hookName ?? sae.provenance.hookName, modelName = modelName ?? sae.provenance.modelName
    cfg["reshape_activations"] = .string(hookName?.hasSuffix("hook_z") == true ? "hook_z" : "none")
    cfg["metadata"] = .object([
      "hook_name": .optional(hookName),
      "model_name": .optional(modelName),
      "sae_lens_version": .string(writtenConfigVersion),
      "sae_lens_training_version": .string(writtenConfigVersion),
      "written_by": .string(writer),
    ])
    cfg[SAEKitExtras.key] = SAEKitExtras.describing(sae)

    try InterchangePaths.makeDirectory(directory)
    try SafeTensors.write(
      matrices: ["W_enc": folded.encoderWeights, "W_dec": folded.decoderWeights], vectors: vectors,
      metadata: ["format": "pt"], to: InterchangePaths.join(directory, weightsFileName))
    try AtomicFileWriter.write(
      JSONValue.object(cfg).configText(), to: InterchangePaths.join(directory, configFileName))
  }

  /// `θ` for every latent, for a batch rule saved as its threshold rule.
  private static func uniformThreshold(_ activation: any SparseActivation, _ theta: Float?, width m: Int) throws -> [Float] {
    guard let theta else {
      throw SAEKitError.invalidArgument(
        "cannot save \(activation) in SAELens format: it has no inference threshold yet (train it first)")
    }
    guard theta >= 0 else {
      throw SAEKitError.invalidArgument("cannot save \(activation) in SAELens format: its threshold is negative")
    }
    return [Float](repeating: theta, count: m)
  }
}
