import CVectorKernels
import Foundation

/// The building blocks of a BERT forward pass on packed token rows (see ``TokenizedBatch``).
///
/// Dense layers are ``LinearLayer``s. ``attention(_:lengths:dimension:heads:into:scratch:packed:)`` is
/// single-threaded (``EncoderBlockPass`` runs it on several row groups at once); the
/// whole-matrix kernels split rows over cores.
enum TransformerKernels {
  /// LayerNorm of every row in place: `y = (x − μ) / √(σ² + ε) · γ + β`, with the row mean
  /// `μ` and biased variance `σ²` accumulated in Double (C kernel `sae_layer_norm_rows`), rows
  /// split over cores.
  static func layerNorm(_ x: inout Matrix, scale: [Float], shift: [Float], epsilon: Float) {
    let d = x.cols
    precondition(scale.count == d && shift.count == d)
    x.storage.withUnsafeMutableBufferPointer { xp in
      scale.withUnsafeBufferPointer { g in
        shift.withUnsafeBufferPointer { b in
          let base = xp.baseAddress!, gamma = g.baseAddress!, beta = b.baseAddress!
          Parallel.forEachRange(count: x.rows) { rows in
            sae_layer_norm_rows(base + rows.lowerBound * d, rows.count, d, gamma, beta, epsilon)
          }
        }
      }
    }
  }

  /// The exact GELU in place: `x · Φ(x)`, `Φ(x) = ½ · (1 + erf(x / √2))` (C kernel
  /// `sae_gelu`: max error of Φ 8.2e-8, vectorised for the CPU at hand), split over cores.
  static func gelu(_ x: inout Matrix) {
    let count = x.count
    x.storage.withUnsafeMutableBufferPointer { xp in
      let base = xp.baseAddress!
      Parallel.forEachRange(count: count) { range in
        sae_gelu(base + range.lowerBound, range.count)
      }
    }
  }

  /// Multi-head self-attention within each of consecutive sequences of `lengths`; single-threaded.
  ///
  /// `qkv (n × 3d)` holds `[Q | K | V]` per token row; head `h` uses columns
  /// `h·s ..< (h+1)·s` of each part (`s = d / heads`). For every sequence and head:
  /// `P = softmax(Q·Kᵀ / √s)` row-wise, context `= P·V`, written into `context (n × d)` with
  /// the heads side by side. `scratch` holds ``attentionScratchCount(longest:dimension:heads:)``
  /// floats. With AVX-512 or AVX2 + FMA a sequence is one call of the C kernel `sae_attention` (products on
  /// the packed-panel kernel); elsewhere each product is an OpenBLAS sgemm.
  static func attention(_ qkv: UnsafePointer<Float>, lengths: [Int], dimension d: Int, heads: Int,
                        into context: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                        packed: Bool = PackedWeight.isSupported) {
    let headSize = d / heads, stride = 3 * d
    precondition(headSize * heads == d)
    let scale = 1 / Float(headSize).squareRoot()
    var start = 0
    for length in lengths {
      defer { start += length }
      if packed {
        sae_attention(qkv + start * stride, length, d, heads, context + start * d, scratch)
        continue
      }
      for head in 0..<heads {
        let q = qkv + start * stride + head * headSize, k = q + d, v = q + 2 * d
        BLAS.gemm(transposeA: false, transposeB: true, m: length, n: length, k: headSize,
                  alpha: scale, a: q, lda: stride, b: k, ldb: stride, beta: 0, c: scratch, ldc: length)
        softmaxRows(scratch, rows: length, cols: length)
        BLAS.gemm(transposeA: false, transposeB: false, m: length, n: headSize, k: length,
                  alpha: 1, a: scratch, lda: length, b: v, ldb: stride,
                  beta: 0, c: context + start * d + head * headSize, ldc: d)
      }
    }
  }

  /// The scratch floats ``attention(_:lengths:dimension:heads:into:scratch:packed:)`` needs for
  /// sequences of at most `longest` tokens (enough for either path).
  static func attentionScratchCount(longest: Int, dimension d: Int, heads: Int) -> Int {
    sae_attention_scratch_count(longest, d / heads)
  }

  /// Row-wise softmax in place: `p_j = exp(x_j − max x) / Σ_k exp(x_k − max x)` (C kernel
  /// `sae_softmax_rows`: exp within 1 ulp, lane sums added in a fixed order).
  static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
    sae_softmax_rows(x, rows, cols)
  }

  /// The mean of every sequence's rows, `(batch.count × d)`: `ē_i = (1/n_i) Σ_{t ∈ seq i} h_t`,
  /// each sequence summed in row order by one worker.
  static func meanPool(_ hidden: Matrix, batch: TokenizedBatch) -> Matrix {
    var pooled = Matrix(rows: batch.count, cols: hidden.cols)
    let d = hidden.cols
    hidden.storage.withUnsafeBufferPointer { hb in
    pooled.storage.withUnsafeMutableBufferPointer { pb in
      guard let h = hb.baseAddress, let out = pb.baseAddress else { return }
      Parallel.forEachChunk(count: batch.count, chunks: Matrix.chunks(forElements: hidden.count)) { _, sequences in
        var sum = [Double](repeating: 0, count: d)
        for i in sequences {
          for j in 0..<d { sum[j] = 0 }
          for t in batch.rows(i) {
            for j in 0..<d { sum[j] += Double(h[t * d + j]) }
          }
          let n = Double(batch.length(i))
          for j in 0..<d { out[i * d + j] = Float(sum[j] / n) }
        }
      }
    }}
    return pooled
  }

  /// Every row divided by its Euclidean norm, `e / max(‖e‖, 1e-12)` (PyTorch's `F.normalize`).
  static func normalizeRows(_ x: Matrix) -> Matrix {
    var out = x
    let c = x.cols
    out.updateRows { row, _ in
      var squares = 0.0
      for j in 0..<c { squares += Double(row[j]) * Double(row[j]) }
      let norm = Float(max(squares.squareRoot(), 1e-12))
      for j in 0..<c { row[j] /= norm }
    }
    return out
  }
}
