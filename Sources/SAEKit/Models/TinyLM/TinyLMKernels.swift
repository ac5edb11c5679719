import Foundation

/// The dense layers of a TinyLM as paired forward/backward kernels on raw row-major buffers
/// (llm.c style; `N` rows = batch · length tokens).
///
/// Every kernel splits its work over ``Parallel`` with the default fixed chunks; sums over
/// rows (weight and bias gradients) are taken per chunk and added in chunk order, so the
/// results are bit-identical for any number of threads. Products are single-threaded
/// OpenBLAS calls, one per chunk.
enum TinyLMKernels {
  typealias In = UnsafePointer<Float>
  typealias Out = UnsafeMutablePointer<Float>

  // MARK: matmul

  /// `out (N × O) = inp (N × I) · Wᵀ + b`, `W (O × I)`, `b (O)` (nil: no bias).
  static func matmulForward(_ out: Out, _ inp: In, _ w: In, _ b: In?, rows n: Int, inputs i: Int, outputs o: Int) {
    Parallel.forEachChunk(count: n) { _, rows in
      let dst = out + rows.lowerBound * o
      if let b {
        for r in 0..<rows.count { (dst + r * o).update(from: b, count: o) }
      }
      BLAS.gemm(transposeA: false, transposeB: true, m: rows.count, n: o, k: i, alpha: 1,
                a: inp + rows.lowerBound * i, lda: i, b: w, ldb: i, beta: b == nil ? 0 : 1, c: dst, ldc: o)
    }
  }

  /// Backward of ``matmulForward``: `dinp (N × I) += dout·W` (or `=` when `accumulate` is
  /// false), `dW (O × I) += doutᵀ·inp`, `db (O) += Σ_rows dout`.
  static func matmulBackward(
    dinp: Out?, dw: Out, db: Out?, dout: In, inp: In, w: In, rows n: Int, inputs i: Int, outputs o: Int,
    accumulate: Bool = false
  ) {
    if let dinp {
      Parallel.forEachChunk(count: n) { _, rows in
        BLAS.gemm(transposeA: false, transposeB: false, m: rows.count, n: i, k: o, alpha: 1,
                  a: dout + rows.lowerBound * o, lda: o, b: w, ldb: i, beta: accumulate ? 1 : 0,
                  c: dinp + rows.lowerBound * i, ldc: i)
      }
    }
    // Each chunk owns rows of dW: dW[rows] += dout[:, rows]ᵀ · inp.
    Parallel.forEachChunk(count: o) { _, outs in
      BLAS.gemm(transposeA: true, transposeB: false, m: outs.count, n: i, k: n, alpha: 1,
                a: dout + outs.lowerBound, lda: o, b: inp, ldb: i, beta: 1, c: dw + outs.lowerBound * i, ldc: i)
    }
    if let db { addColumnSums(of: dout, rows: n, cols: o, into: db) }
  }

  /// `into[j] += Σ_r x[r, j]`, summed per fixed row chunk and added in chunk order.
  static func addColumnSums(of x: In, rows n: Int, cols c: Int, into: Out) {
    addColumnSums(rows: n, cols: c, into: into) { rows, partial in
      for r in rows {
        let row = x + r * c
        for j in 0..<c { partial[j] += row[j] }
      }
    }
  }

  /// Runs `body(rows, partial)` per fixed chunk of rows with a zeroed `partial` of `cols`
  /// floats, then adds the partials into `into` in chunk order (deterministic).
  static func addColumnSums(rows n: Int, cols c: Int, into: Out, _ body: (Range<Int>, Out) -> Void) {
    guard n > 0 else { return }
    let chunks = min(Parallel.defaultChunks, n)
    let partials = Out.allocate(capacity: chunks * c)
    defer { partials.deallocate() }
    partials.initialize(repeating: 0, count: chunks * c)
    Parallel.forEachChunk(count: n, chunks: chunks) { k, rows in body(rows, partials + k * c) }
    for k in 0..<chunks {
      let p = partials + k * c
      for j in 0..<c { into[j] += p[j] }
    }
  }

  // MARK: LayerNorm

  /// `out = (x − μ)·rstd·γ + β` per row of `x (N × C)`; stores `μ` and `rstd = 1/√(σ² + ε)`
  /// (biased variance) per row for the backward pass.
  static func layerNormForward(
    _ out: Out, mean: Out, rstd: Out, _ x: In, weight: In, bias: In, rows n: Int, cols c: Int, epsilon: Float
  ) {
    Parallel.forEachChunk(count: n) { _, rows in
      for r in rows {
        let row = x + r * c
        var sum = 0.0
        for j in 0..<c { sum += Double(row[j]) }
        let m = sum / Double(c)
        var squares = 0.0
        for j in 0..<c { let d = Double(row[j]) - m; squares += d * d }
        let s = 1 / (squares / Double(c) + Double(epsilon)).squareRoot()
        let mf = Float(m), sf = Float(s)
        let dst = out + r * c
        for j in 0..<c { dst[j] = (row[j] - mf) * sf * weight[j] + bias[j] }
        mean[r] = mf
        rstd[r] = sf
      }
    }
  }

  /// Backward of ``layerNormForward``: `dx += rstd·(g − mean(g) − x̂·mean(g·x̂))` with
  /// `g = dout·γ` and `x̂ = (x − μ)·rstd`; `dγ += Σ dout·x̂`, `dβ += Σ dout`.
  static func layerNormBackward(
    dx: Out, dweight: Out, dbias: Out, dout: In, x: In, weight: In, mean: In, rstd: In, rows n: Int, cols c: Int
  ) {
    Parallel.forEachChunk(count: n) { _, rows in
      for r in rows {
        let g = dout + r * c, row = x + r * c, m = mean[r], s = rstd[r]
        var gMean: Float = 0, gxMean: Float = 0
        for j in 0..<c {
          let xhat = (row[j] - m) * s
          let gj = g[j] * weight[j]
          gMean += gj
          gxMean += gj * xhat
        }
        gMean /= Float(c)
        gxMean /= Float(c)
        let d = dx + r * c
        for j in 0..<c {
          let xhat = (row[j] - m) * s
          d[j] += s * (g[j] * weight[j] - gMean - xhat * gxMean)
        }
      }
    }
    let both = Out.allocate(capacity: 2 * c)
    defer { both.deallocate() }
    both.initialize(repeating: 0, count: 2 * c)
    addColumnSums(rows: n, cols: 2 * c, into: both) { rows, partial in
      for r in rows {
        let g = dout + r * c, row = x + r * c, m = mean[r], s = rstd[r]
        for j in 0..<c {
          partial[j] += g[j] * ((row[j] - m) * s)
          partial[c + j] += g[j]
        }
      }
    }
    for j in 0..<c {
      dweight[j] += both[j]
      dbias[j] += both[c + j]
    }
  }

  // MARK: GELU (tanh form, as GPT-2)

  static let geluScale = Float((2.0 / Double.pi).squareRoot())

  /// `out = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))`, elementwise over `count` floats.
  static func geluForward(_ out: Out, _ x: In, count: Int) {
    Parallel.forEachChunk(count: count) { _, range in
      for k in range {
        let v = x[k]
        out[k] = 0.5 * v * (1 + tanh(geluScale * (v + 0.044715 * v * v * v)))
      }
    }
  }

  /// `dx += dout · GELU'(x)`.
  static func geluBackward(dx: Out, x: In, dout: In, count: Int, accumulate: Bool = false) {
    Parallel.forEachChunk(count: count) { _, range in
      for k in range {
        let v = x[k]
        let u = geluScale * (v + 0.044715 * v * v * v)
        let t = tanh(u)
        let sech2 = 1 - t * t
        let local = 0.5 * (1 + t) + 0.5 * v * sech2 * geluScale * (1 + 3 * 0.044715 * v * v)
        dx[k] = (accumulate ? dx[k] : 0) + dout[k] * local
      }
    }
  }

  // MARK: elementwise

  /// `out = a + b` over `count` floats.
  static func add(_ out: Out, _ a: In, _ b: In, count: Int) {
    Parallel.forEachChunk(count: count) { _, range in
      for k in range { out[k] = a[k] + b[k] }
    }
  }

  /// `out += a` over `count` floats.
  static func addInPlace(_ out: Out, _ a: In, count: Int) {
    Parallel.forEachChunk(count: count) { _, range in
      for k in range { out[k] += a[k] }
    }
  }
}
