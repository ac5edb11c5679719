import Foundation
import SAEKit

/// One render of a notebook, in named steps: each cell is planned (not run /
/// skipped / failed / expected error / out of time / cached / to run), then
/// restored from the cache or run, its outputs converted for the report and
/// its figures drawn and written; ``finish()`` writes the report and records the
/// render in the cell cache.
final class RenderPass {
  /// What happens to a cell.
  enum Plan {
    /// An earlier failure stopped the render.
    case notRun
    /// `//| eval: false`.
    case skip
    /// Problems found before running (syntax, types).
    case fail([Diagnostic])
    /// An `//| error: true` cell whose error the checker already found.
    case expectedError([Diagnostic])
    /// The render's time budget is spent.
    case outOfTime(Diagnostic)
    /// A stored result whose key matches and whose written files are in place.
    case cached(CellCache.Entry)
    /// Run it; store the result under the key when there is one.
    case run(cacheKey: String?)
  }

  /// What running a cell gave.
  struct Execution {
    var outputs: [CellOutput]
    var duration: Double
    var error: Diagnostic?
  }

  let renderer: NotebookRenderer
  var options: NotebookRenderer.Options { renderer.options }
  var notebook: Notebook { renderer.session.notebook }
  let diagnostics: DiagnosticRenderer
  let context: RuntimeContext
  let interpreter: Interpreter
  let cache: CellCache
  var keys: CellKeys
  /// Problems found before running, by the cell they are in.
  let problemsByCell: [Int: [Diagnostic]]
  let start = DispatchTime.now().uptimeNanoseconds

  var gnuplot: GnuplotRunner?
  var cells: [ReportCell] = []
  var written: [String] = []
  var failures: [Diagnostic] = []
  var warnings: [String] = []
  var usedKeys = Set<String>()
  var stopped = false
  /// Why the render stops before its end, when a signal stopped it (``Report/incomplete``).
  var incomplete: String?
  /// Set when an entry could not be written (warned once; the render is then not recorded).
  var cacheUnwritable = false

  init(_ renderer: NotebookRenderer) {
    self.renderer = renderer
    let notebook = renderer.session.notebook
    let folder = (notebook.path as NSString).deletingLastPathComponent
    diagnostics = DiagnosticRenderer(sources: renderer.session.sources)
    context = RuntimeContext(
      seed: notebook.frontMatter.seed ?? 0, baseDirectory: folder, locations: renderer.session.locations)
    context.progress = renderer.progress
    interpreter = Interpreter(registry: renderer.registry, context: context, globals: renderer.session.globals)
    for p in renderer.session.parameters { interpreter.define(p.name, p.value.value) }
    cache = CellCache(
      directory: renderer.options.cacheDirectory ?? CellCacheFolder.path(forNotebook: notebook.path))
    keys = CellKeys(session: renderer.session, registry: renderer.registry)
    let problems = renderer.session.problems
    let cellOf = { (d: Diagnostic) in notebook.cells.first { $0.range.contains(d.range) }?.index }
    problemsByCell = Dictionary(grouping: problems.filter { cellOf($0) != nil }) { cellOf($0)! }
    for problem in problems where cellOf(problem) == nil {
      failures.append(problem)
      renderer.onEvent?(.problem(diagnostics.render(problem)))
    }
    // A problem in the prose (an unknown reference, a formula, a bibliography entry) fails the
    // render but does not keep the cells from running; one in the front matter or a fence does.
    let prose = notebook.blocks.compactMap { if case .prose(_, let range) = $0 { range } else { nil } }
    stopped = failures.contains { f in f.range.file == notebook.path && !prose.contains { $0.contains(f.range) } }
    for warning in renderer.session.warnings {
      let text = diagnostics.render(warning)
      warnings.append(text)
      renderer.onEvent?(.problem(text))  // printed as it stands: it says "warning:" itself
    }
  }

  // MARK: - Cells

  /// Plans, then restores or runs one cell, and adds it to the report.
  func render(_ cell: Cell) throws {
    var rc = ReportCell(cell, status: .notRun)
    var cached = false
    switch plan(cell) {
    case .notRun:
      break
    case .skip:
      rc.status = .skipped
    case .fail(let problems):
      fail(&rc, problems)
    case .expectedError(let found):
      rc.status = .expectedError
      rc.diagnostic = diagnostics.render(found)
    case .outOfTime(let d):
      fail(&rc, [d], status: .timedOut)
      stopped = true
    case .cached(let entry):
      try restore(entry, cell, into: &rc)
      cached = true
    case .run(let key):
      try run(cell, cacheKey: key, into: &rc)
    }
    if !cell.options.output { rc.outputs = [] }
    cells.append(rc)
    if rc.status != .notRun {
      renderer.onEvent?(
        .cellFinished(name: cell.stableName, status: rc.status, cached: cached, diagnostic: rc.diagnostic))
    }
  }

  /// Decides what happens to `cell`; for a cell to evaluate, starts its clock and looks up the cache.
  func plan(_ cell: Cell) -> Plan {
    if stopped { return .notRun }
    if Interruption.received != nil {
      stopped = true
      incomplete = "The render was interrupted by \(Interruption.signalName) before cell '\(cell.stableName)'; it and the cells after it did not run."
      return .notRun
    }
    // A cell that is never run is still checked: its errors fail the render as they fail `check`.
    if let problems = problemsByCell[cell.index] { return .fail(problems) }
    if !cell.options.eval { return .skip }
    let found = renderer.session.cellDiagnostics[cell.index] ?? []
    if cell.options.expectError && !found.isEmpty { return .expectedError(found) }
    let key = keys.key(for: cell)
    if let left = budgetLeft(), left <= 0 {
      let limit = describeSeconds(options.totalTimeout ?? 0)
      return .outOfTime(
        .error(
          "the render ran past its total time limit of \(limit) (--timeout) before this cell",
          at: cell.range))
    }
    let limit = cell.options.timeout ?? options.defaultCellTimeout
    context.beginCell(name: cell.stableName, timeLimit: budgetLeft().map { min($0, limit) } ?? limit)
    let cacheable = cell.options.cache != false && !cell.options.expectError && options.cache != .off
    guard cacheable, let key else { return .run(cacheKey: nil) }
    usedKeys.insert(key)
    if options.cache == .use, let entry = cache.load(key, context: context),
      entry.changedWrites(resolve: context.resolve).isEmpty
    {
      return .cached(entry)
    }
    return .run(cacheKey: key)
  }

  /// Seconds left of the render's time budget (nil: no budget).
  func budgetLeft() -> Double? {
    options.totalTimeout.map { $0 - Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
  }

  /// Marks the cell failed with `problems`; the render stops unless errors are allowed.
  func fail(_ rc: inout ReportCell, _ problems: [Diagnostic], status: ReportCell.Status = .failed) {
    rc.status = status
    rc.diagnostic = diagnostics.render(problems)
    failures += problems
    stopped = stopped || !options.allowErrors
  }

  /// Takes a stored result: the names the cell wrote, its outputs and figures.
  func restore(_ entry: CellCache.Entry, _ cell: Cell, into rc: inout ReportCell) throws {
    for (name, value) in entry.values { interpreter.define(name, value) }
    do {
      rc.outputs = try convert(entry.outputs, cell, stored: entry.svgs).outputs
      rc.status = .ok
    } catch let d as Diagnostic {
      fail(&rc, [d])
    }
    rc.duration = entry.duration
  }

  /// Runs the cell, converts its outputs, stores the result and settles its status.
  func run(_ cell: Cell, cacheKey: String?, into rc: inout ReportCell) throws {
    try writeReportBeforeRunning(cell, rc)
    renderer.onEvent?(.cellStarted(name: cell.stableName))
    var execution = execute(cell)
    rc.duration = execution.duration
    var svgs: [String: String] = [:]
    do {
      (rc.outputs, svgs) = try convert(execution.outputs, cell)
    } catch let d as Diagnostic {
      execution.error = execution.error ?? d
    }
    if execution.error == nil, let cacheKey { store(cell, cacheKey, execution, svgs) }
    switch (execution.error, cell.options.expectError) {
    case (let d?, _) where Interruption.received != nil:
      fail(&rc, [d], status: .interrupted)
      stopped = true
      incomplete = "The render was interrupted by \(Interruption.signalName) while cell '\(cell.stableName)' ran; the cells after it did not run."
    case (nil, false):
      rc.status = .ok
    case (let d?, true):
      rc.status = .expectedError
      rc.diagnostic = diagnostics.render(d)
    case (let d?, false):
      fail(&rc, [d], status: context.timedOut ? .timedOut : .failed)
    case (nil, true):
      fail(&rc, [.error("this cell is marked '//| error: true' but ran without an error", at: cell.range)])
    }
  }

  /// Runs the cell's program; every error becomes a diagnostic.
  func execute(_ cell: Cell) -> Execution {
    let start = DispatchTime.now().uptimeNanoseconds
    var displayed: Value?
    var failure: Diagnostic?
    do {
      guard let code = renderer.session.compiled[cell.index] else {
        throw Diagnostic.error("this cell did not check, so it cannot run", at: cell.range)
      }
      displayed = try DeepStack.run(giveUp: hardStop(cell)) { try interpreter.run(code) }
    } catch let d as Diagnostic {
      failure = d
    } catch {
      failure = .error("\(error)", at: cell.range)
    }
    let duration = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let outputs = context.outputs + (displayed.map { [.value($0)] } ?? [])
    return Execution(outputs: outputs, duration: duration, error: failure)
  }

  /// When the process gives up on `cell` (``NotebookRenderer/Options/hardStopAfter`` past its
  /// limit) and how: a message on standard error, then exit status 1. The report on disk is the
  /// one written before the cell ran, which shows it interrupted and the cells after it not run.
  func hardStop(_ cell: Cell) -> (moment: UInt64, action: () -> Never)? {
    guard let grace = options.hardStopAfter, let deadline = context.deadline else { return nil }
    let graceNanoseconds = max(0, grace) * 1e9
    guard graceNanoseconds.isFinite, graceNanoseconds < Double(UInt64.max - deadline) else { return nil }
    let moment = deadline + UInt64(graceNanoseconds)
    let limit = describeSeconds(context.timeLimit ?? 0)
    let message = "error: cell '\(cell.stableName)' ran \(describeSeconds(grace)) past its time limit of \(limit) without stopping at it; the render was ended (the report shows the cell interrupted)\n"
    return (moment, {
      // _exit: the cell's thread is still running, and exit's handlers would tear down what it uses.
      fflush(nil)
      FileHandle.standardError.write(Data(message.utf8))
      _exit(1)
    })
  }

  /// Stores a result; a cache that cannot be written is a warning, once per render.
  func store(_ cell: Cell, _ key: String, _ execution: Execution, _ svgs: [String: String]) {
    var written: [String: String] = [:]
    for path in keys.writtenPaths(of: cell) { written[path] = CellCache.contentHash(context.resolve(path)) }
    let entry = CellCache.Entry(
      values: interpreter.values(of: keys.writes(of: cell)), outputs: execution.outputs, svgs: svgs,
      duration: execution.duration, written: written)
    do {
      try cache.save(entry, key: key)
    } catch is ArchiveError {
      // A value that cannot be stored (a closure in a variable): this cell runs every time.
    } catch {
      cacheUnwritable = true
      warn("cannot write the cell cache in '\(cache.directory)' (\(error)); its cells will run again next time")
    }
  }

  func warn(_ message: String) {
    guard !warnings.contains(message) else { return }
    warnings.append(message)
    renderer.onEvent?(.warning(message))
  }

  // MARK: - Outputs and figures

  /// Converts a cell's outputs for the report; figures come from `stored` (the cache) or
  /// from gnuplot, and are written to the figures folder.
  /// - Returns: the outputs, and the SVG of each figure by name (for the cache).
  /// - Throws: ``Diagnostic`` when a figure cannot be drawn, ``NotebookIOError`` when it cannot be written.
  func convert(
    _ raw: [CellOutput], _ cell: Cell, stored: [String: String] = [:]
  ) throws -> (outputs: [ReportOutput], svgs: [String: String]) {
    var out: [ReportOutput] = []
    var svgs: [String: String] = [:]
    for item in raw {
      switch item {
      case .text(let line): out.append(.text(line))
      case .value(let v): out.append(.value(display: v.display, data: v.json))
      case .figure(var f):
        let options = cell.options
        if options.figureWidth != nil || options.figureHeight != nil {
          let size = f.spec.size ?? .standard
          f.spec.size = .init(width: options.figureWidth ?? size.width, height: options.figureHeight ?? size.height)
        }
        // A cache entry is checked like gnuplot's own output before it reaches the page.
        if let kept = stored[f.name], let problem = SVGPostProcessor.activeContent(kept) {
          throw Diagnostic.error("figure '\(f.name)' from the cell cache is refused: \(problem)", at: cell.range)
        }
        let svg = try stored[f.name] ?? draw(f, cell)
        svgs[f.name] = svg
        let position = out.filter { if case .figure = $0 { true } else { false } }.count
        let caption = options.figureCaptions.flatMap { position < $0.count ? $0[position] : nil }
          ?? (position == 0 ? options.caption : nil)
        out.append(
          .figure(
            ReportFigure(
              name: f.name, relativePath: try writeFigure(f.name, svg), svg: svg, caption: caption, spec: f.spec)))
      }
    }
    return (out, svgs)
  }

  /// The figure drawn by gnuplot (started on the first figure of the render).
  func draw(_ figure: FigureValue, _ cell: Cell) throws -> String {
    do {
      if gnuplot == nil { gnuplot = try GnuplotRunner() }
      return try gnuplot!.render(figure.spec, idPrefix: figure.name + "-")
    } catch let e as FigureError {
      throw Diagnostic.error("figure '\(figure.name)': \(e.message)", at: cell.range)
    }
  }

  /// Writes `<figures>/<notebook>/<name>.svg`; returns its path as the record keeps it
  /// (relative to the project, ``ProjectLocations/recorded(_:)``).
  func writeFigure(_ name: String, _ svg: String) throws -> String {
    let path = "\(options.figuresDirectory)/\(renderer.name)/\(name).svg"
    try ReportWriter.createDirectory((path as NSString).deletingLastPathComponent)
    try ReportWriter.writeAtomically(svg, to: path)
    written.append(path)
    return renderer.session.locations.recorded(path)
  }

  // MARK: - The report

  /// The report of `cells`; `incomplete` says why the render did not reach its end.
  func makeReport(_ cells: [ReportCell], incomplete: String?) -> Report {
    var report = Report(
      notebook: notebook, params: renderer.session.parameters, cells: cells, gnuplotVersion: keys.gnuplotVersion)
    report.prose = renderer.session.prose
    report.showsTimings = options.timings
    report.incomplete = incomplete
    report.proseDeadline = budgetLeft().flatMap(RuntimeContext.deadline(after:))
    return report
  }

  /// Before a cell runs, the report as it would stand if the process died in it (killed, out of
  /// memory, a crash): the cells so far, this one interrupted, the rest not run. The finished
  /// render replaces it, so a render never ends without a report.
  func writeReportBeforeRunning(_ cell: Cell, _ rc: ReportCell) throws {
    var running = rc
    running.status = .interrupted
    running.diagnostic =
      "the render stopped while this cell ran: the process ended before the cell finished (killed, out of memory or crashed)"
    let rest = notebook.cells.dropFirst(cell.index + 1).map { ReportCell($0, status: .notRun) }
    let report = makeReport(
      cells + [running] + rest,
      incomplete: "The render stopped while cell '\(cell.stableName)' ran (the process was killed, ran out of memory or crashed); the cells after it did not run.")
    try ReportWriter(directory: options.reportsDirectory).write(report, name: renderer.name)
  }

  /// Ends the render at `cell` for an I/O problem: the cell failed with it, the rest not run,
  /// the report marked incomplete.
  func abandon(at cell: Cell, because error: NotebookIOError) {
    var rc = ReportCell(cell, status: .failed)
    rc.diagnostic = error.description
    cells.append(rc)
    cells += notebook.cells.dropFirst(cell.index + 1).map { ReportCell($0, status: .notRun) }
    stopped = true
    incomplete = "The render stopped at cell '\(cell.stableName)': \(error.description)."
  }

  /// Writes the report and, after a complete render, records it in the cell cache.
  func finish() throws -> NotebookRenderer.Result {
    let report = makeReport(cells, incomplete: incomplete)
    let files = try ReportWriter(directory: options.reportsDirectory).write(report, name: renderer.name)
    written += [files.html, files.json]
    if files.proseCutShort {
      let limit = describeSeconds(options.totalTimeout ?? 0)
      let problem = Diagnostic.error(
        "the render ran past its total time limit of \(limit) (--timeout) while rendering the prose; the report shows the rest of it as plain text",
        at: SourceRange(file: notebook.path, start: SourcePosition(line: 1, column: 1), end: SourcePosition(line: 1, column: 1)))
      failures.append(problem)
      renderer.onEvent?(.problem(diagnostics.render(problem)))
    }
    var result = NotebookRenderer.Result(report: report, written: written, failures: failures)
    // Only after a complete run: after a failure the entries of the cells that did not run
    // are still the best guess for the next render.
    if failures.isEmpty && options.cache != .off && !cacheUnwritable {
      do {
        result.staleCacheEntriesRemoved = try cache.recordRender(usedKeys: usedKeys)
      } catch {
        warn("\(error); cache entries are kept")
      }
    }
    if failures.isEmpty && incomplete == nil { result.staleFiguresRemoved = removeStaleFigures() }
    result.warnings = warnings
    return result
  }

  /// After a complete render, removes the `.svg` files of the notebook's own figure folder
  /// (`<figures>/<notebook>/`) that this render did not write: figures of cells renamed or
  /// removed since, which would otherwise linger beside the record. Returns how many.
  func removeStaleFigures() -> Int {
    let folder = "\(options.figuresDirectory)/\(renderer.name)"
    let kept = Set(written.map { ($0 as NSString).standardizingPath })
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return 0 }
    var removed = 0
    for name in names.sorted() where name.hasSuffix(".svg") {
      let path = ((folder as NSString).appendingPathComponent(name) as NSString).standardizingPath
      guard !kept.contains(path), FileContents.problem(path) == nil else { continue }
      do {
        try FileManager.default.removeItem(atPath: path)
        removed += 1
      } catch {
        warn("cannot remove the stale figure \(path): \(error.localizedDescription)")
      }
    }
    return removed
  }
}
