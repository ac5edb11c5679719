/// Small dense pieces of the training step's backward pass.
extension SAETrainer {
  /// `residual = s·x − x̂`, `gradient = 2(x̂ − s·x)/B`; returns `Σ‖x̂ − s·x‖²`.
  static func residualAndGradient(xs: Matrix, xhat: Matrix, residual: inout Matrix, gradient: inout Matrix) -> Double {
    let scale = 2 / Float(max(1, xs.rows)), cols = xs.cols
    return xs.storage.withUnsafeBufferPointer { xb in
      xhat.storage.withUnsafeBufferPointer { hb in
        residual.storage.withUnsafeMutableBufferPointer { rb in
          gradient.storage.withUnsafeMutableBufferPointer { gb in
            let (xp, hp, rp, gp) = (xb.baseAddress!, hb.baseAddress!, rb.baseAddress!, gb.baseAddress!)
            return Parallel.sum(count: xs.rows) { rows in
              var s = 0.0
              for i in (rows.lowerBound * cols)..<(rows.upperBound * cols) {
                let e = xp[i] - hp[i]
                rp[i] = e
                gp[i] = -scale * e
                s += Double(e) * Double(e)
              }
              return s
            }
          }
        }
      }
    }
  }

  /// `v −= Σ_j weights[j] · rows[j, :]` over latents with a non-zero weight.
  static func subtractWeightedRows(_ rows: Matrix, weights: [Float], from v: inout [Float]) {
    let d = rows.cols
    rows.storage.withUnsafeBufferPointer { rb in
      v.withUnsafeMutableBufferPointer { vb in
        for j in 0..<weights.count where weights[j] != 0 {
          BLAS.axpy(d, -weights[j], rb.baseAddress! + j * d, vb.baseAddress!)
        }
      }
    }
  }

  /// `G[j] += ∂L/∂‖W_j‖ · W_j/‖W_j‖` (the decoder-norm-weighted penalty's share).
  static func addNormGradients(_ normGrad: [Float], norms: [Float], decoder: Matrix, into g: inout Matrix) {
    let d = decoder.cols
    decoder.storage.withUnsafeBufferPointer { wb in
      g.storage.withUnsafeMutableBufferPointer { gb in
        for j in 0..<normGrad.count where normGrad[j] != 0 && norms[j] > 0 {
          BLAS.axpy(d, normGrad[j] / norms[j], wb.baseAddress! + j * d, gb.baseAddress! + j * d)
        }
      }
    }
  }

  /// `G[j] −= (⟨G[j], W_j⟩ / ‖W_j‖²) · W_j`: the component that would only
  /// change a row's norm, which the renormalisation after the step undoes.
  static func removeParallelComponent(_ g: inout Matrix, decoder: Matrix) {
    let d = decoder.cols
    decoder.storage.withUnsafeBufferPointer { wb in
      g.storage.withUnsafeMutableBufferPointer { gb in
        let (wp, gp) = (wb.baseAddress!, gb.baseAddress!)
        Parallel.forEachRange(count: decoder.rows) { latents in
          for j in latents { removeParallelComponent(gp + j * d, of: wp + j * d, count: d) }
        }
      }
    }
  }

  /// ``removeParallelComponent(_:decoder:)`` for one row `g` of `count` floats against `w`.
  @inline(__always)
  static func removeParallelComponent(_ g: UnsafeMutablePointer<Float>, of w: UnsafePointer<Float>, count d: Int) {
    let ww = BLAS.dot(d, w, w)
    guard ww > 0 else { return }
    let proj = BLAS.dot(d, g, w) / ww
    if proj != 0 { for s in 0..<d { g[s] -= proj * w[s] } }
  }

  /// The decoder's whole update, one block of rows at a time while they are in cache: the
  /// parallel component leaves each gradient row (``removeParallelComponent(_:decoder:)``),
  /// Adam `step` moves the row, and the row is scaled back to unit norm (``normalizeRows(_:)``).
  /// Row by row the same operations as the three passes, so the same bits.
  static func updateDecoder(_ w: inout Matrix, gradient g: inout Matrix, adam: inout AdamState, step: AdamStep) {
    let d = w.cols
    precondition(g.shape == w.shape)
    w.storage.withUnsafeMutableBufferPointer { wb in
      g.storage.withUnsafeMutableBufferPointer { gb in
        adam.withMoments { m, v in
          guard let wp = wb.baseAddress, let gp = gb.baseAddress else { return }
          Parallel.forEachChunk(count: w.rows, chunks: 4 * Parallel.defaultChunks) { _, rows in
            for j in rows { removeParallelComponent(gp + j * d, of: wp + j * d, count: d) }
            step.apply(wp, gp, m, v, (rows.lowerBound * d)..<(rows.upperBound * d))
            for j in rows { normalize(wp + j * d, count: d) }
          }
        }
      }
    }
  }

  /// `‖W_j‖` for every row, in parallel (BLAS `sdot`, Float accumulation: rows are short).
  static func rowNorms(_ w: Matrix) -> [Float] {
    let d = w.cols
    var norms = [Float](repeating: 0, count: w.rows)
    w.storage.withUnsafeBufferPointer { wb in
      norms.withUnsafeMutableBufferPointer { nb in
        let (wp, np) = (wb.baseAddress!, nb.baseAddress!)
        Parallel.forEachRange(count: w.rows) { rows in
          for j in rows { np[j] = BLAS.dot(d, wp + j * d, wp + j * d).squareRoot() }
        }
      }
    }
    return norms
  }

  /// Scales every row of `w` to unit norm (rows of norm 0 stay 0), in parallel.
  static func normalizeRows(_ w: inout Matrix) {
    let d = w.cols
    w.storage.withUnsafeMutableBufferPointer { wb in
      let wp = wb.baseAddress!
      Parallel.forEachRange(count: w.rows) { rows in
        for j in rows { normalize(wp + j * d, count: d) }
      }
    }
  }

  /// Scales `count` floats at `row` to unit norm (a row of norm 0 stays 0).
  @inline(__always)
  static func normalize(_ row: UnsafeMutablePointer<Float>, count d: Int) {
    let n = BLAS.dot(d, row, row).squareRoot()
    if n > 0 { BLAS.scale(d, 1 / n, row) }
  }
}
