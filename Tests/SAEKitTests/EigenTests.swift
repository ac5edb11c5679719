import Foundation
import Testing
@testable import SAEKit

@Suite struct EigenTests {
  /// A random symmetric `(n × n)` matrix `BᵀB − 2I`, with mixed-sign eigenvalues.
  static func symmetric(_ n: Int, seed: UInt64) throws -> Matrix {
    var rng = RandomSource(seed: seed)
    let b = Matrix.gaussian(rows: n + 2, cols: n, using: &rng)
    let gram = Naive.product(b, b, transposeA: true)
    return Matrix(rows: n, cols: n) { i, j in Float(gram[i][j] - (i == j ? 2 : 0)) }
  }

  @Test func eigenpairsSatisfyDefinitionAndConventions() throws {
    let n = 6
    let a = try Self.symmetric(n, seed: 4)
    let eigen = try SymmetricEigen(a)
    #expect(eigen.eigenvalues.count == n && eigen.eigenvectors.shape == Shape(n, n))
    for j in 1..<n { #expect(eigen.eigenvalues[j - 1] >= eigen.eigenvalues[j]) }
    let scale = eigen.eigenvalues.map(abs).max()!
    for j in 0..<n {
      let v = eigen.eigenvector(j)
      let av = Naive.product(a, try Matrix(rows: n, cols: 1, storage: v))
      for i in 0..<n { #expect(abs(av[i][0] - eigen.eigenvalues[j] * Double(v[i])) < 1e-4 * scale) }
      // Sign convention: the largest-magnitude entry is positive.
      let largest = v.max { abs($0) < abs($1) }!
      #expect(largest > 0)
    }
    // QᵀQ = I.
    let qtq = Naive.product(eigen.eigenvectors, eigen.eigenvectors, transposeA: true)
    for i in 0..<n { for j in 0..<n { #expect(abs(qtq[i][j] - (i == j ? 1 : 0)) < 1e-5) } }
    // Trace is preserved.
    let trace = (0..<n).reduce(0.0) { $0 + Double(a[$1, $1]) }
    #expect(abs(eigen.eigenvalues.reduce(0, +) - trace) < 1e-4 * scale)
  }

  @Test func knownTwoByTwo() throws {
    let eigen = try SymmetricEigen(Matrix([[2, 1], [1, 2]]))
    #expect(abs(eigen.eigenvalues[0] - 3) < 1e-12 && abs(eigen.eigenvalues[1] - 1) < 1e-12)
    let r = Float(0.5).squareRoot()
    let v0 = eigen.eigenvector(0)
    #expect(abs(v0[0] - r) < 1e-6 && abs(v0[1] - r) < 1e-6)
    let v1 = eigen.eigenvector(1)
    #expect(abs(abs(v1[0]) - r) < 1e-6 && abs(v1[0] + v1[1]) < 1e-6)
  }

  @Test func rejectsNonSquareAndNonSymmetric() throws {
    let error = try #require(throws: SAEKitError.self) { try SymmetricEigen(Matrix(rows: 2, cols: 3)) }
    #expect(error.description.contains("(2×3)"))
    let asymmetric = try Matrix([[1, 2], [0, 1]])
    let second = try #require(throws: SAEKitError.self) { try SymmetricEigen(asymmetric) }
    guard case .invalidArgument = second else { Issue.record("expected invalidArgument, got \(second)"); return }
    #expect(throws: SAEKitError.self) { try SymmetricEigen(Matrix([[1, .infinity], [.infinity, 1]])) }
    // Float-rounding asymmetry within tolerance is accepted.
    #expect(try SymmetricEigen(Matrix([[1, 0.5], [0.5000001, 1]])).eigenvalues.count == 2)
  }

  @Test(arguments: [(6, 4), (3, 5), (4, 4)])
  func svdReconstructsAndIsOrthonormal(shape: (Int, Int)) throws {
    let (m, n) = shape
    var rng = RandomSource(seed: UInt64(m * 10 + n))
    let a = Matrix.gaussian(rows: m, cols: n, using: &rng)
    let svd = try SingularValueDecomposition(a)
    let k = min(m, n)
    #expect(svd.u.shape == Shape(m, k) && svd.s.count == k && svd.vt.shape == Shape(k, n))
    for j in 1..<k { #expect(svd.s[j - 1] >= svd.s[j]) }
    #expect(svd.s.allSatisfy { $0 >= 0 })
    #expect(Naive.maxError(try svd.reconstructed(), a.storage.chunked(n)) < 1e-5)
    let utu = Naive.product(svd.u, svd.u, transposeA: true)
    let vvt = Naive.product(svd.vt, svd.vt, transposeB: true)
    for i in 0..<k {
      for j in 0..<k {
        #expect(abs(utu[i][j] - (i == j ? 1 : 0)) < 1e-5)
        #expect(abs(vvt[i][j] - (i == j ? 1 : 0)) < 1e-5)
      }
    }
    // Singular values are the square roots of the eigenvalues of AᵀA.
    let gram = Naive.product(a, a, transposeA: true)
    let eigen = try SymmetricEigen(Matrix(rows: n, cols: n) { Float(gram[$0][$1]) })
    for j in 0..<k { #expect(abs(svd.s[j] * svd.s[j] - eigen.eigenvalues[j]) < 1e-4 * eigen.eigenvalues[0]) }
  }

  @Test func svdOfKnownRankOneMatrix() throws {
    // [[3, 4], [6, 8]] = √125 · (1, 2)/√5 · (3, 4)/5.
    let svd = try SingularValueDecomposition(Matrix([[3, 4], [6, 8]]))
    #expect(abs(svd.s[0] - 125.0.squareRoot()) < 1e-5)
    #expect(abs(svd.s[1]) < 1e-5)
    #expect(throws: SAEKitError.self) { try SingularValueDecomposition(Matrix([[.nan]])) }
  }
}

extension Array where Element == Float {
  /// Splits row-major storage into rows of `n` Double values.
  func chunked(_ n: Int) -> [[Double]] {
    stride(from: 0, to: count, by: n).map { self[$0..<(($0 + n))].map(Double.init) }
  }
}
