import ArgumentParser
import Foundation
import NotebookCore

struct Render: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run notebooks and write reports/<name>.html, reports/<name>.json and figures/<name>/*.svg.",
    discussion: """
      Reports and figures go to the reports/ and figures/ folders of the notebook's project (the nearest \
      folder above it with Package.swift or a .cache of models or activations), or beside the notebook \
      outside a project, wherever the command runs. The model and the activation cache are looked up \
      in $SAE_NOTEBOOK_CACHE, the project's .cache, then $XDG_CACHE_HOME/sae-notebook (~/.cache/sae-notebook).
      """)

  @ArgumentParser.Argument(help: "Notebook files (.md).") var files: [String]
  @Option(name: .shortAndLong, help: ArgumentHelp("Folder for the HTML and JSON reports (default: the project's reports/).", valueName: "folder"))
  var output: String?
  @Option(help: ArgumentHelp("Folder for figure files (default: the project's figures/).", valueName: "folder"))
  var figures: String?
  @Flag(help: "Keep running after a failing cell.") var allowErrors = false
  @Flag(help: "Neither read nor write the cell cache.") var noCache = false
  @Option(help: ArgumentHelp("Time budget of the whole render, in seconds.", valueName: "seconds")) var timeout: Double?
  @Option(
    help: ArgumentHelp(
      "Seconds a cell may run past its time limit before the render is ended (exit 1; the report shows the cell interrupted).",
      valueName: "seconds"))
  var grace: Double = 30
  @Flag(help: "Recompute every cell and overwrite its cache entry.") var refresh = false
  @Flag(
    help: ArgumentHelp(
      "Leave run times out of the report and record, so renders of the same results are byte-identical "
        + "(for committed results)."))
  var noTimings = false
  @Option(name: .customShort("P"), help: ArgumentHelp("Set a notebook parameter.", valueName: "name=value"))
  var parameters: [String] = []
  @Option(
    help: ArgumentHelp(
      "Read notebook parameters from a YAML file of name: value lines (-P wins).", valueName: "file.yml"))
  var params: String?

  @Option(
    help: ArgumentHelp(
      "Refuse any allocation estimated above this size, as an error in its cell: 16G, 512M, 75% (of physical memory) or bytes. Default: 80% of physical memory.",
      valueName: "size"))
  var memoryLimit: String?

  func validate() throws {
    if let memoryLimit, MemoryLimitOption.parse(memoryLimit) == nil {
      throw ValidationError("--memory-limit expects a size such as 16G, 512M or 75%, got '\(memoryLimit)'")
    }
    if let timeout, !(timeout > 0) {
      throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)")
    }
    if !(grace >= 0) || !grace.isFinite {
      throw ValidationError("--grace must be a number of seconds, 0 or more, got \(grace)")
    }
  }

  func run() throws {
    let overrides = try (params.map(ParameterFile.read(path:)) ?? []) + Self.overrides(parameters)
    var failed = false
    MemoryLimitOption.apply(memoryLimit.flatMap(MemoryLimitOption.parse))
    Interruption.install()
    for file in files where Interruption.received == nil {
      let session = try NotebookSession.load(path: file, overrides: overrides)
      let start = Date()
      let result = try renderer(for: session).render()
      let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
      let reports = result.written.filter { $0.hasSuffix(".html") || $0.hasSuffix(".json") }.map(Self.shown)
      let outcome = result.succeeded ? "rendered" : Interruption.received != nil ? "INTERRUPTED" : "FAILED"
      print("\(outcome) \(file) in \(seconds) s → " + reports.joined(separator: ", "))
      let removed = result.staleCacheEntriesRemoved
      if removed > 0 { print("removed \(removed) stale cell-cache entr\(removed == 1 ? "y" : "ies")") }
      let figures = result.staleFiguresRemoved
      if figures > 0 { print("removed \(figures) figure file\(figures == 1 ? "" : "s") no cell draws any more") }
      failed = failed || !result.succeeded
    }
    if failed { throw FoundProblems() }
  }

  /// `-P name=value` options as (name, value) pairs.
  static func overrides(_ options: [String]) throws -> [(String, String)] {
    try options.map { text in
      guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
        throw ValidationError("-P expects name=value, got '\(text)'")
      }
      return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }
  }

  /// `path` relative to the working folder when it is inside it (as the user would type it).
  static func shown(_ path: String) -> String {
    let here = FileManager.default.currentDirectoryPath + "/"
    return path.hasPrefix(here) ? String(path.dropFirst(here.count)) : path
  }

  /// A renderer with the command's options that reports each event on standard error as it
  /// happens: cells starting and ending, each failure's diagnostic when its cell fails, warnings.
  func renderer(for session: NotebookSession) -> NotebookRenderer {
    var options = NotebookRenderer.Options()
    options.reportsDirectory = output ?? session.locations.reports
    options.figuresDirectory = figures ?? session.locations.figures
    options.allowErrors = allowErrors
    options.cache = noCache ? .off : (refresh ? .refresh : .use)
    options.timings = !noTimings
    options.totalTimeout = timeout
    options.hardStopAfter = grace
    var renderer = NotebookRenderer(session: session, options: options)
    let bar = ProgressLine()
    renderer.progress = { label, fraction in bar.update(label, fraction) }
    renderer.onEvent = { event in
      switch event {
      case .cellStarted(let name):
        bar.start("[\(name)] running")
      case .cellFinished(let name, let status, let cached, let diagnostic):
        bar.finish(cached ? "[\(name)] from cache" : "[\(name)] \(status.rawValue)")
        if let diagnostic, status != .expectedError { bar.message(diagnostic) }
      case .problem(let text):
        bar.message(text)
      case .warning(let text):
        bar.message("warning: \(text)")
      }
    }
    return renderer
  }
}
