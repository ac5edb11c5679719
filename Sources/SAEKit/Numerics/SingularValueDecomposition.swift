/// Thin singular value decomposition `A = U·diag(s)·Vᵀ` of an `(m × n)`
/// matrix, computed in double precision by LAPACK `dgesdd` (divide and conquer).
///
/// With `k = min(m, n)`: `U (m × k)` has orthonormal columns, `s (k)` is
/// **descending** and non-negative, `Vᵀ (k × n)` has orthonormal rows. Signs
/// are fixed so that the entry of largest magnitude in each column of `U` is
/// positive (the matching row of `Vᵀ` is flipped with it), which makes results
/// reproducible across LAPACK builds.
public struct SingularValueDecomposition: Sendable, Equatable {
  /// `U`, `(m × k)`.
  public let u: Matrix
  /// Singular values, `(k)`, descending.
  public let s: [Double]
  /// `Vᵀ`, `(k × n)`.
  public let vt: Matrix

  /// Decomposes `a`.
  /// - Throws: ``SAEKitError/nonFinite(_:)`` for NaN/infinity and
  ///   ``SAEKitError/lapack(routine:info:detail:)`` when `dgesdd` fails.
  /// - Complexity: `O(m·n·min(m, n))`.
  public init(_ a: Matrix) throws {
    guard a.isFinite else { throw SAEKitError.nonFinite("SVD input \(a.shape) contains NaN or infinity") }
    let r = try SingularValueDecomposition.decompose(a.storage.map(Double.init), rows: a.rows, cols: a.cols)
    let k = min(a.rows, a.cols)
    u = try Matrix(rows: a.rows, cols: k, storage: r.u.map { Float($0) })
    s = r.s
    vt = try Matrix(rows: k, cols: a.cols, storage: r.vt.map { Float($0) })
  }

  /// `U·diag(s)·Vᵀ`, `(m × n)`, e.g. to check a decomposition.
  public func reconstructed() throws -> Matrix {
    var us = u
    try us.scaleColumns(s)
    return try us.matmul(vt)
  }

  /// The double-precision core on a row-major `(rows × cols)` buffer.
  /// - Returns: row-major `u (rows × k)`, `s (k)` descending, row-major `vt (k × cols)`.
  static func decompose(_ a: [Double], rows m: Int, cols n: Int) throws -> (u: [Double], s: [Double], vt: [Double]) {
    precondition(a.count == m * n, "SVD buffer has \(a.count) elements, expected \(m)×\(n)")
    let k = min(m, n)
    if k == 0 { return ([], [], []) }
    var work = a
    var s = [Double](repeating: 0, count: k)
    var u = [Double](repeating: 0, count: m * k)
    var vt = [Double](repeating: 0, count: k * n)
    if work.contains(where: { !$0.isFinite }) {
      throw SAEKitError.nonFinite("SVD input contains NaN or infinity")
    }
    let info = work.withUnsafeMutableBufferPointer { pa in
      s.withUnsafeMutableBufferPointer { ps in
        u.withUnsafeMutableBufferPointer { pu in
          vt.withUnsafeMutableBufferPointer { pv in
            LAPACK.gesdd(
              m: m, n: n, a: pa.baseAddress!, lda: n, s: ps.baseAddress!,
              u: pu.baseAddress!, ldu: k, vt: pv.baseAddress!, ldvt: n)
          }
        }
      }
    }
    if info != 0 {
      let detail = info < 0 ? "argument \(-info) had an illegal value" : "the algorithm failed to converge"
      throw SAEKitError.lapack(routine: "dgesdd", info: info, detail: detail)
    }
    u.withUnsafeMutableBufferPointer { pu in
      vt.withUnsafeMutableBufferPointer { pv in
        for j in 0..<k {
          var pivot = 0
          for i in 1..<m where abs(pu[i * k + j]) > abs(pu[pivot * k + j]) { pivot = i }
          guard pu[pivot * k + j] < 0 else { continue }
          for i in 0..<m { pu[i * k + j] = -pu[i * k + j] }
          for c in 0..<n { pv[j * n + c] = -pv[j * n + c] }
        }
      }
    }
    return (u, s, vt)
  }
}

extension Matrix {
  /// Multiplies column `j` by `factors[j]` (private helper for reconstruction).
  fileprivate mutating func scaleColumns(_ factors: [Double]) throws {
    guard factors.count == cols else {
      throw SAEKitError.shapeMismatch(operation: "scale columns", lhs: shape, rhs: Shape(1, factors.count))
    }
    let c = cols
    storage.withUnsafeMutableBufferPointer { o in
      for i in 0..<rows {
        for j in 0..<c { o[i * c + j] *= Float(factors[j]) }
      }
    }
  }
}
