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

  /// Query blocks of the causal products: block `r` holds rows `lo..<hi` (`lo = r·T/4`,
  /// `hi = (r+1)·T/4`), whose scores need keys `0..<hi` only, so the products skip the
  /// upper blocks of `P` (3/8 of their work at four blocks).
  static let causalBlocks = 4

  /// The rows `lo..<hi` of causal block `r` of a sequence of `t` tokens (empty when `t` < 4).
  @inline(__always)
  static func block(_ r: Int, length t: Int) -> (lo: Int, hi: Int) {
    (r * t / causalBlocks, (r + 1) * t / causalBlocks)
  }

  static func forward(
    out: Out, att: Out, qkv: In, batch: Int, length t: Int, width c: Int, heads: Int
  ) {
    let hs = c / heads, stride = 3 * c
    let scale = 1 / Float(hs).squareRoot()
    Parallel.forEachRange(count: batch * heads) { pairs in
      for pair in pairs {
        let b = pair / heads, h = pair % heads
        let q = qkv + b * t * stride + h * hs, k = q + c, v = q + 2 * c
        let p = att + pair * t * t, y = out + b * t * c + h * hs
        // S[lo..<hi, 0..<hi] = Q[lo..<hi]·K[0..<hi]ᵀ·scale; the softmax masks and zeroes the rest.
        for r in 0..<causalBlocks {
          let (lo, hi) = block(r, length: t)
          BLAS.gemm(transposeA: false, transposeB: true, m: hi - lo, n: hi, k: hs, alpha: scale,
                    a: q + lo * stride, lda: stride, b: k, ldb: stride, beta: 0, c: p + lo * t, ldc: t)
        }
        sae_causal_softmax(p, t)
        // Y[lo..<hi] = P[lo..<hi, 0..<hi]·V[0..<hi]
        for r in 0..<causalBlocks {
          let (lo, hi) = block(r, length: t)
          BLAS.gemm(transposeA: false, transposeB: false, m: hi - lo, n: hs, k: hi, alpha: 1,
                    a: p + lo * t, lda: t, b: v, ldb: stride, beta: 0, c: y + lo * c, ldc: c)
        }
      }
    }
  }

  /// Backward of ``forward``: writes `dqkv (B·T × 3C)` (every entry) from `dout (B·T × C)`, or
  /// with `accumulate` adds into it (beta 1: onto a `dqkv` kept at zero this gives the same bits
  /// without OpenBLAS's pass zeroing each block first).
  ///
  /// `dV = Pᵀ·dY`, `dP = dY·Vᵀ`, `dS_ij = P_ij(dP_ij − Σ_k P_ik dP_ik)` (masked entries
  /// have `P = 0`), `dQ = dS·K·scale`, `dK = dSᵀ·Q·scale`, each by causal blocks: query rows
  /// `lo..<hi` use keys `0..<hi`, and keys `lo..<hi` get gradient from query rows `lo..<T`.
  static func backward(
    dqkv: Out, dout: In, att: In, qkv: In, batch: Int, length t: Int, width c: Int, heads: Int, accumulate: Bool = false
  ) {
    let hs = c / heads, stride = 3 * c, beta: Float = accumulate ? 1 : 0
    let scale = 1 / Float(hs).squareRoot()
    Parallel.forEachRange(count: batch * heads) { pairs in
      let ds = Out.allocate(capacity: t * t)
      defer { ds.deallocate() }
      for pair in pairs {
        let b = pair / heads, h = pair % heads
        let q = qkv + b * t * stride + h * hs, k = q + c, v = q + 2 * c
        let dq = dqkv + b * t * stride + h * hs, dk = dq + c, dv = dq + 2 * c
        let p = att + pair * t * t
        let dy = dout + b * t * c + h * hs
        for r in 0..<causalBlocks {
          let (lo, hi) = block(r, length: t)
          // dV[lo..<hi] = P[lo..<T, lo..<hi]ᵀ·dY[lo..<T]
          BLAS.gemm(transposeA: true, transposeB: false, m: hi - lo, n: hs, k: t - lo, alpha: 1,
                    a: p + lo * t + lo, lda: t, b: dy + lo * c, ldb: c, beta: beta, c: dv + lo * stride, ldc: stride)
          // dP[lo..<hi, 0..<hi] = dY[lo..<hi]·V[0..<hi]ᵀ
          BLAS.gemm(transposeA: false, transposeB: true, m: hi - lo, n: hi, k: hs, alpha: 1,
                    a: dy + lo * c, lda: c, b: v, ldb: stride, beta: 0, c: ds + lo * t, ldc: t)
        }
        sae_causal_softmax_backward(ds, p, t)  // dS = P ⊙ (dP − rowsum(P ⊙ dP)), zero above the diagonal
        for r in 0..<causalBlocks {
          let (lo, hi) = block(r, length: t)
          // dQ[lo..<hi] = dS[lo..<hi, 0..<hi]·K[0..<hi]·scale
          BLAS.gemm(transposeA: false, transposeB: false, m: hi - lo, n: hs, k: hi, alpha: scale,
                    a: ds + lo * t, lda: t, b: k, ldb: stride, beta: beta, c: dq + lo * stride, ldc: stride)
          // dK[lo..<hi] = dS[lo..<T, lo..<hi]ᵀ·Q[lo..<T]·scale
          BLAS.gemm(transposeA: true, transposeB: false, m: hi - lo, n: hs, k: t - lo, alpha: scale,
                    a: ds + lo * t + lo, lda: t, b: q + lo * stride, ldb: stride, beta: beta, c: dk + lo * stride, ldc: stride)
        }
      }
    }
  }
}
