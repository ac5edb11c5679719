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

  /// Starts from `sae` (its parameters are the initial point).
  public init(sae: SparseAutoencoder, config: TrainingConfig) throws {
    try config.validate(dimension: sae.dimension, width: sae.width)
    let d = sae.dimension, m = sae.width
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
    let lr = config.learningRate(step: stepsDone, width: sae.width)
    var g = try gradients(x, dead: tracker.deadLatents.map(Int32.init))
    guard g.loss.isFinite else {
      throw SAEKitError.nonFinite("SAE training diverged at step \(stepsDone + 1): loss = \(g.loss) (try a smaller learning rate)")
    }
    Self.removeParallelComponent(&g.decoder, decoder: sae.decoderWeights)
    stepsDone += 1
    let t = stepsDone
    let (b1, b2, eps) = (config.beta1, config.beta2, config.epsilon)
    adamEncoder.update(&encoderT.storage, gradient: g.encoderT.storage, learningRate: lr, step: t, beta1: b1, beta2: b2, epsilon: eps)
    adamEncoderBias.update(&sae.encoderBias, gradient: g.encoderBias, learningRate: lr, step: t, beta1: b1, beta2: b2, epsilon: eps)
    adamDecoder.update(&sae.decoderWeights.storage, gradient: g.decoder.storage, learningRate: lr, step: t, beta1: b1, beta2: b2, epsilon: eps)
    adamDecoderBias.update(&sae.decoderBias, gradient: g.decoderBias, learningRate: lr, step: t, beta1: b1, beta2: b2, epsilon: eps)
    if !g.activation.isEmpty {
      adamActivation.update(&sae.activation.parameters, gradient: g.activation, learningRate: lr, step: t, beta1: b1, beta2: b2, epsilon: eps)
    }
    sae.decoderWeights.normalizeRows()
    try tracker.record(g.codes)
    tokensSeen += x.rows
    return TrainingProgress(
      step: t, steps: config.steps, tokens: tokensSeen, loss: g.loss,
      fvu: g.variance > 0 ? g.squaredError / g.variance : 0, l0: g.codes.meanL0,
      deadFraction: tracker.deadFraction, learningRate: lr, elapsed: 0)
  }

  /// The loss of a batch and its gradients with respect to every parameter,
  /// with `dead` latents (ascending ids) feeding AuxK. The decoder gradient is
  /// the raw one (before the parallel component is removed). Only the
  /// activation's running state (BatchTopK's threshold) changes.
  func gradients(_ x: Matrix, dead: [Int32]) throws -> Gradients {
    let d = sae.dimension, m = sae.width, b = x.rows
    guard x.cols == d else {
      throw SAEKitError.shapeMismatch(operation: "SAE training batch (x vs W_enc)", lhs: x.shape, rhs: Shape(d, m))
    }
    try require(b > 0, "empty training batch")
    // Forward.                                                          shapes
    let xs = sae.inputScale == 1 ? x : x.scaled(by: sae.inputScale)     // (B × d)
    var xin = xs
    try xin.addRowVector(sae.decoderBias, scale: -1)                    // (B × d)
    var pre = try xin.matmulTransposed(encoderT)                        // (B × m)
    try pre.addRowVector(sae.encoderBias)
    let codes = sae.activation.trainingCodes(pre)                       // sparse (B × m)
    var xhat = Matrix(rows: b, cols: d)
    SparseKernels.decode(codes, weights: sae.decoderWeights, bias: sae.decoderBias, into: &xhat)
    // Reconstruction loss Σ‖x̂ − s·x‖²/B and its gradient 2(x̂ − s·x)/B.
    var residual = xs                                                   // e = s·x − x̂
    var dxhat = xhat                                                    // (B × d)
    let squaredError = Self.residualAndGradient(xs: xs, xhat: xhat, residual: &residual, gradient: &dxhat)
    var loss = squaredError / Double(b)
    // Backward through the decoder and the activation.
    let norms = sae.decoderNorms
    let codeGrad = SparseKernels.codeGradients(codes, outputGradient: dxhat, weights: sae.decoderWeights)
    let act = sae.activation.backward(ActivationBackwardInput(
      pre: pre, codes: codes, codeGradients: codeGrad, decoderNorms: norms,
      reconstructionGradient: dxhat, decoder: sae.decoderWeights))
    loss += act.penalty
    var gDec = Matrix(rows: m, cols: d)                                 // (m × d)
    var gEncT = Matrix(rows: m, cols: d)                                // (m × d)
    var gEncBias = [Float](repeating: 0, count: m)
    let columns = ColumnIndex(codes)
    SparseKernels.accumulateOuter(columns, coefficients: codes.values, rows: dxhat, into: &gDec)
    SparseKernels.accumulateOuter(columns, coefficients: act.preGradients, rows: xin, into: &gEncT)
    Self.accumulateBias(codes, act.preGradients, into: &gEncBias)
    // AuxK on dead latents.
    if sae.activation.usesAuxiliaryLoss && !dead.isEmpty {
      let kAux = config.auxK ?? max(1, d / 2)
      let c = config.auxCoefficient * min(Float(dead.count) / Float(kAux), 1)
      let aux = AuxKLoss.codes(pre, dead: dead, k: kAux)
      var ehat = Matrix(rows: b, cols: d)
      SparseKernels.decode(aux, weights: sae.decoderWeights, bias: [], into: &ehat)
      let (auxLoss, dehat) = AuxKLoss.lossAndGradient(auxReconstruction: ehat, residual: residual, coefficient: c)
      loss += auxLoss
      let auxGrad = SparseKernels.codeGradients(aux, outputGradient: dehat, weights: sae.decoderWeights)
      let auxColumns = ColumnIndex(aux)
      SparseKernels.accumulateOuter(auxColumns, coefficients: aux.values, rows: dehat, into: &gDec)
      SparseKernels.accumulateOuter(auxColumns, coefficients: auxGrad, rows: xin, into: &gEncT)
      Self.accumulateBias(aux, auxGrad, into: &gEncBias)
    }
    // ∂L/∂b_dec = Σ_r ∂L/∂x̂_r − Σ_j ∂L/∂b_enc[j] · W_encᵀ[j]   (b_dec enters the encoder input with −1)
    var gDecBias = dxhat.columnSums().map(Float.init)
    Self.subtractWeightedRows(encoderT, weights: gEncBias, from: &gDecBias)
    if !act.decoderNormGradients.isEmpty {
      Self.addNormGradients(act.decoderNormGradients, norms: norms, decoder: sae.decoderWeights, into: &gDec)
    }
    return Gradients(
      encoderT: gEncT, encoderBias: gEncBias, decoder: gDec, decoderBias: gDecBias,
      activation: act.parameterGradients, loss: loss, squaredError: squaredError,
      variance: xs.columnSumsOfSquaredDeviations().reduce(0, +), codes: codes)
  }
}

/// Loss and gradients of one batch (see ``SAETrainer/gradients(_:dead:)``).
struct Gradients {
  var encoderT: Matrix
  var encoderBias: [Float]
  var decoder: Matrix
  var decoderBias: [Float]
  var activation: [Float]
  var loss: Double
  /// `Σ‖x̂ − s·x‖²` over the batch.
  var squaredError: Double
  /// `Σ‖s·x − mean‖²` over the batch.
  var variance: Double
  var codes: SparseCodes
}
