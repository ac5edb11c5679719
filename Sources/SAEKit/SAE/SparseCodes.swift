/// Latent codes of a batch in compressed sparse row (CSR) form.
///
/// Row `i`'s entries are `indices[rowStart[i]..<rowStart[i+1]]` (latent ids)
/// with `values[...]` (activations). TopK-family codes have exactly `k`
/// entries per row, some of which may be 0 (a selected latent whose ReLU is 0);
/// ``l0(row:)`` counts only entries `≠ 0`, so signed codes (AbsTopK) count too.
public struct SparseCodes: Sendable, Equatable {
  /// Number of tokens (rows).
  public let rows: Int
  /// Number of latents (dictionary width `m`).
  public let width: Int
  /// `rows + 1` offsets into `indices` / `values`.
  public var rowStart: [Int]
  /// Latent ids, `Int32` to halve memory traffic in the sparse kernels.
  public var indices: [Int32]
  /// Activations, aligned with `indices`.
  public var values: [Float]

  public init(rows: Int, width: Int, rowStart: [Int], indices: [Int32], values: [Float]) throws {
    guard rowStart.count == rows + 1, rowStart.first == 0, rowStart.last == indices.count,
          indices.count == values.count
    else {
      throw SAEKitError.invalidArgument("inconsistent sparse codes: \(rows) rows, \(rowStart.count) offsets, \(indices.count) indices, \(values.count) values")
    }
    if let bad = indices.first(where: { $0 < 0 || Int($0) >= width }) {
      throw SAEKitError.invalidArgument("latent index \(bad) out of range 0..<\(width)")
    }
    self.rows = rows
    self.width = width
    self.rowStart = rowStart
    self.indices = indices
    self.values = values
  }

  /// The rows of `parts`, one after the other (all of one width).
  public static func stacking(_ parts: [SparseCodes]) throws -> SparseCodes {
    guard let first = parts.first else { throw SAEKitError.invalidArgument("no codes to stack") }
    guard parts.allSatisfy({ $0.width == first.width }) else {
      throw SAEKitError.invalidArgument("cannot stack codes of widths \(Set(parts.map(\.width)).sorted())")
    }
    let rows = parts.reduce(0) { $0 + $1.rows }, entries = parts.reduce(0) { $0 + $1.indices.count }
    var rowStart = [Int](), indices = [Int32](), values = [Float]()
    rowStart.reserveCapacity(rows + 1)
    indices.reserveCapacity(entries)
    values.reserveCapacity(entries)
    rowStart.append(0)
    for part in parts {
      let base = indices.count
      rowStart.append(contentsOf: part.rowStart.dropFirst().map { $0 + base })
      indices.append(contentsOf: part.indices)
      values.append(contentsOf: part.values)
    }
    return try SparseCodes(rows: rows, width: first.width, rowStart: rowStart, indices: indices, values: values)
  }

  /// Codes with exactly `k` entries per row, stored row after row.
  public init(rows: Int, width: Int, k: Int, indices: [Int32], values: [Float]) {
    precondition(indices.count == rows * k && values.count == rows * k, "fixed-k codes need rows·k entries")
    self.rows = rows
    self.width = width
    self.rowStart = (0...rows).map { $0 * k }
    self.indices = indices
    self.values = values
  }

  /// Stored entries of row `i` (including explicit zeros).
  public func entries(row i: Int) -> Range<Int> { rowStart[i]..<rowStart[i + 1] }

  /// Number of latents of row `i` whose activation is `≠ 0`.
  public func l0(row i: Int) -> Int {
    var n = 0
    for e in entries(row: i) where values[e] != 0 { n += 1 }
    return n
  }

  /// Mean number of non-zero latents per row.
  public var meanL0: Double {
    guard rows > 0 else { return 0 }
    var n = 0
    for v in values where v != 0 { n += 1 }
    return Double(n) / Double(rows)
  }

  /// `Σ_e (values[e] · latentScales[latent of e] · scale)²` per row, in Double
  /// (no latent scales: every one is 1), over fixed row chunks.
  public func rowSquaredNorms(latentScales: [Float]? = nil, scale: Double = 1) -> [Double] {
    var squares = [Double](repeating: 0, count: rows)
    squares.withUnsafeMutableBufferPointer { sb in
      let sp = sb.baseAddress
      Parallel.forEachRange(count: rows) { range in
        for r in range {
          var s = 0.0
          for e in entries(row: r) {
            let v = Double(values[e]) * Double(latentScales?[Int(indices[e])] ?? 1) * scale
            s += v * v
          }
          sp![r] = s
        }
      }
    }
    return squares
  }

  /// For every latent, the number of rows in which it is `≠ 0`.
  public func firingCounts() -> [Int] {
    var counts = [Int](repeating: 0, count: width)
    for e in 0..<indices.count where values[e] != 0 { counts[Int(indices[e])] += 1 }
    return counts
  }
}
