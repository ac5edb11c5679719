/// The gradient step. Encoder directions are unit vectors `w_m` (`W_enc = Wᵀ`)
/// in both variants, so a pre-activation `w_m·(s·x − b_dec)` stays of the
/// order of the input norm and the bias range can select on it:
///
/// ```
/// tied:    W_dec = diag(a)·W        ∂L/∂w_m = G_enc[m] + a_m·G_dec[m]    ∂L/∂a_m = ⟨G_dec[m], w_m⟩
/// untied:  W_dec free (m × d)       ∂L/∂w_m = G_enc[m]                   ∂L/∂W_dec = G_dec
/// ```
/// from the gradients `G_enc = ∂L/∂W_encᵀ`, `G_dec = ∂L/∂W_dec` of the same
/// point (``SAETrainer/gradients(_:dead:)``). `w_m` takes a spherical Adam step
/// (the component along `w_m` removed, then the row renormalised); `a`,
/// the untied decoder and, when trained, `b_dec` take plain Adam steps.
extension GroupBiasAdaptationTrainer {
  /// `(∂L/∂W (m × d), ∂L/∂a (m))` from the gradients in the trainer's workspace
  /// (tied; untied returns `G_enc` and no scale gradient).
  func directionGradients() -> (directions: Matrix, scales: [Float]) {
    let w = trainer.workspace
    guard adaptation.tied else { return (w.gradEncoderT, []) }
    let d = trainer.sae.dimension, m = trainer.sae.width
    var directions = w.gradEncoderT
    var scales = [Float](repeating: 0, count: m)
    w.gradDecoder.storage.withUnsafeBufferPointer { gb in
      trainer.encoderT.storage.withUnsafeBufferPointer { wb in
        directions.storage.withUnsafeMutableBufferPointer { db in
          scales.withUnsafeMutableBufferPointer { sb in
            let (gp, wp, dp, sp) = (gb.baseAddress!, wb.baseAddress!, db.baseAddress!, sb.baseAddress!)
            Parallel.forEachRange(count: m) { latents in
              for j in latents {
                sp[j] = BLAS.dot(d, gp + j * d, wp + j * d)
                BLAS.axpy(d, outputScale[j], gp + j * d, dp + j * d)
              }
            }
          }
        }
      }
    }
    return (directions, scales)
  }

  func gradientStep(_ x: Matrix) throws -> TrainingProgress {
    let config = trainer.config, m = trainer.sae.width
    let lr = config.learningRate(step: stepsDone, width: m)
    let g = try trainer.gradients(x, dead: [])
    guard g.loss.isFinite else {
      throw SAEKitError.nonFinite("GBA training diverged at step \(stepsDone + 1): loss = \(g.loss) (try a smaller learning rate)")
    }
    var (gradW, gradA) = directionGradients()
    SAETrainer.removeParallelComponent(&gradW, decoder: trainer.encoderT)
    let t = stepsDone + 1
    func adam(_ state: inout AdamState, _ p: inout [Float], _ g: [Float]) {
      state.update(&p, gradient: g, learningRate: lr, step: t, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon)
    }
    adam(&adamDirections, &trainer.encoderT.storage, gradW.storage)
    SAETrainer.normalizeRows(&trainer.encoderT)
    if adaptation.tied {
      adam(&adamScale, &outputScale, gradA)
      var decoder = trainer.encoderT
      try decoder.scaleRows(by: outputScale)
      trainer.sae.decoderWeights = decoder
    } else {
      adam(&adamDecoder, &trainer.sae.decoderWeights.storage, trainer.workspace.gradDecoder.storage)
    }
    if adaptation.trainDecoderBias { adam(&adamDecoderBias, &trainer.sae.decoderBias, trainer.workspace.gradDecoderBias) }
    try tracker.record(g.codes, columns: g.columns)
    return TrainingProgress(
      step: t, steps: config.steps, tokens: tracker.tokensSeen, loss: g.loss,
      fvu: g.variance > 0 ? g.squaredError / g.variance : 0, l0: g.codes.meanL0,
      deadFraction: tracker.deadFraction, learningRate: lr, elapsed: 0)
  }
}
