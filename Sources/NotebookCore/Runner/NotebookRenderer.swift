import Foundation

/// `notebook render`: runs a checked notebook cell by cell and builds its
/// report, writing figure files as it goes (the steps are in ``RenderPass``).
public struct NotebookRenderer {
  public struct Options: Sendable {
    /// Folder for `<name>.html` and `<name>.json`.
    public var reportsDirectory = "reports"
    /// Folder under which figures go to `<name>/<figure>.svg`.
    public var figuresDirectory = "figures"
    /// Keep running after a failing cell.
    public var allowErrors = false
    /// Time limit of a cell without `//| timeout:` (seconds).
    public var defaultCellTimeout: Double = standardCellTimeout
    /// The time limit of a cell when neither the cell nor the render sets one (seconds).
    public static let standardCellTimeout: Double = 1_800
    /// Time budget of the whole render (seconds); nil for none. Each cell's
    /// limit is also capped by what is left of it.
    public var totalTimeout: Double?
    /// Reuse cached cell results (`use`), recompute and overwrite them (`refresh`), or neither (`off`).
    public var cache: CacheMode = .use
    /// Run times in the report and record (off: byte-identical renders, for committed results).
    public var timings = true
    /// The cell cache folder; nil means `<notebook folder>/.notebook-cache/<name>`.
    public var cacheDirectory: String?
    /// Seconds a cell may run past its time limit before the process is ended (exit 1), for a
    /// builtin that does not stop at the limit: the report written before the cell ran stays,
    /// showing it interrupted. Nil (the default, for renders inside another program) never ends it.
    public var hardStopAfter: Double?
    public init() {}
  }

  public enum CacheMode: Sendable { case use, refresh, off }

  /// What happens during a render, as it happens (the command line prints these).
  public enum Event: Sendable {
    /// A cell starts running (it is not served from the cache).
    case cellStarted(name: String)
    /// A cell is done: its status, whether it came from the cache, and its rendered
    /// diagnostic when it failed, timed out or failed as expected.
    case cellFinished(name: String, status: ReportCell.Status, cached: Bool, diagnostic: String?)
    /// A problem outside every cell (front matter, document structure) or a checker
    /// warning, rendered (the text names its severity).
    case problem(String)
    /// Something that does not fail the render but should not go unnoticed
    /// (a cell cache that cannot be written).
    case warning(String)
  }

  public struct Result: Sendable {
    public var report: Report
    /// Paths of the files written (figures, then the HTML and JSON reports).
    public var written: [String]
    /// Every diagnostic that made the render fail.
    public var failures: [Diagnostic]
    /// The warnings sent as ``Event/warning(_:)``.
    public var warnings: [String] = []
    /// Cache entries removed after a complete render (see ``CellCache/recordRender(usedKeys:)``).
    public var staleCacheEntriesRemoved = 0
    /// Figure files of the notebook's figure folder that a complete render did not write
    /// (cells renamed or removed), removed.
    public var staleFiguresRemoved = 0
    public var succeeded: Bool { failures.isEmpty }
  }

  public let session: NotebookSession
  public let options: Options
  public let registry: Registry
  /// Progress of long cells (training): label and fraction done.
  public var progress: (@Sendable (String, Double) -> Void)?
  /// Receives every ``Event`` of the render, in order.
  public var onEvent: (@Sendable (Event) -> Void)?

  public init(session: NotebookSession, options: Options = Options(), registry: Registry = .standard) {
    self.session = session
    self.options = options
    self.registry = registry
  }

  /// The notebook's file name without `.md`: the stem of its report and figure folder.
  public var name: String {
    session.notebook.name
  }

  /// Runs every cell and writes figures, `reports/<name>.html` and `reports/<name>.json`.
  /// Failing cells do not throw: they are in the report and in ``Result/failures``.
  /// - Throws: ``NotebookIOError`` when a figure or the report cannot be written.
  public func render() throws -> Result {
    let pass = RenderPass(self)
    for cell in session.notebook.cells {
      do {
        try pass.render(cell)
      } catch let error as NotebookIOError {
        // A figure that cannot be written stops the render (exit 2), but not before the report
        // says where and why, with the cells that ran.
        pass.abandon(at: cell, because: error)
        _ = try? pass.finish()
        throw error
      }
    }
    return try pass.finish()
  }
}

extension SourceRange {
  /// Whether `other` lies within this range (same file).
  func contains(_ other: SourceRange) -> Bool {
    file == other.file && start <= other.start && other.end <= end
  }
}
