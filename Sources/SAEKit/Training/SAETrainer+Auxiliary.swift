/// The auxiliary loss inside the training step (``AuxKLoss``, ``AuxiliaryLatents``).
extension SAETrainer {
  /// Adds the auxiliary loss of `set`'s latents to the gradients in `w` (its
  /// `pre`, `residual` and `xin` are the step's) and returns its value:
  /// the top `k_aux` of the set's latents per token (ranked as the activation
  /// ranks them), their codes scaled by the set's weights, reconstruct the
  /// detached residual, with coefficient `α·min(|S| / k_aux, 1)`.
  func auxiliaryLoss(_ set: AuxiliarySet, workspace w: inout StepWorkspace) -> Double {
    let d = sae.dimension, b = w.pre.rows
    let kAux = config.auxK ?? max(1, d / 2)
    let c = config.auxCoefficient * min(Float(set.latents.count) / Float(kAux), 1)
    var aux = AuxKLoss.codes(w.pre, dead: set.latents, k: kAux, ranking: sae.activation.auxiliaryRanking)
    let weight = AuxKLoss.latentWeights(set, width: sae.width)
    AuxKLoss.scale(&aux.values, of: aux, by: weight)
    var ehat = Matrix(rows: b, cols: d)
    SparseKernels.decode(aux, weights: sae.decoderWeights, bias: [], into: &ehat)
    let (auxLoss, dehat) = AuxKLoss.lossAndGradient(auxReconstruction: ehat, residual: w.residual, coefficient: c)
    // ∂L/∂z_aux per entry, then ∂L/∂pre = w_j · ∂L/∂z_aux.
    var auxGrad = SparseKernels.codeGradients(aux, outputGradient: dehat, weights: sae.decoderWeights)
    AuxKLoss.scale(&auxGrad, of: aux, by: weight)
    let auxColumns = ColumnIndex(aux)
    SparseKernels.accumulateOuter(auxColumns, coefficients: aux.values, rows: dehat, into: &w.gradDecoder)
    SparseKernels.accumulateOuter(auxColumns, coefficients: auxGrad, rows: w.xin, into: &w.gradEncoderT)
    auxColumns.accumulate(auxGrad, into: &w.gradEncoderBias)
    return auxLoss
  }
}
