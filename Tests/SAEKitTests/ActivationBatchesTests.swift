import Foundation
import Testing
@testable import SAEKit

/// `(n × 3)` rows `[i, i + 0.5, −i]`, so a row's index is its first element.
private func numberedRows(_ n: Int) -> Matrix {
  Matrix(rows: n, cols: 3) { i, j in [Float(i), Float(i) + 0.5, -Float(i)][j] }
}

/// The row indices of a batch of `numberedRows`.
private func ids(_ batch: Matrix) -> [Int] { batch.column(0).map { Int($0) } }

@Suite struct ActivationBatchesTests {
  @Test func visitsEveryRowOncePerEpoch() throws {
    let source = numberedRows(23)
    var batches = try ActivationBatches(source, batchSize: 5, random: RandomSource(seed: 1), epochs: 3)
    #expect(batches.batchesPerEpoch == 5)
    var epochs = [[Int]]()
    for e in 0..<3 {
      #expect(batches.epoch == e)
      var seen = [Int]()
      for b in 0..<5 {
        #expect(batches.batchInEpoch == b)
        let next = batches.next()
        let batch = try #require(next)
        #expect(batch.rows == (b < 4 ? 5 : 3))
        #expect(batch.cols == 3)
        // Whole rows are gathered.
        for (k, i) in ids(batch).enumerated() { #expect(batch.row(k) == source.row(i)) }
        seen += ids(batch)
      }
      #expect(seen.sorted() == Array(0..<23))
      #expect(seen == batches.order(forEpoch: e))
      epochs.append(seen)
    }
    #expect(batches.next() == nil)
    #expect(batches.next() == nil)
    #expect(batches.epoch == 3)
    // Fresh permutations: each epoch's order differs from the others and from file order.
    #expect(Set(epochs).count == 3)
    #expect(!epochs.contains(Array(0..<23)))
  }

  @Test func isDeterministicForASeed() throws {
    let source = numberedRows(40)
    let a = Array(try ActivationBatches(source, batchSize: 7, random: RandomSource(seed: 5), epochs: 2)).map(ids)
    let b = Array(try ActivationBatches(source, batchSize: 7, random: RandomSource(seed: 5), epochs: 2)).map(ids)
    let c = Array(try ActivationBatches(source, batchSize: 7, random: RandomSource(seed: 6), epochs: 2)).map(ids)
    #expect(a.count == 12)
    #expect(a == b)
    #expect(a != c)
  }

  @Test func keepsFileOrderWithoutShuffle() throws {
    let batches = try ActivationBatches(
      numberedRows(10), batchSize: 4, random: RandomSource(seed: 1), shuffle: false, epochs: 2)
    #expect(Array(batches).map(ids) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
  }

  @Test func dropsTheShortLastBatch() throws {
    var batches = try ActivationBatches(
      numberedRows(23), batchSize: 5, random: RandomSource(seed: 2), dropLast: true, epochs: 2)
    #expect(batches.batchesPerEpoch == 4)
    for e in 0..<2 {
      var seen = [Int]()
      for _ in 0..<4 {
        let next = batches.next()
        let batch = try #require(next)
        #expect(batch.rows == 5)
        seen += ids(batch)
      }
      #expect(Set(seen).count == 20)
      #expect(seen == Array(batches.order(forEpoch: e).prefix(20)))
    }
    #expect(batches.next() == nil)
  }

  @Test func cyclesForeverWithoutAnEpochLimit() throws {
    var batches = try ActivationBatches(numberedRows(10), batchSize: 4, random: RandomSource(seed: 3), epochs: nil)
    var counts = [Int](repeating: 0, count: 10)
    for _ in 0..<300 {  // 100 epochs of 3 batches
      let next = batches.next()
      let batch = try #require(next)
      for i in ids(batch) { counts[i] += 1 }
    }
    #expect(batches.epoch == 100)
    #expect(counts == [Int](repeating: 100, count: 10))
  }

  @Test func mappedAndInMemorySourcesGiveTheSameBatches() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    var rng = RandomSource(seed: 9)
    let m = Matrix.gaussian(rows: 37, cols: 16, using: &rng)
    try NPY.write(m, to: folder + "/acts.npy")
    let mapped = try NPY.map(folder + "/acts.npy")
    let fromMemory = Array(try ActivationBatches(m, batchSize: 8, random: RandomSource(seed: 4), epochs: 3))
    let fromFile = Array(try ActivationBatches(mapped, batchSize: 8, random: RandomSource(seed: 4), epochs: 3))
    #expect(fromMemory.count == 15)
    #expect(fromMemory == fromFile)

    // A float16 file gives the batches of its (rounded) values.
    let halves = m.map { Float(Float16($0)) }
    try NPY.write(m, dtype: .float16, to: folder + "/acts16.npy")
    let mappedHalves = try NPY.map(folder + "/acts16.npy")
    #expect(Array(try ActivationBatches(mappedHalves, batchSize: 8, random: RandomSource(seed: 4), epochs: 1))
      == Array(try ActivationBatches(halves, batchSize: 8, random: RandomSource(seed: 4), epochs: 1)))
  }

  @Test func gatherRowsMatchesMatrixRows() throws {
    var rng = RandomSource(seed: 8)
    let m = Matrix.gaussian(rows: 12, cols: 5, using: &rng)
    let indices = [11, 0, 4, 4, 7]
    var out = Matrix(rows: indices.count, cols: 5)
    out.storage.withUnsafeMutableBufferPointer { dst in
      if let d = dst.baseAddress { indices.withUnsafeBufferPointer { m.gatherRows(at: $0, into: d) } }
    }
    #expect(out == m.rows(indices))
  }

  @Test func rejectsSettingsThatYieldNothingForever() throws {
    #expect(throws: SAEKitError.self) {
      try ActivationBatches(numberedRows(4), batchSize: 0, random: RandomSource(seed: 1))
    }
    #expect(throws: SAEKitError.self) {
      try ActivationBatches(numberedRows(4), batchSize: 2, random: RandomSource(seed: 1), epochs: -1)
    }
    #expect(throws: SAEKitError.self) {
      try ActivationBatches(Matrix(rows: 0, cols: 3), batchSize: 2, random: RandomSource(seed: 1), epochs: nil)
    }
    #expect(throws: SAEKitError.self) {
      try ActivationBatches(numberedRows(4), batchSize: 5, random: RandomSource(seed: 1), dropLast: true, epochs: nil)
    }
    // Finite runs over nothing simply end.
    var none = try ActivationBatches(Matrix(rows: 0, cols: 3), batchSize: 2, random: RandomSource(seed: 1))
    #expect(none.next() == nil)
    var zero = try ActivationBatches(numberedRows(4), batchSize: 2, random: RandomSource(seed: 1), epochs: 0)
    #expect(zero.next() == nil)
    // A batch larger than the source is the whole source.
    var big = try ActivationBatches(numberedRows(4), batchSize: 10, random: RandomSource(seed: 1))
    #expect(big.next()?.rows == 4)
    #expect(big.next() == nil)
  }
}
