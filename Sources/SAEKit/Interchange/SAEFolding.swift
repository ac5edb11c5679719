import Foundation

/// Exact re-parameterisations used when SAEs move between formats: each one
/// changes the stored weights but not the function `x ↦ x̂` (up to Float
/// rounding of the re-associated sums, ~1e-7 relative).
extension SparseAutoencoder {
  /// An equivalent SAE with input scale 1, the scale `s` folded into the weights
  /// (what SAELens's `fold_activation_norm_scaling_factor` does):
  ///
  /// ```
  /// W_enc' = s·W_enc    b_dec' = b_dec / s    W_dec' = W_dec / s    b_enc' = b_enc
  /// pre'   = (x − b_dec/s)·(s·W_enc) + b_enc = (s·x − b_dec)·W_enc + b_enc = pre
  /// x̂'     = z·W_dec/s + b_dec/s = (z·W_dec + b_dec)/s = x̂
  /// ```
  ///
  /// Pre-activations, hence codes and thresholds, are unchanged; the decoder
  /// rows now have norm `1/s` instead of 1.
  public func foldingInputScale() throws -> SparseAutoencoder {
    guard inputScale != 1 else { return self }
    let s = inputScale
    return try SparseAutoencoder(
      encoderWeights: encoderWeights.scaled(by: s), encoderBias: encoderBias,
      decoderWeights: decoderWeights.map { $0 / s }, decoderBias: decoderBias.map { $0 / s },
      activation: activation, inputScale: 1)
  }
}

/// The folding steps of the loaders, on raw parameters.
enum SAEFolding {
  /// `b_enc + b_dec·W_enc`, for files whose encoder does not subtract `b_dec`
  /// (SAELens `apply_b_dec_to_input = false`): our encoder always computes
  /// `(x − b_dec)·W_enc + b_enc'`, which equals `x·W_enc + b_enc` exactly when
  /// `b_enc' = b_enc + b_dec·W_enc`. Accumulated in Double.
  static func encoderBiasAbsorbingDecoderBias(encoder wEnc: Matrix, encoderBias bEnc: [Float], decoderBias bDec: [Float]) -> [Float] {
    let d = wEnc.rows, m = wEnc.cols
    var sums = bEnc.map(Double.init)
    wEnc.storage.withUnsafeBufferPointer { w in
      for i in 0..<d where bDec[i] != 0 {
        let b = Double(bDec[i])
        for j in 0..<m { sums[j] += b * Double(w[i * m + j]) }
      }
    }
    return sums.map { Float($0) }
  }

  /// Folds per-latent decoder norms `n_j = ‖W_dec[j]‖` into the encoder, for
  /// SAELens TopK files with `rescale_acts_by_decoder_norm = true`, whose
  /// forward pass is `z = TopK(pre ⊙ n)`, `x̂ = (z ⊘ n)·W_dec + b_dec`:
  ///
  /// ```
  /// W_enc'[:, j] = n_j·W_enc[:, j]    b_enc'_j = n_j·b_enc_j    W_dec'[j] = W_dec[j] / n_j
  /// ```
  ///
  /// Latents with a zero decoder row are left as they are (they contribute nothing either way).
  static func foldDecoderNorms(encoder wEnc: inout Matrix, encoderBias bEnc: inout [Float], decoder wDec: inout Matrix) {
    let norms = wDec.rowNorms().map(Float.init)
    let d = wEnc.rows, m = wEnc.cols
    wEnc.storage.withUnsafeMutableBufferPointer { w in
      for i in 0..<d {
        for j in 0..<m where norms[j] > 0 { w[i * m + j] *= norms[j] }
      }
    }
    for j in 0..<m where norms[j] > 0 { bEnc[j] *= norms[j] }
    wDec.storage.withUnsafeMutableBufferPointer { w in
      for j in 0..<m where norms[j] > 0 {
        for c in 0..<d { w[j * d + c] /= norms[j] }
      }
    }
  }

  /// `W_dec[j] ← s_j·W_dec[j]`: SAELens ≤ 5's `finetuning_scaling_factor`,
  /// which multiplies the codes by `s` before decoding.
  static func scaleDecoderRows(_ wDec: inout Matrix, by factors: [Float]) throws {
    try wDec.scaleRows(by: factors)
  }

  /// The log threshold `p` our ``JumpReLU`` stores for a file's threshold `θ`.
  ///
  /// JumpReLU files compute `relu(pre)·1[pre > θ]`; ours `pre·1[pre > exp(p)]`.
  /// For `θ ≤ 0` both equal `relu(pre)`, so `p = −greatestFiniteMagnitude`
  /// (`exp(p) = 0`). For `θ > 0`, `p = log θ`, nudged by up to 4 ulps towards
  /// the `p` whose `Float(exp(p))` is closest to `θ`. Thresholds we wrote
  /// (`θ = exp(p)`) come back bit-exact. Others may not be representable: where
  /// `|log θ| > 1`, consecutive Floats `p` give `exp(p)` several ulps of `θ` apart,
  /// so `exp(p)` can be off by about half that step, `≤ 2⁻²³·max(1, |log θ|)·θ`
  /// (≈ 1e-7·|log θ| relative); only pre-activations that close to `θ` change sides.
  static func logThreshold(_ theta: Float) -> Float {
    guard theta > 0 else { return -Float.greatestFiniteMagnitude }
    let p = Foundation.log(theta)
    if Foundation.exp(p) == theta { return p }
    var best = p, bestError = abs(Foundation.exp(p) - theta)
    var up = p, down = p
    for _ in 0..<4 {
      up = up.nextUp
      down = down.nextDown
      for candidate in [up, down] {
        let e = Foundation.exp(candidate)
        if e == theta { return candidate }
        if abs(e - theta) < bestError { (best, bestError) = (candidate, abs(e - theta)) }
      }
    }
    return best
  }
}
