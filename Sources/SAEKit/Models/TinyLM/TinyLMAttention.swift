import CVectorKernels
import Foundation

/// Causal multi-head self-attention of a TinyLM, forward and backward (llm.c style).
///
/// `qkv (B·T × 3C)` holds `[Q | K | V]` per token; head `h` reads columns `h·hs ..< (h+1)·hs`
/// of each part. For every sequence `b` and head `h`:
/// `P = softmax(mask(Q·Kᵀ/√hs))` (row `t` sees keys `0…t`), `Y = P·V` into columns of
/// `out (B·T × C)`. `att (B × H × T × T)` keeps `P` (zeros above the diagonal) for the
/// backward pass. Work is split over (sequence, head) pairs; each pair writes its own
/// columns, so there are no reductions across pairs. The products are single-threaded OpenBLAS
/// calls; the softmax and its backward are the C kernels `sae_causal_softmax` and
/// `sae_causal_softmax_backward` (naive references in `TinyLMKernelTests`).
enum TinyLMAttention {
  typealias In = UnsafePointer<Float>
  typealias Out = UnsafeMutablePointer<Float>

  static func forward(
    out: Out, att: Out, qkv: In, batch: Int, length t: Int, width c: Int, heads: Int
  ) {
    let hs = c / heads, stride = 3 * c
    let scale = 1 / Float(hs).squareRoot()
    Parallel.forEachChunk(count: batch * heads) { _, pairs in
      for pair in pairs {
        let b = pair / heads, h = pair % heads
        let q = qkv + b * t * stride + h * hs, k = q + c, v = q + 2 * c
        let p = att + pair * t * t
        // P = Q·Kᵀ·scale (full square; the mask is applied in the softmax).
        BLAS.gemm(transposeA: false, transposeB: true, m: t, n: t, k: hs, alpha: scale,
                  a: q, lda: stride, b: k, ldb: stride, beta: 0, c: p, ldc: t)
        sae_causal_softmax(p, t)
        BLAS.gemm(transposeA: false, transposeB: false, m: t, n: hs, k: t, alpha: 1,
                  a: p, lda: t, b: v, ldb: stride, beta: 0, c: out + b * t * c + h * hs, ldc: c)
      }
    }
  }

  /// Backward of ``forward``: writes `dqkv (B·T × 3C)` (every entry) from `dout (B·T × C)`.
  ///
  /// `dV = Pᵀ·dY`, `dP = dY·Vᵀ`, `dS_ij = P_ij(dP_ij − Σ_k P_ik dP_ik)` (masked entries
  /// have `P = 0`), `dQ = dS·K·scale`, `dK = dSᵀ·Q·scale`.
  static func backward(
    dqkv: Out, dout: In, att: In, qkv: In, batch: Int, length t: Int, width c: Int, heads: Int
  ) {
    let hs = c / heads, stride = 3 * c
    let scale = 1 / Float(hs).squareRoot()
    Parallel.forEachChunk(count: batch * heads) { _, pairs in
      let ds = Out.allocate(capacity: t * t)
      defer { ds.deallocate() }
      for pair in pairs {
        let b = pair / heads, h = pair % heads
        let q = qkv + b * t * stride + h * hs, k = q + c, v = q + 2 * c
        let dq = dqkv + b * t * stride + h * hs, dk = dq + c, dv = dq + 2 * c
        let p = att + pair * t * t
        let dy = dout + b * t * c + h * hs
        // dV = Pᵀ·dY
        BLAS.gemm(transposeA: true, transposeB: false, m: t, n: hs, k: t, alpha: 1,
                  a: p, lda: t, b: dy, ldb: c, beta: 0, c: dv, ldc: stride)
        // dP = dY·Vᵀ
        BLAS.gemm(transposeA: false, transposeB: true, m: t, n: t, k: hs, alpha: 1,
                  a: dy, lda: c, b: v, ldb: stride, beta: 0, c: ds, ldc: t)
        sae_causal_softmax_backward(ds, p, t)  // dS = P ⊙ (dP − rowsum(P ⊙ dP))
        // dQ = dS·K·scale, dK = dSᵀ·Q·scale
        BLAS.gemm(transposeA: false, transposeB: false, m: t, n: hs, k: t, alpha: scale,
                  a: ds, lda: t, b: k, ldb: stride, beta: 0, c: dq, ldc: stride)
        BLAS.gemm(transposeA: true, transposeB: false, m: t, n: hs, k: t, alpha: scale,
                  a: ds, lda: t, b: q, ldb: stride, beta: 0, c: dk, ldc: stride)
      }
    }
  }
}
