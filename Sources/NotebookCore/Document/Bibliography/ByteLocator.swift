/// Lines and columns of byte offsets in UTF-8 text, for diagnostics.
///
/// Columns count Unicode scalars (the bytes that do not continue a scalar),
/// as ``SourcePosition`` wants them.
struct ByteLocator {
  let path: String
  private let bytes: [UInt8]
  /// The offset of the first byte of each line.
  private let lineStarts: [Int]
  /// The last position computed (offset, line index, column), so that
  /// positions asked in order cost only the bytes between them.
  private var last: (offset: Int, line: Int, column: Int) = (0, 0, 1)

  init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
    var starts = [0]
    for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(offset + 1) }
    lineStarts = starts
  }

  /// The range of bytes `start..<end` (clamped to the text).
  mutating func range(_ start: Int, _ end: Int) -> SourceRange {
    let a = min(max(0, start), bytes.count)
    let b = min(max(a, end), bytes.count)
    let from = position(a)
    return SourceRange(file: path, start: from, end: position(b))
  }

  /// The 1-based line and column of a byte offset: counted from the last
  /// position asked when it is on the same line and not after this one, else
  /// from the line's start.
  ///
  /// - Complexity: O(log lines + the bytes counted).
  mutating func position(_ offset: Int) -> SourcePosition {
    var lo = 0
    var hi = lineStarts.count - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
    }
    var (from, column) = (lineStarts[lo], 1)
    if last.line == lo && last.offset <= offset {
      (from, column) = (last.offset, last.column)
    }
    for byte in bytes[from..<offset] where byte & 0xC0 != 0x80 { column += 1 }
    last = (offset, lo, column)
    return SourcePosition(line: lo + 1, column: column)
  }
}
