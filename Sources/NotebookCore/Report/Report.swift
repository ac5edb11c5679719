import SAEKit
/// Everything a rendered notebook shows: rendered to HTML by
/// ``ReportHTMLRenderer`` and to the JSON record (``RunRecord``).
/// The runtime fills it; rendering is a pure function of it.
public struct Report: Hashable, Sendable {
  /// The title (front matter `title`, else the notebook's file name).
  public var title: String
  public var description: String?
  /// The notebook path, as given on the command line.
  public var notebookPath: String
  /// Parameters in declaration order, with the values used for this run.
  public var params: [ReportParam]
  public var seed: Int?
  /// Prose, code blocks and cells in document order (cells by index into ``cells``).
  public var blocks: [ReportBlock]
  public var cells: [ReportCell]
  /// `NotebookCore.version` by default.
  public var toolVersion: String
  /// `gnuplot --version`'s answer, when gnuplot was used.
  public var gnuplotVersion: String?
  /// Whether run times (`duration_s`, the duration spans) are part of the report. Off, two
  /// renders of the same results are byte-identical (`notebook render --no-timings`).
  public var showsTimings = true
  /// The numbers, footnotes, citations and images the prose refers to.
  public var prose = ProseContext()
  /// Why the render did not reach its end (nil when it did): the report then holds the cells
  /// that ran. Written before each cell runs, so a render killed mid-cell leaves one too.
  public var incomplete: String?
  /// The moment (`DispatchTime` uptime, ns) after which prose is shown as plain text instead of
  /// rendered: the end of the render's time budget (`--timeout`). Not part of the record.
  public var proseDeadline: UInt64?

  public init(
    title: String, description: String? = nil, notebookPath: String, params: [ReportParam] = [], seed: Int? = nil,
    blocks: [ReportBlock], cells: [ReportCell], toolVersion: String = NotebookCore.version,
    gnuplotVersion: String? = nil
  ) {
    self.title = title
    self.description = description
    self.notebookPath = notebookPath
    self.params = params
    self.seed = seed
    self.blocks = blocks
    self.cells = cells
    self.toolVersion = toolVersion
    self.gnuplotVersion = gnuplotVersion
  }

  /// Sum of the cells' durations, in seconds.
  public var totalDuration: Double { cells.reduce(0) { $0 + $1.duration } }
}

/// A parameter and the value this run used.
public struct ReportParam: Hashable, Sendable {
  public var name: String
  public var value: ParamValue
  /// Whether `-P name=value` replaced the front matter default.
  public var overridden: Bool
  public init(name: String, value: ParamValue, overridden: Bool = false) {
    self.name = name
    self.value = value
    self.overridden = overridden
  }
}

/// A piece of the report body in document order.
public enum ReportBlock: Hashable, Sendable {
  /// Markdown prose, rendered with Ink (raw HTML in it is shown as text).
  case prose(String)
  /// A non-`swift` fenced block, shown as code.
  case code(language: String, text: String)
  /// An index into ``Report/cells``.
  case cell(Int)

  /// The report block for a document block (cell indices are kept).
  public init(_ block: Block) {
    switch block {
    case .prose(let text, _): self = .prose(text)
    case .code(let language, let text, _): self = .code(language: language, text: text)
    case .cell(let index): self = .cell(index)
    }
  }
}

/// One cell's source, outcome and outputs.
public struct ReportCell: Hashable, Sendable {
  public enum Status: String, Hashable, Sendable, CaseIterable, Codable {
    /// Ran without an error.
    case ok
    /// Failed (or was `error: true` and did not fail); ``ReportCell/diagnostic`` says why.
    case failed
    /// Not run because an earlier cell failed.
    case notRun = "not_run"
    /// Not run because of `eval: false`.
    case skipped
    /// Failed as its `error: true` option said it would.
    case expectedError = "expected_error"
    /// Stopped by its time limit (or the render's total budget): not an error in the code.
    case timedOut = "timeout"
    /// Running when the render stopped: interrupted (SIGINT, SIGTERM), or — in the report
    /// written before it ran — the process died while it ran (killed, out of memory, a crash).
    case interrupted
  }

  public var index: Int
  public var label: String?
  /// The source as shown (without `//|` option lines).
  public var source: String
  /// Lowercase hex SHA-256 of the UTF-8 of ``source``.
  public var sourceHash: String
  /// Whether the HTML shows the source (`echo`).
  public var echo: Bool
  /// Whether the source is shown folded (`code-fold`).
  public var codeFold = false
  public var caption: String?
  /// `tbl-cap`: the caption above the first table.
  public var tableCaption: String?
  public var status: Status
  public var outputs: [ReportOutput]
  /// The rendered diagnostic text (`file:line:col: error: ...` with caret).
  public var diagnostic: String?
  /// Wall-clock seconds; the only field that changes between identical runs.
  public var duration: Double

  public init(
    index: Int, label: String? = nil, source: String, echo: Bool = true, caption: String? = nil,
    status: Status, outputs: [ReportOutput] = [], diagnostic: String? = nil, duration: Double = 0
  ) {
    self.index = index
    self.label = label
    self.source = source
    self.sourceHash = SHA256.hex(of: source)
    self.echo = echo
    self.caption = caption
    self.status = status
    self.outputs = outputs
    self.diagnostic = diagnostic
    self.duration = duration
  }

  /// ``Cell/stableName``: the label or `cell-<index+1>`.
  public var name: String { Cell.stableName(index: index, label: label) }

  /// `cell` as the report shows it before it has an outcome.
  init(_ cell: Cell, status: Status) {
    self.init(
      index: cell.index, label: cell.label, source: cell.source, echo: cell.options.echo,
      caption: cell.options.caption, status: status)
    codeFold = cell.options.codeFold
    tableCaption = cell.options.tableCaption
  }
}

/// Something a cell produced, in order.
public enum ReportOutput: Hashable, Sendable {
  /// Printed text (`print(...)`), lines joined by `\n`.
  case text(String)
  /// The value of a cell's last expression: `display` is what the HTML shows,
  /// `data` the same value at full precision for the JSON record.
  case value(display: DisplayBlock, data: ReportJSON)
  case figure(ReportFigure)
}

/// How a value is shown in the HTML (already formatted text).
public enum DisplayBlock: Hashable, Sendable {
  case text(String)
  case table(headers: [String], rows: [[String]])
  /// A record: field names and formatted values, in order.
  case keyValue([DisplayField])
}

/// One `name: value` line of a record display.
public struct DisplayField: Hashable, Sendable, Codable {
  public var name: String
  public var value: String
  public init(_ name: String, _ value: String) {
    self.name = name
    self.value = value
  }
}

/// A figure: the SVG gnuplot drew, and the spec it drew it from (kept whole in the record).
public struct ReportFigure: Hashable, Sendable {
  /// The file stem, e.g. `loss`.
  public var name: String
  /// Where the SVG was written, relative to the report, e.g. `figures/getting-started/loss.svg`.
  public var relativePath: String
  /// The SVG document (inlined in the HTML as a `data:` URL).
  public var svg: String
  public var caption: String?
  /// Kind, axes, series and heat-map data: everything gnuplot drew.
  public var spec: FigureSpec

  public init(name: String, relativePath: String, svg: String, caption: String? = nil, spec: FigureSpec) {
    self.name = name
    self.relativePath = relativePath
    self.svg = svg
    self.caption = caption
    self.spec = spec
  }
}
