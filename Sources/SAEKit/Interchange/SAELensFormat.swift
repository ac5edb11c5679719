import Foundation

/// SAEs in SAELens's folder format: `cfg.json` + `sae_weights.safetensors`.
///
/// Sources (SAELens 6, github.com/decoderesearch/SAELens, formerly jbloomAus/SAELens):
/// `sae_lens/constants.py` (file names), `sae_lens/saes/sae.py` (`SAEConfig`,
/// `process_sae_in`, `fold_activation_norm_scaling_factor`, `save_model`),
/// `sae_lens/saes/{standard,topk,jumprelu,batchtopk}_sae.py` (forward passes),
/// `sae_lens/loading/pretrained_sae_loaders.py` (`handle_config_defaulting`,
/// `handle_pre_6_0_config`, `read_sae_components_from_disk`).
///
/// Tensors (any float dtype; widened to Float32):
///
/// | name | shape | |
/// | --- | --- | --- |
/// | `W_enc` | `[d_in, d_sae]` | |
/// | `W_dec` | `[d_sae, d_in]` | rows need not be unit-norm |
/// | `b_enc` | `[d_sae]` | |
/// | `b_dec` | `[d_in]` | |
/// | `threshold` | `[d_sae]` | `jumprelu` only (or `log_threshold`, as training state dicts hold it) |
/// | `topk_threshold` | `[]` | `batchtopk` training checkpoints only |
/// | `scaling_factor` | `[d_sae]` | SAELens ≤ 5 `finetuning_scaling_factor`, optional |
///
/// `cfg.json` keys read: `sae_lens_version` (or `metadata.sae_lens_version`), `d_in`, `d_sae`,
/// `architecture`, `k`, and in files older than SAELens 6 `activation_fn` / `activation_fn_str`
/// with `activation_fn_kwargs.k` (SAELens's own version rules: ``reading(_:)``),
/// `rescale_acts_by_decoder_norm`, `apply_b_dec_to_input`
/// (default true), `normalize_activations` (string, or a bool in old files),
/// `reshape_activations`, plus the training hyper-parameters `l1_coefficient`,
/// `l0_coefficient`, `jumprelu_bandwidth` and our own `saekit` object when present.
/// SAELens's forward pass, and how each architecture maps onto ours:
///
/// ```
/// sae_in = x − b_dec·apply_b_dec_to_input
/// pre    = sae_in·W_enc + b_enc
/// standard:  z = relu(pre)                           → ReLUL1 (λ from l1_coefficient, else 0)
/// topk:      z = relu(topk_k(pre))                   → TopK(k)
/// abstopk:   z = pre at the k largest |pre|          → AbsTopK(k) (SAELens PR #736)
/// jumprelu:  z = relu(pre)·1[pre > threshold]        → JumpReLU, logθ = log(threshold)
/// batchtopk: saved by SAELens as jumprelu with one threshold θ for all latents;
///            read back as BatchTopK(k, θ) when our `saekit` key says so, else as JumpReLU
///            (likewise MutualChoice with one θ, FeatureChoice with θ_j: ``SAEKitExtras``)
/// x̂      = z·W_dec + b_dec
/// ```
///
/// Exact conversions on load: `apply_b_dec_to_input = false` folds `b_dec·W_enc`
/// into `b_enc`; `rescale_acts_by_decoder_norm = true` folds the decoder norms
/// into the encoder (``SAEFolding``); `expected_average_only_in` has no
/// effect at SAELens inference either, unless the caller passes the norm scaling
/// factor or a training checkpoint keeps it in `activation_scaler.json` beside the weights;
/// it becomes our `inputScale`. `covariance_whitening` (checkpoints, with
/// `activation_whitening.safetensors` beside them) is folded into the weights as SAELens's
/// `fold_activation_whitening` does. `gated` and every other architecture,
/// `constant_norm_rescale` and `layer_norm` normalisation are errors.
public enum SAELensFormat {
  /// `cfg.json`.
  public static let configFileName = "cfg.json"
  /// `sae_weights.safetensors`.
  public static let weightsFileName = "sae_weights.safetensors"
  /// The architectures ``load(directory:normScalingFactor:)`` understands.
  public static let supportedArchitectures = ["standard", "topk", "abstopk", "jumprelu", "batchtopk", "matryoshka_batchtopk"]

  /// Loads the SAE in `directory`.
  ///
  /// - Parameter normScalingFactor: for files saved with
  ///   `normalize_activations = "expected_average_only_in"` whose factor was not
  ///   folded in (SAELens's `pretrained_saes.yaml` lists it as `norm_scaling_factor`):
  ///   inputs are multiplied by it before encoding and outputs divided by it after. When nil,
  ///   the `scaling_factor` of an `activation_scaler.json` beside the weights is used.
  /// - Parameter residence: whether `W_enc` and `W_dec` are widened to Float32 or left in the file
  ///   (``SAEWeightResidence``); a file whose loading rewrites them (decoder-norm or scaling-factor
  ///   folds, whitening) cannot stay mapped.
  /// - Throws: ``SAEKitError/file(path:reason:)`` naming `cfg.json` or the
  ///   weights file and the key or tensor at fault.
  public static func load(directory: String, normScalingFactor: Float? = nil, weights residence: SAEWeightResidence = .auto) throws -> SparseAutoencoder {
    let cfg = try InterchangeConfig(path: InterchangePaths.join(directory, configFileName))
    let d = try cfg.requiredInt("d_in"), m = try cfg.requiredInt("d_sae")
    guard d > 0, m > 0 else { throw cfg.fail("d_in and d_sae must be positive, got d_in = \(d), d_sae = \(m)") }
    let reading = try self.reading(cfg)
    let architecture = reading.architecture
    guard supportedArchitectures.contains(architecture) else {
      throw cfg.fail(
        "unsupported SAELens architecture '\(architecture)' (supported: \(supportedArchitectures.joined(separator: ", ")))")
    }
    let mode = try normalization(cfg)
    if let s = normScalingFactor, mode != "expected_average_only_in" {
      throw cfg.fail("a norm scaling factor (\(s)) was given but normalize_activations is \"\(mode)\"")
    }
    let inputScale = try self.inputScale(cfg, mode: mode, normScalingFactor: normScalingFactor ?? savedScalingFactor(in: directory))
    if let reshape = try cfg.string("reshape_activations"), !["none", "hook_z"].contains(reshape) {
      throw cfg.fail("unsupported reshape_activations '\(reshape)' (supported: none, hook_z)")
    }

    let weights = try InterchangeWeights(path: InterchangePaths.join(directory, weightsFileName))
    try weights.requireShape("W_enc", [d, m], "[d_in, d_sae] from cfg.json")
    try weights.requireShape("W_dec", [m, d], "[d_sae, d_in] from cfg.json")
    var bEnc = try weights.vector("b_enc", count: m, why: "[d_sae] from cfg.json")
    var bDec = try weights.vector("b_dec", count: d, why: "[d_in] from cfg.json")
    let activation = try self.activation(reading, cfg: cfg, weights: weights, width: m)
    let rescalesByDecoderNorm = try cfg.bool("rescale_acts_by_decoder_norm") == true
    if rescalesByDecoderNorm, !["topk", "abstopk", "batchtopk"].contains(architecture) {
      throw cfg.fail("rescale_acts_by_decoder_norm is only defined for topk SAEs, not '\(architecture)'")
    }
    var scalings: [(name: String, factors: [Float])] = []
    for name in ["scaling_factor", "finetuning_scaling_factor"] where weights.has(name) {
      let factors = try weights.vector(name, count: m, why: "[d_sae] from cfg.json")
      if factors.contains(where: { $0 != 1 }) { scalings.append((name, factors)) }
    }
    let absorbsDecoderBias = try cfg.bool("apply_b_dec_to_input") == false
    var provenance = try self.provenance(cfg)
    provenance.filePrecision = try weights.file.info("W_dec").dtype.rawValue

    let folds = (rescalesByDecoderNorm ? ["rescale_acts_by_decoder_norm"] : []) + scalings.map { "a \($0.name) other than 1" }
      + (mode == "covariance_whitening" ? ["covariance_whitening"] : [])
    if let mapped = try weights.mappedIfWanted(residence, encoder: "W_enc", encoderIsLatentMajor: false, decoder: "W_dec",
                                               dimension: d, width: m, folds: folds) {
      if absorbsDecoderBias {  // b_enc + b_dec·W_enc (summed in Float32 by the block product)
        let product = try mapped.encoderProduct(try Matrix(rows: 1, cols: d, storage: bDec))
        bEnc = zip(bEnc, product.storage).map { $0 + $1 }
      }
      // A saekit input scale stays folded in: the same function, parameterised as in the file.
      var sae = try SparseAutoencoder(mapped: mapped, encoderBias: bEnc, decoderBias: bDec, activation: activation, inputScale: inputScale)
      sae.provenance = provenance
      return sae
    }

    var wEnc = try weights.matrix("W_enc", rows: d, cols: m, why: "[d_in, d_sae] from cfg.json")
    var wDec = try weights.matrix("W_dec", rows: m, cols: d, why: "[d_sae, d_in] from cfg.json")
    if rescalesByDecoderNorm { SAEFolding.foldDecoderNorms(encoder: &wEnc, encoderBias: &bEnc, decoder: &wDec) }
    for scaling in scalings { try SAEFolding.scaleDecoderRows(&wDec, by: scaling.factors) }
    if absorbsDecoderBias {
      bEnc = SAEFolding.encoderBiasAbsorbingDecoderBias(encoder: wEnc, encoderBias: bEnc, decoderBias: bDec)
    }
    if mode == "covariance_whitening" {  // the outermost map: folded last
      try foldWhitening(directory: directory, dimension: d, encoder: &wEnc, decoder: &wDec, decoderBias: &bDec)
    }
    var sae = try SparseAutoencoder(
      encoderWeights: wEnc, encoderBias: bEnc, decoderWeights: wDec, decoderBias: bDec,
      activation: activation, inputScale: inputScale)
    sae.provenance = provenance
    return try SAEKitExtras.restoringInputScale(sae, cfg)
  }

  /// `normalize_activations` (SAELens < 3 wrote a bool).
  private static func normalization(_ cfg: InterchangeConfig) throws -> String {
    if let flag = try? cfg.bool("normalize_activations") { return flag ? "expected_average_only_in" : "none" }
    return try cfg.string("normalize_activations") ?? "none"
  }

  /// The input scale implied by `normalize_activations` and the factor given or saved beside the
  /// weights (`activation_scaler.json`).
  private static func inputScale(_ cfg: InterchangeConfig, mode: String, normScalingFactor: Float?) throws -> Float {
    switch mode {
    case "none", "covariance_whitening":
      return 1
    case "expected_average_only_in":
      guard let s = normScalingFactor else { return 1 }
      guard s.isFinite, s > 0 else { throw SAEKitError.invalidArgument("norm scaling factor must be positive, got \(s)") }
      return s
    default:
      throw cfg.fail(
        "unsupported normalize_activations '\(mode)': it rescales each token by its own norm, which a fixed SAE cannot represent (supported: none, expected_average_only_in, covariance_whitening)")
    }
  }

  /// The sparsifying rule of `architecture`.
  private static func activation(
    _ reading: ConfigReading, cfg: InterchangeConfig, weights: InterchangeWeights, width m: Int
  ) throws -> any SparseActivation {
    let extras = try SAEKitExtras(cfg)
    let architecture = reading.architecture
    func k(fractional: Bool = false) throws -> Int {
      guard let k = reading.k else { throw cfg.fail("missing key \"k\" for a \(architecture) SAE") }
      let shown = k.rounded() == k && abs(k) < 0x1p53 ? "\(Int(k))" : "\(k)"
      guard k.isFinite, k >= 1, k <= Double(m) else { throw cfg.fail("k = \(shown) is outside 1...d_sae = \(m)") }
      guard fractional || k.rounded() == k else { throw cfg.fail("k = \(shown) is not a whole number, as a \(architecture) SAE needs") }
      return Int(k.rounded())
    }
    // Training hyper-parameters: ours (`saekit`), a pre-6 file's top level, or SAELens 6's
    // `metadata.training_architecture_details`.
    let details = try cfg.object("metadata")?.object("training_architecture_details")
    func trained(_ key: String) throws -> Float? {
      try extras.float(key) ?? (cfg.number(key) ?? details?.number(key)).map(Float.init)
    }
    switch architecture {
    case "standard":
      return ReLUL1(coefficient: try trained("l1_coefficient") ?? 0)
    case "topk" where extras.activation == "vsae":
      return VariationalTopK(k: try k(), sigma: try extras.float("sigma") ?? 1)
    case "topk":
      return TopK(k: try k())
    case "abstopk":
      return AbsTopK(k: try k())
    case "batchtopk":
      // Inference is by the threshold, exactly; a fractional k (SAELens's BatchTopK keeps
      // int(k·B) of a batch) is rounded for the batch rule, used only to train on or by choice.
      let name = weights.has("topk_threshold") ? "topk_threshold" : "threshold"
      return BatchTopK(k: try k(fractional: true), threshold: try weights.scalar(name))
    case "jumprelu":
      var jump = JumpReLU(
        width: m, l0Coefficient: try trained("l0_coefficient") ?? 0,
        bandwidth: try extras.float("bandwidth") ?? (cfg.number("jumprelu_bandwidth") ?? details?.number("jumprelu_bandwidth")).map(Float.init) ?? 0.001)
      jump.targetL0 = try extras.float("target_l0")  // trained: the thresholds below are set, none pending
      if !weights.has("threshold"), weights.has("log_threshold") {  // a JumpReLUTrainingSAE state dict
        jump.parameters = try weights.vector("log_threshold", count: m, why: "[d_sae] from cfg.json")
        return jump
      }
      let theta = try weights.vector("threshold", count: m, why: "[d_sae] from cfg.json")
      if let saved = try extras.thresholdActivation(thresholds: theta, width: m) { return saved }
      jump.parameters = theta.map(SAEFolding.logThreshold)
      return jump
    default:
      throw cfg.fail("unsupported SAELens architecture '\(architecture)'")
    }
  }
}
