import Foundation
import Testing
@testable import SAEKit

/// Naive references written independently of SAEKit's BLAS path.
enum Naive {
  /// `op(A)·op(B)` by the triple loop, in Double.
  static func product(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> [[Double]] {
    let m = transposeA ? a.cols : a.rows, k = transposeA ? a.rows : a.cols
    let n = transposeB ? b.rows : b.cols
    func ea(_ i: Int, _ l: Int) -> Double { Double(transposeA ? a[l, i] : a[i, l]) }
    func eb(_ l: Int, _ j: Int) -> Double { Double(transposeB ? b[j, l] : b[l, j]) }
    var out = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for l in 0..<k { s += ea(i, l) * eb(l, j) }
        out[i][j] = s
      }
    }
    return out
  }

  /// Largest `|got − want|` over all entries.
  static func maxError(_ got: Matrix, _ want: [[Double]]) -> Double {
    var worst = 0.0
    for i in 0..<got.rows {
      for j in 0..<got.cols { worst = max(worst, abs(Double(got[i, j]) - want[i][j])) }
    }
    return worst
  }
}

@Suite struct MatrixTests {
  @Test func productsMatchTripleLoopOnNonSquareShapes() throws {
    var rng = RandomSource(seed: 11)
    let a = Matrix.gaussian(rows: 5, cols: 7, using: &rng)
    let b = Matrix.gaussian(rows: 7, cols: 3, using: &rng)
    let bt = Matrix.gaussian(rows: 4, cols: 7, using: &rng)
    let at = Matrix.gaussian(rows: 7, cols: 6, using: &rng)

    let ab = try a.matmul(b)
    #expect(ab.shape == Shape(5, 3))
    #expect(Naive.maxError(ab, Naive.product(a, b)) < 1e-5)

    let abt = try a.matmulTransposed(bt)
    #expect(abt.shape == Shape(5, 4))
    #expect(Naive.maxError(abt, Naive.product(a, bt, transposeB: true)) < 1e-5)

    let atb = try at.transposedMatmul(b)
    #expect(atb.shape == Shape(6, 3))
    #expect(Naive.maxError(atb, Naive.product(at, b, transposeA: true)) < 1e-5)

    // A known small case, exactly.
    let x = try Matrix([[1, 2, 3], [4, 5, 6]])
    let y = try Matrix([[1, 0], [0, 1], [1, 1]])
    #expect(try x.matmul(y) == Matrix([[4, 5], [10, 11]]))
    #expect(try x.times([1, 1, 1]) == [6, 15])
  }

  @Test func emptyAndZeroInnerDimensionProducts() throws {
    let empty = Matrix(rows: 0, cols: 4)
    let b = Matrix(rows: 4, cols: 3, repeating: 1)
    #expect(try empty.matmul(b).shape == Shape(0, 3))
    let inner = try Matrix(rows: 2, cols: 0, storage: []).matmul(Matrix(rows: 0, cols: 3))
    #expect(inner == Matrix(rows: 2, cols: 3))
  }

  @Test func shapeMismatchNamesBothShapes() throws {
    let a = Matrix(rows: 3, cols: 4), b = Matrix(rows: 5, cols: 2)
    let error = try #require(throws: SAEKitError.self) { try a.matmul(b) }
    #expect(error == .shapeMismatch(operation: "A·B", lhs: Shape(3, 4), rhs: Shape(5, 2)))
    #expect(error.description.contains("(3×4)") && error.description.contains("(5×2)"))
    #expect(throws: SAEKitError.self) { try a.matmulTransposed(Matrix(rows: 2, cols: 5)) }
    #expect(throws: SAEKitError.self) { try a.transposedMatmul(Matrix(rows: 4, cols: 2)) }
    #expect(throws: SAEKitError.self) { try a.adding(b) }
    #expect(throws: SAEKitError.self) { try Matrix.vstack([a, b]) }
  }

  @Test func reductionsMatchNaiveSums() throws {
    var rng = RandomSource(seed: 3)
    let a = Matrix.gaussian(rows: 9, cols: 5, mean: 2, std: 3, using: &rng)
    var rowSums = [Double](repeating: 0, count: 9), rowSq = rowSums
    var colSums = [Double](repeating: 0, count: 5)
    for i in 0..<9 {
      for j in 0..<5 {
        let v = Double(a[i, j])
        rowSums[i] += v
        rowSq[i] += v * v
        colSums[j] += v
      }
    }
    let means = colSums.map { $0 / 9 }
    var deviations = [Double](repeating: 0, count: 5)
    for i in 0..<9 { for j in 0..<5 { deviations[j] += pow(Double(a[i, j]) - means[j], 2) } }
    func close(_ x: [Double], _ y: [Double]) -> Bool { zip(x, y).allSatisfy { abs($0 - $1) < 1e-9 * max(1, abs($1)) } }
    #expect(close(a.rowSums(), rowSums))
    #expect(close(a.rowSquaredNorms(), rowSq))
    #expect(close(a.rowNorms(), rowSq.map { $0.squareRoot() }))
    #expect(close(a.columnSums(), colSums))
    #expect(close(a.columnMeans(), means))
    #expect(close(a.columnSumsOfSquaredDeviations(), deviations))
    #expect(abs(a.sumOfSquares() - rowSq.reduce(0, +)) < 1e-9 * rowSq.reduce(0, +))
    #expect(abs(a.frobeniusNorm - rowSq.reduce(0, +).squareRoot()) < 1e-9 * a.frobeniusNorm)

    var normalized = a
    normalized.normalizeRows()
    #expect(normalized.rowNorms().allSatisfy { abs($0 - 1) < 1e-6 })
    var withZero = try Matrix([[0, 0], [3, 4]])
    withZero.normalizeRows()
    #expect(withZero == (try Matrix([[0, 0], [0.6, 0.8]])))
  }

  @Test func biasRowBroadcastingAndElementwise() throws {
    let a = try Matrix([[1, 2, 3], [4, 5, 6]])
    #expect(try a.addingRowVector([10, 20, 30]) == Matrix([[11, 22, 33], [14, 25, 36]]))
    #expect(try a.addingRowVector([1, 1, 1], scale: -2) == Matrix([[-1, 0, 1], [2, 3, 4]]))
    let error = try #require(throws: SAEKitError.self) { try a.addingRowVector([1, 2]) }
    #expect(error.description.contains("(2×3)") && error.description.contains("(1×2)"))
    #expect(try a.subtracting(a) == Matrix(rows: 2, cols: 3))
    #expect(try a.hadamard(a) == Matrix([[1, 4, 9], [16, 25, 36]]))
    #expect(a.scaled(by: 2) == (try Matrix([[2, 4, 6], [8, 10, 12]])))
    var rows = a
    try rows.scaleRows(by: [0, -1])
    #expect(rows == (try Matrix([[0, 0, 0], [-4, -5, -6]])))
    #expect(a.transposed == (try Matrix([[1, 4], [2, 5], [3, 6]])))
    #expect(a.rows([1, 0]) == (try Matrix([[4, 5, 6], [1, 2, 3]])))
    #expect(try Matrix.vstack([a, a.rows(0..<1)]).shape == Shape(3, 3))
  }

  @Test func randomSourceIsDeterministicAndForksAreIndependent() {
    var a = RandomSource(seed: 42), b = RandomSource(seed: 42), c = RandomSource(seed: 43)
    let sa = (0..<100).map { _ in a.next() }
    #expect(sa == (0..<100).map { _ in b.next() })
    #expect(sa != (0..<100).map { _ in c.next() })

    let parent = RandomSource(seed: 7)
    var copy = parent
    var f0 = parent.fork(0), f0again = parent.fork(0), f1 = parent.fork(1)
    let s0 = (0..<1000).map { _ in f0.uniform() }
    #expect(s0 == (0..<1000).map { _ in f0again.uniform() })
    let s1 = (0..<1000).map { _ in f1.uniform() }
    let sp = (0..<1000).map { _ in copy.uniform() }
    #expect(s0 != s1 && s0 != sp)
    // Independent streams: sample correlation ~ N(0, 1/1000).
    func correlation(_ x: [Double], _ y: [Double]) -> Double {
      let mx = x.reduce(0, +) / 1000, my = y.reduce(0, +) / 1000
      var sxy = 0.0, sxx = 0.0, syy = 0.0
      for (u, v) in zip(x, y) { sxy += (u - mx) * (v - my); sxx += (u - mx) * (u - mx); syy += (v - my) * (v - my) }
      return sxy / (sxx * syy).squareRoot()
    }
    #expect(abs(correlation(s0, s1)) < 0.15)
    #expect(abs(correlation(s0, sp)) < 0.15)
    // Forking does not advance the parent.
    var p1 = parent, p2 = parent
    _ = p1.fork(5)
    #expect(p1.next() == p2.next())
  }

  @Test func gaussianAndUniformMoments() {
    var rng = RandomSource(seed: 2024)
    let g = Matrix.gaussian(rows: 200, cols: 100, mean: 2, std: 3, using: &rng)
    let n = Double(g.count)
    let mean = g.storage.reduce(0.0) { $0 + Double($1) } / n
    let variance = g.storage.reduce(0.0) { $0 + pow(Double($1) - mean, 2) } / (n - 1)
    #expect(abs(mean - 2) < 0.1)  // standard error 3/√20000 ≈ 0.02
    #expect(abs(variance.squareRoot() - 3) < 0.1)
    let u = Matrix.uniform(rows: 100, cols: 100, low: -1, high: 3, using: &rng)
    #expect(u.storage.allSatisfy { $0 >= -1 && $0 < 3 })
    #expect(abs(u.storage.reduce(0.0) { $0 + Double($1) } / 10_000 - 1) < 0.1)
    let sample = rng.sample(5, from: 8)
    #expect(Set(sample).count == 5 && sample.allSatisfy { (0..<8).contains($0) })
    #expect(rng.permutation(10).sorted() == Array(0..<10))
  }
}
