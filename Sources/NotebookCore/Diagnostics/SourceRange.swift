/// A position in a source file: 1-based line and column (columns count
/// Unicode scalars, as editors and compilers print them).
public struct SourcePosition: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }
  public static func < (a: Self, b: Self) -> Bool { (a.line, a.column) < (b.line, b.column) }
  public var description: String { "\(line):\(column)" }
}

/// A half-open range `[start, end)` of a file. `end` may equal `start` for
/// an empty range (a caret at one point). Ranges always refer to the `.md`
/// file a notebook came from, never to a cell-relative offset.
public struct SourceRange: Hashable, Sendable, CustomStringConvertible {
  public var file: String
  public var start: SourcePosition
  public var end: SourcePosition
  public init(file: String, start: SourcePosition, end: SourcePosition) {
    self.file = file
    self.start = start
    self.end = end
  }
  /// The smallest range covering both.
  public func union(_ other: SourceRange) -> SourceRange {
    SourceRange(file: file, start: min(start, other.start), end: max(end, other.end))
  }
  public var description: String { "\(file):\(start)" }
}
