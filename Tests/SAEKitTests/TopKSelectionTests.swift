import Testing
@testable import SAEKit

/// The partial top-k selection and the code builders against naive references.
@Suite struct TopKSelectionTests {
  /// Both selection paths (heap only, and block-maximum prefilter) must agree.
  func select(_ row: [Float], _ k: Int, byMagnitude: Bool = false) -> [Int32] {
    var idx = [Int32](repeating: -1, count: k), val = [Float](repeating: 0, count: k)
    let n = row.withUnsafeBufferPointer {
      TopKSelection.select($0.baseAddress!, count: row.count, k: k, indices: &idx, values: &val, byMagnitude: byMagnitude)
    }
    for e in 0..<n { #expect(val[e] == row[Int(idx[e])], "values must be the row's entries") }
    var idx2 = [Int32](repeating: -1, count: k), val2 = [Float](repeating: 0, count: k)
    var sv = [Float](repeating: 0, count: row.count), si = [Int32](repeating: 0, count: row.count)
    let n2 = row.withUnsafeBufferPointer {
      TopKSelection.select($0.baseAddress!, count: row.count, k: k, indices: &idx2, values: &val2, byMagnitude: byMagnitude,
                           scratchValues: &sv, scratchIndices: &si)
    }
    #expect(n == n2 && idx == idx2 && val == val2, "prefiltered selection differs from the heap")
    return Array(idx.prefix(n))
  }

  /// Full sort, ties to the lower index, result in ascending index order.
  func naive(_ row: [Float], _ k: Int) -> [Int32] {
    row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(k).map(Int32.init).sorted()
  }

  @Test func matchesFullSortOnRandomRows() {
    var rng = RandomSource(seed: 3)
    for trial in 0..<200 {
      let m = 1 + rng.int(below: 300), k = 1 + rng.int(below: min(m, 40))
      // Coarse values force many ties.
      let row = (0..<m).map { _ in Float(rng.int(below: trial % 2 == 0 ? 1_000_000 : 7)) - 3 }
      #expect(select(row, k) == naive(row, k), "m = \(m), k = \(k)")
      #expect(select(row, k, byMagnitude: true) == naive(row.map(abs), k), "|·|, m = \(m), k = \(k)")
    }
  }

  @Test func longRowsTakeThePrefilterPath() {
    var rng = RandomSource(seed: 8)
    for k in [1, 4, 32] {
      let row = (0..<3072).map { _ in Float(rng.gaussian()) }
      #expect(select(row, k) == naive(row, k))
      let sorted = (0..<3072).map { Float($0) }  // increasing: every block maximum sits at the block's end
      #expect(select(sorted, k) == naive(sorted, k))
      let constant = [Float](repeating: 1, count: 3072)
      #expect(select(constant, k) == (0..<Int32(k)).map { $0 })
    }
  }

  @Test func tiesGoToTheLowerIndex() {
    #expect(select([1, 5, 5, 5, 0], 2) == [1, 2])
    #expect(select([2, 2, 2, 2], 3) == [0, 1, 2])
    #expect(select([0, 1], 5) == [0, 1], "k larger than the row takes everything")
  }

  @Test func kthLargestMatchesSort() {
    var rng = RandomSource(seed: 5)
    for _ in 0..<100 {
      let n = 1 + rng.int(below: 500), k = 1 + rng.int(below: n)
      var v = (0..<n).map { _ in Float(rng.int(below: 50)) }
      let expected = v.sorted(by: >)[k - 1]
      let got = v.withUnsafeMutableBufferPointer { TopKSelection.kthLargest($0.baseAddress!, count: n, k: k) }
      #expect(got == expected)
    }
  }

  @Test func topKCodesDropNonPositiveSelections() throws {
    let pre = try Matrix([[3, -1, 2, 0.5], [-1, -2, -3, -4]])
    let codes = SparseCodes.topK(of: pre, k: 2)
    #expect(codes.rowStart == [0, 2, 2])
    #expect(codes.indices == [0, 2] && codes.values == [3, 2])
  }

  @Test func filteringKeepsEntriesInIndexOrder() throws {
    let pre = try Matrix([[0.2, -1, 0.7], [1, 0, 0.1]])
    let codes = SparseCodes.filtering(pre) { j, v in v > 0.15 || j == 1 }
    #expect(codes.rowStart == [0, 3, 5])
    #expect(codes.indices == [0, 1, 2, 0, 1])
    #expect(codes.dense() == (try Matrix([[0.2, -1, 0.7], [1, 0, 0]])))
  }

  /// The vectorised threshold scans keep exactly what the per-entry comparison keeps, NaN and
  /// infinities included, on rows whose length is not a multiple of eight.
  @Test func thresholdScansMatchTheEntryComparison() throws {
    var rng = RandomSource(seed: 17)
    for cols in [1, 7, 8, 13, 64, 203] {
      var pre = Matrix.gaussian(rows: 9, cols: cols, mean: 0, std: 1, using: &rng)
      for i in stride(from: 0, to: pre.count, by: 5) { pre.storage[i] = [Float.nan, .infinity, -.infinity, 0][i / 5 % 4] }
      let thresholds = (0..<cols).map { j in j % 9 == 4 ? Float.nan : Float(rng.gaussian(mean: 0.2, std: 0.5)) }
      for t in [Float(0), 0.7, -.infinity, .infinity] {
        #expect(SparseCodes.above(pre, threshold: t) == SparseCodes.filtering(pre) { _, v in v > t })
      }
      #expect(SparseCodes.above(pre, thresholds: thresholds) == SparseCodes.filtering(pre) { j, v in v > thresholds[j] })
      #expect(SparseCodes.above(pre, threshold: .infinity).indices.isEmpty)
    }
  }

  @Test func batchTopKKeepsTheBatchBudgetAndEstimatesAThreshold() throws {
    var rng = RandomSource(seed: 9)
    let pre = Matrix.gaussian(rows: 16, cols: 20, mean: 0, std: 1, using: &rng)
    var act = BatchTopK(k: 3)
    let codes = act.trainingCodes(pre)
    #expect(codes.indices.count == 48)
    let cut = pre.storage.sorted(by: >)[47]
    #expect(codes.values.allSatisfy { $0 >= cut })
    #expect(act.threshold == cut)
    // Inference uses the threshold: strictly above the cut.
    #expect(act.inferenceCodes(pre).indices.count == 47)
  }
}
