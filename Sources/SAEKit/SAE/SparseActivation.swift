/// The sparsifying non-linearity of an SAE: how pre-activations become codes,
/// the sparsity penalty it adds to the loss, and its backward pass.
///
/// Every paper variant the project implements changes only this rule (and
/// perhaps the loss), so it is a strategy the ``SparseAutoencoder`` holds and
/// the trainer calls:
///
/// ```
/// pre   = (s·x − b_dec)·W_enc + b_enc              (B × m), dense, one GEMM
/// z     = activation.trainingCodes(pre)            (B × m), sparse
/// x̂     = z·W_dec + b_dec                          sparse decode
/// loss  = Σ‖x̂ − s·x‖²/B + penalty(z) [+ AuxK]
/// ```
///
/// Codes are ``SparseCodes``; gradients are arrays aligned with their stored
/// entries, so the backward pass never touches the `B·m` inactive entries
/// (JumpReLU's threshold gradient reads the dense `pre` once, elementwise).
public protocol SparseActivation: Sendable, CustomStringConvertible {
  /// Per-latent trainable parameters (JumpReLU: log thresholds); empty when none.
  var parameters: [Float] { get set }
  /// True for the TopK family, where the AuxK loss revives dead latents.
  var usesAuxiliaryLoss: Bool { get }
  /// Codes used at inference time (BatchTopK: the estimated threshold).
  func inferenceCodes(_ pre: Matrix) -> SparseCodes
  /// Codes used during training; may update running state (BatchTopK's threshold).
  mutating func trainingCodes(_ pre: Matrix) -> SparseCodes
  /// The penalty and the gradients with respect to `pre` (aligned with the codes' entries).
  func backward(_ input: ActivationBackwardInput) -> ActivationGradients
}

/// What an activation's backward pass may read.
public struct ActivationBackwardInput {
  /// Pre-activations `(B × m)`.
  public var pre: Matrix
  /// The codes the forward pass produced from `pre`.
  public var codes: SparseCodes
  /// `∂L/∂z` for each stored code entry (reconstruction loss only).
  public var codeGradients: [Float]
  /// `‖W_dec[j]‖` for every latent.
  public var decoderNorms: [Float]
  /// `∂L/∂x̂ (B × d)`, for gradients at entries the codes do not store (JumpReLU).
  public var reconstructionGradient: Matrix
  /// `W_dec (m × d)`.
  public var decoder: Matrix
}

/// What an activation's backward pass returns.
public struct ActivationGradients {
  /// `∂L/∂pre` for each stored code entry, including the penalty's share.
  public var preGradients: [Float]
  /// `∂L/∂parameters`, aligned with ``SparseActivation/parameters``.
  public var parameterGradients: [Float] = []
  /// `∂penalty/∂‖W_dec[j]‖` (decoder-norm-weighted penalties), or empty.
  public var decoderNormGradients: [Float] = []
  /// The penalty's value, already divided by the batch size.
  public var penalty: Double = 0
}

/// The activation choices, by name, with their hyper-parameters; what
/// notebooks write as `.topK(k: 32)`.
public enum ActivationKind: Sendable, Equatable, CustomStringConvertible {
  /// ReLU with the decoder-norm-weighted L1 penalty `λ·Σ_j z_j‖W_dec[j]‖`.
  case relu(l1: Float)
  /// The `k` largest pre-activations per token, then ReLU.
  case topK(k: Int)
  /// The `B·k` largest positive pre-activations over the batch.
  case batchTopK(k: Int)
  /// `z = pre·H(pre − θ_j)` with learned thresholds, STE bandwidth `ε` and L0 penalty `λ`.
  case jumpReLU(l0: Float, bandwidth: Float = 0.001, initialThreshold: Float = 0.001)

  /// A fresh activation of this kind for `width` latents.
  public func make(width: Int) -> any SparseActivation {
    switch self {
    case .relu(let l1): return ReLUL1(coefficient: l1)
    case .topK(let k): return TopK(k: k)
    case .batchTopK(let k): return BatchTopK(k: k)
    case .jumpReLU(let l0, let bandwidth, let theta):
      return JumpReLU(width: width, l0Coefficient: l0, bandwidth: bandwidth, initialThreshold: theta)
    }
  }

  public var description: String {
    switch self {
    case .relu(let l1): return "ReLU(l1: \(l1))"
    case .topK(let k): return "TopK(k: \(k))"
    case .batchTopK(let k): return "BatchTopK(k: \(k))"
    case .jumpReLU(let l0, let bw, let theta): return "JumpReLU(l0: \(l0), bandwidth: \(bw), threshold₀: \(theta))"
    }
  }
}
