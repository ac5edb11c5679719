import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Runs gnuplot on a `GnuplotScript` and returns the processed SVG.
///
/// Each run: a fresh private (0700) temporary directory; the script written there as
/// `script.gp`; `gnuplot -d script.gp` (`-d`: no gnuplotrc / ~/.gnuplot) with that
/// directory as working directory, `HOME` and `TMPDIR`, a minimal environment, stdin
/// from /dev/null and stdout/stderr into files in the directory (no pipe to deadlock);
/// killed (SIGKILL) after `timeLimit` seconds; the directory is removed afterwards.
public struct GnuplotRunner: Sendable {
  /// The gnuplot executable.
  public let executable: URL
  /// Seconds gnuplot may run before it is killed.
  public var timeLimit: Double

  /// Default time limit in seconds.
  public static let defaultTimeLimit = 30.0

  /// A runner for a known executable.
  public init(executable: URL, timeLimit: Double = GnuplotRunner.defaultTimeLimit) {
    self.executable = executable
    self.timeLimit = timeLimit
  }

  /// A runner for the first `gnuplot` on `searchPath` (default: `$PATH`);
  /// throws `FigureError.gnuplotNotFound` when there is none.
  public init(
    timeLimit: Double = GnuplotRunner.defaultTimeLimit,
    searchPath: String? = ProcessInfo.processInfo.environment["PATH"]
  ) throws {
    self.init(executable: try Self.locate(searchPath: searchPath), timeLimit: timeLimit)
  }

  /// The first executable file named `gnuplot` in the `:`-separated `searchPath`.
  public static func locate(searchPath: String?) throws -> URL {
    for directory in (searchPath ?? "").split(separator: ":") where !directory.isEmpty {
      let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("gnuplot")
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
        !isDirectory.boolValue, FileManager.default.isExecutableFile(atPath: candidate.path)
      {
        return candidate
      }
    }
    throw FigureError.gnuplotNotFound
  }

  /// Validates `spec`, draws it and returns the SVG (see `SVGPostProcessor`):
  /// byte-identical for equal specs. `idPrefix` makes element ids unique in a page.
  public func render(_ spec: FigureSpec, idPrefix: String? = nil) throws -> String {
    let script = try GnuplotScript(spec)
    let raw = try run(script: script.text)
    return try SVGPostProcessor.process(raw, title: spec.title, idPrefix: idPrefix)
  }

  /// gnuplot's version line, e.g. "gnuplot 5.4 patchlevel 4".
  public func gnuplotVersion() throws -> String {
    let output = try withWorkingDirectory { directory in
      try execute(arguments: ["--version"], in: directory)
    }
    return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Runs `script` and returns gnuplot's raw standard output. `inspect` sees the working
  /// directory after gnuplot exits and before it is removed (tests use it). gnuplot's
  /// warning that the canvas is too small (labels leave no room; it then draws no plot)
  /// is an error.
  func run(script: String, inspect: ((URL) throws -> Void)? = nil) throws -> String {
    try withWorkingDirectory { directory in
      let scriptURL = directory.appendingPathComponent("script.gp")
      do {
        try Data(script.utf8).write(to: scriptURL)
      } catch {
        throw FigureError.io("cannot write \(scriptURL.path): \(error.localizedDescription)")
      }
      let output = try execute(arguments: ["-d", "script.gp"], in: directory)
      try inspect?(directory)
      if output.stderr.contains("canvas area too small") {
        throw FigureError.unusableOutput(
          "the labels leave no room for the plot at this size; use shorter labels or a larger size")
      }
      return output.stdout
    }
  }

  /// Creates a fresh private directory, calls `body`, removes the directory.
  private func withWorkingDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("notebook-gnuplot-\(UUID().uuidString)", isDirectory: true)
    do {
      try FileManager.default.createDirectory(
        at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    } catch {
      throw FigureError.io("cannot create \(directory.path): \(error.localizedDescription)")
    }
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
  }

  /// Runs gnuplot with `arguments` in `directory`; returns its output, or throws with stderr.
  private func execute(arguments: [String], in directory: URL) throws -> (stdout: String, stderr: String) {
    let stdoutURL = directory.appendingPathComponent("stdout")
    let stderrURL = directory.appendingPathComponent("stderr")
    guard FileManager.default.createFile(atPath: stdoutURL.path, contents: nil),
      FileManager.default.createFile(atPath: stderrURL.path, contents: nil),
      let stdout = FileHandle(forWritingAtPath: stdoutURL.path),
      let stderr = FileHandle(forWritingAtPath: stderrURL.path)
    else { throw FigureError.io("cannot create output files in \(directory.path)") }
    defer {
      try? stdout.close()
      try? stderr.close()
    }

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = [
      "PATH": "/usr/bin:/bin", "HOME": directory.path, "TMPDIR": directory.path, "LC_ALL": "C.UTF-8",
    ]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = stdout
    process.standardError = stderr
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    do {
      try process.run()
    } catch {
      throw FigureError.io("cannot start \(executable.path): \(error.localizedDescription)")
    }
    if finished.wait(timeout: .now() + timeLimit) == .timedOut {
      kill(process.processIdentifier, SIGKILL)
      finished.wait()
      throw FigureError.timedOut(seconds: timeLimit)
    }
    process.waitUntilExit()

    let output = (try? Data(contentsOf: stdoutURL)) ?? Data()
    let errors = (try? Data(contentsOf: stderrURL)) ?? Data()
    let message = String(decoding: errors.suffix(4000), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
      throw FigureError.gnuplotFailed(status: process.terminationStatus, message: message)
    }
    return (String(decoding: output, as: UTF8.self), message)
  }
}
