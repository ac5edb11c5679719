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

  func notebookPath(_ name: String) -> String { Self.fixtures.appendingPathComponent("notebooks/\(name).md").path }

  /// Runs `notebook arguments…` in `directory` (created) with `environment` changes
  /// (nil removes a variable); output is captured through files, so nothing can block.
  func notebook(_ arguments: [String], environment changes: [String: String?] = [:]) throws -> Run {
    let executable = Self.productsDirectory.appendingPathComponent("notebook")
    try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build the notebook product first")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let out = directory.appendingPathComponent(".stdout"), err = directory.appendingPathComponent(".stderr")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
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

  @Test(arguments: [[], ["render"], ["check"], ["diff"], ["functions"], ["tinylm"]])
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
    let run = try notebook(["render", notebookPath("model"), "--no-cache"])  // a fresh folder has no .cache/models
    #expect(run.status == 1)
    #expect(run.stderr.contains("make model"), "\(run.stderr)")
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
