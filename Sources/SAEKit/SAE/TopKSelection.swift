/// Partial top-k selection: the `k` largest entries of a row, without sorting
/// the row.
///
/// A size-`k` min-heap keyed by `(value, −index)` scans the row once; most
/// entries are rejected by a single comparison with the heap's minimum, so the
/// cost is about `m` comparisons plus `O(k log k)` per accepted entry — far
/// below a full `O(m log m)` sort. Ties are broken deterministically in favour
/// of the lower latent index. The result is returned in ascending index order,
/// a canonical order independent of the heap's internals.
public enum TopKSelection {
  /// `true` when `(a, ia)` ranks below `(b, ib)`: smaller value, or equal value
  /// and larger index.
  @inline(__always)
  static func ranksBelow(_ a: Float, _ ia: Int32, _ b: Float, _ ib: Int32) -> Bool {
    a < b || (a == b && ia > ib)
  }

  /// Selects the `k` largest of `row[0..<count]` (by `key(row[i])`) into
  /// `indices`/`values` (each with room for `k`), sorted by index.
  /// `values` receives the original entries, not the keys.
  /// - Returns: the number selected, `min(k, count)`.
  @inline(__always)
  public static func select(
    _ row: UnsafePointer<Float>, count: Int, k: Int,
    indices: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Float>,
    key: (Float) -> Float = { $0 }
  ) -> Int {
    let k = min(k, count)
    guard k > 0 else { return 0 }
    // Heap of keys in `values`, latent ids in `indices`; heap[0] is the minimum.
    for i in 0..<k {
      indices[i] = Int32(i)
      values[i] = key(row[i])
      siftUp(i, indices, values)
    }
    var minKey = values[0]
    for i in k..<count {
      let v = key(row[i])
      if v > minKey {  // an equal value has a larger index than every held one, so it ranks below
        values[0] = v
        indices[0] = Int32(i)
        siftDown(k, indices, values)
        minKey = values[0]
      }
    }
    // Canonical order: ascending latent index (insertion sort, k is small).
    for i in 1..<k {
      let idx = indices[i]
      var j = i
      while j > 0 && indices[j - 1] > idx {
        indices[j] = indices[j - 1]
        j -= 1
      }
      indices[j] = idx
    }
    for i in 0..<k { values[i] = row[Int(indices[i])] }
    return k
  }

  @inline(__always)
  static func siftUp(_ start: Int, _ idx: UnsafeMutablePointer<Int32>, _ key: UnsafeMutablePointer<Float>) {
    var c = start
    while c > 0 {
      let p = (c - 1) / 2
      guard ranksBelow(key[c], idx[c], key[p], idx[p]) else { return }
      swapAt(c, p, idx, key)
      c = p
    }
  }

  @inline(__always)
  static func siftDown(_ n: Int, _ idx: UnsafeMutablePointer<Int32>, _ key: UnsafeMutablePointer<Float>) {
    var p = 0
    while true {
      let l = 2 * p + 1
      guard l < n else { return }
      var c = l
      let r = l + 1
      if r < n && ranksBelow(key[r], idx[r], key[l], idx[l]) { c = r }
      guard ranksBelow(key[c], idx[c], key[p], idx[p]) else { return }
      swapAt(c, p, idx, key)
      p = c
    }
  }

  @inline(__always)
  static func swapAt(_ a: Int, _ b: Int, _ idx: UnsafeMutablePointer<Int32>, _ key: UnsafeMutablePointer<Float>) {
    let ti = idx[a]; idx[a] = idx[b]; idx[b] = ti
    let tk = key[a]; key[a] = key[b]; key[b] = tk
  }
}

extension TopKSelection {
  /// The `k`-th largest of `buffer[0..<count]` (1-based `k`), by in-place
  /// quickselect (expected `O(count)`, median-of-three pivots). Reorders the buffer.
  public static func kthLargest(_ buffer: UnsafeMutablePointer<Float>, count: Int, k: Int) -> Float {
    precondition(k >= 1 && k <= count, "kthLargest needs 1 ≤ k ≤ count")
    var lo = 0, hi = count - 1
    let target = k - 1  // position in descending order
    while lo < hi {
      let mid = lo + (hi - lo) / 2
      // Median of three as pivot.
      let a = buffer[lo], b = buffer[mid], c = buffer[hi]
      let pivot = max(min(a, b), min(max(a, b), c))
      var i = lo, j = hi
      while i <= j {
        while buffer[i] > pivot { i += 1 }
        while buffer[j] < pivot { j -= 1 }
        if i <= j {
          let t = buffer[i]; buffer[i] = buffer[j]; buffer[j] = t
          i += 1; j -= 1
        }
      }
      if target <= j { hi = j } else if target >= i { lo = i } else { return buffer[target] }
    }
    return buffer[target]
  }
}
