/// Per-row and per-element work split over the workers (``Parallel``) once there is enough of it
/// to pay for the threads. Every row (element) is handled by one thread, in the order the serial
/// loop would use, so results are the same bits for any worker count.
extension Matrix {
  /// The chunks for work over `elements` floats: 1 below ``parallelThreshold``, else
  /// ``Parallel/defaultChunks``.
  static func chunks(forElements elements: Int) -> Int {
    elements >= parallelThreshold ? Parallel.defaultChunks : 1
  }

  /// Runs `body(range)` on contiguous ranges covering `0..<count`, items of `width` floats each,
  /// split over the workers when `count·width` reaches ``parallelThreshold``. Bodies write
  /// disjoint memory.
  static func forEachBlock(count: Int, width: Int, _ body: (Range<Int>) -> Void) {
    let (elements, overflow) = count.multipliedReportingOverflow(by: max(width, 1))
    let chunks = overflow ? Parallel.defaultChunks : chunks(forElements: elements)
    Parallel.forEachChunk(count: count, chunks: chunks) { _, range in body(range) }
  }

  /// `body(row, i)` for every row `i`, `row` pointing at its `cols` floats (see
  /// ``forEachBlock(count:width:_:)``).
  mutating func updateRows(_ body: (UnsafeMutablePointer<Float>, Int) -> Void) {
    let (r, c) = (rows, cols)
    storage.withUnsafeMutableBufferPointer { s in
      guard let base = s.baseAddress else { return }
      Matrix.forEachBlock(count: r, width: c) { range in
        for i in range { body(base + i * c, i) }
      }
    }
  }

  /// `body(elements, range)` over ranges covering every element of the storage.
  mutating func updateElements(_ body: (UnsafeMutablePointer<Float>, Range<Int>) -> Void) {
    let n = count
    storage.withUnsafeMutableBufferPointer { s in
      guard let base = s.baseAddress else { return }
      Matrix.forEachBlock(count: n, width: 1) { range in body(base, range) }
    }
  }

  /// True when every element is finite.
  public var isFinite: Bool { storage.withUnsafeBufferPointer(Matrix.allFinite) }

  /// True when every value is finite (chunks checked on the workers).
  static func allFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
    let chunks = Matrix.chunks(forElements: values.count)
    var finite = [Bool](repeating: true, count: chunks)
    finite.withUnsafeMutableBufferPointer { f in
      guard let base = values.baseAddress, let flags = f.baseAddress else { return }
      Parallel.forEachChunk(count: values.count, chunks: chunks) { c, range in
        flags[c] = !range.contains { !base[$0].isFinite }
      }
    }
    return !finite.contains(false)
  }
}
