/// Eigendecomposition `A = Q·diag(λ)·Qᵀ` of a real symmetric `(n × n)` matrix,
/// computed in double precision by LAPACK `dsyevd` (divide and conquer).
///
/// Conventions:
/// - eigenvalues are in **descending** order, `λ_0 ≥ λ_1 ≥ … ≥ λ_{n−1}`;
/// - eigenvectors are the **columns** of ``eigenvectors`` (`Q`, orthonormal):
///   column `j` belongs to `eigenvalues[j]`, so `A·Q[:, j] = λ_j·Q[:, j]`;
/// - each eigenvector's sign is fixed so that its entry of largest magnitude
///   (the first such entry on ties) is positive, which makes results
///   reproducible across LAPACK builds (eigenvectors are otherwise only
///   defined up to sign; repeated eigenvalues still span an arbitrary basis).
public struct SymmetricEigen: Sendable, Equatable {
  /// `λ`, `(n)`, descending.
  public let eigenvalues: [Double]
  /// `Q`, `(n × n)`; column `j` is the unit eigenvector of `eigenvalues[j]`.
  public let eigenvectors: Matrix

  /// Decomposes `a`.
  ///
  /// - Parameters:
  ///   - a: a symmetric `(n × n)` matrix. Only symmetry within
  ///     `symmetryTolerance` is required; the matrix is symmetrised as
  ///     `(A + Aᵀ)/2` before decomposition.
  ///   - symmetryTolerance: relative tolerance of the symmetry check
  ///     `|a_ij − a_ji| ≤ tol · max_kl |a_kl|`. The default, `1e-5`, is a few
  ///     Float32 ulps: enough for `XᵀX` computed by `sgemm`, which need not be
  ///     bitwise symmetric.
  /// - Throws: ``SAEKitError/shapeMismatch(operation:lhs:rhs:)`` when `a` is
  ///   not square, ``SAEKitError/invalidArgument(_:)`` when it is not symmetric,
  ///   ``SAEKitError/nonFinite(_:)`` for NaN/infinity, and
  ///   ``SAEKitError/lapack(routine:info:detail:)`` when `dsyevd` fails.
  /// - Complexity: `O(n³)`.
  public init(_ a: Matrix, symmetryTolerance: Double = 1e-5) throws {
    guard a.rows == a.cols else {
      throw SAEKitError.shapeMismatch(operation: "symmetric eigendecomposition (needs a square matrix)", lhs: a.shape, rhs: Shape(a.cols, a.rows))
    }
    guard a.isFinite else { throw SAEKitError.nonFinite("eigendecomposition input \(a.shape) contains NaN or infinity") }
    let n = a.rows
    let values = a.storage.map(Double.init)
    let result = try SymmetricEigen.decompose(symmetric: values, n: n, symmetryTolerance: symmetryTolerance)
    eigenvalues = result.values
    eigenvectors = try Matrix(rows: n, cols: n, storage: result.vectors.map { Float($0) })
  }

  /// Eigenvector `j` (column `j` of ``eigenvectors``).
  public func eigenvector(_ j: Int) -> [Float] { eigenvectors.column(j) }

  /// The double-precision core, on a row-major `(n × n)` buffer.
  ///
  /// - Returns: eigenvalues (descending) and a row-major `(n × n)` buffer whose
  ///   column `j` is the eigenvector of `values[j]`, with the sign convention above.
  static func decompose(symmetric a: [Double], n: Int, symmetryTolerance: Double = 1e-5) throws
    -> (values: [Double], vectors: [Double])
  {
    precondition(a.count == n * n, "eigendecomposition buffer has \(a.count) elements, expected \(n)²")
    try require(symmetryTolerance.isFinite && symmetryTolerance >= 0, "symmetry tolerance must be finite and ≥ 0")
    if n == 0 { return ([], []) }
    var work = a
    try work.withUnsafeMutableBufferPointer { m in
      var scale = 0.0
      for e in 0..<(n * n) {
        guard m[e].isFinite else { throw SAEKitError.nonFinite("eigendecomposition input contains NaN or infinity") }
        scale = max(scale, abs(m[e]))
      }
      let limit = symmetryTolerance * scale
      for i in 0..<n {
        for j in (i + 1)..<n {
          let upper = m[i * n + j], lower = m[j * n + i]
          guard abs(upper - lower) <= limit else {
            throw SAEKitError.invalidArgument(
              "matrix is not symmetric: a[\(i),\(j)] = \(upper) but a[\(j),\(i)] = \(lower) (tolerance \(limit))")
          }
          let mid = 0.5 * (upper + lower)
          m[i * n + j] = mid
          m[j * n + i] = mid
        }
      }
    }
    var ascending = [Double](repeating: 0, count: n)
    let info = work.withUnsafeMutableBufferPointer { m in
      ascending.withUnsafeMutableBufferPointer { w in
        LAPACK.syevd(n: n, a: m.baseAddress!, lda: n, w: w.baseAddress!)
      }
    }
    if info != 0 {
      let detail = info < 0 ? "argument \(-info) had an illegal value" : "the algorithm failed to converge"
      throw SAEKitError.lapack(routine: "dsyevd", info: info, detail: detail)
    }
    // Reverse to descending order and fix signs.
    var values = [Double](repeating: 0, count: n)
    var vectors = [Double](repeating: 0, count: n * n)
    work.withUnsafeBufferPointer { src in
      vectors.withUnsafeMutableBufferPointer { dst in
        for j in 0..<n {
          let from = n - 1 - j
          values[j] = ascending[from]
          var pivot = 0
          for i in 1..<n where abs(src[i * n + from]) > abs(src[pivot * n + from]) { pivot = i }
          let sign: Double = src[pivot * n + from] < 0 ? -1 : 1
          for i in 0..<n { dst[i * n + j] = sign * src[i * n + from] }
        }
      }
    }
    return (values, vectors)
  }
}
