/// How far a dictionary is from orthogonal: the off-diagonal cosines of its
/// decoder rows, `c_ij = w_i·w_j / (‖w_i‖‖w_j‖)`, `i ≠ j`.
///
/// ```
/// maxAbsolute = max |c_ij|        the ε of ε-quasi-orthogonality (AFA theorem)
/// meanAbsolute = mean |c_ij|
/// maxSigned, meanSigned           what the top-AFA code logs as epsilon_max / epsilon_mean
/// ```
/// Rows of norm 0 are left out. The Gram matrix is formed in blocks of
/// ``blockRows`` rows by BLAS and reduced block by block in order, so the
/// result does not depend on the thread count.
/// - Complexity: `2·m²·d` FLOPs, `O(blockRows·m)` memory.
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
    var (maxAbs, sumAbs, maxSigned, sumSigned) = (0.0, 0.0, -Double.infinity, 0.0)
    for start in stride(from: 0, to: m, by: Self.blockRows) {
      let block = w.rows(start..<min(m, start + Self.blockRows))
      let gram = try block.matmulTransposed(w)
      for i in 0..<block.rows {
        for j in 0..<m where j != start + i {
          let c = Double(gram[i, j])
          maxAbs = max(maxAbs, abs(c))
          sumAbs += abs(c)
          maxSigned = max(maxSigned, c)
          sumSigned += c
        }
      }
    }
    let pairs = Double(m * (m - 1))
    maxAbsolute = maxAbs
    meanAbsolute = sumAbs / pairs
    self.maxSigned = maxSigned
    meanSigned = sumSigned / pairs
  }
}
