/// How far a dictionary is from orthogonal: the off-diagonal cosines of its
/// decoder rows, `c_ij = w_i·w_j / (‖w_i‖‖w_j‖)`, `i ≠ j`.
///
/// ```
/// maxAbsolute = max |c_ij|        the ε of ε-quasi-orthogonality (AFA theorem)
/// meanAbsolute = mean |c_ij|
/// maxSigned, meanSigned           what the top-AFA code logs as epsilon_max / epsilon_mean
/// ```
/// Rows of norm 0 are left out. The Gram matrix is formed in blocks of
/// ``blockRows`` rows, one single-threaded BLAS product each, the blocks
/// shared out over the workers; each block is reduced on its own and the
/// blocks' sums added in block order, so the result does not depend on the
/// thread count.
/// - Complexity: `2·m²·d` FLOPs, `O(blockRows·m)` memory per worker.
public struct DecoderCoherence: Sendable, Equatable {
  public let maxAbsolute: Double
  public let meanAbsolute: Double
  public let maxSigned: Double
  public let meanSigned: Double

  /// Rows of the Gram matrix per BLAS product.
  public static let blockRows = 256

  /// - Parameter decoder: `W_dec (m × d)`.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` with fewer than two non-zero rows.
  public init(decoder: Matrix) throws {
    let nonzero = (0..<decoder.rows).filter { decoder.row($0).contains { $0 != 0 } }
    try require(nonzero.count >= 2, "coherence needs at least 2 non-zero decoder rows, got \(nonzero.count)")
    var w = decoder.rows(nonzero)
    w.normalizeRows()
    let m = w.rows
    // One single-threaded sgemm per block of rows, the blocks over the workers; each block's
    // sums are added in its own order, then the blocks' in block order (any thread count).
    let blocks = (m + Self.blockRows - 1) / Self.blockRows
    var partials = [Partial](repeating: Partial(), count: blocks)
    let scratch = Parallel.workers
    var gram = [Float](repeating: 0, count: scratch * min(m, Self.blockRows) * m)
    w.storage.withUnsafeBufferPointer { pw in
      gram.withUnsafeMutableBufferPointer { pg in
        partials.withUnsafeMutableBufferPointer { out in
          let (pw, pg, out) = (pw.baseAddress!, pg.baseAddress!, out)
          BLAS.withThreads(1) {
            Parallel.forEachItem(count: blocks, workers: scratch) { worker, block in
              let start = block * Self.blockRows, rows = min(Self.blockRows, m - start)
              let g = pg + worker * min(m, Self.blockRows) * m
              BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: m, k: w.cols, alpha: 1,
                        a: pw + start * w.cols, lda: w.cols, b: pw, ldb: w.cols, beta: 0, c: g, ldc: m)
              out[block] = Partial(gram: g, rows: rows, columns: m, diagonalOffset: start)
            }
          }
        }
      }
    }
    var total = Partial()
    for p in partials { total.add(p) }
    let pairs = Double(m * (m - 1))
    maxAbsolute = total.maxAbs
    meanAbsolute = total.sumAbs / pairs
    maxSigned = total.maxSigned
    meanSigned = total.sumSigned / pairs
  }

  /// One block's extremes and sums of its off-diagonal cosines.
  struct Partial {
    var maxAbs = 0.0, sumAbs = 0.0, maxSigned = -Double.infinity, sumSigned = 0.0

    init() {}

    /// Over `rows` rows of `gram` (`rows × columns`), skipping entry `(i, diagonalOffset + i)`.
    init(gram: UnsafePointer<Float>, rows: Int, columns: Int, diagonalOffset: Int) {
      for i in 0..<rows {
        for j in 0..<columns where j != diagonalOffset + i {
          let c = Double(gram[i * columns + j])
          maxAbs = max(maxAbs, abs(c))
          sumAbs += abs(c)
          maxSigned = max(maxSigned, c)
          sumSigned += c
        }
      }
    }

    mutating func add(_ other: Partial) {
      maxAbs = max(maxAbs, other.maxAbs)
      sumAbs += other.sumAbs
      maxSigned = max(maxSigned, other.maxSigned)
      sumSigned += other.sumSigned
    }
  }
}
