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
/// `cfg.json` keys read: `d_in`, `d_sae`, `architecture` (default `"standard"`),
/// `activation_fn` / `activation_fn_str` (default `"relu"`), `k` or
/// `activation_fn_kwargs.k`, `rescale_acts_by_decoder_norm`, `apply_b_dec_to_input`
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
/// factor, which becomes our `inputScale`. `gated` and every other architecture,
/// `constant_norm_rescale` and `layer_norm` normalisation are errors.
public enum SAELensFormat {
  /// `cfg.json`.
  public static let configFileName = "cfg.json"
  /// `sae_weights.safetensors`.
  public static let weightsFileName = "sae_weights.safetensors"
  /// The architectures ``load(directory:normScalingFactor:)`` understands.
  public static let supportedArchitectures = ["standard", "topk", "abstopk", "jumprelu", "batchtopk"]

  /// Loads the SAE in `directory`.
  ///
  /// - Parameter normScalingFactor: for files saved with
  ///   `normalize_activations = "expected_average_only_in"` whose factor was not
  ///   folded in (SAELens's `pretrained_saes.yaml` lists it as `norm_scaling_factor`):
  ///   inputs are multiplied by it before encoding and outputs divided by it after.
  /// - Throws: ``SAEKitError/file(path:reason:)`` naming `cfg.json` or the
  ///   weights file and the key or tensor at fault.
  public static func load(directory: String, normScalingFactor: Float? = nil) throws -> SparseAutoencoder {
    let cfg = try InterchangeConfig(path: InterchangePaths.join(directory, configFileName))
    let d = try cfg.requiredInt("d_in"), m = try cfg.requiredInt("d_sae")
    guard d > 0, m > 0 else { throw cfg.fail("d_in and d_sae must be positive, got d_in = \(d), d_sae = \(m)") }
    let architecture = try cfg.string("architecture") ?? "standard"
    guard supportedArchitectures.contains(architecture) else {
      throw cfg.fail(
        "unsupported SAELens architecture '\(architecture)' (supported: \(supportedArchitectures.joined(separator: ", ")))")
    }
    let inputScale = try self.inputScale(cfg, normScalingFactor: normScalingFactor)
    if let reshape = try cfg.string("reshape_activations"), !["none", "hook_z"].contains(reshape) {
      throw cfg.fail("unsupported reshape_activations '\(reshape)' (supported: none, hook_z)")
    }

    let weights = try InterchangeWeights(path: InterchangePaths.join(directory, weightsFileName))
    var wEnc = try weights.matrix("W_enc", rows: d, cols: m, why: "[d_in, d_sae] from cfg.json")
    var wDec = try weights.matrix("W_dec", rows: m, cols: d, why: "[d_sae, d_in] from cfg.json")
    var bEnc = try weights.vector("b_enc", count: m, why: "[d_sae] from cfg.json")
    let bDec = try weights.vector("b_dec", count: d, why: "[d_in] from cfg.json")

    let activation = try self.activation(architecture, cfg: cfg, weights: weights, width: m)
    if try cfg.bool("rescale_acts_by_decoder_norm") == true {
      guard ["topk", "abstopk", "batchtopk"].contains(architecture) else {
        throw cfg.fail("rescale_acts_by_decoder_norm is only defined for topk SAEs, not '\(architecture)'")
      }
      SAEFolding.foldDecoderNorms(encoder: &wEnc, encoderBias: &bEnc, decoder: &wDec)
    }
    for name in ["scaling_factor", "finetuning_scaling_factor"] where weights.has(name) {
      let factors = try weights.vector(name, count: m, why: "[d_sae] from cfg.json")
      if factors.contains(where: { $0 != 1 }) { try SAEFolding.scaleDecoderRows(&wDec, by: factors) }
    }
    if try cfg.bool("apply_b_dec_to_input") == false {
      bEnc = SAEFolding.encoderBiasAbsorbingDecoderBias(encoder: wEnc, encoderBias: bEnc, decoderBias: bDec)
    }
    let sae = try SparseAutoencoder(
      encoderWeights: wEnc, encoderBias: bEnc, decoderWeights: wDec, decoderBias: bDec,
      activation: activation, inputScale: inputScale)
    return try SAEKitExtras.restoringInputScale(sae, cfg)
  }

  /// The input scale implied by `normalize_activations`.
  private static func inputScale(_ cfg: InterchangeConfig, normScalingFactor: Float?) throws -> Float {
    var mode = "none"
    if let flag = try? cfg.bool("normalize_activations") {
      mode = flag ? "expected_average_only_in" : "none"  // SAELens < 3 wrote a bool
    } else if let text = try cfg.string("normalize_activations") {
      mode = text
    }
    switch mode {
    case "none":
      if let s = normScalingFactor {
        throw cfg.fail("a norm scaling factor (\(s)) was given but normalize_activations is \"none\"")
      }
      return 1
    case "expected_average_only_in":
      guard let s = normScalingFactor else { return 1 }
      guard s.isFinite, s > 0 else { throw SAEKitError.invalidArgument("norm scaling factor must be positive, got \(s)") }
      return s
    default:
      throw cfg.fail(
        "unsupported normalize_activations '\(mode)': per-token normalisation cannot be represented (supported: none, expected_average_only_in)")
    }
  }

  /// The sparsifying rule of `architecture`.
  private static func activation(
    _ architecture: String, cfg: InterchangeConfig, weights: InterchangeWeights, width m: Int
  ) throws -> any SparseActivation {
    let extras = try SAEKitExtras(cfg)
    let function = try cfg.string("activation_fn") ?? cfg.string("activation_fn_str") ?? "relu"
    func k() throws -> Int {
      let k = try cfg.int("k") ?? cfg.object("activation_fn_kwargs")?.int("k")
      guard let k else { throw cfg.fail("missing key \"k\" (or activation_fn_kwargs.k) for a \(architecture) SAE") }
      guard 1...m ~= k else { throw cfg.fail("k = \(k) is outside 1...d_sae = \(m)") }
      return k
    }
    switch (architecture, function) {
    case ("standard", "relu"):
      return ReLUL1(coefficient: try extras.float("l1_coefficient") ?? Float(cfg.number("l1_coefficient") ?? 0))
    case ("topk", _) where extras.activation == "vsae":
      return VariationalTopK(k: try k(), sigma: try extras.float("sigma") ?? 1)
    case ("standard", "topk"), ("topk", _):
      return TopK(k: try k())
    case ("abstopk", _):
      return AbsTopK(k: try k())
    case ("batchtopk", _):
      let name = weights.has("topk_threshold") ? "topk_threshold" : "threshold"
      return BatchTopK(k: try k(), threshold: try weights.scalar(name))
    case ("jumprelu", "relu"):
      var jump = JumpReLU(
        width: m, l0Coefficient: try extras.float("l0_coefficient") ?? Float(cfg.number("l0_coefficient") ?? 0),
        bandwidth: try extras.float("bandwidth") ?? Float(cfg.number("jumprelu_bandwidth") ?? 0.001))
      if !weights.has("threshold"), weights.has("log_threshold") {  // a JumpReLUTrainingSAE state dict
        jump.parameters = try weights.vector("log_threshold", count: m, why: "[d_sae] from cfg.json")
        return jump
      }
      let theta = try weights.vector("threshold", count: m, why: "[d_sae] from cfg.json")
      if let saved = try extras.thresholdActivation(thresholds: theta, width: m) { return saved }
      jump.parameters = theta.map(SAEFolding.logThreshold)
      return jump
    default:
      throw cfg.fail("unsupported activation_fn '\(function)' for architecture '\(architecture)'")
    }
  }
}
