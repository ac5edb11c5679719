/// `G = D·Dᵀ` of a growing dictionary `D (m × d)`, kept for matching pursuit's
/// Gram-matrix residual update (``MatchingPursuit``): after choosing atom `j`
/// with coefficient `a`, every correlation moves by `corr ← corr − a·G[j, :]`,
/// `O(m)` per step instead of the `O(m·d)` product `r·Dᵀ`.
///
/// Stored row-major with a leading dimension ``stride`` `≥ count`, grown
/// geometrically (×1.5) so that appending atoms batch by batch copies the
/// matrix `O(log m)` times; appending `a` atoms computes only the new rows,
/// `D[new]·Dᵀ` (``Matrix/blockedGemm``, `2·a·m·d` FLOPs), and mirrors them into the new
/// columns, so `G` stays exactly symmetric. Dropping trailing atoms (ITDA's
/// crop) keeps the top-left block as it is.
struct GramMatrix: Sendable {
  /// Row `i` lives at `storage[i·stride ..< i·stride + count]`.
  private(set) var storage: [Float] = []
  private(set) var count = 0
  private(set) var stride = 0

  /// Bytes of a full `m × m` Float matrix, the quantity compared with
  /// ``MatchingPursuit/gramLimitBytes``.
  static func bytes(atoms m: Int) -> Int { m * m * MemoryLayout<Float>.size }

  /// The Gram matrix of all rows of `atoms`.
  init(atoms: Matrix) {
    extend(atoms: atoms, maximumStride: atoms.rows)
  }

  init() {}

  /// Adds the rows `count ..< atoms.rows` of `atoms` (the rows before them must
  /// be the atoms `G` already holds). `maximumStride` caps the geometric growth.
  mutating func extend(atoms: Matrix, maximumStride: Int) {
    let old = count, new = atoms.rows, d = atoms.cols
    precondition(new >= old, "Gram matrix cannot shrink by extend")
    guard new > old else { return }
    if new > stride { reserve(max(new, min(maximumStride, stride + stride / 2))) }
    let ld = stride
    atoms.storage.withUnsafeBufferPointer { ab in
      storage.withUnsafeMutableBufferPointer { gb in
        let a = ab.baseAddress!, g = gb.baseAddress!
        if d > 0 {
          // Rows old..<new, columns 0..<new: D[old..<new]·D[0..<new]ᵀ.
          Matrix.blockedGemm(
            transposeB: true, m: new - old, n: new, k: d, a: a + old * d, lda: d, b: a, ldb: d, c: g + old * ld, ldc: ld)
        } else {
          for i in old..<new { (g + i * ld).update(repeating: 0, count: new) }
        }
        // Mirror into columns old..<new of rows 0..<old (each row written by one thread).
        Matrix.forEachBlock(count: old, width: new - old) { rows in
          for i in rows {
            for j in old..<new { g[i * ld + j] = g[j * ld + i] }
          }
        }
        // Exact symmetry inside the new block: column i below the diagonal from row i.
        Matrix.forEachBlock(count: new - old, width: new - old) { block in
          for i in block.lowerBound + old..<block.upperBound + old {
            for j in (i + 1)..<new { g[j * ld + i] = g[i * ld + j] }
          }
        }
      }
    }
    count = new
  }

  /// Forgets the atoms from `n` on (the leading `n × n` block is unchanged).
  mutating func truncate(to n: Int) {
    precondition(n >= 0 && n <= count)
    count = n
  }

  private mutating func reserve(_ newStride: Int) {
    var grown = [Float](repeating: 0, count: newStride * newStride)
    let (n, ld) = (count, stride)
    storage.withUnsafeBufferPointer { src in
      grown.withUnsafeMutableBufferPointer { dst in
        guard n > 0, let from = src.baseAddress, let to = dst.baseAddress else { return }
        Matrix.forEachBlock(count: n, width: n) { rows in
          for i in rows { (to + i * newStride).update(from: from + i * ld, count: n) }
        }
      }
    }
    storage = grown
    stride = newStride
  }
}
