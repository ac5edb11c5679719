import CVectorKernels
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

  /// The vector C scans (`sae_block_maxima`, `sae_collect_at_least`; AVX-512 or AVX2) against their Swift
  /// references, pass by pass and through the whole selection, on rows with ties, NaN, ±∞
  /// and ±0, lengths that are not multiples of 8 or 16, both keys.
  @Test(.enabled(if: TopKSelection.kernelsAvailable)) func scanKernelsMatchTheSwiftLoops() {
    var rng = RandomSource(seed: 21)
    let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1, -1]
    for trial in 0..<400 {
      let count = 8 + rng.int(below: trial < 200 ? 200 : 4000), k = 1 + rng.int(below: min(count, 64))
      let row: [Float] = (0..<count).map { _ in
        let r = rng.int(below: 20)
        if r == 0 { return specials[rng.int(below: specials.count)] }
        return trial % 3 == 0 ? Float(rng.int(below: 9)) - 4 : Float(rng.gaussian())
      }
      for magnitude in [false, true] {
        func run(_ kernels: Bool) -> (Int, [Int32], [Float], [Float], [Int32], Int) {
          var idx = [Int32](repeating: -1, count: k), val = [Float](repeating: 0, count: k)
          var sv = [Float](repeating: 0, count: count), si = [Int32](repeating: 0, count: count)
          var maxima = [Float](repeating: 0, count: count), cv = [Float](repeating: 0, count: count)
          var ci = [Int32](repeating: 0, count: count)
          let blockSize = 8 * (1 + trial % 5), blocks = count / blockSize
          let cut = Float(trial % 7) - 3
          let (n, c) = row.withUnsafeBufferPointer { r -> (Int, Int) in
            let p = r.baseAddress!
            if kernels {
              sae_block_maxima(p, count, blockSize, blocks, magnitude ? 1 : 0, &maxima)
            } else if magnitude {
              TopKSelection.blockMaxima(p, count, blockSize, blocks, &maxima, MagnitudeKey.self)
            } else {
              TopKSelection.blockMaxima(p, count, blockSize, blocks, &maxima, ValueKey.self)
            }
            let c = kernels ? sae_collect_at_least(p, count, cut, magnitude ? 1 : 0, &cv, &ci)
              : magnitude ? TopKSelection.collect(p, count, atLeast: cut, &cv, &ci, MagnitudeKey.self)
              : TopKSelection.collect(p, count, atLeast: cut, &cv, &ci, ValueKey.self)
            let n = magnitude
              ? TopKSelection.prefiltered(p, count, k, &idx, &val, &sv, &si, MagnitudeKey.self, kernels: kernels)
              : TopKSelection.prefiltered(p, count, k, &idx, &val, &sv, &si, ValueKey.self, kernels: kernels)
            return (n, c)
          }
          return (n, idx, val, Array(maxima.prefix(blocks)), Array(ci.prefix(c)), c)
        }
        let (fast, reference) = (run(true), run(false))
        let context = "trial \(trial), count \(count), k \(k), magnitude \(magnitude)"
        // Maxima compare as numbers (a zero's sign may differ and never matters to a cut).
        #expect(fast.3 == reference.3, "block maxima, \(context)")
        #expect(fast.5 == reference.5 && fast.4 == reference.4, "collected entries, \(context)")
        #expect(fast.0 == reference.0 && fast.1 == reference.1, "selection, \(context)")
        #expect(zip(fast.2, reference.2).allSatisfy { $0.bitPattern == $1.bitPattern }, "selected values, \(context)")
      }
    }
  }

  /// The final pass over the candidates against the heap, on ties, zeros of both signs and infinities.
  @Test func takeTopMatchesTheHeap() {
    var rng = RandomSource(seed: 8)
    let specials: [Float] = [.infinity, -.infinity, 0, -0.0]
    for trial in 0..<300 {
      let n = 1 + rng.int(below: 150), k = 1 + rng.int(below: n + 3)
      let v: [Float] = (0..<n).map { _ in
        if rng.int(below: 8) == 0 { return specials[rng.int(below: specials.count)] }
        return trial % 2 == 0 ? Float(rng.int(below: 5)) - 2 : Float(rng.gaussian())
      }
      let positions = (0..<n).map { Int32(3 * $0 + 1) }
      for magnitude in [false, true] {
        var idx = [Int32](repeating: -1, count: k), val = [Float](repeating: 0, count: k)
        var hIdx = idx, hVal = val
        let got = sae_take_top(v, positions, n, k, magnitude ? 1 : 0, &idx, &val)
        let want = v.withUnsafeBufferPointer {
          TopKSelection.select($0.baseAddress!, count: n, k: k, indices: &hIdx, values: &hVal, byMagnitude: magnitude)
        }
        #expect(got == want, "trial \(trial), magnitude \(magnitude)")
        #expect(Array(idx.prefix(got)) == hIdx.prefix(want).map { positions[Int($0)] }, "trial \(trial), magnitude \(magnitude)")
        #expect(zip(val, hVal).prefix(got).allSatisfy { $0.bitPattern == $1.bitPattern })
      }
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

  /// The kernel's bitwise search against a sort, over signs, zeros of both signs,
  /// infinities and ties (values compare as numbers: −0 == +0).
  @Test func kthLargestKernelMatchesSort() {
    var rng = RandomSource(seed: 6)
    let specials: [Float] = [.infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, -.greatestFiniteMagnitude]
    for trial in 0..<300 {
      let n = 1 + rng.int(below: trial < 150 ? 40 : 700), k = 1 + rng.int(below: n)
      let v: [Float] = (0..<n).map { _ in
        if rng.int(below: 10) == 0 { return specials[rng.int(below: specials.count)] }
        return trial % 2 == 0 ? Float(rng.int(below: 7)) - 3 : Float(rng.gaussian())
      }
      let expected = v.sorted(by: >)[k - 1]
      let got = sae_kth_largest(v, n, k, 0)
      #expect(sae_kth_largest(v, n, k, 1) == v.map(abs).sorted(by: >)[k - 1], "magnitude, trial \(trial)")
      #expect(got == expected, "trial \(trial), n \(n), k \(k)")
      #expect(v.filter { $0 >= got }.count >= k && v.filter { $0 > got }.count < k)
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

  /// The vectorised threshold scans, Swift and C (`sae_collect_above`, on AVX-512 and AVX2 CPUs), keep
  /// exactly what the per-entry comparison keeps, NaN, ±0 and infinities included, on rows whose
  /// length is not a multiple of eight or sixteen, sparse and dense (mean 2: most entries kept,
  /// so the kernel's whole-vector stores meet the end of each row's share).
  @Test(arguments: TopKSelection.kernelsAvailable ? [false, true] : [false])
  func thresholdScansMatchTheEntryComparison(kernels: Bool) throws {
    var rng = RandomSource(seed: 17)
    for cols in [1, 7, 8, 13, 16, 17, 64, 203, 1_000] {
      for mean: Float in [0, 2] {
        var pre = Matrix.gaussian(rows: 9, cols: cols, mean: mean, std: 1, using: &rng)
        for i in stride(from: 0, to: pre.count, by: 5) { pre.storage[i] = [Float.nan, .infinity, -.infinity, 0, -0.0][i / 5 % 5] }
        let thresholds = (0..<cols).map { j in j % 9 == 4 ? Float.nan : Float(rng.gaussian(mean: 0.2, std: 0.5)) }
        for t in [Float(0), -0.0, 0.7, -.infinity, .infinity, .nan] {
          #expect(SparseCodes.above(pre, threshold: t, kernels: kernels) == SparseCodes.filtering(pre) { _, v in v > t })
        }
        #expect(SparseCodes.above(pre, thresholds: thresholds, kernels: kernels)
          == SparseCodes.filtering(pre) { j, v in v > thresholds[j] })
        #expect(SparseCodes.above(pre, threshold: .infinity, kernels: kernels).indices.isEmpty)
      }
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
