extension TopKSelection {
  /// The `k` largest keys of `row[0..<count]` when `k` is a large share of it:
  /// the exact cut by quickselect on a copy of the keys (`scratch`, room for
  /// `count`; NaN keys count as `−∞`), then one pass in index order keeps the
  /// keys above the cut and the first ties at it. Same result and order as the heap.
  /// - Complexity: expected `O(count)`.
  @inline(__always)
  static func selectByCut<Key: SelectionKey>(
    _ row: UnsafePointer<Float>, _ count: Int, _ k: Int,
    _ indices: UnsafeMutablePointer<Int32>, _ values: UnsafeMutablePointer<Float>,
    _ scratch: UnsafeMutablePointer<Float>, _ key: Key.Type
  ) -> Int {
    let k = min(k, count)
    @inline(__always) func rankKey(_ i: Int) -> Float {
      let v = Key.key(row[i])
      return v.isNaN ? -.infinity : v
    }
    for i in 0..<count { scratch[i] = rankKey(i) }
    let cut = kthLargest(scratch, count: count, k: k)
    var above = 0
    for i in 0..<count where rankKey(i) > cut { above += 1 }
    var ties = k - above, n = 0
    for i in 0..<count {
      let v = rankKey(i)
      guard v > cut || (v == cut && ties > 0) else { continue }
      if v == cut { ties -= 1 }
      indices[n] = Int32(i)
      values[n] = row[i]
      n += 1
    }
    return n
  }
}
