/// The optional loss terms of the training step: Top-AFA's norm matching
/// (``NormMatchingLoss``) and the vSAE's KL (``LatentKL``).
extension SAETrainer {
  /// The norm-matching loss's value, with its code gradients added to
  /// `codeGradients`; for the centred target also `∂L/∂T_r`, which reaches `b_dec`.
  func normMatchingLoss(
    _ codes: SparseCodes, inputNorms: [Float], workspace w: StepWorkspace, codeGradients: inout [Float]
  ) -> (loss: Double, centeredTargetGradients: [Double]?) {
    guard let afa = config.normMatching, afa.coefficient > 0 else { return (0, nil) }
    let targets = afa.target == .centered ? inputNorms : w.xs.rowNorms().map(Float.init)
    let pass = afa.forward(codes: codes, targets: targets)
    let dTarget = afa.backward(pass, codes: codes, codeGradients: &codeGradients)
    return (pass.loss, afa.target == .centered ? dTarget : nil)
  }

  /// `∂L/∂b_dec += Σ_r ∂L/∂T_r · ∂T_r/∂b_dec` with `T_r = ‖x_in,r‖`, `∂T_r/∂b_dec = −x_in,r / T_r`.
  static func addCenteredNormGradients(_ dTarget: [Double], xin: Matrix, norms: [Float], into g: inout [Float]) {
    let d = xin.cols
    xin.storage.withUnsafeBufferPointer { xb in
      for r in 0..<xin.rows where norms[r] > 0 && dTarget[r] != 0 {
        let c = dTarget[r] / Double(norms[r])
        for t in 0..<d { g[t] -= Float(c * Double(xb[r * d + t])) }
      }
    }
  }

  /// The KL term's value at this step's weight `β·w(t)`; on the selected
  /// latents its gradients join `preGradients`, on all latents they go into
  /// the encoder's gradients through one more product.
  func latentKLLoss(_ codes: SparseCodes, workspace w: inout StepWorkspace, preGradients: inout [Float]) -> Double {
    guard let kl = config.latentKL, kl.beta > 0 else { return 0 }
    let c = Double(kl.weight(step: stepsDone, steps: config.steps))
    let sigma = (sae.activation as? VariationalTopK)?.sigma ?? 1
    switch kl.latents {
    case .selected:
      return LatentKL.forwardBackwardSelected(pre: w.pre, codes: codes, weight: c, sigma: sigma, preGradients: &preGradients)
    case .all:
      var dpre = Matrix(rows: w.pre.rows, cols: w.pre.cols)
      let value = LatentKL.forwardBackwardAll(pre: w.pre, weight: c, sigma: sigma, gradient: &dpre)
      Self.accumulateDenseEncoderGradients(dpre, xin: w.xin, into: &w.gradEncoderT, bias: &w.gradEncoderBias)
      return value
    }
  }

  /// `∂W_encᵀ += (∂L/∂pre)ᵀ·x_in` and `∂b_enc += Σ_r ∂L/∂pre_r` for a dense
  /// `∂L/∂pre (B × m)`: latents cut into ``Parallel/defaultChunks`` blocks whatever the thread
  /// count, one single-threaded sgemm each (OpenBLAS's Haswell/Zen sgemm gives a row other bits
  /// in another block, so the split must not follow the workers).
  /// - Complexity: 2·B·d·m FLOPs.
  static func accumulateDenseEncoderGradients(_ dpre: Matrix, xin: Matrix, into gT: inout Matrix, bias: inout [Float]) {
    let (b, m, d) = (dpre.rows, dpre.cols, xin.cols)
    dpre.storage.withUnsafeBufferPointer { ab in
      xin.storage.withUnsafeBufferPointer { xb in
        gT.storage.withUnsafeMutableBufferPointer { gb in
          let (ap, xp, gp) = (ab.baseAddress!, xb.baseAddress!, gb.baseAddress!)
          BLAS.withThreads(1) {
            Parallel.forEachChunk(count: m, chunks: Parallel.defaultChunks) { _, latents in
              BLAS.gemm(transposeA: true, transposeB: false, m: latents.count, n: d, k: b, alpha: 1,
                        a: ap + latents.lowerBound, lda: m, b: xp, ldb: d, beta: 1,
                        c: gp + latents.lowerBound * d, ldc: d)
            }
          }
        }
      }
    }
    for (j, s) in dpre.columnSums().enumerated() { bias[j] += Float(s) }
  }
}
