import Foundation

/// `notebook render`: runs a checked notebook cell by cell and builds its
/// report, writing figure files as it goes.
public struct NotebookRenderer {
  public struct Options: Sendable {
    /// Folder for `<name>.html` and `<name>.json`.
    public var reportsDirectory = "reports"
    /// Folder under which figures go to `<name>/<figure>.svg`.
    public var figuresDirectory = "figures"
    /// Keep running after a failing cell.
    public var allowErrors = false
    /// Time limit of a cell without `//| timeout:` (seconds).
    public var defaultCellTimeout: Double = 1_800
    /// Time budget of the whole render (seconds); nil for none. Each cell's
    /// limit is also capped by what is left of it.
    public var totalTimeout: Double?
    /// Reuse cached cell results (`use`), recompute and overwrite them (`refresh`), or neither (`off`).
    public var cache: CacheMode = .use
    /// Run times in the report and record (off: byte-identical renders, for committed results).
    public var timings = true
    /// The cell cache folder; nil means `<notebook folder>/.notebook-cache/<name>`.
    public var cacheDirectory: String?
    public init() {}
  }

  public enum CacheMode: Sendable { case use, refresh, off }

  public struct Result: Sendable {
    public var report: Report
    /// Paths of the files written (figures, then the HTML and JSON reports).
    public var written: [String]
    /// Every diagnostic that made the render fail, rendered.
    public var failures: [Diagnostic]
    /// Stale cache entries removed after a complete render (see ``CellCache/prune(keeping:)``).
    public var staleCacheEntriesRemoved = 0
    public var succeeded: Bool { failures.isEmpty }
  }

  public let session: NotebookSession
  public let options: Options
  public let registry: Registry
  /// Progress of long cells (training): label and fraction done.
  public var progress: (@Sendable (String, Double) -> Void)?
  /// Called when a cell starts (status nil) and ends: its name, status, and whether it came from the cache.
  public var cellEvent: (@Sendable (String, ReportCell.Status?, Bool) -> Void)?

  public init(session: NotebookSession, options: Options = Options(), registry: Registry = .standard) {
    self.session = session
    self.options = options
    self.registry = registry
  }

  /// The notebook's file name without `.md`: the stem of its report and figure folder.
  public var name: String { ((session.notebook.path as NSString).lastPathComponent as NSString).deletingPathExtension }

  /// Runs every cell and writes figures, `reports/<name>.html` and `reports/<name>.json`.
  public func render() throws -> Result {
    let notebook = session.notebook
    let renderer = DiagnosticRenderer(sources: [notebook.path: notebook.source])
    let context = RuntimeContext(seed: notebook.frontMatter.seed ?? 0, baseDirectory: (notebook.path as NSString).deletingLastPathComponent)
    context.progress = progress
    let interpreter = Interpreter(registry: registry, context: context)
    for p in session.parameters { interpreter.scopes[0][p.name] = p.value.value }
    var gnuplot: GnuplotRunner?
    var cells: [ReportCell] = []
    var written: [String] = []
    var failures: [Diagnostic] = []
    // Problems found before running (syntax, types) fail their cells up front.
    let unexpected = Dictionary(grouping: session.problems.filter { d in notebook.cells.contains { $0.range.contains(d.range) } }) { d in
      notebook.cells.first { $0.range.contains(d.range) }!.index
    }
    failures += session.problems.filter { d in !notebook.cells.contains { $0.range.contains(d.range) } }
    var stopped = !failures.isEmpty
    var keys = CellKeys(session: session, registry: registry)
    let renderStart = DispatchTime.now().uptimeNanoseconds
    func budgetLeft() -> Double? {
      options.totalTimeout.map { $0 - Double(DispatchTime.now().uptimeNanoseconds - renderStart) / 1e9 }
    }
    let cache = CellCache(directory: options.cacheDirectory
      ?? ((notebook.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(".notebook-cache/\(name)"))
    var usedKeys = Set<String>()
    for cell in notebook.cells {
      var rc = ReportCell(index: cell.index, label: cell.label, source: cell.source, echo: cell.options.echo,
                          caption: cell.options.caption, status: .notRun)
      defer { cells.append(rc) }
      if stopped { continue }
      if !cell.options.eval { rc.status = .skipped; continue }
      let expected = session.cellDiagnostics[cell.index] ?? []
      if let problems = unexpected[cell.index] {
        rc.status = .failed
        rc.diagnostic = renderer.render(problems)
        failures += problems
        stopped = !options.allowErrors
        continue
      }
      if cell.options.expectError && !expected.isEmpty {
        rc.status = .expectedError
        rc.diagnostic = renderer.render(expected)
        continue
      }
      let key = keys.key(for: cell)
      let cacheable = key != nil && cell.options.cache != false && !cell.options.expectError && options.cache != .off
      if let left = budgetLeft(), left <= 0 {
        let d = Diagnostic.error("the render ran past its total time limit of \(describeSeconds(options.totalTimeout ?? 0)) (--timeout) before this cell", at: cell.range)
        rc.status = .timedOut
        rc.diagnostic = renderer.render(d)
        failures.append(d)
        stopped = true
        continue
      }
      let cellLimit = cell.options.timeout ?? options.defaultCellTimeout
      context.beginCell(name: cell.stableName, timeLimit: budgetLeft().map { min($0, cellLimit) } ?? cellLimit)
      if cacheable, let key { usedKeys.insert(key) }
      if cacheable, options.cache == .use, let key, let entry = cache.load(key, context: context) {
        for (name, value) in entry.values { interpreter.scopes[0][name] = value }
        rc.outputs = try outputs(entry.outputs, displayed: nil, cell: cell, gnuplot: &gnuplot, written: &written, svgs: entry.svgs)
        rc.duration = entry.duration
        if !cell.options.output { rc.outputs = [] }
        rc.status = .ok
        cellEvent?(cell.stableName, .ok, true)
        continue
      }
      cellEvent?(cell.stableName, nil, false)
      let start = DispatchTime.now().uptimeNanoseconds
      var runError: Diagnostic?
      var displayed: Value?
      do {
        displayed = try interpreter.run(session.programs[cell.index])
      } catch let d as Diagnostic {
        runError = d
      }
      rc.duration = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      let produced = context.outputs + (displayed.map { [CellOutput.value($0)] } ?? [])
      var svgs: [String: String] = [:]
      do {
        rc.outputs = try outputs(produced, displayed: nil, cell: cell, gnuplot: &gnuplot, written: &written, rendered: &svgs)
      } catch let d as Diagnostic {
        runError = runError ?? d
      }
      if runError == nil, cacheable, let key {
        let values = Dictionary(uniqueKeysWithValues: keys.writes(of: cell).compactMap { n in interpreter.scopes[0][n].map { (n, $0) } })
        try? cache.save(CellCache.Entry(values: values, outputs: produced, svgs: svgs, duration: rc.duration), key: key)
      }
      if !cell.options.output { rc.outputs = [] }
      switch (runError, cell.options.expectError) {
      case (nil, false): rc.status = .ok
      case (let d?, true): rc.status = .expectedError; rc.diagnostic = renderer.render(d)
      case (let d?, false):
        rc.status = context.timedOut ? .timedOut : .failed
        rc.diagnostic = renderer.render(d)
        failures.append(d)
        stopped = !options.allowErrors
      case (nil, true):
        let d = Diagnostic.error("this cell is marked '//| error: true' but ran without an error", at: cell.range)
        rc.status = .failed
        rc.diagnostic = renderer.render(d)
        failures.append(d)
        stopped = !options.allowErrors
      }
      cellEvent?(cell.stableName, rc.status, false)
    }
    var report = Report(
      title: notebook.frontMatter.title ?? name, description: notebook.frontMatter.description,
      notebookPath: notebook.path, params: session.parameters, seed: notebook.frontMatter.seed,
      blocks: notebook.blocks.map(ReportBlock.init), cells: cells,
      gnuplotVersion: keys.gnuplotVersion)
    report.showsTimings = options.timings
    let files = try ReportWriter(directory: options.reportsDirectory).write(report, name: name)
    written += [files.html, files.json]
    var result = Result(report: report, written: written, failures: failures)
    // Only after a complete run: after a failure the entries of the cells that did not run
    // are still the best guess for the next render.
    if failures.isEmpty && options.cache != .off { result.staleCacheEntriesRemoved = cache.prune(keeping: usedKeys) }
    return result
  }

  /// Converts a cell's outputs for the report, rendering figures with gnuplot.
  func outputs(_ raw: [CellOutput], displayed: Value?, cell: Cell, gnuplot: inout GnuplotRunner?,
               written: inout [String], svgs cached: [String: String] = [:]) throws -> [ReportOutput] {
    var ignored: [String: String] = [:]
    return try outputs(raw, displayed: displayed, cell: cell, gnuplot: &gnuplot, written: &written, rendered: &ignored, svgs: cached)
  }

  /// Converts outputs; figures come from `svgs` when given (cache) or from gnuplot, recorded in `rendered`.
  func outputs(_ raw: [CellOutput], displayed: Value?, cell: Cell, gnuplot: inout GnuplotRunner?,
               written: inout [String], rendered: inout [String: String], svgs cached: [String: String] = [:]) throws -> [ReportOutput] {
    var out: [ReportOutput] = []
    var figureIndex = 0
    for item in raw + (displayed.map { [CellOutput.value($0)] } ?? []) {
      switch item {
      case .text(let line): out.append(.text(line))
      case .value(let v): out.append(.value(display: v.display, data: v.json))
      case .figure(let f):
        do {
          let svg: String
          if let stored = cached[f.name] {
            svg = stored
          } else {
            if gnuplot == nil { gnuplot = try GnuplotRunner() }
            svg = try gnuplot!.render(f.spec, idPrefix: f.name + "-")
          }
          rendered[f.name] = svg
          let relative = "\(options.figuresDirectory)/\(name)/\(f.name).svg"
          try ReportWriter.createDirectory((relative as NSString).deletingLastPathComponent)
          try ReportWriter.writeAtomically(svg, to: relative)
          written.append(relative)
          out.append(.figure(ReportFigure(
            name: f.name, relativePath: relative, svg: svg, caption: figureIndex == 0 ? cell.options.caption : nil,
            series: f.spec.series.map { .init(title: $0.title, x: $0.x, y: $0.y) })))
          figureIndex += 1
        } catch let e as FigureError {
          throw Diagnostic.error("figure '\(f.name)': \(e.message)", at: cell.range)
        }
      }
    }
    return out
  }
}

extension SourceRange {
  /// Whether `other` lies within this range (same file).
  func contains(_ other: SourceRange) -> Bool {
    file == other.file && start <= other.start && other.end <= end
  }
}
