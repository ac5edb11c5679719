import Testing
@testable import SAEKit

/// Reductions along an axis, transposes and checked row/column selection, against naive loops:
/// on small matrices and on ones large enough to be split over cores (whose results must match
/// the one-thread loops bit for bit).
@Suite struct MatrixAxisAndSelectionTests {
  /// A small matrix and one above ``Matrix/parallelThreshold``, with odd shapes.
  static func samples() -> [Matrix] {
    var rng = RandomSource(seed: 11)
    let large = Matrix.gaussian(rows: 301, cols: 263, mean: 0.5, std: 2, using: &rng)
    #expect(large.count >= Matrix.parallelThreshold)
    return [Matrix.gaussian(rows: 7, cols: 5, mean: 1, std: 3, using: &rng), large]
  }

  @Test func axisReductionsMatchNaiveLoopsExactly() throws {
    for a in Self.samples() {
      var colSums = [Double](repeating: 0, count: a.cols), colSquares = colSums
      var rowSums = [Double](repeating: 0, count: a.rows), rowSquares = rowSums
      for i in 0..<a.rows {
        for j in 0..<a.cols {
          let v = Double(a[i, j])
          colSums[j] += v
          colSquares[j] += v * v
          rowSums[i] += v
          rowSquares[i] += v * v
        }
      }
      #expect(try a.sum(axis: 0) == colSums)
      #expect(try a.sum(axis: 1) == rowSums)
      #expect(try a.mean(axis: 0) == colSums.map { $0 / Double(a.rows) })
      #expect(try a.mean(axis: 1) == rowSums.map { $0 / Double(a.cols) })
      #expect(try a.norm(axis: 0) == colSquares.map { $0.squareRoot() })
      #expect(try a.norm(axis: 1) == rowSquares.map { $0.squareRoot() })
      #expect(a.columnSquaredNorms() == colSquares)
    }
  }

  @Test func axisReductionsOfEmptyMatricesAndBadAxes() throws {
    let noRows = Matrix(rows: 0, cols: 3), noCols = Matrix(rows: 2, cols: 0)
    #expect(try noRows.sum(axis: 0) == [0, 0, 0])
    #expect(try noRows.sum(axis: 1) == [])
    #expect(try noRows.mean(axis: 1) == [])
    #expect(try noRows.norm(axis: 0) == [0, 0, 0])
    #expect(try noCols.sum(axis: 1) == [0, 0])
    #expect(try Matrix(rows: 0, cols: 0).mean(axis: 0) == [])
    #expect(throws: SAEKitError.invalidArgument("mean(axis: 0) of a (0×3) matrix averages over no rows")) {
      try noRows.mean(axis: 0)
    }
    #expect(throws: SAEKitError.invalidArgument("mean(axis: 1) of a (2×0) matrix averages over no columns")) {
      try noCols.mean(axis: 1)
    }
    for axis in [-1, 2] {
      #expect(throws: SAEKitError.self) { try noCols.sum(axis: axis) }
      #expect(throws: SAEKitError.self) { try noCols.mean(axis: axis) }
      #expect(throws: SAEKitError.self) { try noCols.norm(axis: axis) }
    }
  }

  @Test func transposeMatchesTheDefinition() throws {
    for a in Self.samples() + [Matrix(rows: 0, cols: 4), Matrix(rows: 3, cols: 0), try Matrix([[1, 2, 3]])] {
      let t = a.transposed
      #expect(t.shape == Shape(a.cols, a.rows))
      for i in 0..<a.rows {
        for j in 0..<a.cols where t[j, i] != a[i, j] {
          Issue.record("transposed[\(j), \(i)] = \(t[j, i]), expected \(a[i, j])")
          return
        }
      }
      #expect(t.transposed == a)
    }
  }

  @Test func checkedSelectionsMatchNaiveCopies() throws {
    for a in Self.samples() {
      let picked = [a.rows - 1, 0, 2, 2]
      let rows = try a.rows(at: picked)
      #expect(rows.shape == Shape(4, a.cols))
      for (k, i) in picked.enumerated() { #expect(rows.row(k) == a.row(i)) }
      let columns = try a.columns(at: [3, a.cols - 1, 3])
      #expect(columns.shape == Shape(a.rows, 3))
      #expect(columns.column(0) == a.column(3) && columns.column(1) == a.column(a.cols - 1) && columns.column(2) == a.column(3))
      #expect(try a.rows(in: 2..<5) == a.rows(at: [2, 3, 4]))
      let mask = (0..<a.rows).map { $0 % 3 == 1 }
      #expect(try a.rows(where: mask) == a.rows(at: (0..<a.rows).filter { $0 % 3 == 1 }))
      // A gather large enough to be split over cores copies every row where it belongs.
      let everyOther = Array(stride(from: a.rows - 1, through: 0, by: -2))
      let gathered = try a.rows(at: everyOther)
      #expect(everyOther.enumerated().allSatisfy { gathered.row($0.offset) == a.row($0.element) })
    }
  }

  @Test func emptySelectionsKeepTheOtherDimension() throws {
    let a = try Matrix([[1, 2, 3], [4, 5, 6]])
    #expect(try a.rows(at: []).shape == Shape(0, 3))
    #expect(try a.columns(at: []).shape == Shape(2, 0))
    #expect(try a.rows(in: 1..<1).shape == Shape(0, 3))
    #expect(try a.rows(where: [false, false]).shape == Shape(0, 3))
    #expect(try a.rows(where: [false, true]) == Matrix([[4, 5, 6]]))
    #expect(try Matrix(rows: 0, cols: 3).rows(where: []).shape == Shape(0, 3))
  }

  @Test func badSelectionsNameTheIndex() throws {
    let a = try Matrix([[1, 2, 3], [4, 5, 6]])
    #expect(throws: SAEKitError.invalidArgument("row index 2 (element 1) is outside 0..<2")) { try a.rows(at: [0, 2]) }
    #expect(throws: SAEKitError.invalidArgument("row index -1 is outside 0..<2")) { try a.rows(at: [-1]) }
    #expect(throws: SAEKitError.invalidArgument("column index 3 is outside 0..<3")) { try a.columns(at: [3]) }
    #expect(throws: SAEKitError.invalidArgument("row index 0 selects from a matrix with no rows")) {
      try Matrix(rows: 0, cols: 3).rows(at: [0])
    }
    #expect(throws: SAEKitError.invalidArgument("row range 1..<3 is outside 0..<2")) { try a.rows(in: 1..<3) }
    #expect(throws: SAEKitError.invalidArgument("the mask has 3 elements but the matrix has 2 rows")) {
      try a.rows(where: [true, false, true])
    }
  }

  @Test func nonzeroColumnsAreAscending() throws {
    let a = try Matrix([[0, 2, 0, -1], [0, 0, 0, 0]])
    #expect(try a.nonzeroColumns(row: 0) == [1, 3])
    #expect(try a.nonzeroColumns(row: 1) == [])
    #expect(throws: SAEKitError.self) { try a.nonzeroColumns(row: 2) }
  }

  @Test func elementwiseOperationsMatchLoopsAndNameBothShapes() throws {
    let a = try Matrix([[1, -2], [3, 4.5]]), b = try Matrix([[0.5, 2], [-1, 2]])
    #expect(try a.adding(b) == Matrix([[1.5, 0], [2, 6.5]]))
    #expect(try a.subtracting(b) == Matrix([[0.5, -4], [4, 2.5]]))
    #expect(try a.hadamard(b) == Matrix([[0.5, -4], [-3, 9]]))
    #expect(a.scaled(by: -2) == (try Matrix([[-2, 4], [-6, -9]])))
    let c = Matrix(rows: 2, cols: 3)
    #expect(throws: SAEKitError.shapeMismatch(operation: "A + B", lhs: Shape(2, 2), rhs: Shape(2, 3))) { try a.adding(c) }
    #expect(throws: SAEKitError.shapeMismatch(operation: "A − B", lhs: Shape(2, 2), rhs: Shape(2, 3))) { try a.subtracting(c) }
    #expect(throws: SAEKitError.shapeMismatch(operation: "A ⊙ B", lhs: Shape(2, 2), rhs: Shape(2, 3))) { try a.hadamard(c) }
  }
}
