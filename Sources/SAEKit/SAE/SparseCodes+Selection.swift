import CVectorKernels

/// Building ``SparseCodes`` from a dense `(B × m)` pre-activation matrix, one
/// row per thread chunk. Both builders are deterministic for any core count.
extension SparseCodes {
  /// The top `k` entries of every row by value, kept when `> 0` (TopK's ReLU
  /// after the selection), or by absolute value, kept when `≠ 0` with their signs.
  ///
  /// Cost: about `B·m` comparisons (partial selection, see ``TopKSelection``).
  public static func topK(of pre: Matrix, k: Int, rankedBy ranking: SelectionRanking = .value) -> SparseCodes {
    topK(of: pre, perRow: nil, k: k, rankedBy: ranking)
  }

  /// The top `ks[r]` entries of row `r` (a per-token budget: Top-AFA), as ``topK(of:k:rankedBy:)``.
  static func topK(of pre: Matrix, perRow ks: [Int]?, k: Int, rankedBy ranking: SelectionRanking) -> SparseCodes {
    let b = pre.rows, m = pre.cols, kk = min(ks.map { $0.max() ?? 0 } ?? k, m), byMagnitude = ranking == .magnitude
    guard kk > 0 else {
      return SparseCodes(unchecked: b, width: m, rowStart: [Int](repeating: 0, count: b + 1), indices: [], values: [])
    }
    var idx = [Int32](repeating: 0, count: b * kk)
    var val = [Float](repeating: 0, count: b * kk)
    var counts = [Int](repeating: 0, count: b)
    pre.storage.withUnsafeBufferPointer { p in
      idx.withUnsafeMutableBufferPointer { ib in
        val.withUnsafeMutableBufferPointer { vb in
          counts.withUnsafeMutableBufferPointer { cb in
            let (pp, ip, vp, cp) = (p.baseAddress!, ib.baseAddress!, vb.baseAddress!, cb.baseAddress!)
            Parallel.forEachRange(count: b) { rows in
              let scratchValues = UnsafeMutablePointer<Float>.allocate(capacity: m)
              let scratchIndices = UnsafeMutablePointer<Int32>.allocate(capacity: m)
              defer { scratchValues.deallocate(); scratchIndices.deallocate() }
              for r in rows {
                let n = TopKSelection.select(
                  pp + r * m, count: m, k: ks.map { min(max($0[r], 0), kk) } ?? kk, indices: ip + r * kk,
                  values: vp + r * kk, byMagnitude: byMagnitude,
                  scratchValues: scratchValues, scratchIndices: scratchIndices)
                var kept = 0
                for e in 0..<n where isKept(vp[r * kk + e], ranking) {
                  ip[r * kk + kept] = ip[r * kk + e]
                  vp[r * kk + kept] = vp[r * kk + e]
                  kept += 1
                }
                cp[r] = kept
              }
            }
          }
        }
      }
    }
    return compacted(rows: b, width: m, stride: kk, counts: counts, indices: idx, values: val)
  }

  /// Every entry for which `keep(latent, value)` holds, in two parallel passes: count per row,
  /// then fill. (The closure is called per entry; the thresholds of ``above(_:threshold:)`` and
  /// ``above(_:thresholds:)`` are compared eight entries at a time.)
  public static func filtering(_ pre: Matrix, keep: (Int, Float) -> Bool) -> SparseCodes {
    withoutActuallyEscaping(keep) { collecting(pre, Keeping(keep: $0)) }
  }

  /// Every entry `> threshold` (ReLU: 0; BatchTopK's inference: θ); NaN is never kept. With
  /// `kernels` (the default on AVX-512 and AVX2 CPUs, ``TopKSelection/kernelsAvailable``) rows
  /// are collected by the C kernel `sae_collect_above`, otherwise by the Swift scan; both keep
  /// the same entries.
  public static func above(_ pre: Matrix, threshold: Float, kernels: Bool = TopKSelection.kernelsAvailable) -> SparseCodes {
    collecting(pre, AboveThreshold(threshold: threshold, kernels: kernels))
  }

  /// Every entry of latent `j` that is `> thresholds[j]` (JumpReLU's θ); NaN is never kept
  /// (`kernels` as in ``above(_:threshold:kernels:)``).
  public static func above(_ pre: Matrix, thresholds: [Float], kernels: Bool = TopKSelection.kernelsAvailable) -> SparseCodes {
    precondition(thresholds.count == pre.cols, "one threshold per latent")
    return thresholds.withUnsafeBufferPointer {
      collecting(pre, AboveLatentThresholds(thresholds: $0.baseAddress, kernels: kernels))
    }
  }

  /// The entries `scanner` emits for each row (`emit(latent, value)`, in ascending latent
  /// order), in two parallel passes: count per row, then fill. Generic, so that each scanner's
  /// comparison is specialised into the loops.
  static func collecting<Scanner: RowScanner>(_ pre: Matrix, _ scanner: Scanner) -> SparseCodes {
    let b = pre.rows, m = pre.cols
    var start = [Int](repeating: 0, count: b + 1)
    guard !pre.storage.isEmpty else {
      return SparseCodes(unchecked: b, width: m, rowStart: start, indices: [], values: [])
    }
    pre.storage.withUnsafeBufferPointer { p in
      start.withUnsafeMutableBufferPointer { sb in
        let (pp, sp) = (p.baseAddress!, sb.baseAddress!)
        Parallel.forEachRange(count: b) { rows in
          for r in rows {
            sp[r + 1] = scanner.count(pp + r * m, m)
          }
        }
      }
    }
    for r in 0..<b { start[r + 1] += start[r] }
    var idx = [Int32](repeating: 0, count: start[b])
    var val = [Float](repeating: 0, count: start[b])
    pre.storage.withUnsafeBufferPointer { p in
      idx.withUnsafeMutableBufferPointer { ib in
        val.withUnsafeMutableBufferPointer { vb in
          let (pp, ip, vp) = (p.baseAddress!, ib.baseAddress, vb.baseAddress)
          guard ip != nil else { return }  // no entries at all
          Parallel.forEachRange(count: b) { rows in
            for r in rows {
              var e = start[r]
              if scanner.collect(pp + r * m, m, vp! + e, ip! + e, capacity: start[r + 1] - e) { continue }
              scanner.scan(pp + r * m, m) { j, v in ip![e] = Int32(j); vp![e] = v; e += 1 }
            }
          }
        }
      }
    }
    return SparseCodes(unchecked: b, width: m, rowStart: start, indices: idx, values: val)
  }

  /// Packs rows stored at a fixed `stride` with `counts[r]` valid entries.
  static func compacted(rows b: Int, width m: Int, stride: Int, counts: [Int], indices: [Int32], values: [Float]) -> SparseCodes {
    if counts.allSatisfy({ $0 == stride }) {
      return SparseCodes(rows: b, width: m, k: stride, indices: indices, values: values)
    }
    var start = [Int](repeating: 0, count: b + 1)
    for r in 0..<b { start[r + 1] = start[r] + counts[r] }
    var idx = [Int32](repeating: 0, count: start[b])
    var val = [Float](repeating: 0, count: start[b])
    start.withUnsafeBufferPointer { sb in
    indices.withUnsafeBufferPointer { ib in
    values.withUnsafeBufferPointer { vb in
    idx.withUnsafeMutableBufferPointer { ob in
    val.withUnsafeMutableBufferPointer { wb in
      guard let ip = ib.baseAddress, let vp = vb.baseAddress, let op = ob.baseAddress, let wp = wb.baseAddress
      else { return }
      let sp = sb.baseAddress!
      Matrix.forEachBlock(count: b, width: stride) { rows in
        for r in rows {
          (op + sp[r]).update(from: ip + r * stride, count: sp[r + 1] - sp[r])
          (wp + sp[r]).update(from: vp + r * stride, count: sp[r + 1] - sp[r])
        }
      }
    }}}}}
    return SparseCodes(unchecked: b, width: m, rowStart: start, indices: idx, values: val)
  }

  /// Internal initialiser for codes built by trusted kernels.
  init(unchecked rows: Int, width: Int, rowStart: [Int], indices: [Int32], values: [Float]) {
    self.rows = rows
    self.width = width
    self.rowStart = rowStart
    self.indices = indices
    self.values = values
  }
}

/// One row's entries to keep, for ``SparseCodes/collecting(_:_:)``: `scan` calls
/// `emit(latent, value)` for each, in ascending latent order.
protocol RowScanner {
  func scan(_ row: UnsafePointer<Float>, _ count: Int, _ emit: (Int, Float) -> Void)
  /// How many entries ``scan(_:_:_:)`` emits.
  func count(_ row: UnsafePointer<Float>, _ count: Int) -> Int
  /// Writes the `capacity` entries ``scan(_:_:_:)`` would emit straight into `values` and
  /// `indices` (a C kernel), or returns false to have them emitted one by one.
  func collect(
    _ row: UnsafePointer<Float>, _ count: Int, _ values: UnsafeMutablePointer<Float>, _ indices: UnsafeMutablePointer<Int32>,
    capacity: Int
  ) -> Bool
}

extension RowScanner {
  @inline(__always) func collect(
    _ row: UnsafePointer<Float>, _ count: Int, _ values: UnsafeMutablePointer<Float>, _ indices: UnsafeMutablePointer<Int32>,
    capacity: Int
  ) -> Bool { false }

  @inline(__always) func count(_ row: UnsafePointer<Float>, _ count: Int) -> Int {
    var n = 0
    scan(row, count) { _, _ in n += 1 }
    return n
  }
}

/// The number of `true` lanes of a comparison.
@inline(__always)
private func trueLanes(_ mask: SIMDMask<SIMD8<Int32>>) -> Int {
  Int(SIMD8<Int32>(repeating: 0).replacing(with: 1, where: mask).wrappedSum())
}

/// Entries for which a closure holds.
struct Keeping: RowScanner {
  let keep: (Int, Float) -> Bool
  @inline(__always) func scan(_ row: UnsafePointer<Float>, _ count: Int, _ emit: (Int, Float) -> Void) {
    for j in 0..<count where keep(j, row[j]) { emit(j, row[j]) }
  }
}

/// The threshold scanners' ``RowScanner/collect(_:_:_:_:capacity:)``: `sae_collect_above`,
/// which must find exactly the `capacity` entries the count pass found.
@inline(__always)
private func collectAbove(
  _ row: UnsafePointer<Float>, _ count: Int, _ threshold: Float, _ thresholds: UnsafePointer<Float>?,
  _ values: UnsafeMutablePointer<Float>, _ indices: UnsafeMutablePointer<Int32>, _ capacity: Int
) -> Bool {
  let kept = sae_collect_above(row, count, threshold, thresholds, values, indices, capacity)
  precondition(kept == capacity, "the count and collect passes disagree")
  return true
}

/// Entries `> threshold`; blocks of eight with none are skipped by one vector comparison.
struct AboveThreshold: RowScanner {
  let threshold: Float
  let kernels: Bool
  @inline(__always) func collect(
    _ row: UnsafePointer<Float>, _ count: Int, _ values: UnsafeMutablePointer<Float>, _ indices: UnsafeMutablePointer<Int32>,
    capacity: Int
  ) -> Bool {
    kernels && collectAbove(row, count, threshold, nil, values, indices, capacity)
  }
  @inline(__always) func scan(_ row: UnsafePointer<Float>, _ count: Int, _ emit: (Int, Float) -> Void) {
    let t = SIMD8<Float>(repeating: threshold)
    var j = 0
    while j + 8 <= count {
      let v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
      if any(v .> t) {
        for lane in 0..<8 where row[j + lane] > threshold { emit(j + lane, row[j + lane]) }
      }
      j += 8
    }
    while j < count {
      if row[j] > threshold { emit(j, row[j]) }
      j += 1
    }
  }

  @inline(__always) func count(_ row: UnsafePointer<Float>, _ count: Int) -> Int {
    let t = SIMD8<Float>(repeating: threshold)
    var n = 0, j = 0
    while j + 8 <= count {
      n += trueLanes(UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self) .> t)
      j += 8
    }
    while j < count { n += row[j] > threshold ? 1 : 0; j += 1 }
    return n
  }
}

/// Entries of latent `j` that are `> thresholds[j]`, compared eight at a time.
struct AboveLatentThresholds: RowScanner {
  let thresholds: UnsafePointer<Float>?
  let kernels: Bool
  @inline(__always) func collect(
    _ row: UnsafePointer<Float>, _ count: Int, _ values: UnsafeMutablePointer<Float>, _ indices: UnsafeMutablePointer<Int32>,
    capacity: Int
  ) -> Bool {
    guard let thresholds else { return false }
    return kernels && collectAbove(row, count, 0, thresholds, values, indices, capacity)
  }
  @inline(__always) func scan(_ row: UnsafePointer<Float>, _ count: Int, _ emit: (Int, Float) -> Void) {
    guard let thresholds else { return }
    var j = 0
    while j + 8 <= count {
      let v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
      let t = UnsafeRawPointer(thresholds + j).loadUnaligned(as: SIMD8<Float>.self)
      if any(v .> t) {
        for lane in 0..<8 where row[j + lane] > thresholds[j + lane] { emit(j + lane, row[j + lane]) }
      }
      j += 8
    }
    while j < count {
      if row[j] > thresholds[j] { emit(j, row[j]) }
      j += 1
    }
  }

  @inline(__always) func count(_ row: UnsafePointer<Float>, _ count: Int) -> Int {
    guard let thresholds else { return 0 }
    var n = 0, j = 0
    while j + 8 <= count {
      let v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
      n += trueLanes(v .> UnsafeRawPointer(thresholds + j).loadUnaligned(as: SIMD8<Float>.self))
      j += 8
    }
    while j < count { n += row[j] > thresholds[j] ? 1 : 0; j += 1 }
    return n
  }
}

/// Entries `≠ 0` (NaN included, as `!=` has it); blocks of eight zeros are skipped by one vector comparison.
struct NonZero: RowScanner {
  @inline(__always) func scan(_ row: UnsafePointer<Float>, _ count: Int, _ emit: (Int, Float) -> Void) {
    var j = 0
    while j + 8 <= count {
      if any(UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self) .!= SIMD8<Float>()) {
        for lane in 0..<8 where row[j + lane] != 0 { emit(j + lane, row[j + lane]) }
      }
      j += 8
    }
    while j < count {
      if row[j] != 0 { emit(j, row[j]) }
      j += 1
    }
  }
}
