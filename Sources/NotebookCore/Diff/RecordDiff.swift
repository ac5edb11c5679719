/// What changed between two run records (``RecordDiffer``), cell by cell.
public struct RecordDiff: Hashable, Sendable {
  public var oldSource: String
  public var newSource: String
  public var tolerance: DiffTolerance
  /// Changes of the run's inputs (parameters, seed, versions): shown, but not differences.
  public var notes: [String]
  /// Every cell of either record: matched ones in the new order, removed ones
  /// where they stood in the old order.
  public var cells: [CellDiff]

  /// Whether every result is the same within tolerance (exit status 0).
  public var isSame: Bool { !cells.contains(where: \.differs) }
  /// How many cells differ (added and removed ones included).
  public var differingCount: Int { cells.filter(\.differs).count }
}

/// One cell in both records, or only in one.
public struct CellDiff: Hashable, Sendable {
  public var name: String
  /// The cell in the old record (nil: added).
  public var old: RunRecord.Cell?
  /// The cell in the new record (nil: removed).
  public var new: RunRecord.Cell?
  /// Unified diff of the diagnostic text (empty when equal).
  public var diagnosticDiff: [String] = []
  /// Unified diff of the printed text, all `text` outputs joined by `\n` (empty when equal).
  public var textDiff: [String] = []
  /// Value outputs that changed (by position among the cell's values).
  public var values: [ValueDiff] = []
  /// Figures that changed (matched by name).
  public var figures: [FigureDiff] = []

  public init(name: String, old: RunRecord.Cell?, new: RunRecord.Cell?) {
    self.name = name
    self.old = old
    self.new = new
  }

  public var isAdded: Bool { old == nil }
  public var isRemoved: Bool { new == nil }
  public var statusChanged: Bool { old != nil && new != nil && old!.status != new!.status }
  /// Whether the cell's source text changed (a note, not a difference in itself).
  public var sourceChanged: Bool { old != nil && new != nil && old!.sourceHash != new!.sourceHash }

  public var differs: Bool {
    isAdded || isRemoved || statusChanged || !diagnosticDiff.isEmpty || !textDiff.isEmpty
      || !values.isEmpty || !figures.isEmpty
  }
}

/// One value output (a cell's last expression) that changed.
public struct ValueDiff: Hashable, Sendable {
  public enum Kind: String, Hashable, Sendable {
    /// Only numbers changed.
    case numbers
    /// A `Table` value: changes are cell by cell.
    case table
    /// Something else changed too (strings, shape, types).
    case value
  }

  /// `Metrics`, `Table`, … (the value's `type`), or `value`; `value 2` for a second value.
  public var root: String
  public var kind: Kind
  public var changes: [ValueChange]
  /// The whole old and new `data` (nil where the output is missing on that side).
  public var old: ReportJSON?
  public var new: ReportJSON?
}

/// A leaf that changed inside a value, e.g. `Metrics.fvu`, `Table[row 3, FVU]`, `value[2]`.
public struct ValueChange: Hashable, Sendable {
  public var path: String
  /// nil: the leaf was added.
  public var old: ReportJSON?
  /// nil: the leaf was removed.
  public var new: ReportJSON?

  public init(path: String, old: ReportJSON?, new: ReportJSON?, tableCell: TableCell? = nil) {
    self.path = path
    self.old = old
    self.new = new
    self.tableCell = tableCell
  }

  /// Both sides are numbers (or NaN/±∞): a numeric change.
  public var numbers: (old: Double, new: Double)? {
    guard let a = old?.doubleValue, let b = new?.doubleValue else { return nil }
    return (a, b)
  }

  /// A cell of a `Table` value: 0-based row and column name.
  public struct TableCell: Hashable, Sendable {
    public var row: Int
    public var column: String
  }

  /// Set when the path names a table cell.
  public var tableCell: TableCell?
}

/// A figure that changed, or that was added or removed.
public struct FigureDiff: Hashable, Sendable {
  public var name: String
  public var old: RunRecord.Figure?
  public var new: RunRecord.Figure?
  public var changes: [FigureChange]
}

/// One way a figure changed (see ``FigureComparer``). Series are matched by title,
/// then by position among series with the same title.
public enum FigureChange: Hashable, Sendable {
  case added(title: String)
  case removed(title: String)
  /// Number of points changed; the first `min` points are still compared.
  case length(title: String, old: Int, new: Int)
  /// y moved beyond tolerance at `count` of `compared` points; the largest
  /// move `maxDelta` (∞ for NaN against a number) at point `index` (x there, if the series has x).
  case moved(title: String, maxDelta: Double, index: Int, x: Double?, count: Int, compared: Int)
  /// x (abscissae) moved beyond tolerance; largest move at point `index`.
  case xMoved(title: String, maxDelta: Double, index: Int, count: Int)
  case caption(old: String?, new: String?)
  /// A setting of the figure: `kind`, `title`, `x label`, `y label`, `x scale`, `y scale`, `size`, `bins`.
  case setting(String, old: String, new: String)
  /// The heat map has another number of rows or columns (its cells are then not compared).
  case heatmapShape(old: GridShape, new: GridShape)
  /// The `row` or `column` tic labels of a heat map changed (nil: numbered).
  case labels(axis: String, old: [String]?, new: [String]?)
  /// Heat-map cells moved beyond tolerance at `count` of `compared` cells; the largest
  /// move `maxDelta` at (`row`, `column`), 0-based.
  case cellsMoved(maxDelta: Double, row: Int, column: Int, count: Int, compared: Int)
}

/// Rows × columns of a heat map.
public struct GridShape: Hashable, Sendable, CustomStringConvertible {
  public var rows: Int
  public var columns: Int
  public var description: String { "\(rows)×\(columns)" }
}
