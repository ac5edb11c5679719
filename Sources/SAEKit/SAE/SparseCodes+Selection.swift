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
            Parallel.forEachChunk(count: b) { _, rows in
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

  /// Every entry for which `keep(latent, value)` holds (e.g. ReLU: `v > 0`,
  /// JumpReLU: `v > θ_j`). Two parallel passes: count per row, then fill.
  public static func filtering(_ pre: Matrix, keep: (Int, Float) -> Bool) -> SparseCodes {
    let m = pre.cols
    return collecting(pre) { row, emit in
      for j in 0..<m where keep(j, row[j]) { emit(j, row[j]) }
    }
  }

  /// The entries `scan(row, emit)` emits for each row (`emit(latent, value)`, in
  /// ascending latent order), in two parallel passes: count per row, then fill.
  @inline(__always)
  static func collecting(
    _ pre: Matrix, _ scan: (UnsafePointer<Float>, _ emit: (Int, Float) -> Void) -> Void
  ) -> SparseCodes {
    let b = pre.rows, m = pre.cols
    var start = [Int](repeating: 0, count: b + 1)
    guard !pre.storage.isEmpty else {
      return SparseCodes(unchecked: b, width: m, rowStart: start, indices: [], values: [])
    }
    pre.storage.withUnsafeBufferPointer { p in
      start.withUnsafeMutableBufferPointer { sb in
        let (pp, sp) = (p.baseAddress!, sb.baseAddress!)
        Parallel.forEachChunk(count: b) { _, rows in
          for r in rows {
            var n = 0
            scan(pp + r * m) { _, _ in n += 1 }
            sp[r + 1] = n
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
          Parallel.forEachChunk(count: b) { _, rows in
            for r in rows {
              var e = start[r]
              scan(pp + r * m) { j, v in ip![e] = Int32(j); vp![e] = v; e += 1 }
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
