import Foundation
import Testing
@testable import SAEKit

/// Solves `M·Z = R` by Gauss–Jordan elimination with partial pivoting (Double),
/// independent of LAPACK. `m` is `(k × k)`, `r` is `(k × q)`.
func gaussJordanSolve(_ m: [[Double]], _ r: [[Double]]) -> [[Double]] {
  var a = m, b = r
  let k = a.count
  for c in 0..<k {
    let pivot = (c..<k).max { abs(a[$0][c]) < abs(a[$1][c]) }!
    a.swapAt(c, pivot)
    b.swapAt(c, pivot)
    let p = a[c][c]
    for row in 0..<k where row != c {
      let f = a[row][c] / p
      if f == 0 { continue }
      for j in 0..<k { a[row][j] -= f * a[c][j] }
      for j in 0..<b[row].count { b[row][j] -= f * b[c][j] }
    }
  }
  return (0..<k).map { i in b[i].map { $0 / a[i][i] } }
}

@Suite struct LeastSquaresTests {
  /// `X (n × 3)` Gaussian, `A (3 × 2)` and `b (2)` fixed.
  static let trueA = [[1.5, -2.0], [0.25, 3.0], [-1.0, 0.5]]
  static let trueB: [Double] = [0.75, -4.0]

  static func data(n: Int, intercept: Bool, seed: UInt64 = 5) throws -> (x: Matrix, y: Matrix) {
    var rng = RandomSource(seed: seed)
    let x = Matrix.gaussian(rows: n, cols: 3, using: &rng)
    let y = Matrix(rows: n, cols: 2) { i, j in
      var s = intercept ? trueB[j] : 0
      for l in 0..<3 { s += Double(x[i, l]) * trueA[l][j] }
      return Float(s)
    }
    return (x, y)
  }

  @Test func recoversKnownSolutionWithIntercept() throws {
    let (x, y) = try Self.data(n: 60, intercept: true)
    let fit = try LeastSquares.fit(x: x, y: y)
    for l in 0..<3 { for j in 0..<2 { #expect(abs(Double(fit.coefficients[l, j]) - Self.trueA[l][j]) < 1e-5) } }
    let b = try #require(fit.intercept)
    for j in 0..<2 { #expect(abs(Double(b[j]) - Self.trueB[j]) < 1e-5) }
    let residual = try fit.predict(x).subtracting(y)
    #expect(residual.frobeniusNorm < 1e-4)
    #expect(fit.inputCount == 3 && fit.outputCount == 2)
  }

  @Test func recoversKnownSolutionWithoutIntercept() throws {
    let (x, y) = try Self.data(n: 40, intercept: false)
    let fit = try LeastSquares.fit(x: x, y: y, intercept: false)
    #expect(fit.intercept == nil)
    for l in 0..<3 { for j in 0..<2 { #expect(abs(Double(fit.coefficients[l, j]) - Self.trueA[l][j]) < 1e-5) } }
  }

  @Test func ridgeMatchesClosedFormWithoutIntercept() throws {
    var (x, y) = try Self.data(n: 30, intercept: false)
    var rng = RandomSource(seed: 9)
    y = try y.adding(Matrix.gaussian(rows: 30, cols: 2, std: 0.5, using: &rng))
    let lambda = 7.5
    let fit = try LeastSquares.fit(x: x, y: y, intercept: false, ridge: lambda)
    // (XᵀX + λI)⁻¹ XᵀY from the naive products.
    var gram = Naive.product(x, x, transposeA: true)
    for l in 0..<3 { gram[l][l] += lambda }
    let expected = gaussJordanSolve(gram, Naive.product(x, y, transposeA: true))
    #expect(Naive.maxError(fit.coefficients, expected) < 1e-5)
  }

  @Test func ridgeMatchesClosedFormWithUnpenalisedIntercept() throws {
    var (x, y) = try Self.data(n: 25, intercept: true, seed: 12)
    var rng = RandomSource(seed: 10)
    y = try y.adding(Matrix.gaussian(rows: 25, cols: 2, std: 0.5, using: &rng))
    let lambda = 3.0
    let fit = try LeastSquares.fit(x: x, y: y, ridge: lambda)
    // Unpenalised intercept: A = (XcᵀXc + λI)⁻¹ XcᵀYc on centred data, b = ȳ − x̄ᵀA.
    let xm = x.columnMeans(), ym = y.columnMeans()
    let xc = Matrix(rows: 25, cols: 3) { i, j in Float(Double(x[i, j]) - xm[j]) }
    let yc = Matrix(rows: 25, cols: 2) { i, j in Float(Double(y[i, j]) - ym[j]) }
    var gram = Naive.product(xc, xc, transposeA: true)
    for l in 0..<3 { gram[l][l] += lambda }
    let a = gaussJordanSolve(gram, Naive.product(xc, yc, transposeA: true))
    #expect(Naive.maxError(fit.coefficients, a) < 1e-4)
    let b = try #require(fit.intercept)
    for j in 0..<2 {
      let want = ym[j] - (0..<3).reduce(0.0) { $0 + xm[$1] * a[$1][j] }
      #expect(abs(Double(b[j]) - want) < 1e-4)
    }
  }

  @Test func ridgeShrinksTowardZero() throws {
    let (x, y) = try Self.data(n: 50, intercept: false)
    let norms = try [0.0, 1, 10, 100, 1e6].map {
      try LeastSquares.fit(x: x, y: y, intercept: false, ridge: $0).coefficients.frobeniusNorm
    }
    for i in 1..<norms.count { #expect(norms[i] < norms[i - 1]) }
    #expect(norms.last! < 1e-3 * norms.first!)
  }

  @Test func rejectsUnderdeterminedSingularAndMismatchedProblems() throws {
    var rng = RandomSource(seed: 1)
    let small = Matrix.gaussian(rows: 3, cols: 3, using: &rng)
    let target = Matrix.gaussian(rows: 3, cols: 1, using: &rng)
    // 3 samples for 3 inputs + intercept.
    let under = try #require(throws: SAEKitError.self) { try LeastSquares.fit(x: small, y: target) }
    guard case .invalidArgument(let message) = under else { Issue.record("expected invalidArgument, got \(under)"); return }
    #expect(message.contains("underdetermined"))
    // Ridge makes it well posed.
    #expect(try LeastSquares.fit(x: small, y: target, ridge: 0.1).coefficients.isFinite)

    // Duplicate column: rank deficient.
    let base = Matrix.gaussian(rows: 20, cols: 2, using: &rng)
    let collinear = Matrix(rows: 20, cols: 3) { i, j in j == 2 ? base[i, 0] : base[i, j] }
    let y = Matrix.gaussian(rows: 20, cols: 1, using: &rng)
    #expect(throws: SAEKitError.self) { try LeastSquares.fit(x: collinear, y: y) }
    #expect(try LeastSquares.fit(x: collinear, y: y, ridge: 1).coefficients.isFinite)
    // A constant column duplicates the intercept.
    let constant = Matrix(rows: 20, cols: 2) { i, j in j == 1 ? 1 : base[i, 0] }
    #expect(throws: SAEKitError.self) { try LeastSquares.fit(x: constant, y: y) }

    let mismatch = try #require(throws: SAEKitError.self) {
      try LeastSquares.fit(x: base, y: Matrix(rows: 19, cols: 1))
    }
    #expect(mismatch.description.contains("(20×2)") && mismatch.description.contains("(19×1)"))
    #expect(throws: SAEKitError.self) { try LeastSquares.fit(x: base, y: y, ridge: -1) }
    var bad = base
    bad[0, 0] = .nan
    #expect(throws: SAEKitError.self) { try LeastSquares.fit(x: bad, y: y) }
    let fit = try LeastSquares.fit(x: base, y: y)
    #expect(throws: SAEKitError.self) { try fit.predict(Matrix(rows: 2, cols: 3)) }
  }
}
