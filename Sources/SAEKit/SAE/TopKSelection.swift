import CVectorKernels

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
  /// Whether the vector C kernels of `topk_scan.c` run here (AVX-512 or AVX2): the default of
  /// ``prefiltered`` and of threshold-code collection (``SparseCodes/above(_:threshold:kernels:)``).
  public static let kernelsAvailable = VectorKernels.bits > 0

  /// `true` when `(a, ia)` ranks below `(b, ib)`: smaller value, or equal value
  /// and larger index.
  @inline(__always)
  static func ranksBelow(_ a: Float, _ ia: Int32, _ b: Float, _ ib: Int32) -> Bool {
    a < b || (a == b && ia > ib)
  }

  /// Selects the `k` largest of `row[0..<count]` (or the `k` largest by
  /// absolute value) into `indices`/`values` (each with room for `k`), sorted
  /// by index. `values` receives the row's entries, not their magnitudes.
  /// NaN entries are never selected unless fewer than `k` others exist.
  /// - Returns: the number selected, `min(k, count)`.
  @inline(__always)
  public static func select(
    _ row: UnsafePointer<Float>, count: Int, k: Int,
    indices: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Float>,
    byMagnitude: Bool = false
  ) -> Int {
    byMagnitude
      ? select(row, count: count, k: k, indices: indices, values: values, key: MagnitudeKey.self)
      : select(row, count: count, k: k, indices: indices, values: values, key: ValueKey.self)
  }

  /// As ``select(_:count:k:indices:values:byMagnitude:)``, faster on long
  /// rows: a cut `T` is found first as the `k`-th largest of about `4k` block
  /// maxima (so at least `k` entries are `≥ T`), then only the entries `≥ T`
  /// — typically a few times `k` — go through the heap (on AVX-512 and AVX2 CPUs, the
  /// C kernels of ``prefiltered`` find the cut and take the `k` largest
  /// candidates without a heap). When `k` is an eighth
  /// of the row or more, the cut is the exact `k`-th largest key instead
  /// (quickselect on a copy). Same result, same tie-breaking. `scratchValues`/`scratchIndices` need room for `count` entries.
  @inline(__always)
  public static func select(
    _ row: UnsafePointer<Float>, count: Int, k: Int,
    indices: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Float>, byMagnitude: Bool = false,
    scratchValues: UnsafeMutablePointer<Float>, scratchIndices: UnsafeMutablePointer<Int32>
  ) -> Int {
    byMagnitude
      ? prefiltered(row, count, k, indices, values, scratchValues, scratchIndices, MagnitudeKey.self)
      : prefiltered(row, count, k, indices, values, scratchValues, scratchIndices, ValueKey.self)
  }

  /// With `kernels`, the passes run as the C kernels (`sae_block_maxima`,
  /// `sae_kth_largest`, `sae_collect_at_least`, `sae_take_top`); otherwise the 8-wide Swift
  /// loops, ``kthLargest(_:count:k:)`` and the heap below. Both give the same cut, candidates
  /// and selection.
  @inline(__always)
  static func prefiltered<Key: SelectionKey>(
    _ row: UnsafePointer<Float>, _ count: Int, _ k: Int,
    _ indices: UnsafeMutablePointer<Int32>, _ values: UnsafeMutablePointer<Float>,
    _ sv: UnsafeMutablePointer<Float>, _ si: UnsafeMutablePointer<Int32>, _ key: Key.Type,
    kernels: Bool = kernelsAvailable
  ) -> Int {
    let blockSize = max(8, count / (4 * max(k, 1)) / 8 * 8)
    let blocks = count / blockSize
    guard k > 0, blocks >= 2 * k else {
      // A large share of the row: a quickselect cut costs O(count) where the heap would take most entries.
      guard k > 0, k * 8 >= count, count >= 64 else {
        return select(row, count: count, k: k, indices: indices, values: values, key: Key.self)
      }
      return selectByCut(row, count, k, indices, values, sv, Key.self)
    }
    // Block maxima (the tail joins the last block), then the k-th largest of them.
    if kernels {
      sae_block_maxima(row, count, blockSize, blocks, Key.magnitude, sv)
    } else {
      blockMaxima(row, count, blockSize, blocks, sv, Key.self)
    }
    let cut = kernels ? sae_kth_largest(sv, blocks, k, Key.magnitude) : kthLargest(sv, count: blocks, k: k)
    guard cut.isFinite else {
      return select(row, count: count, k: k, indices: indices, values: values, key: Key.self)
    }
    // Candidates ≥ cut, in index order; values in sv, original positions in si.
    let n = kernels ? sae_collect_at_least(row, count, cut, Key.magnitude, sv, si) : collect(row, count, atLeast: cut, sv, si, Key.self)
    guard n >= k else {
      return select(row, count: count, k: k, indices: indices, values: values, key: Key.self)
    }
    if kernels { return sae_take_top(sv, si, n, k, Key.magnitude, indices, values) }
    // Select among the candidates (positions into sv), then map back to latent ids.
    let got = select(UnsafePointer(sv), count: n, k: k, indices: indices, values: values, key: Key.self)
    for e in 0..<got { indices[e] = si[Int(indices[e])] }
    return got
  }

  /// The largest key of each block of `blockSize` entries (the tail joins the
  /// last block) into `maxima`; a NaN key never wins (the reference of `sae_block_maxima`).
  @inline(__always)
  static func blockMaxima<Key: SelectionKey>(
    _ row: UnsafePointer<Float>, _ count: Int, _ blockSize: Int, _ blocks: Int, _ maxima: UnsafeMutablePointer<Float>,
    _ key: Key.Type
  ) {
    for b in 0..<blocks {
      let start = b * blockSize, end = b == blocks - 1 ? count : start + blockSize
      var best = SIMD8<Float>(repeating: -.infinity)
      var i = start
      while i + 8 <= end {
        let v = Key.keys(UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self))
        best.replace(with: v, where: v .> best)  // a blend; NaN never replaces
        i += 8
      }
      var m = best[0]
      for lane in 1..<8 where best[lane] > m { m = best[lane] }
      while i < end { m = max(m, Key.key(row[i])); i += 1 }
      maxima[b] = m
    }
  }

  /// The entries whose key is at least `cut`, in index order: values into `sv`,
  /// positions into `si`; returns how many (the reference of `sae_collect_at_least`).
  @inline(__always)
  static func collect<Key: SelectionKey>(
    _ row: UnsafePointer<Float>, _ count: Int, atLeast cut: Float, _ sv: UnsafeMutablePointer<Float>,
    _ si: UnsafeMutablePointer<Int32>, _ key: Key.Type
  ) -> Int {
    var n = 0
    var i = 0
    let threshold = SIMD8<Float>(repeating: cut)
    while i + 8 <= count {
      let block = Key.keys(UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self))
      if any(block .>= threshold) {
        for t in 0..<8 where block[t] >= cut { sv[n] = row[i + t]; si[n] = Int32(i + t); n += 1 }
      }
      i += 8
    }
    while i < count {
      if Key.key(row[i]) >= cut { sv[n] = row[i]; si[n] = Int32(i); n += 1 }
      i += 1
    }
    return n
  }

  @inline(__always)
  static func select<Key: SelectionKey>(
    _ row: UnsafePointer<Float>, count: Int, k: Int,
    indices: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Float>, key: Key.Type
  ) -> Int {
    let k = min(k, count)
    guard k > 0 else { return 0 }
    // Heap of keys in `values`, latent ids in `indices`; heap[0] is the minimum.
    for i in 0..<k {
      indices[i] = Int32(i)
      values[i] = Key.key(row[i])
      siftUp(i, indices, values)
    }
    var minKey = values[0]
    @inline(__always) func offer(_ v: Float, _ i: Int) {
      // An equal value has a larger index than every held one, so it ranks below.
      if v > minKey {
        values[0] = v
        indices[0] = Int32(i)
        siftDown(k, indices, values)
        minKey = values[0]
      }
    }
    // Eight entries at a time: most blocks hold nothing above the heap's
    // minimum and are rejected by one vector comparison.
    var i = k
    let blockEnd = k + (count - k) / 8 * 8
    while i < blockEnd {
      let block = Key.keys(UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self))
      if any(block .> SIMD8(repeating: minKey)) {
        for t in 0..<8 { offer(block[t], i + t) }
      }
      i += 8
    }
    while i < count {
      offer(Key.key(row[i]), i)
      i += 1
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

/// What a selection ranks entries by: their value (TopK; negative entries
/// rank last and are then dropped by a ReLU) or their magnitude (AbsTopK;
/// the kept entries keep their signs).
public enum SelectionRanking: String, Sendable, Codable {
  case value
  case magnitude
}

/// What a selection ranks entries by, as a key function the kernels specialise on.
protocol SelectionKey {
  /// 1 when the key is the absolute value (the C kernels' `magnitude` flag).
  static var magnitude: Int32 { get }
  static func key(_ v: Float) -> Float
  static func keys(_ v: SIMD8<Float>) -> SIMD8<Float>
}

/// Rank by value (TopK).
enum ValueKey: SelectionKey {
  static var magnitude: Int32 { 0 }
  @inline(__always) static func key(_ v: Float) -> Float { v }
  @inline(__always) static func keys(_ v: SIMD8<Float>) -> SIMD8<Float> { v }
}

/// Rank by absolute value (AbsTopK, matching pursuit).
enum MagnitudeKey: SelectionKey {
  static var magnitude: Int32 { 1 }
  @inline(__always) static func key(_ v: Float) -> Float { abs(v) }
  @inline(__always) static func keys(_ v: SIMD8<Float>) -> SIMD8<Float> { v.replacing(with: -v, where: v .< 0) }
}
