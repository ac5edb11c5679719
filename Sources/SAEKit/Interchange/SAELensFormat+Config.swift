import Foundation

/// How SAELens itself reads a `cfg.json`, so that a file computes here what it computes there.
///
/// SAELens 6 (`sae_lens/loading/pretrained_sae_loaders.py`, `handle_config_defaulting`): the
/// version is `sae_lens_version`, else `metadata.sae_lens_version`. A file without one, or older
/// than `6.0.0-rc.0`, goes through `handle_pre_6_0_config`: `activation_fn_str` is renamed
/// `activation_fn`, the architecture defaults to `standard`, and `activation_fn: "topk"` with an
/// `activation_fn_kwargs.k` turns the file into a `topk` SAE of that k. After that (and for every
/// file of version 6 or later) the config classes keep only their own fields, and none of them has
/// `activation_fn`: a leftover `activation_fn: "topk"` in a version-6 `standard` file is ignored,
/// and the SAE is a ReLU SAE.
extension SAELensFormat {
  /// The architecture and `k` a `cfg.json` stands for, by SAELens's rules.
  struct ConfigReading: Equatable {
    var architecture: String
    /// `k` of the TopK family (nil for the others); SAELens types it as a float, and a BatchTopK
    /// checkpoint may hold a fractional one.
    var k: Double?
    /// Whether the file is older than SAELens 6 (or names no version).
    var isPre6: Bool
  }

  static func reading(_ cfg: InterchangeConfig) throws -> ConfigReading {
    let version = try cfg.string("sae_lens_version") ?? cfg.object("metadata")?.string("sae_lens_version")
    let isPre6 = try version.map { try isBefore6($0, cfg) } ?? true
    var architecture: String
    if isPre6 {
      architecture = try cfg.string("architecture") ?? "standard"
    } else {
      guard let named = try cfg.string("architecture") else {
        throw cfg.fail("missing key \"architecture\" (SAELens \(version ?? "") files name their architecture)")
      }
      architecture = named
    }
    var k = try cfg.number("k")
    if isPre6 {
      let function = try cfg.string("activation_fn") ?? cfg.string("activation_fn_str")
      if function == "topk", let kwargsK = try cfg.object("activation_fn_kwargs")?.number("k") {
        architecture = "topk"
        k = kwargsK
      }
    }
    // A Matryoshka BatchTopK checkpoint computes as a BatchTopK one (only its training loss differs).
    if architecture == "matryoshka_batchtopk" { architecture = "batchtopk" }
    return ConfigReading(architecture: architecture, k: ["topk", "abstopk", "batchtopk"].contains(architecture) ? k : nil,
                         isPre6: isPre6)
  }

  /// Whether a `sae_lens_version` is older than `6.0.0-rc.0` (PEP 440 order: `6.0.0a1`, `6.0.0b2`
  /// and `6.0.0.dev3` are older, `6.0.0rc1` and `6.0.0-rc.0` are not).
  static func isBefore6(_ version: String, _ cfg: InterchangeConfig) throws -> Bool {
    let text = version.lowercased().trimmingCharacters(in: .whitespaces)
    let digits = text.prefix { $0.isNumber || $0 == "." }
    let numbers = digits.split(separator: ".").map { Int($0) }
    guard let major = numbers.first ?? nil, !numbers.contains(where: { $0 == nil }) else {
      throw cfg.fail("sae_lens_version '\(version)' is not a version number")
    }
    if major != 6 { return major < 6 }
    let release = numbers.dropFirst().compactMap { $0 }
    guard release.allSatisfy({ $0 == 0 }) else { return false }  // 6.0.1, 6.1 …
    let suffix = text.dropFirst(digits.count).drop { $0 == "-" || $0 == "." || $0 == "_" }
    return ["a", "alpha", "b", "beta", "dev", "pre"].contains { suffix.hasPrefix($0) } && !suffix.hasPrefix("rc")
  }

  /// SAELens training checkpoints keep the activation scaler beside the weights:
  /// `activation_scaler.json` (`{"scaling_factor": s}` or null) and, for
  /// `covariance_whitening`, `activation_whitening.safetensors` (`mean [d]`, `matrix [d, d]`,
  /// `inverse_matrix [d, d]`). A finished training run folds both into the weights and writes
  /// `normalize_activations: "none"`.
  static let scalerFileName = "activation_scaler.json"
  static let whiteningFileName = "activation_whitening.safetensors"

  /// The scaling factor in `directory`'s `activation_scaler.json`, nil when there is none.
  static func savedScalingFactor(in directory: String) throws -> Float? {
    let path = InterchangePaths.join(directory, scalerFileName)
    guard InterchangePaths.exists(path) else { return nil }
    let scaler = try InterchangeConfig(path: path)
    guard let s = try scaler.number("scaling_factor") else { return nil }
    guard s.isFinite, s > 0 else { throw scaler.fail("scaling_factor must be a positive number, got \(s)") }
    return Float(s)
  }

  /// Folds a covariance whitening `z = (x − μ)·M`, `x̂ = ẑ·M⁻¹ + μ` around an SAE in our form
  /// (`pre = (z − b_dec)·W_enc + b_enc`, `ẑ = f·W_dec + b_dec`) into its weights, as SAELens's
  /// `fold_activation_whitening`: `W_enc ← M·W_enc`, `W_dec ← W_dec·M⁻¹`, `b_dec ← b_dec·M⁻¹ + μ`
  /// (`b_enc` unchanged: our input always has `b_dec` subtracted).
  static func foldWhitening(
    directory: String, dimension d: Int, encoder: inout Matrix, decoder: inout Matrix, decoderBias: inout [Float]
  ) throws {
    let path = InterchangePaths.join(directory, whiteningFileName)
    guard InterchangePaths.exists(path) else {
      throw SAEKitError.file(
        path: InterchangePaths.join(directory, configFileName),
        reason: "normalize_activations is \"covariance_whitening\" but \(whiteningFileName) is missing beside it (SAELens writes it with training checkpoints; a finished run folds the whitening into the weights and says \"none\")")
    }
    let whitening = try InterchangeWeights(path: path)
    let mean = try whitening.vector("mean", count: d, why: "[d_in]")
    let m = try whitening.matrix("matrix", rows: d, cols: d, why: "[d_in, d_in]")
    let inverse = try whitening.matrix("inverse_matrix", rows: d, cols: d, why: "[d_in, d_in]")
    encoder = try m.matmul(encoder)
    decoder = try decoder.matmul(inverse)
    let shifted = try Matrix(rows: 1, cols: d, storage: decoderBias).matmul(inverse)
    decoderBias = zip(shifted.storage, mean).map { $0 + $1 }
  }
}

extension SAELensFormat {
  /// What a `cfg.json` says about the SAE's origin: `metadata.model_name` / `hook_name` (a pre-6
  /// file's top-level `model_name` / `hook_name` / `hook_point`), and who wrote it (our own
  /// `metadata.written_by`, else the SAELens version).
  static func provenance(_ cfg: InterchangeConfig) throws -> SAEProvenance {
    let metadata = try cfg.object("metadata")
    let version = try cfg.string("sae_lens_version") ?? metadata?.string("sae_lens_version")
    return SAEProvenance(
      modelName: try metadata?.string("model_name") ?? cfg.string("model_name"),
      hookName: try metadata?.string("hook_name") ?? cfg.string("hook_name") ?? cfg.string("hook_point"),
      writtenBy: try metadata?.string("written_by") ?? "SAELens \(version ?? "< 6 (no version)")")
  }
}
