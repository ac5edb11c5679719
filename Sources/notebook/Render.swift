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
  @Flag(help: "Leave run times out of the report and record, so renders of the same results are byte-identical (for committed results).")
  var noTimings = false
  @Option(name: .customShort("P"), help: ArgumentHelp("Set a notebook parameter.", valueName: "name=value"))
  var parameters: [String] = []
  @Option(help: ArgumentHelp("Read notebook parameters from a YAML file of name: value lines (-P wins).", valueName: "file.yml"))
  var params: String?

  func run() throws {
    let fromFile: [(String, String)]
    do {
      fromFile = try params.map(ParameterFile.read(path:)) ?? []
    } catch let e as UsageError {
      throw ValidationError(e.description)
    }
    let overrides = try fromFile + parameters.map { text -> (String, String) in
      guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
        throw ValidationError("-P expects name=value, got '\(text)'")
      }
      return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }
    var failed = false
    for file in files {
      let session: NotebookSession
      do {
        session = try NotebookSession.load(path: file, overrides: overrides)
      } catch let e as UsageError {
        throw ValidationError(e.description)
      }
      var options = NotebookRenderer.Options()
      options.reportsDirectory = output
      options.figuresDirectory = figures
      options.allowErrors = allowErrors
      options.cache = noCache ? .off : (refresh ? .refresh : .use)
      options.timings = !noTimings
      if let timeout {
        guard timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)") }
        options.totalTimeout = timeout
      }
      var renderer = NotebookRenderer(session: session, options: options)
      let bar = ProgressLine()
      renderer.progress = { label, fraction in bar.update(label, fraction) }
      renderer.cellEvent = { name, status, cached in
        if cached {
          bar.finish("[\(name)] from cache")
        } else if let status {
          bar.finish("[\(name)] \(status.rawValue)")
        } else {
          bar.start("[\(name)] running")
        }
      }
      let start = Date()
      let result = try renderer.render()
      let sources = DiagnosticRenderer(sources: [session.notebook.path: session.notebook.source])
      for d in result.failures { FileHandle.standardError.write(Data(sources.render(d).utf8)) }
      let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
      let status = result.succeeded ? "rendered" : "FAILED"
      print("\(status) \(file) in \(seconds) s → " + result.written.filter { $0.hasSuffix(".html") || $0.hasSuffix(".json") }.joined(separator: ", "))
      if result.staleCacheEntriesRemoved > 0 {
        print("removed \(result.staleCacheEntriesRemoved) stale cell-cache entr\(result.staleCacheEntriesRemoved == 1 ? "y" : "ies")")
      }
      failed = failed || !result.succeeded
    }
    if failed { throw ExitCode(1) }
  }
}
