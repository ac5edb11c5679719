import CVectorKernels
import Foundation

/// The building blocks of a BERT forward pass on packed token rows (see ``TokenizedBatch``).
///
/// Dense products go through `BLAS.gemm`; they, the row-wise work (LayerNorm, GELU) and the
/// per-(sequence, head) attention are split over threads with
/// ``Parallel/forEachChunk(count:chunks:_:)``, with OpenBLAS limited to one thread inside.
enum TransformerKernels {
  /// Rows per single-threaded GEMM call in ``linear(_:_:_:adding:)``.
  static let rowsPerBlock = 256

  /// `y = x·Wᵀ + b (+ r)` for `x (n × in)`, `W (out × in)`, `b (out)` and an optional
  /// residual `r (n × out)` (added in the same pass: `C ← r + b`, then `C ← x·Wᵀ + C`).
  ///
  /// The rows are cut into blocks of at most ``rowsPerBlock`` (a split that depends on `n`
  /// only), each multiplied by a single-threaded sgemm on its own core. OpenBLAS's results
  /// depend on how it splits a product over threads, so this keeps the output bits the same on
  /// every run and machine, and leaves no idle OpenBLAS workers spinning while the row-wise
  /// kernels run.
  static func linear(_ x: Matrix, _ w: Matrix, _ b: [Float], adding residual: Matrix? = nil) -> Matrix {
    let n = x.rows, out = w.rows, k = x.cols
    precondition(k == w.cols && b.count == out && (residual.map { $0.shape == Shape(n, out) } ?? true))
    let addsResidual = residual != nil
    var y = residual ?? Matrix(uninitializedRows: n, cols: out)
    guard n > 0 else { return y }
    y.storage.withUnsafeMutableBufferPointer { yb in
      b.withUnsafeBufferPointer { bb in
        x.storage.withUnsafeBufferPointer { xb in
          w.storage.withUnsafeBufferPointer { wb in
            let (yp, bp, xp, wp) = (yb.baseAddress!, bb.baseAddress!, xb.baseAddress!, wb.baseAddress!)
            BLAS.withThreads(1) {
              Parallel.forEachChunk(count: n, chunks: (n + rowsPerBlock - 1) / rowsPerBlock) { _, rows in
                for i in rows {  // C ← r + b, or C ← b (every element written before the product reads it)
                  let row = yp + i * out
                  if addsResidual {
                    for j in 0..<out { row[j] += bp[j] }
                  } else {
                    row.update(from: bp, count: out)
                  }
                }
                BLAS.gemm(transposeA: false, transposeB: true, m: rows.count, n: out, k: k, alpha: 1,
                          a: xp + rows.lowerBound * k, lda: k, b: wp, ldb: k,
                          beta: 1, c: yp + rows.lowerBound * out, ldc: out)
              }
            }
          }
        }
      }
    }
    return y
  }

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
          Parallel.forEachChunk(count: x.rows) { _, rows in
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
      Parallel.forEachChunk(count: count) { _, range in
        sae_gelu(base + range.lowerBound, range.count)
      }
    }
  }

  /// Multi-head self-attention within each sequence of `batch`.
  ///
  /// `qkv (n × 3d)` holds `[Q | K | V]` per token row; head `h` uses columns
  /// `h·s ..< (h+1)·s` of each part (`s = d / heads`). For every sequence and head:
  /// `P = softmax(Q·Kᵀ / √s)` row-wise, context `= P·V`. Returns the `(n × d)` context with
  /// the heads side by side.
  static func attention(_ qkv: Matrix, batch: TokenizedBatch, heads: Int) -> Matrix {
    let d = qkv.cols / 3, headSize = d / heads, stride = qkv.cols
    precondition(qkv.rows == batch.tokenCount && headSize * heads == d)
    var context = Matrix(rows: qkv.rows, cols: d)
    let longest = batch.maxLength, offsets = batch.offsets
    let scale = 1 / Float(headSize).squareRoot()
    guard longest > 0 else { return context }
    qkv.storage.withUnsafeBufferPointer { src in
      context.storage.withUnsafeMutableBufferPointer { dst in
        let input = src.baseAddress!, output = dst.baseAddress!
        BLAS.withThreads(1) {
          Parallel.forEachChunk(count: batch.count * heads) { _, items in
            var scores = [Float](repeating: 0, count: longest * longest)
            scores.withUnsafeMutableBufferPointer { sp in
              let p = sp.baseAddress!
              for item in items {
                let (sequence, head) = item.quotientAndRemainder(dividingBy: heads)
                let start = offsets[sequence], length = offsets[sequence + 1] - start
                let q = input + start * stride + head * headSize, k = q + d, v = q + 2 * d
                BLAS.gemm(transposeA: false, transposeB: true, m: length, n: length, k: headSize,
                          alpha: scale, a: q, lda: stride, b: k, ldb: stride, beta: 0, c: p, ldc: length)
                softmaxRows(p, rows: length, cols: length)
                BLAS.gemm(transposeA: false, transposeB: false, m: length, n: headSize, k: length,
                          alpha: 1, a: p, lda: length, b: v, ldb: stride,
                          beta: 0, c: output + start * d + head * headSize, ldc: d)
              }
            }
          }
        }
      }
    }
    return context
  }

  /// Row-wise softmax in place: `p_j = exp(x_j − max x) / Σ_k exp(x_k − max x)` (C kernel
  /// `sae_softmax_rows`: exp within 1 ulp, lane sums added in a fixed order).
  static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
    sae_softmax_rows(x, rows, cols)
  }

  /// The mean of every sequence's rows, `(batch.count × d)`: `ē_i = (1/n_i) Σ_{t ∈ seq i} h_t`.
  static func meanPool(_ hidden: Matrix, batch: TokenizedBatch) -> Matrix {
    var pooled = Matrix(rows: batch.count, cols: hidden.cols)
    let d = hidden.cols
    for i in 0..<batch.count {
      var sum = [Double](repeating: 0, count: d)
      for t in batch.rows(i) {
        for j in 0..<d { sum[j] += Double(hidden.storage[t * d + j]) }
      }
      for j in 0..<d { pooled.storage[i * d + j] = Float(sum[j] / Double(batch.length(i))) }
    }
    return pooled
  }

  /// Every row divided by its Euclidean norm, `e / max(‖e‖, 1e-12)` (PyTorch's `F.normalize`).
  static func normalizeRows(_ x: Matrix) -> Matrix {
    var out = x
    for i in 0..<x.rows {
      var squares = 0.0
      for j in 0..<x.cols { squares += Double(x[i, j]) * Double(x[i, j]) }
      let norm = Float(max(squares.squareRoot(), 1e-12))
      for j in 0..<x.cols { out[i, j] = x[i, j] / norm }
    }
    return out
  }
}
