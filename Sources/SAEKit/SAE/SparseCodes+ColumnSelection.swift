/// The per-column budget of ``SparseCodes/selecting(_:budget:rankedBy:)``
/// (Feature Choice: latent `j` takes its `capacities[j]` best tokens).
extension SparseCodes {
  /// Columns gathered per tile: each row contributes one contiguous run of this many scores.
  static let columnTile = 32
  /// Rows transposed together, so each column of the tile is written in runs of this length.
  static let rowTile = 16

  /// The `capacities[j]` largest keys of every column `j` (ties to the lower
  /// row), kept when non-zero, and per column the smallest kept key, or 0
  /// when the column kept fewer entries than its capacity (an affinity
  /// clamped at 0 filled the rest).
  ///
  /// Columns are gathered a tile at a time into a column-major scratch and go
  /// through the row kernel (``TopKSelection``); tiles are split over fixed
  /// chunks, so the result does not depend on the core count.
  static func columnTop(
    _ scores: Matrix, capacities: [Int], ranking: SelectionRanking
  ) -> (codes: SparseCodes, cuts: [Float]) {
    let b = scores.rows, m = scores.cols, tile = columnTile
    var offset = [Int](repeating: 0, count: m + 1)
    for j in 0..<m { offset[j + 1] = offset[j] + min(max(capacities[j], 0), b) }
    var rowIds = [Int32](repeating: 0, count: offset[m])
    var values = [Float](repeating: 0, count: offset[m])
    var kept = [Int](repeating: 0, count: m)
    var cuts = [Float](repeating: 0, count: m)
    scores.storage.withUnsafeBufferPointer { sb in
      rowIds.withUnsafeMutableBufferPointer { rb in
        values.withUnsafeMutableBufferPointer { vb in
          kept.withUnsafeMutableBufferPointer { kb in
            cuts.withUnsafeMutableBufferPointer { cb in
              let (sp, rp, vp, kp, cp) = (sb.baseAddress!, rb.baseAddress!, vb.baseAddress!, kb.baseAddress!, cb.baseAddress!)
              Parallel.forEachRange(count: (m + tile - 1) / tile) { tiles in
                let columns = UnsafeMutablePointer<Float>.allocate(capacity: tile * b)
                let scratchValues = UnsafeMutablePointer<Float>.allocate(capacity: b)
                let scratchIndices = UnsafeMutablePointer<Int32>.allocate(capacity: b)
                defer { columns.deallocate(); scratchValues.deallocate(); scratchIndices.deallocate() }
                for t in tiles {
                  let j0 = t * tile, width = min(tile, m - j0)
                  for r0 in Swift.stride(from: 0, to: b, by: rowTile) {
                    let r1 = min(b, r0 + rowTile)
                    for c in 0..<width {
                      let column = columns + c * b, source = sp + j0 + c
                      for r in r0..<r1 { column[r] = source[r * m] }
                    }
                  }
                  for c in 0..<width {
                    let j = j0 + c, o = offset[j], capacity = offset[j + 1] - o
                    let got = TopKSelection.select(
                      columns + c * b, count: b, k: capacity, indices: rp + o, values: vp + o,
                      byMagnitude: ranking == .magnitude, scratchValues: scratchValues, scratchIndices: scratchIndices)
                    var n = 0, smallest = Float.infinity
                    for e in 0..<got where isKept(vp[o + e], ranking) {
                      rp[o + n] = rp[o + e]
                      vp[o + n] = vp[o + e]
                      smallest = min(smallest, key(vp[o + e], ranking))
                      n += 1
                    }
                    kp[j] = n
                    cp[j] = n == capacity && n > 0 ? smallest : 0
                  }
                }
              }
            }
          }
        }
      }
    }
    return (rowMajor(rows: b, width: m, columnOffsets: offset, kept: kept, rowIds: rowIds, values: values), cuts)
  }

  /// CSR codes from per-column lists (`rowIds`/`values` of column `j` start at
  /// `columnOffsets[j]`, `kept[j]` of them): filled column by column, so every
  /// row's latents come out in ascending order.
  static func rowMajor(
    rows b: Int, width m: Int, columnOffsets: [Int], kept: [Int], rowIds: [Int32], values: [Float]
  ) -> SparseCodes {
    var start = [Int](repeating: 0, count: b + 1)
    for j in 0..<m {
      for e in columnOffsets[j]..<(columnOffsets[j] + kept[j]) { start[Int(rowIds[e]) + 1] += 1 }
    }
    for r in 0..<b { start[r + 1] += start[r] }
    var next = start
    var idx = [Int32](repeating: 0, count: start[b])
    var val = [Float](repeating: 0, count: start[b])
    for j in 0..<m {
      for e in columnOffsets[j]..<(columnOffsets[j] + kept[j]) {
        let r = Int(rowIds[e])
        idx[next[r]] = Int32(j)
        val[next[r]] = values[e]
        next[r] += 1
      }
    }
    return SparseCodes(unchecked: b, width: m, rowStart: start, indices: idx, values: val)
  }
}
