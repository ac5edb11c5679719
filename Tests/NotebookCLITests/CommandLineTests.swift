import Foundation
import Testing

@testable import NotebookCore

/// The built `notebook` executable as users run it (as swift-argument-parser tests its
/// examples): every subcommand's exit codes (0 ok, 1 problems in a notebook or runs that
/// differ, 2 usage or I/O trouble), the help text against golden files, and trouble
/// from outside: a read-only output folder, no gnuplot, no model.
/// `RECORD_SNAPSHOTS=1` rewrites the golden help files.
@Suite(.serialized) struct CommandLineTests {
  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The folder of the built products (`.build/debug`), where the test bundle is too.
  static var productsDirectory: URL {
    let bundle = Bundle.main.bundleURL
    return bundle.lastPathComponent.hasSuffix(".xctest") ? bundle.deletingLastPathComponent() : bundle
  }

  static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
  static var sourceFixtures: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
  }

  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")

  /// A copy of the fixture notebook `name` in the test's folder (outside any project, so its
  /// reports go beside it, and its model is looked up in the environment's caches).
  func notebookPath(_ name: String) -> String {
    let copy = directory.appendingPathComponent("\(name).md")
    if !FileManager.default.fileExists(atPath: copy.path) {
      try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      try? FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("notebooks/\(name).md"), to: copy)
    }
    return copy.path
  }

  /// The repository's MiniLM weights, when `make model` fetched them.
  static var repositoryModels: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent(".cache/models")
  }

  /// Runs `notebook arguments…` in `directory` (created) with `environment` changes
  /// (nil removes a variable); output is captured through files, so nothing can block.
  func notebook(_ arguments: [String], in folder: URL? = nil, environment changes: [String: String?] = [:]) throws -> Run {
    let executable = Self.productsDirectory.appendingPathComponent("notebook")
    try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build the notebook product first")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let out = directory.appendingPathComponent(".stdout"), err = directory.appendingPathComponent(".stderr")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = folder ?? directory
    var environment = ProcessInfo.processInfo.environment
    environment["COLUMNS"] = "100"
    for (name, value) in changes { environment[name] = value }
    process.environment = environment
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    process.waitUntilExit()
    return Run(
      status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
      stderr: try String(contentsOf: err, encoding: .utf8))
  }

  // MARK: - Help and usage

  @Test(arguments: [[], ["render"], ["check"], ["report"], ["preview"], ["clean"], ["diff"], ["functions"], ["tinylm"]])
  func helpMatchesItsGoldenFile(_ subcommand: [String]) throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let run = try notebook(subcommand + ["--help"])
    #expect(run.status == 0 && run.stderr.isEmpty)
    let name = "help/" + (subcommand.first ?? "notebook") + ".txt"
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
      try run.stdout.write(to: Self.sourceFixtures.appendingPathComponent(name), atomically: true, encoding: .utf8)
      return
    }
    let golden = try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
    #expect(run.stdout == golden, "\(name) differs (RECORD_SNAPSHOTS=1 rewrites it)")
  }

  @Test func versionAndUsageErrors() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let version = try notebook(["--version"])
    #expect(version.status == 0 && version.stdout == "notebook \(NotebookCore.version)\n")
    let unknown = try notebook(["frobnicate"])
    #expect(unknown.status == 2 && unknown.stderr.contains("Unexpected argument 'frobnicate'"))
    let badOption = try notebook(["render", notebookPath("ok"), "--no-such-flag"])
    #expect(badOption.status == 2 && badOption.stderr.contains("--no-such-flag"))
    let badTimeout = try notebook(["render", notebookPath("ok"), "--timeout", "0"])
    #expect(badTimeout.status == 2 && badTimeout.stderr.contains("--timeout must be a positive number"))
  }

  // MARK: - render

  @Test func renderExitCodes() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let ok = try notebook(["render", notebookPath("ok"), "--no-cache"])
    #expect(ok.status == 0, "\(ok.stderr)")
    #expect(ok.stdout.hasPrefix("rendered \(notebookPath("ok")) in "))
    #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("reports/ok.json").path))
    #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("figures/ok/curve.svg").path))
    let record = try RunRecord.load(path: directory.appendingPathComponent("reports/ok.json").path)
    #expect(record.format == RunRecord.format)

    let failing = try notebook(["render", notebookPath("failing"), "--no-cache"])
    #expect(failing.status == 1 && failing.stdout.hasPrefix("FAILED "))
    #expect(failing.stderr.contains("failing.md:11:10: error: index 5 out of range"), "\(failing.stderr)")
    let report = try RunRecord.load(path: directory.appendingPathComponent("reports/failing.json").path)
    #expect(report.cells.map(\.status) == [.ok, .failed, .notRun], "the report of the cells that ran is written")

    let missing = try notebook(["render", directory.appendingPathComponent("nothing.md").path])
    #expect(missing.status == 2 && missing.stderr.contains("cannot read the notebook"))
    let badParameter = try notebook(["render", notebookPath("ok"), "-P", "n=three"])
    #expect(
      badParameter.status == 2 && badParameter.stderr.contains("parameter 'n' is Int, but 'three' is not a valid Int"))
    let unknownParameter = try notebook(["render", notebookPath("ok"), "-P", "m=3"])
    #expect(unknownParameter.status == 2 && unknownParameter.stderr.contains("has no parameter 'm'"))
  }

  @Test func allowErrorsPrintsEachDiagnosticWhenItsCellFailsAndWritesTheReport() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let run = try notebook(["render", notebookPath("failing"), "--allow-errors", "--no-cache"])
    #expect(run.status == 1)
    let lines = run.stderr.split(separator: "\n").map(String.init)
    let diagnostic = try #require(lines.firstIndex { $0.contains("error: index 5 out of range") }, "\(run.stderr)")
    let last = try #require(lines.firstIndex { $0 == "[last] ok" }, "\(run.stderr)")
    #expect(diagnostic < last, "the diagnostic comes when its cell fails, before the next cell runs")
    #expect(lines.filter { $0.contains("error: index 5 out of range") }.count == 1, "printed once")
    let report = try RunRecord.load(path: directory.appendingPathComponent("reports/failing.json").path)
    #expect(report.cells.map(\.status) == [.ok, .failed, .ok])
  }

  @Test func renderingIntoAReadOnlyFolderIsTrouble() throws {
    defer {
      chmod(directory.appendingPathComponent("locked").path, 0o755)
      try? FileManager.default.removeItem(at: directory)
    }
    let locked = directory.appendingPathComponent("locked")
    try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
    chmod(locked.path, 0o555)
    // root ignores permission bits: then sysfs, which nobody can write to, stands in.
    let probe = locked.appendingPathComponent("probe")
    let folder =
      FileManager.default.createFile(atPath: probe.path, contents: Data()) ? "/sys/notebook-e2e" : locked.path
    let run = try notebook([
      "render", notebookPath("failing"), "--no-cache", "-o", folder + "/reports", "--figures", folder + "/figures",
    ])
    #expect(run.status == 2, "\(run.stderr)")
    let last = run.stderr.split(separator: "\n").last.map(String.init) ?? ""
    #expect(last.hasPrefix("notebook: \(folder)/reports: cannot create the folder: "), "\(run.stderr)")
  }

  @Test func withoutGnuplotAFigureCellFailsWithTheInstallHint() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let run = try notebook(["render", notebookPath("ok"), "--no-cache"], environment: ["PATH": directory.path])
    #expect(run.status == 1)
    #expect(run.stderr.contains("gnuplot not found; install it with `apt-get install -y gnuplot-nox`"), "\(run.stderr)")
    let report = try RunRecord.load(path: directory.appendingPathComponent("reports/ok.json").path)
    #expect(report.cells.map(\.status) == [.ok, .failed])
  }

  @Test func withoutTheModelItsCellFailsSayingHowToFetchIt() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    // Outside a project, with empty user caches: the hint is a command that works from here.
    let run = try notebook(
      ["render", notebookPath("model"), "--no-cache"],
      environment: ["XDG_CACHE_HOME": directory.path + "/xdg", "SAE_NOTEBOOK_CACHE": nil])
    #expect(run.status == 1)
    let target = directory.path + "/xdg/sae-notebook/models/all-MiniLM-L6-v2"
    #expect(run.stderr.contains("scripts/fetch-model.sh \(target)`"), "\(run.stderr)")
    #expect(run.stderr.contains("/scripts/fetch-model.sh"), "an absolute path to the script")
  }

  /// A notebook in a project renders the same from any folder: the project's model is found,
  /// and the reports go to the project's reports/ and figures/, not the working folder's.
  @Test func pathsResolveFromTheNotebooksProjectNotTheWorkingFolder() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let models = Self.repositoryModels
    try #require(FileManager.default.fileExists(atPath: models.path + "/all-MiniLM-L6-v2/config.json"), "run make model")
    let project = directory.appendingPathComponent("project")
    try FileManager.default.createDirectory(at: project.appendingPathComponent("notebooks"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: project.appendingPathComponent(".cache"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(at: project.appendingPathComponent(".cache/models"), withDestinationURL: models)
    let notebook = project.appendingPathComponent("notebooks/model.md")
    try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("notebooks/model.md"), to: notebook)
    let elsewhere = directory.appendingPathComponent("elsewhere")
    try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)

    let run = try self.notebook(
      ["render", "../project/notebooks/model.md", "--no-cache"], in: elsewhere,
      environment: ["XDG_CACHE_HOME": directory.path + "/xdg", "SAE_NOTEBOOK_CACHE": nil])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(FileManager.default.fileExists(atPath: project.path + "/reports/model.json"))
    #expect(!FileManager.default.fileExists(atPath: elsewhere.path + "/reports"))
    #expect(run.stdout.contains("→ \(project.path)/reports/model.html"), "\(run.stdout)")
  }

  // MARK: - Never lose a render

  /// Starts `notebook arguments…` in the test's folder and returns once its standard error
  /// contains `marker` (the process still running).
  func start(_ arguments: [String], until marker: String) throws -> (process: Process, stderr: URL) {
    let executable = Self.productsDirectory.appendingPathComponent("notebook")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let err = directory.appendingPathComponent(".stderr-async")
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline {
      if let text = try? String(contentsOf: err, encoding: .utf8), text.contains(marker) { return (process, err) }
      Thread.sleep(forTimeInterval: 0.05)
    }
    process.terminate()
    throw CancellationError()
  }

  @Test func ctrlCStopsTheRunningCellAndWritesTheReportMarkedIncomplete() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let (process, stderr) = try start(["render", notebookPath("slow"), "--no-cache"], until: "[slow] running")
    Thread.sleep(forTimeInterval: 0.3)
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit && process.terminationStatus == 1)
    let text = try String(contentsOf: stderr, encoding: .utf8)
    #expect(text.contains("interrupted by SIGINT (Ctrl-C)"), "\(text)")
    let record = try RunRecord.load(path: directory.appendingPathComponent("reports/slow.json").path)
    #expect(record.cells.map(\.status) == [.ok, .interrupted, .notRun])
    #expect(record.incomplete?.contains("interrupted by SIGINT (Ctrl-C) while cell 'slow' ran") == true, "\(record.incomplete ?? "nil")")
    let html = try String(contentsOf: directory.appendingPathComponent("reports/slow.html"), encoding: .utf8)
    #expect(html.contains("Incomplete render.") && html.contains("the render stopped before this cell"))
  }

  /// A process killed mid-cell (here SIGKILL, as the out-of-memory killer does) leaves the
  /// report written before the cell ran: what ran, and which cell it died in.
  @Test func aRenderKilledMidCellLeavesAReportOfWhatRan() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let (process, _) = try start(["render", notebookPath("slow"), "--no-cache"], until: "[slow] running")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let record = try RunRecord.load(path: directory.appendingPathComponent("reports/slow.json").path)
    #expect(record.cells.map(\.status) == [.ok, .interrupted, .notRun])
    #expect(record.cells[0].outputs == [.text("first ran")])
    #expect(record.incomplete?.contains("stopped while cell 'slow' ran") == true)
  }

  /// A figure folder that cannot be created (a file in the way) is I/O trouble, exit 2, with a
  /// message naming the file, and the report is still written, saying where the render stopped.
  @Test func aFigureFolderBlockedByAFileIsExit2WithAReport() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = notebookPath("ok")
    let blocker = directory.appendingPathComponent("blocker").path
    FileManager.default.createFile(atPath: blocker, contents: Data())
    let run = try notebook(["render", path, "--no-cache", "--figures", blocker])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.contains("cannot create the folder: '\(blocker)' is a file, not a folder"), "\(run.stderr)")
    let record = try RunRecord.load(path: directory.appendingPathComponent("reports/ok.json").path)
    #expect(record.incomplete?.contains("'\(blocker)' is a file, not a folder") == true, "\(String(describing: record.incomplete))")
    #expect(record.cells.contains { $0.status == .failed })
  }

  /// Every saved fuzz regression (Fixtures/fuzz-regressions, `make fuzz` adds to it) is checked
  /// and rendered by the built binary: each must end with exit status 0, 1 or 2, never a signal,
  /// and the render must keep to its --timeout (with room for a loaded machine).
  @Test func fuzzRegressionsNeitherCrashNorHang() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let folder = Self.fixtures.appendingPathComponent("fuzz-regressions")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted()
    #expect(names.count >= 9)
    for name in names {
      let work = directory.appendingPathComponent(String(name.dropLast(3)))
      try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
      try FileManager.default.copyItem(at: folder.appendingPathComponent(name), to: work.appendingPathComponent("case.md"))
      let files = folder.appendingPathComponent(String(name.dropLast(3)) + ".files")
      for file in (try? FileManager.default.contentsOfDirectory(atPath: files.path)) ?? [] {
        try FileManager.default.copyItem(at: files.appendingPathComponent(file), to: work.appendingPathComponent(file))
      }
      let check = try notebook(["check", "case.md"], in: work)
      #expect((0...2).contains(check.status), "\(name): check ended with \(check.status)\n\(check.stderr.suffix(500))")
      let started = Date()
      let render = try notebook(["render", "case.md", "--no-cache", "--timeout", "20", "--memory-limit", "2G"], in: work)
      #expect((0...2).contains(render.status), "\(name): render ended with \(render.status)\n\(render.stderr.suffix(500))")
      let seconds = Date().timeIntervalSince(started)
      #expect(seconds < 45, "\(name): the render took \(Int(seconds)) s under --timeout 20")
    }
  }

  @Test func aMemoryLimitRefusesAnAllocationInItsCellWithTheSizes() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let run = try notebook(["render", notebookPath("memory"), "--no-cache", "--memory-limit", "100M"])
    #expect(run.status == 1)
    #expect(run.stderr.contains("would need 408.0 MB; the memory limit is 100.0 MB (--memory-limit; this machine has "), "\(run.stderr)")
    let record = try RunRecord.load(path: directory.appendingPathComponent("reports/memory.json").path)
    #expect(record.cells.map(\.status) == [.ok, .failed])
    #expect(record.incomplete == nil)
    let bad = try notebook(["render", notebookPath("memory"), "--memory-limit", "lots"])
    #expect(bad.status == 2 && bad.stderr.contains("--memory-limit expects a size such as 16G, 512M or 75%, got 'lots'"))
  }

  // MARK: - report

  /// The HTML rebuilt from the record equals the render's own; prose edits show; a changed
  /// cell or a missing figure is refused.
  @Test func reportRebuildsTheHTMLFromTheRecordWithoutRunning() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = notebookPath("ok")
    #expect(try notebook(["render", path, "--no-cache", "--no-timings"]).status == 0)
    let html = directory.appendingPathComponent("reports/ok.html"), json = directory.appendingPathComponent("reports/ok.json")
    let rendered = try String(contentsOf: html, encoding: .utf8), record = try Data(contentsOf: json)
    try FileManager.default.removeItem(at: html)
    let rebuilt = try notebook(["report", path])
    #expect(rebuilt.status == 0 && rebuilt.stdout.hasPrefix("rewrote reports/ok.html from reports/ok.json"), "\(rebuilt.stdout)\(rebuilt.stderr)")
    #expect(try String(contentsOf: html, encoding: .utf8) == rendered, "the same HTML as the render's")
    #expect(try Data(contentsOf: json) == record, "the record is left as it is")

    let text = try String(contentsOfFile: path, encoding: .utf8)
    try (text + "\nA closing paragraph added later.\n").write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try notebook(["report", path]).status == 0)
    #expect(try String(contentsOf: html, encoding: .utf8).contains("A closing paragraph added later."))

    try text.replacingOccurrences(of: "[1.0, 2.0, 4.0]", with: "[1.0, 2.0, 5.0]").write(toFile: path, atomically: true, encoding: .utf8)
    let changed = try notebook(["report", path])
    #expect(changed.status == 2 && changed.stderr.contains("changed since the record was written: render the notebook"), "\(changed.stderr)")

    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let figure = directory.appendingPathComponent("figures/ok/curve.svg")
    let drawn = try String(contentsOf: figure, encoding: .utf8)
    try FileManager.default.removeItem(at: figure)
    let missing = try notebook(["report", path])
    #expect(missing.status == 2 && missing.stderr.contains("cannot read the figure the record names"), "\(missing.stderr)")
    // --redraw draws it again from the recorded spec: the same SVG, and the same HTML.
    let redrawn = try notebook(["report", path, "--redraw"])
    #expect(redrawn.status == 0, "\(redrawn.stderr)")
    #expect(try String(contentsOf: figure, encoding: .utf8) == drawn)
    #expect(try String(contentsOf: html, encoding: .utf8) == rendered)
  }

  // MARK: - preview

  /// Trouble before serving is exit status 2 (the page itself is tested in Chromium, PreviewBrowserTests).
  @Test func previewTroubleIsExitStatusTwo() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let missing = try notebook(["preview", "nothing.md", "--port", "0"])
    #expect(missing.status == 2 && missing.stderr.contains("cannot read the notebook: no such file"), "\(missing.stderr)")
    let badPort = try notebook(["preview", notebookPath("ok"), "--port", "70000"])
    #expect(badPort.status == 2 && badPort.stderr.contains("--port must be from 0 to 65535"))
  }

  // MARK: - clean

  @Test func cleanRemovesCellCachesAndNothingElse() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    _ = notebookPath("ok")  // copied into the test's folder
    #expect(try notebook(["render", "ok.md"]).status == 0)
    let cache = directory.appendingPathComponent(".notebook-cache/ok").path
    #expect(FileManager.default.fileExists(atPath: cache))

    let cleaned = try notebook(["clean", "ok.md"])
    #expect(cleaned.status == 0 && cleaned.stdout.hasPrefix("removed ") && cleaned.stdout.contains("entries"), "\(cleaned.stdout)")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(".notebook-cache").path))
    let again = try notebook(["clean", "ok.md"])
    #expect(again.status == 0 && again.stdout == "ok.md: no cell cache\n")
    let missing = try notebook(["clean", "gone.md"])
    #expect(missing.status == 2 && missing.stderr.contains("no such notebook"))
    let notNotebook = try notebook(["clean", "ok.json"])
    #expect(notNotebook.status == 2 && notNotebook.stderr.contains("is not a notebook"))

    // A folder in the cache's place that holds a user's file is refused, and the file survives.
    #expect(try notebook(["render", "ok.md"]).status == 0)
    let precious = cache + "/notes.txt"
    try "mine".write(toFile: precious, atomically: true, encoding: .utf8)
    let refused = try notebook(["clean", "ok.md"])
    #expect(refused.status == 2 && refused.stderr.contains("not a cell cache: it holds notes.txt"), "\(refused.stderr)")
    #expect(FileManager.default.fileExists(atPath: precious))
    try FileManager.default.removeItem(atPath: precious)

    // Without arguments: every cache under the current folder, nested folders included.
    let nested = directory.appendingPathComponent("sub/deeper")
    try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: Self.fixtures.appendingPathComponent("notebooks/ok.md"), to: nested.appendingPathComponent("two.md"))
    #expect(try notebook(["render", "sub/deeper/two.md"]).status == 0)
    let all = try notebook(["clean"])
    #expect(all.status == 0 && all.stdout.components(separatedBy: "removed ").count == 3, "\(all.stdout)")
    #expect(!FileManager.default.fileExists(atPath: nested.appendingPathComponent(".notebook-cache").path))
    #expect(try notebook(["clean"]).stdout.hasPrefix("no cell cache under "))
  }

  // MARK: - check, functions, diff

  @Test func checkExitCodes() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let ok = try notebook(["check", notebookPath("ok")])
    #expect(ok.status == 0 && ok.stdout.contains("no problems (2 cells)"))
    let errors = try notebook(["check", notebookPath("errors")])
    #expect(
      errors.status == 1 && errors.stderr.contains("error: cannot find function 'trian' in scope"), "\(errors.stderr)")
    let missing = try notebook(["check", directory.appendingPathComponent("nothing.md").path])
    #expect(missing.status == 2)
  }

  @Test func functionsExitCodes() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let text = try notebook(["functions"])
    #expect(text.status == 0 && text.stdout.contains("loadMatrix(_ path: String, name: String = nil) -> Matrix"))
    let markdown = try notebook(["functions", "--markdown"])
    #expect(markdown.status == 0 && markdown.stdout == FunctionReference.markdown(.standard))
  }

  /// Writes a record with one figure cell and one printed line.
  func writeRecord(_ name: String, figure: FigureSpec, text: String) throws -> String {
    let cells = [
      RunRecord.Cell(
        index: 0, label: "fig", name: "fig", sourceHash: "", status: .ok, diagnostic: nil, duration: nil,
        outputs: [.figure(RunRecord.Figure(name: "fig", spec: figure))]),
      RunRecord.Cell(
        index: 1, label: "text", name: "text", sourceHash: "", status: .ok, diagnostic: nil, duration: nil,
        outputs: [.text(text)]),
    ]
    let record = RunRecord(format: RunRecord.format, title: "t", notebook: "t.md", params: [], cells: cells)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent(name).path
    try record.encoded().write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func diffDetectsHeatMapsAxesAndPrintedNumbers() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let map = FigureSpec(heatmap: .init(values: [[1, 0.5], [0.5, 1]]), title: "CKA")
    var changedMap = map
    changedMap.heatmap!.values[0][1] = 0.6
    let line = FigureSpec(kind: .line, series: [.init(x: [1, 2], y: [1, 2])])
    var logLine = line
    logLine.xlog = true
    let base = try writeRecord("base.json", figure: map, text: "fvu 0.25")
    let same = try writeRecord("same.json", figure: map, text: "fvu 0.25")
    let cases: [(String, FigureSpec, String, String)] = [
      ("heatmap.json", changedMap, "fvu 0.25", "heat map cells moved"),
      ("number.json", map, "fvu 0.2501", "-fvu 0.25"),
    ]
    let identical = try notebook(["diff", base, same])
    #expect(identical.status == 0 && identical.stdout == "0 of 2 cells differ (rtol 1e-09, atol 0)\n")
    for (name, figure, text, expected) in cases {
      let run = try notebook([
        "diff", base, try writeRecord(name, figure: figure, text: text), "--html",
        directory.appendingPathComponent("review/\(name).html").path,
      ])
      #expect(run.status == 1 && run.stdout.contains(expected), "\(name): \(run.stdout)")
      #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("review/\(name).html").path))
    }
    let a = try writeRecord("line.json", figure: line, text: "x"),
      b = try writeRecord("log.json", figure: logLine, text: "x")
    let axis = try notebook(["diff", a, b])
    #expect(axis.status == 1 && axis.stdout.contains("figure fig: x scale linear → log"), "\(axis.stdout)")
    let tolerated = try notebook([
      "diff", base, try writeRecord("close.json", figure: map, text: "fvu 0.2501"), "--rtol", "0.01",
    ])
    #expect(tolerated.status == 0, "\(tolerated.stdout)")
  }

  @Test func diffTroubleIsExitStatusTwo() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let record = try writeRecord("r.json", figure: FigureSpec(kind: .line, series: [.init(x: [1], y: [1])]), text: "x")
    let missing = try notebook(["diff", record, directory.appendingPathComponent("nothing.json").path])
    #expect(missing.status == 2 && missing.stderr.contains("cannot read the record"))
    try "{\"format\": \"other\"}".write(
      to: directory.appendingPathComponent("other.json"), atomically: true, encoding: .utf8)
    let other = try notebook(["diff", record, directory.appendingPathComponent("other.json").path])
    #expect(other.status == 2 && other.stderr.contains("unsupported record format 'other'"))
    let badTolerance = try notebook(["diff", record, record, "--rtol", "-1"])
    #expect(badTolerance.status == 2)
  }
}
