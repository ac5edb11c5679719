/// Everything needed to draw one figure: its kind, its data and its labels.
///
/// Data stays as `Double`s until `GnuplotScript` prints them (shortest round-trip
/// form); every text field is notebook text and is treated as hostile by
/// `GnuplotScript` (see `GnuplotQuoting`). Call `validate()` before drawing: it
/// throws `FigureError.invalidSpec` with a message that names the offending value.
public struct FigureSpec: Sendable, Hashable, Codable {
  /// How the data is drawn.
  public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Each series as a polyline through (x[i], y[i]).
    case line
    /// Each series as dots at (x[i], y[i]).
    case scatter
    /// Each series' raw values (`y`) counted into common bins (see `HistogramBins`).
    case histogram
    /// A matrix of values as coloured cells (`heatmap`), e.g. a similarity matrix.
    case heatmap
  }

  /// One legend entry of a line, scatter or histogram figure.
  public struct Series: Sendable, Hashable, Codable {
    /// Legend text; empty → no legend entry.
    public var title: String
    /// Abscissae (line, scatter); must be empty for a histogram.
    public var x: [Double]
    /// Ordinates (line, scatter), or the raw values to count (histogram).
    public var y: [Double]
    /// Error bars of a line series (e.g. the standard deviation over seeds): drawn from
    /// `y − error` to `y + error`; `nil` for none.
    public var yError: [Double]?

    /// A line or scatter series: `x.count` must equal `y.count` (and `yError?.count`).
    public init(title: String = "", x: [Double], y: [Double], yError: [Double]? = nil) {
      self.title = title
      self.x = x
      self.y = y
      self.yError = yError
    }

    /// A histogram series: the raw values, binned by us.
    public init(title: String = "", values: [Double]) {
      self.init(title: title, x: [], y: values)
    }
  }

  /// The data of a heatmap: `values[row][column]`, row 0 drawn at the top.
  public struct Heatmap: Sendable, Hashable, Codable {
    /// Row-major cells; every row has the same, non-zero length.
    public var values: [[Double]]
    /// One label per row (tics on the y axis), or `nil` for row indices.
    public var rowLabels: [String]?
    /// One label per column (tics on the x axis), or `nil` for column indices.
    public var columnLabels: [String]?

    enum CodingKeys: String, CodingKey {
      case values
      case rowLabels = "row_labels"
      case columnLabels = "column_labels"
    }

    public init(values: [[Double]], rowLabels: [String]? = nil, columnLabels: [String]? = nil) {
      self.values = values
      self.rowLabels = rowLabels
      self.columnLabels = columnLabels
    }
  }

  /// Output size in SVG pixels.
  public struct Size: Sendable, Hashable, Codable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
      self.width = width
      self.height = height
    }
    /// 640 × 480.
    public static let standard = Size(width: 640, height: 480)
    /// Accepted range for each side, in pixels.
    public static let allowedSides = 64...4096
  }

  public var kind: Kind
  /// Line, scatter and histogram data (empty for a heatmap).
  public var series: [Series]
  /// Heatmap data (`nil` for the other kinds).
  public var heatmap: Heatmap?
  /// Figure title shown above the plot; empty → none.
  public var title: String
  public var xLabel: String
  public var yLabel: String
  /// Logarithmic (base 10) x axis; all x values (histogram: all raw values) must be > 0.
  public var xlog: Bool
  /// Logarithmic (base 10) y axis; all y values must be > 0 (histogram: empty bins are left out).
  public var ylog: Bool
  /// Output size; `nil` → `Size.standard`.
  public var size: Size?
  /// Histogram bin count; `nil` → Sturges' rule ⌈log₂ n⌉ + 1 for the largest series.
  public var bins: Int?

  /// The layout in records and the cell cache (`notebook-record/2`).
  enum CodingKeys: String, CodingKey {
    case kind, series, heatmap, title, xlog, ylog, size, bins
    case xLabel = "x_label"
    case yLabel = "y_label"
  }

  /// A line, scatter or histogram figure.
  public init(
    kind: Kind, series: [Series], title: String = "", xLabel: String = "", yLabel: String = "",
    xlog: Bool = false, ylog: Bool = false, size: Size? = nil, bins: Int? = nil
  ) {
    self.kind = kind
    self.series = series
    self.heatmap = nil
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.xlog = xlog
    self.ylog = ylog
    self.size = size
    self.bins = bins
  }

  /// A heatmap figure.
  public init(
    heatmap: Heatmap, title: String = "", xLabel: String = "", yLabel: String = "", size: Size? = nil
  ) {
    self.kind = .heatmap
    self.series = []
    self.heatmap = heatmap
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.xlog = false
    self.ylog = false
    self.size = size
    self.bins = nil
  }

  /// The size actually used.
  public var effectiveSize: Size { size ?? .standard }
}
