import Foundation

/// Trains a ``SparseAutoencoder`` with Adam, one batch at a time.
///
/// The trainer keeps the encoder transposed, `W_encᵀ (m × d)`, so that both
/// sparse gradients (decoder and encoder) are per-latent row updates; the
/// SAE's `W_enc (d × m)` is written back by ``model``.
///
/// FLOPs of one step with batch `B`, dimension `d`, width `m` and `nnz` stored
/// code entries (`nnz = B·k` for TopK):
///
/// ```
/// encoder  pre = x_in·W_enc                       2·B·d·m     (the one dense GEMM)
/// decoder  x̂ = z·W_dec + b_dec                    2·nnz·d
/// backward ∂L/∂z = ∂L/∂x̂ · W_decᵀ (entries)       2·nnz·d
///          ∂W_dec = zᵀ·∂L/∂x̂ (per latent)          2·nnz·d
///          ∂W_enc = x_inᵀ·∂L/∂pre (per latent)     2·nnz·d
/// update   projection, Adam, renormalisation      ≈ 20·d·m (independent of B)
/// ```
/// plus top-k selection (`≈ B·m` comparisons). AuxK adds the same sparse
/// terms for its `B·k_aux` entries when dead latents exist.
public final class SAETrainer {
  public let config: TrainingConfig
  public private(set) var stepsDone = 0
  public private(set) var tokensSeen = 0
  public private(set) var tracker: LatentFiringTracker

  var sae: SparseAutoencoder
  var encoderT: Matrix
  var adamEncoder, adamEncoderBias, adamDecoder, adamDecoderBias, adamActivation: AdamState
  /// Buffers of the step, reused while the batch size stays the same.
  var workspace = StepWorkspace()
  /// Seconds spent per phase of the step; nil (the default) measures nothing.
  public var timings: StepTimings?
  /// Noise for sampling activations (vSAE): step `t` draws from `noise.fork(t)`.
  public var noise = RandomSource(seed: 0)

  /// Starts from `sae` (its parameters are the initial point).
  public init(sae: SparseAutoencoder, config: TrainingConfig) throws {
    try sae.requireWeightsInMemory(for: "training an SAE")
    try config.validate(dimension: sae.dimension, width: sae.width)
    let d = sae.dimension, m = sae.width
    // Weights, their transpose, gradients and Adam's two moments; pre-activations, their
    // gradient and codes per batch row; the batch, its reconstruction and residual.
    let batch = min(config.batchSize, Int.max / 8)
    try requireAllocatable(
      "training an SAE of dimension \(d) and width \(m) with batches of \(config.batchSize)",
      [(m, d), (m, d), (m, d), (m, d), (m, d), (m, d), (m, d), (m, d), (batch, m), (batch, m), (batch, m), (batch, d), (batch, d), (batch, d), (batch, d)],
      sizes: [("width", m), ("batch", config.batchSize)])
    self.config = config
    self.sae = sae
    self.encoderT = sae.encoderWeights.transposed
    self.tracker = try LatentFiringTracker(width: m, window: config.deadWindowTokens)
    adamEncoder = AdamState(count: m * d)
    adamEncoderBias = AdamState(count: m)
    adamDecoder = AdamState(count: m * d)
    adamDecoderBias = AdamState(count: d)
    adamActivation = AdamState(count: sae.activation.parameters.count)
  }

  /// The SAE as trained so far.
  public var model: SparseAutoencoder {
    var out = sae
    out.encoderWeights = encoderT.transposed
    return out
  }

  /// Sets the input scale and `b_dec` from a sample of rows (raw units):
  /// `s = √(d / mean‖x‖²)` when input normalisation is on, and `b_dec` = the
  /// geometric median of `s·x`.
  public func initialize(fromSample sample: Matrix) throws {
    try require(sample.cols == sae.dimension, "sample has \(sample.cols) columns, the SAE expects d = \(sae.dimension)")
    guard sample.rows > 0 else { return }
    if config.normalizeInput {
      let meanSquare = sample.rowSquaredNorms().reduce(0, +) / Double(sample.rows)
      try require(meanSquare > 0 && meanSquare.isFinite, "cannot normalise inputs: mean ‖x‖² is \(meanSquare)")
      sae.inputScale = Float((Double(sae.dimension) / meanSquare).squareRoot())
    }
    sae.decoderBias = try geometricMedian(sample.scaled(by: sae.inputScale))
  }

  /// One optimiser step on `x (B × d)` in input units.
  /// - Throws: ``SAEKitError/nonFinite(_:)`` when the loss is NaN or infinite.
  @discardableResult
  public func step(_ x: Matrix) throws -> TrainingProgress {
    try Parallel.withWorkers(config.threads) { try optimizerStep(x) }
  }

  /// ``step(_:)`` on the current ``Parallel/workers``.
  func optimizerStep(_ x: Matrix) throws -> TrainingProgress {
    let lr = config.learningRate(step: stepsDone, width: sae.width)
    let g = try gradients(x, auxiliary: config.auxiliaryLatents.select(tracker))
    guard g.loss.isFinite else {
      throw SAEKitError.nonFinite("SAE training diverged at step \(stepsDone + 1): loss = \(g.loss) (try a smaller learning rate)")
    }
    var clock = PhaseClock(enabled: timings != nil)
    stepsDone += 1
    let t = stepsDone
    let adam = AdamStep(learningRate: lr, step: t, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon)
    adamEncoder.update(&encoderT.storage, gradient: workspace.gradEncoderT.storage, adam)
    adamEncoderBias.update(&sae.encoderBias, gradient: workspace.gradEncoderBias, adam)
    // W_dec: projection, Adam and renormalisation per row block.
    Self.updateDecoder(&sae.decoderWeights, gradient: &workspace.gradDecoder, adam: &adamDecoder, step: adam)
    adamDecoderBias.update(&sae.decoderBias, gradient: workspace.gradDecoderBias, adam)
    if !workspace.gradActivation.isEmpty {
      adamActivation.update(&sae.activation.parameters, gradient: workspace.gradActivation, adam)
    }
    try tracker.record(g.codes, columns: g.columns)
    tokensSeen += x.rows
    clock.lap(&timings, .update)
    return TrainingProgress(
      step: t, steps: config.steps, tokens: tokensSeen, loss: g.loss,
      fvu: g.variance > 0 ? g.squaredError / g.variance : 0, l0: g.codes.meanL0,
      deadFraction: tracker.deadFraction, learningRate: lr, elapsed: 0)
  }

  /// As ``gradients(_:auxiliary:)`` with `dead` latents (ascending ids), each of weight 1, feeding AuxK.
  func gradients(_ x: Matrix, dead: [Int32]) throws -> BatchLoss {
    try gradients(x, auxiliary: AuxiliarySet(unweighted: dead))
  }

  /// The loss of a batch and its gradients with respect to every parameter,
  /// with the `auxiliary` latents feeding the auxiliary loss. Gradients land in
  /// ``workspace`` (the decoder's is the raw one, before the parallel
  /// component is removed). Only the activation's running state (BatchTopK's
  /// threshold) changes. Large buffers are reused from step to step.
  func gradients(_ x: Matrix, auxiliary: AuxiliarySet) throws -> BatchLoss {
    let d = sae.dimension, m = sae.width, b = x.rows
    guard x.cols == d else {
      throw SAEKitError.shapeMismatch(operation: "SAE training batch (x vs W_enc)", lhs: x.shape, rhs: Shape(d, m))
    }
    try require(b > 0, "empty training batch")
    var clock = PhaseClock(enabled: timings != nil)
    var w = workspace
    workspace = StepWorkspace()  // hand the buffers over without copying
    defer { workspace = w }
    w.prepare(batch: b, dimension: d, width: m, activationParameters: sae.activation.parameters.count)
    // Forward.                                                          shapes
    w.setInputs(x, scale: sae.inputScale, decoderBias: sae.decoderBias)  // s·x, s·x − b_dec  (B × d)
    w.encode(encoderT, bias: sae.encoderBias)   // pre (B × m): the GEMM
    clock.lap(&timings, .encoder)
    let norms = Self.rowNorms(sae.decoderWeights)
    let inputNorms = w.xin.rowNorms().map(Float.init)                   // ‖s·x − b_dec‖ (B)
    let context = ActivationContext(inputNorms: inputNorms, decoderNorms: norms, noise: noise.fork(UInt64(stepsDone)))
    let codes = sae.activation.trainingCodes(w.pre, context: context)   // sparse (B × m)
    clock.lap(&timings, .selection)
    SparseKernels.decode(codes, weights: sae.decoderWeights, bias: sae.decoderBias, into: &w.xhat)
    // Reconstruction loss Σ‖x̂ − s·x‖²/B and its gradient 2(x̂ − s·x)/B; residual e = s·x − x̂.
    let squaredError = Self.residualAndGradient(xs: w.xs, xhat: w.xhat, residual: &w.residual, gradient: &w.dxhat)
    var loss = squaredError / Double(b)
    clock.lap(&timings, .decoder)
    // Backward through the decoder, the norm-matching loss and the activation.
    var codeGrad = SparseKernels.codeGradients(codes, outputGradient: w.dxhat, weights: sae.decoderWeights)
    let afa = normMatchingLoss(codes, inputNorms: inputNorms, workspace: w, codeGradients: &codeGrad)
    loss += afa.loss
    var act = sae.activation.backward(ActivationBackwardInput(
      pre: w.pre, codes: codes, codeGradients: codeGrad, decoderNorms: norms,
      reconstructionGradient: w.dxhat, decoder: sae.decoderWeights))
    loss += act.penalty
    loss += latentKLLoss(codes, workspace: &w, preGradients: &act.preGradients)
    let columns = ColumnIndex(codes)
    SparseKernels.accumulateOuter(columns, coefficients: codes.values, rows: w.dxhat, into: &w.gradDecoder)
    SparseKernels.accumulateOuter(columns, coefficients: act.preGradients, rows: w.xin, into: &w.gradEncoderT)
    columns.accumulate(act.preGradients, into: &w.gradEncoderBias)
    clock.lap(&timings, .backward)
    // The auxiliary loss (AuxK on dead latents, or aux_zipf_loss on under-utilised ones).
    if sae.activation.usesAuxiliaryLoss && config.auxCoefficient > 0 && !auxiliary.latents.isEmpty {
      loss += auxiliaryLoss(auxiliary, workspace: &w)
      clock.lap(&timings, .auxiliary)
    }
    // ∂L/∂b_dec = Σ_r ∂L/∂x̂_r − Σ_j ∂L/∂b_enc[j] · W_encᵀ[j]   (b_dec enters the encoder input with −1)
    w.gradDecoderBias = w.dxhat.columnSums().map(Float.init)
    Self.subtractWeightedRows(encoderT, weights: w.gradEncoderBias, from: &w.gradDecoderBias)
    if let dTarget = afa.centeredTargetGradients {
      Self.addCenteredNormGradients(dTarget, xin: w.xin, norms: inputNorms, into: &w.gradDecoderBias)
    }
    if !act.decoderNormGradients.isEmpty {
      Self.addNormGradients(act.decoderNormGradients, norms: norms, decoder: sae.decoderWeights, into: &w.gradDecoder)
    }
    w.gradActivation = act.parameterGradients
    let variance = w.xs.columnSumsOfSquaredDeviations().reduce(0, +)
    clock.lap(&timings, .backward)
    return BatchLoss(
      loss: loss, squaredError: squaredError, variance: variance,
      codes: codes, columns: columns)
  }
}

/// Loss of one batch (see ``SAETrainer/gradients(_:auxiliary:)``); the gradients
/// are in the trainer's ``StepWorkspace``.
struct BatchLoss {
  var loss: Double
  /// `Σ‖x̂ − s·x‖²` over the batch.
  var squaredError: Double
  /// `Σ‖s·x − mean‖²` over the batch.
  var variance: Double
  var codes: SparseCodes
  /// The column view of ``codes``.
  var columns: ColumnIndex
}
