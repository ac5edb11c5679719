import ArgumentParser
import Foundation
import NotebookCore

struct Render: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run notebooks and write reports/<name>.html, reports/<name>.json and figures/<name>/*.svg.")

  @ArgumentParser.Argument(help: "Notebook files (.md).") var files: [String]
  @Option(name: .shortAndLong, help: "Folder for the HTML and JSON reports.") var output = "reports"
  @Option(help: "Folder for figure files.") var figures = "figures"
  @Flag(help: "Keep running after a failing cell.") var allowErrors = false
  @Flag(help: "Neither read nor write the cell cache.") var noCache = false
  @Option(help: ArgumentHelp("Time budget of the whole render, in seconds.", valueName: "seconds")) var timeout: Double?
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

  func validate() throws {
    if let timeout, !(timeout > 0) {
      throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)")
    }
  }

  func run() throws {
    let overrides =
      try (params.map(ParameterFile.read(path:)) ?? [])
      + parameters.map { text -> (String, String) in
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
          throw ValidationError("-P expects name=value, got '\(text)'")
        }
        return (String(text[..<eq]), String(text[text.index(after: eq)...]))
      }
    var failed = false
    for file in files {
      let session = try NotebookSession.load(path: file, overrides: overrides)
      let start = Date()
      let result = try renderer(for: session).render()
      let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
      let reports = result.written.filter { $0.hasSuffix(".html") || $0.hasSuffix(".json") }
      let outcome = result.succeeded ? "rendered" : "FAILED"
      print("\(outcome) \(file) in \(seconds) s → " + reports.joined(separator: ", "))
      let removed = result.staleCacheEntriesRemoved
      if removed > 0 { print("removed \(removed) stale cell-cache entr\(removed == 1 ? "y" : "ies")") }
      failed = failed || !result.succeeded
    }
    if failed { throw FoundProblems() }
  }

  /// A renderer with the command's options that reports each event on standard error as it
  /// happens: cells starting and ending, each failure's diagnostic when its cell fails, warnings.
  func renderer(for session: NotebookSession) -> NotebookRenderer {
    var options = NotebookRenderer.Options()
    options.reportsDirectory = output
    options.figuresDirectory = figures
    options.allowErrors = allowErrors
    options.cache = noCache ? .off : (refresh ? .refresh : .use)
    options.timings = !noTimings
    options.totalTimeout = timeout
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
