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
  /// The kind and hyper-parameters this activation stands for: what
  /// ``ActivationKind/make(width:)`` rebuilds it from (before training state).
  var kind: ActivationKind { get }
  /// Per-latent trainable parameters (JumpReLU: log thresholds); empty when none.
  var parameters: [Float] { get set }
  /// State learnt during training that is not a trainable parameter (BatchTopK: the
  /// inference threshold); empty when none. Saving and restoring ``parameters`` and
  /// `state` restores the activation exactly.
  var state: [Float] { get set }
  /// True for the TopK family, where the AuxK loss revives dead latents.
  var usesAuxiliaryLoss: Bool { get }
  /// How the AuxK loss ranks dead latents: by value then ReLU (the default),
  /// or by magnitude keeping signs (AbsTopK).
  var auxiliaryRanking: SelectionRanking { get }
  /// Codes used at inference time (BatchTopK: the estimated threshold).
  func inferenceCodes(_ pre: Matrix) -> SparseCodes
  /// Whether ``inferenceCodes(_:)`` decides each row alone (TopK, ReLU, thresholds), so that
  /// ``SparseAutoencoder/encode(_:denseLimit:)`` may encode a large input in row chunks. False
  /// (the default) for batch rules, whose codes depend on the other rows.
  var inferenceIsPerRow: Bool { get }
  /// Codes used during training; may update running state (BatchTopK's threshold).
  mutating func trainingCodes(_ pre: Matrix) -> SparseCodes
  /// Inference codes given what else the forward pass knows (input and decoder
  /// norms); the default ignores the context. Top-AFA needs it.
  func inferenceCodes(_ pre: Matrix, context: ActivationContext) -> SparseCodes
  /// Training codes given the context (norms, and the step's noise for a
  /// variational activation); the default ignores it.
  mutating func trainingCodes(_ pre: Matrix, context: ActivationContext) -> SparseCodes
  /// The penalty and the gradients with respect to `pre` (aligned with the codes' entries).
  func backward(_ input: ActivationBackwardInput) -> ActivationGradients
}

/// What the forward pass knows besides the pre-activations: the norms a
/// norm-matching rule reads and the noise a sampling rule draws from.
public struct ActivationContext: Sendable {
  /// `‖s·x − b_dec‖` per token (the encoder input's norm), `(B)`; empty when unknown.
  public var inputNorms: [Float]
  /// `‖W_dec[j]‖` per latent, `(m)`; empty when unknown.
  public var decoderNorms: [Float]
  /// The step's noise stream (variational activations in training); nil at inference.
  public var noise: RandomSource?

  public init(inputNorms: [Float] = [], decoderNorms: [Float] = [], noise: RandomSource? = nil) {
    self.inputNorms = inputNorms
    self.decoderNorms = decoderNorms
    self.noise = noise
  }
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

extension SparseActivation {
  /// Inference reads the whole batch (the safe default).
  public var inferenceIsPerRow: Bool { false }

  /// Dead latents are ranked by value (the default).
  public var auxiliaryRanking: SelectionRanking { .value }

  /// The context is not needed (the default).
  public func inferenceCodes(_ pre: Matrix, context: ActivationContext) -> SparseCodes { inferenceCodes(pre) }

  /// The context is not needed (the default).
  public mutating func trainingCodes(_ pre: Matrix, context: ActivationContext) -> SparseCodes { trainingCodes(pre) }

  /// No state beyond the parameters (the default).
  public var state: [Float] {
    get { [] }
    set {}
  }
}
