/// The activation choices, by name, with their hyper-parameters; what
/// notebooks write as `.topK(k: 32)`.
///
/// Adding a variant: one file under `SAE/Activations/` (the ``SparseActivation``),
/// one case here (with its arms in ``make(width:)``, ``validate(width:)``,
/// ``description`` and ``literal``), one row of the notebook's activation catalog
/// (`SAEBuiltins.activationCatalog`) and a gradient check against the test
/// reference, whose switches over this enum are exhaustive.
public enum ActivationKind: Sendable, Equatable, Codable, CustomStringConvertible {
  /// ReLU with the decoder-norm-weighted L1 penalty `λ·Σ_j z_j‖W_dec[j]‖`.
  case relu(l1: Float)
  /// The `k` largest pre-activations per token, then ReLU.
  case topK(k: Int)
  /// The `B·k` largest positive pre-activations over the batch.
  case batchTopK(k: Int)
  /// The `k` pre-activations of largest magnitude per token, with their signs.
  case absTopK(k: Int)
  /// Each latent takes its `m_j` best tokens of the batch (`Σ m_j = k·B`, Zipf exponent `zipf`, 0 = uniform).
  case featureChoice(k: Int, zipf: Float = 0, inference: ChoiceInference = .threshold)
  /// The `k·B` largest affinities of the batch; `inference` picks threshold or batch rule.
  case mutualChoice(k: Int, inference: ChoiceInference = .threshold)
  /// `z = pre·H(pre − θ_j)` with learned thresholds, STE bandwidth `ε` and L0 penalty `λ`
  /// (the squared error a latent must save to fire; thresholds start at `initialThreshold`,
  /// nil: `√λ`; see ``JumpReLU``).
  case jumpReLU(l0: Float, bandwidth: Float = JumpReLU.defaultBandwidth, initialThreshold: Float? = nil)
  /// JumpReLU whose thresholds start at the per-latent quantiles of the first batch that give
  /// `targetL0`, shifted together after every step so that the training L0 stays at the target.
  case jumpReLUTargetL0(targetL0: Float, bandwidth: Float = JumpReLU.defaultBandwidth)
  /// Top-AFA: per token, the `k` whose kept activations best match the input's norm.
  case topAFA
  /// vSAE: TopK over `z = μ + σ·ε` in training (μ = ReLU(pre), by |z|), TopK over μ at inference.
  case vsae(k: Int, sigma: Float = 1)

  /// A fresh activation of this kind for `width` latents.
  public func make(width: Int) -> any SparseActivation {
    switch self {
    case .relu(let l1): return ReLUL1(coefficient: l1)
    case .topK(let k): return TopK(k: k)
    case .batchTopK(let k): return BatchTopK(k: k)
    case .absTopK(let k): return AbsTopK(k: k)
    case .featureChoice(let k, let zipf, let inference): return FeatureChoice(k: k, zipfExponent: zipf, inference: inference)
    case .mutualChoice(let k, let inference): return MutualChoice(k: k, inference: inference)
    case .jumpReLU(let l0, let bandwidth, let theta):
      return JumpReLU(width: width, l0Coefficient: l0, bandwidth: bandwidth, initialThreshold: theta)
    case .jumpReLUTargetL0(let target, let bandwidth): return JumpReLU(width: width, targetL0: target, bandwidth: bandwidth)
    case .topAFA: return TopAFA()
    case .vsae(let k, let sigma): return VariationalTopK(k: k, sigma: sigma)
    }
  }

  /// Checks the hyper-parameters for an SAE of `width` latents.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` naming the value at fault, e.g.
  ///   "k = 40 exceeds the width 32".
  public func validate(width: Int) throws {
    func finite(_ name: String, _ value: Float, positive: Bool) throws {
      let ok = value.isFinite && (positive ? value > 0 : value >= 0)
      try require(ok, "\(name) must be a finite number \(positive ? "> 0" : "≥ 0"), got \(value)")
    }
    func latentsPerToken(_ k: Int) throws {
      try require(k > 0, "k must be positive, got \(k)")
      try require(k <= width, "k = \(k) exceeds the width \(width)")
    }
    switch self {
    case .relu(let l1):
      try finite("l1", l1, positive: false)
    case .topK(let k), .batchTopK(let k), .absTopK(let k), .mutualChoice(let k, _):
      try latentsPerToken(k)
    case .featureChoice(let k, let zipf, _):
      try latentsPerToken(k)
      try finite("the Zipf exponent", zipf, positive: false)
    case .jumpReLU(let l0, let bandwidth, let theta):
      try finite("l0", l0, positive: false)
      try finite("bandwidth", bandwidth, positive: true)
      if let theta { try finite("the initial threshold", theta, positive: true) }
    case .jumpReLUTargetL0(let target, let bandwidth):
      try finite("targetL0", target, positive: true)
      try require(target < Float(width), "targetL0 = \(target) must be below the width \(width)")
      try finite("bandwidth", bandwidth, positive: true)
    case .topAFA:
      break
    case .vsae(let k, let sigma):
      try latentsPerToken(k)
      try finite("sigma", sigma, positive: false)
    }
  }

  public var description: String {
    switch self {
    case .relu(let l1): return "ReLU(l1: \(l1))"
    case .topK(let k): return "TopK(k: \(k))"
    case .batchTopK(let k): return "BatchTopK(k: \(k))"
    case .absTopK(let k): return "AbsTopK(k: \(k))"
    case .featureChoice(let k, let zipf, let inference):
      return "FeatureChoice(k: \(k), zipf: \(zipf), inference: \(inference.rawValue))"
    case .mutualChoice(let k, let inference): return "MutualChoice(k: \(k), inference: \(inference.rawValue))"
    case .jumpReLU(let l0, let bw, let theta):
      return "JumpReLU(l0: \(l0), bandwidth: \(bw), threshold₀: \(theta.map { "\($0)" } ?? "√l0"))"
    case .jumpReLUTargetL0(let target, let bw): return "JumpReLU(targetL0: \(target), bandwidth: \(bw))"
    case .topAFA: return "TopAFA"
    case .vsae(let k, let sigma): return "VSAE(k: \(k), σ: \(sigma))"
    }
  }

  /// The case as Swift (and a notebook cell) writes it, without the leading dot:
  /// `topK(k: 32)`, `jumpReLU(l0: 0.2, bandwidth: 0.05)` (without the initial threshold: a
  /// loaded or trained SAE's kind carries its mean threshold there), `jumpReLU(targetL0: 32, bandwidth: 0.05)`, `mutualChoice(k: 32, inference: "batch")`. Numbers are
  /// the shortest text that reads back as the same
  /// Float (`0.05`, not the Double `0.05000000074505806`).
  public var literal: String {
    switch self {
    case .relu(let l1): return "relu(l1: \(l1))"
    case .topK(let k): return "topK(k: \(k))"
    case .batchTopK(let k): return "batchTopK(k: \(k))"
    case .absTopK(let k): return "absTopK(k: \(k))"
    case .featureChoice(let k, let zipf, let inference):
      return "featureChoice(k: \(k), zipf: \(zipf), inference: \"\(inference.rawValue)\")"
    case .mutualChoice(let k, let inference): return "mutualChoice(k: \(k), inference: \"\(inference.rawValue)\")"
    case .jumpReLU(let l0, let bw, _): return "jumpReLU(l0: \(l0), bandwidth: \(bw))"
    case .jumpReLUTargetL0(let target, let bw): return "jumpReLU(targetL0: \(target), bandwidth: \(bw))"
    case .topAFA: return "topAFA()"
    case .vsae(let k, let sigma): return "vsae(k: \(k), sigma: \(sigma))"
    }
  }
}
