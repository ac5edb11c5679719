/// The whole-batch budget of ``SparseCodes/selecting(_:budget:rankedBy:)``
/// (BatchTopK, Mutual Choice: the `M = k·B` largest scores of the batch).
extension SparseCodes {
  /// Sampled scores per batch when looking for a lower bound on the cut.
  static let cutSampleSize = 32_768

  /// The `budget` largest non-zero keys of the whole matrix (ties to the lower
  /// row-major position), and the smallest kept key (0 when nothing is kept).
  ///
  /// A lower bound on the cut from a strided sample keeps only a few times
  /// `budget` candidates (two parallel, vectorised passes, ``atLeast(_:_:_:)``); a
  /// quickselect finds the exact cut among them, and one pass in row-major
  /// order keeps the ties at the cut until the budget is spent. When the bound
  /// leaves too few candidates, every non-zero key is a candidate: the result
  /// never depends on the sample.
  static func batchTop(_ scores: Matrix, budget: Int, ranking: SelectionRanking) -> (SparseCodes, Float) {
    let bound = sampledLowerBound(scores.storage, budget: budget, ranking: ranking)
    var candidates = atLeast(scores, bound, ranking)
    if candidates.values.count < budget && bound > 0 { candidates = atLeast(scores, 0, ranking) }
    var keys = candidates.values.map { key($0, ranking) }
    guard keys.count > budget else { return (candidates, keys.min() ?? 0) }
    guard budget > 0 else { return (above(scores, threshold: .infinity), 0) }
    let cut = keys.withUnsafeMutableBufferPointer {
      TopKSelection.kthLargest($0.baseAddress!, count: $0.count, k: budget)
    }
    var ties = budget - keys.reduce(0) { $1 > cut ? $0 + 1 : $0 }
    var start = [0]
    var idx = [Int32](), val = [Float]()
    idx.reserveCapacity(budget)
    val.reserveCapacity(budget)
    for r in 0..<candidates.rows {
      for e in candidates.entries(row: r) {
        let v = candidates.values[e], k = key(v, ranking)
        guard k > cut || (k == cut && ties > 0) else { continue }
        if k == cut { ties -= 1 }
        idx.append(candidates.indices[e])
        val.append(v)
      }
      start.append(idx.count)
    }
    let codes = SparseCodes(unchecked: candidates.rows, width: candidates.width, rowStart: start, indices: idx, values: val)
    return (codes, cut)
  }

  /// A key with, very likely, at least `budget` keys of `scores` at or above
  /// it: the key of rank `1.5·budget·S/n + 64` in a strided sample of `S`
  /// entries. 0 (no bound) when the budget is a large share of the batch.
  static func sampledLowerBound(_ scores: [Float], budget: Int, ranking: SelectionRanking) -> Float {
    let n = scores.count, step = max(1, n / cutSampleSize)
    var sample = Swift.stride(from: 0, to: n, by: step).map { key(scores[$0], ranking) }.filter { $0 > 0 }
    let rank = Int(1.5 * Double(budget) * Double(n / step) / Double(max(n, 1))) + 64
    guard rank <= sample.count else { return 0 }
    return sample.withUnsafeMutableBufferPointer {
      TopKSelection.kthLargest($0.baseAddress!, count: $0.count, k: rank)
    }
  }

  /// The entries whose key is `≥ lower` and `> 0`, in row-major order.
  static func atLeast(_ scores: Matrix, _ lower: Float, _ ranking: SelectionRanking) -> SparseCodes {
    let floor = max(lower, .leastNonzeroMagnitude)
    return ranking == .value ? atLeast(scores, floor, ValueKey.self) : atLeast(scores, floor, MagnitudeKey.self)
  }

  /// ``collecting(_:_:)`` with the comparison specialised and vectorised.
  static func atLeast<Key: SelectionKey>(_ scores: Matrix, _ floor: Float, _ key: Key.Type) -> SparseCodes {
    collecting(scores, KeysAtLeast<Key>(floor: floor))
  }

  /// Entries whose key is `≥ floor` (``forEachKey(_:_:atLeast:_:_:)``).
  struct KeysAtLeast<Key: SelectionKey>: RowScanner {
    let floor: Float
    @inline(__always) func scan(_ row: UnsafePointer<Float>, _ count: Int, _ emit: (Int, Float) -> Void) {
      forEachKey(row, count, atLeast: floor, Key.self, emit)
    }
  }

  /// Calls `body(j, row[j])` for every `j` whose key is `≥ floor`, in order;
  /// blocks of eight without such a key are skipped by one vector comparison.
  @inline(__always)
  static func forEachKey<Key: SelectionKey>(
    _ row: UnsafePointer<Float>, _ count: Int, atLeast floor: Float, _ key: Key.Type, _ body: (Int, Float) -> Void
  ) {
    let threshold = SIMD8<Float>(repeating: floor)
    var j = 0
    while j + 8 <= count {
      let keys = Key.keys(UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self))
      if any(keys .>= threshold) {
        for t in 0..<8 where keys[t] >= floor { body(j + t, row[j + t]) }
      }
      j += 8
    }
    while j < count {
      if Key.key(row[j]) >= floor { body(j, row[j]) }
      j += 1
    }
  }
}
