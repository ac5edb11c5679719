import Foundation

extension TinyLMPass {
  /// The gradients of the last forward pass's mean loss: adds `∂loss/∂θ` into `gradients`
  /// (zero it first for a fresh step) and returns the residual-stream gradients the hooks
  /// asked for, each `(N × C)`.
  ///
  /// Gradients flow through patches with a `backward`; a patch without one is an error.
  @discardableResult
  public func backward(_ parameters: TinyLMParameters, into gradients: inout TinyLMParameters) throws -> [Int: Matrix] {
    guard targets != nil, scoredCount > 0 else {
      throw SAEKitError.invalidArgument("TinyLM backward needs a forward pass with at least one scored target")
    }
    precondition(parameters.config == config && gradients.config == config)
    for (layer, patch) in hooks.patches where patch.backward == nil {
      throw SAEKitError.invalidArgument("the patch of layer \(layer) has no backward, so gradients cannot flow through it")
    }
    let n = rows, c = config.width, v = config.vocabularySize
    var recorded: [Int: Matrix] = [:]
    let (dres, dln, dbig, dqkv, products) = backwardBuffers
    dres.update(repeating: 0, count: n * c)

    // dln, dbig and dqkv are zero between uses: the last pass to read each clears it (LayerNorm
    // backward, the bias-gradient pass of the fc and qkv layers), so the products that write them
    // next add onto zero (beta 1: the same bits as OpenBLAS's beta 0, without its pass zeroing
    // them first). Only the qkv product's dln (read last by the attention backward) is written
    // with beta 0. Every exit (passBack's throws included) happens with all three clear.
    softmaxCrossEntropyBackward()  // probabilities now hold ∂loss/∂logits
    let hooks = self.hooks
    try parameters.storage.withUnsafeBufferPointer { pp in
      try gradients.storage.withUnsafeMutableBufferPointer { gp in
        let p = pp.baseAddress!, g = gp.baseAddress!
        func w(_ t: TinyLMParameters.Tensor, _ l: Int? = nil) -> UnsafePointer<Float> {
          p + (l.map { parameters.range(t, layer: $0) } ?? parameters.range(t)).lowerBound
        }
        func d(_ t: TinyLMParameters.Tensor, _ l: Int? = nil) -> UnsafeMutablePointer<Float> {
          g + (l.map { parameters.range(t, layer: $0) } ?? parameters.range(t)).lowerBound
        }
        // Output head (tied): logits = finalNorm · wteᵀ.
        TinyLMKernels.matmulBackward(dinp: dln, dw: d(.tokenEmbedding), db: nil, dout: probabilities, inp: finalNorm,
                                     w: w(.tokenEmbedding), rows: n, inputs: c, outputs: v, scratch: products, accumulate: true)
        let last = residual + config.layerCount * n * c
        TinyLMKernels.layerNormBackward(dx: dres, dweight: d(.finalNormWeight), dbias: d(.finalNormBias), dout: dln, x: last,
                                        weight: w(.finalNormWeight), mean: finalMean, rstd: finalRstd, rows: n, cols: c,
                                        clearDout: true)
        for l in stride(from: config.layerCount - 1, through: 0, by: -1) {
          try passBack(layer: l + 1, dres, hooks, &recorded)
          let x = residual + l * n * c
          let ln1 = self.ln1 + l * n * c, ln2 = self.ln2 + l * n * c
          let qkv = self.qkv + l * n * 3 * c, out = attentionOut + l * n * c, mid = afterAttention + l * n * c
          let fc = self.fc + l * n * 4 * c, gelu = fcGelu + l * n * 4 * c
          // y = mid + fcProj(gelu(fc(ln2(mid)))): dres is ∂/∂y, which is also ∂/∂mid's residual part.
          TinyLMKernels.matmulBackward(dinp: dbig, dw: d(.fcProjectionWeight, l), db: d(.fcProjectionBias, l), dout: dres,
                                       inp: gelu, w: w(.fcProjectionWeight, l), rows: n, inputs: 4 * c, outputs: c, scratch: products,
                                       accumulate: true)
          TinyLMKernels.geluBackward(grad: dbig, x: fc, count: n * 4 * c)
          TinyLMKernels.matmulBackward(dinp: dln, dw: d(.fcWeight, l), db: d(.fcBias, l), dout: dbig, inp: ln2,
                                       w: w(.fcWeight, l), rows: n, inputs: c, outputs: 4 * c, scratch: products,
                                       accumulate: true, clearDout: true)
          TinyLMKernels.layerNormBackward(dx: dres, dweight: d(.ln2Weight, l), dbias: d(.ln2Bias, l), dout: dln, x: mid,
                                          weight: w(.ln2Weight, l), mean: ln2Mean + l * n, rstd: ln2Rstd + l * n, rows: n, cols: c,
                                          clearDout: true)
          // mid = x + attnProj(attention(qkv(ln1(x)))): dres is now ∂/∂mid.
          TinyLMKernels.matmulBackward(dinp: dln, dw: d(.attentionProjectionWeight, l), db: d(.attentionProjectionBias, l),
                                       dout: dres, inp: out, w: w(.attentionProjectionWeight, l), rows: n, inputs: c, outputs: c, scratch: products,
                                       accumulate: true)
          TinyLMAttention.backward(dqkv: dqkv, dout: dln, att: attention + l * batch * config.headCount * length * length,
                                   qkv: qkv, batch: batch, length: length, width: c, heads: config.headCount,
                                   accumulate: true)
          TinyLMKernels.matmulBackward(dinp: dln, dw: d(.qkvWeight, l), db: d(.qkvBias, l), dout: dqkv, inp: ln1,
                                       w: w(.qkvWeight, l), rows: n, inputs: c, outputs: 3 * c, scratch: products,
                                       clearDout: true)
          TinyLMKernels.layerNormBackward(dx: dres, dweight: d(.ln1Weight, l), dbias: d(.ln1Bias, l), dout: dln, x: x,
                                          weight: w(.ln1Weight, l), mean: ln1Mean + l * n, rstd: ln1Rstd + l * n, rows: n, cols: c,
                                          clearDout: true)
        }
        try passBack(layer: 0, dres, hooks, &recorded)
        embedBackward(dres, dwte: d(.tokenEmbedding), dwpe: d(.positionEmbedding))
      }
    }
    return recorded
  }

  /// At `layer`'s residual stream: records the gradient if asked, then takes it back
  /// through the layer's patch.
  private func passBack(layer: Int, _ dres: Buffer, _ hooks: TinyLMHooks, _ recorded: inout [Int: Matrix]) throws {
    let n = rows, c = config.width
    guard hooks.gradients.contains(layer) || hooks.patches[layer] != nil else { return }
    let gradient = try Matrix(rows: n, cols: c, storage: Array(UnsafeBufferPointer(start: dres, count: n * c)))
    if hooks.gradients.contains(layer) { recorded[layer] = gradient }
    if let patch = hooks.patches[layer], let backward = patch.backward, let input = patchInputs[layer] {
      let through = try backward(input, gradient)
      guard through.rows == n, through.cols == c else {
        throw SAEKitError.invalidArgument("the patch of layer \(layer)'s backward returned \(through.rows) × \(through.cols), not \(n) × \(c)")
      }
      through.storage.withUnsafeBufferPointer { dres.update(from: $0.baseAddress!, count: n * c) }
    }
  }

  /// `∂loss/∂logits = (softmax − onehot(target)) / scored` in place of the probabilities
  /// (rows not scored become 0).
  private func softmaxCrossEntropyBackward() {
    let v = config.vocabularySize, scale = 1 / Float(scoredCount)
    let targets = self.targets ?? []
    targets.withUnsafeBufferPointer { tg in
      Parallel.forEachRange(count: rows) { range in
        for r in range {
          let p = probabilities + r * v
          let target = tg[r]
          if target < 0 {
            p.update(repeating: 0, count: v)
            continue
          }
          for j in 0..<v { p[j] *= scale }
          p[target] -= scale
        }
      }
    }
  }

  /// `dwte[token] += dres[row]`, `dwpe[position] += dres[row]`: chunks own positions (and then
  /// token ids), and each row of `dwpe` (`dwte`) takes its rows in row order (deterministic).
  private func embedBackward(_ dres: Buffer, dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>) {
    let c = config.width, t = length
    Parallel.forEachRange(count: t) { positions in
      for position in positions {
        let p = dwpe + position * c
        for b in 0..<batch {
          let src = dres + (b * t + position) * c
          for j in 0..<c { p[j] += src[j] }
        }
      }
    }
    tokens.withUnsafeBufferPointer { tk in
      Parallel.forEachRange(count: config.vocabularySize) { ids in
        for r in 0..<rows where ids.contains(tk[r]) {
          let src = dres + r * c, e = dwte + tk[r] * c
          for j in 0..<c { e[j] += src[j] }
        }
      }
    }
  }
}
