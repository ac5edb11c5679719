import CVectorKernels
import Foundation

/// The dense layers of a TinyLM as paired forward/backward kernels on raw row-major buffers
/// (llm.c style; `N` rows = batch · length tokens).
///
/// Every kernel splits its work over ``Parallel`` with the default fixed chunks; sums over
/// rows (weight and bias gradients) are taken per chunk and added in chunk order, so the
/// results are bit-identical for any number of threads. Products are single-threaded
/// OpenBLAS calls, one per chunk (``productChunks`` of them).
enum TinyLMKernels {
  typealias In = UnsafePointer<Float>
  typealias Out = UnsafeMutablePointer<Float>

  // MARK: matmul

  /// Fixed row chunks of the products (fewer than ``Parallel/defaultChunks``: each chunk is one
  /// sgemm call, which packs its whole weight again, so calls of 256 rows and more keep the
  /// packing small against the arithmetic while still balancing a few cores).
  static let productChunks = 8

  /// `out (N × O) = inp (N × I) · Wᵀ + b`, `W (O × I)`, `b (O)` (nil: no bias).
  static func matmulForward(_ out: Out, _ inp: In, _ w: In, _ b: In?, rows n: Int, inputs i: Int, outputs o: Int) {
    Parallel.forEachChunk(count: n, chunks: productChunks) { _, rows in
      let dst = out + rows.lowerBound * o
      if let b {
        for r in 0..<rows.count { (dst + r * o).update(from: b, count: o) }
      }
      BLAS.gemm(transposeA: false, transposeB: true, m: rows.count, n: o, k: i, alpha: 1,
                a: inp + rows.lowerBound * i, lda: i, b: w, ldb: i, beta: b == nil ? 0 : 1, c: dst, ldc: o)
    }
  }

  /// The floats of scratch ``matmulBackward(dinp:dw:db:dout:inp:w:rows:inputs:outputs:scratch:accumulate:)``
  /// needs: one partial `dW (O × I)` per row chunk after the first.
  static func matmulBackwardScratchCount(inputs i: Int, outputs o: Int) -> Int { (productChunks - 1) * o * i }

  /// Backward of ``matmulForward``: `dinp (N × I) += dout·W` (or `=` when `accumulate` is
  /// false), `dW (O × I) += doutᵀ·inp`, `db (O) += Σ_rows dout`.
  ///
  /// `dW` is summed over rows: each fixed row chunk but the first adds its own partial `dout[rows]ᵀ·inp[rows]`
  /// into `scratch` (``matmulBackwardScratchCount(inputs:outputs:)`` floats, which must be zero on
  /// entry and are left zero), and the partials are then added into `dW` in chunk order, element by
  /// element (deterministic). OpenBLAS with beta 0 zeroes C in a separate pass and then adds the
  /// product, so adding onto partials kept at zero gives the same bits without that pass; the
  /// reduction zeroes each partial while it is in cache.
  static func matmulBackward(
    dinp: Out?, dw: Out, db: Out?, dout: In, inp: In, w: In, rows n: Int, inputs i: Int, outputs o: Int,
    scratch: Out, accumulate: Bool = false, clearDout: Bool = false
  ) {
    precondition(!clearDout || db != nil, "dout is cleared by the bias gradient's pass")
    if let dinp {
      Parallel.forEachChunk(count: n, chunks: productChunks) { _, rows in
        BLAS.gemm(transposeA: false, transposeB: false, m: rows.count, n: i, k: o, alpha: 1,
                  a: dout + rows.lowerBound * o, lda: o, b: w, ldb: i, beta: accumulate ? 1 : 0,
                  c: dinp + rows.lowerBound * i, ldc: i)
      }
    }
    let chunks = min(productChunks, n), size = o * i
    // Chunk 0 adds its product straight into dW (beta 1: OpenBLAS adds the finished sum to C, so
    // dW + p₀ rounds as before); the others add theirs onto their zeroed partials.
    Parallel.forEachChunk(count: n, chunks: chunks) { k, rows in
      BLAS.gemm(transposeA: true, transposeB: false, m: o, n: i, k: rows.count, alpha: 1,
                a: dout + rows.lowerBound * o, lda: o, b: inp + rows.lowerBound * i, ldb: i, beta: 1,
                c: k == 0 ? dw : scratch + (k - 1) * size, ldc: i)
    }
    // dw[e] = ((dw[e] + p₀[e]) + p₁[e]) + …: partial by partial over a contiguous range, so the
    // additions vectorise (the same order per element as a loop over partials inside).
    Parallel.forEachRange(count: size) { range in
      let dst = dw + range.lowerBound
      for k in 1..<max(chunks, 1) {
        let src = scratch + (k - 1) * size + range.lowerBound
        for e in 0..<range.count {
          dst[e] += src[e]
          src[e] = 0
        }
      }
    }
    if let db { addColumnSums(of: dout, rows: n, cols: o, into: db, clearing: clearDout) }
  }

  /// `into[j] += Σ_r x[r, j]`, summed per fixed row chunk and added in chunk order; with
  /// `clearing`, each row of `x` is zeroed once summed (the caller owns `x` mutably).
  static func addColumnSums(of x: In, rows n: Int, cols c: Int, into: Out, clearing: Bool = false) {
    addColumnSums(rows: n, cols: c, into: into) { rows, partial in
      for r in rows {
        let row = x + r * c
        for j in 0..<c { partial[j] += row[j] }
      }
      if clearing { UnsafeMutablePointer(mutating: x + rows.lowerBound * c).update(repeating: 0, count: rows.count * c) }
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
  /// (biased variance, accumulated in Double) per row for the backward pass (C kernel
  /// `sae_layer_norm_forward`).
  static func layerNormForward(
    _ out: Out, mean: Out, rstd: Out, _ x: In, weight: In, bias: In, rows n: Int, cols c: Int, epsilon: Float
  ) {
    Parallel.forEachRange(count: n) { rows in
      let r = rows.lowerBound
      sae_layer_norm_forward(out + r * c, mean + r, rstd + r, x + r * c, weight, bias, rows.count, c, epsilon)
    }
  }

  /// Backward of ``layerNormForward``: `dx += rstd·(g − mean(g) − x̂·mean(g·x̂))` with
  /// `g = dout·γ` and `x̂ = (x − μ)·rstd`; `dγ += Σ dout·x̂`, `dβ += Σ dout` (C kernel
  /// `sae_layer_norm_backward` per fixed row chunk, whose partial sums are added in chunk order).
  /// With `clearDout`, each chunk zeroes its rows of `dout` once read (the caller owns it mutably).
  static func layerNormBackward(
    dx: Out, dweight: Out, dbias: Out, dout: In, x: In, weight: In, mean: In, rstd: In, rows n: Int, cols c: Int,
    clearDout: Bool = false
  ) {
    let both = Out.allocate(capacity: 2 * c)
    defer { both.deallocate() }
    both.initialize(repeating: 0, count: 2 * c)
    addColumnSums(rows: n, cols: 2 * c, into: both) { rows, partial in
      let r = rows.lowerBound
      sae_layer_norm_backward(dx + r * c, partial, partial + c, dout + r * c, x + r * c, weight, mean + r, rstd + r,
                              rows.count, c)
      if clearDout { UnsafeMutablePointer(mutating: dout + r * c).update(repeating: 0, count: rows.count * c) }
    }
    for j in 0..<c {
      dweight[j] += both[j]
      dbias[j] += both[c + j]
    }
  }

  // MARK: GELU (tanh form, as GPT-2)

  /// `out = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))`, elementwise over `count` floats (C kernel
  /// `sae_gelu_tanh_forward`: `x·σ(2u)` with one vectorised exp; the naive tanh form is the
  /// reference in the tests).
  static func geluForward(_ out: Out, _ x: In, count: Int) {
    Parallel.forEachRange(count: count) { range in
      sae_gelu_tanh_forward(out + range.lowerBound, x + range.lowerBound, range.count)
    }
  }

  /// Backward of ``geluForward`` in place: `grad (count) ← grad · GELU'(x)`, turning
  /// `∂/∂out` into `∂/∂x`.
  static func geluBackward(grad: Out, x: In, count: Int) {
    Parallel.forEachRange(count: count) { range in
      sae_gelu_tanh_backward(grad + range.lowerBound, x + range.lowerBound, range.count)
    }
  }

  // MARK: elementwise

  /// `out = a + b` over `count` floats.
  static func add(_ out: Out, _ a: In, _ b: In, count: Int) {
    Parallel.forEachRange(count: count) { range in
      for k in range { out[k] = a[k] + b[k] }
    }
  }

  /// `out += a` over `count` floats.
  static func addInPlace(_ out: Out, _ a: In, count: Int) {
    Parallel.forEachRange(count: count) { range in
      for k in range { out[k] += a[k] }
    }
  }
}
