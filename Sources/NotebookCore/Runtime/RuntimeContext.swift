import Foundation
import Dispatch

/// What a cell produces, in order.
public enum CellOutput: Sendable {
  /// A line written by `print`.
  case text(String)
  /// The cell's displayed value (its last bare expression).
  case value(Value)
  /// A figure made by a `plot.*` call.
  case figure(FigureValue)
}

/// State shared by the builtins of one render: the notebook seed, the outputs
/// of the running cell, its time limit, and progress reporting.
public final class RuntimeContext: @unchecked Sendable {
  /// The notebook's `seed` (front matter), the default of every `seed:` parameter.
  public let seed: Int
  /// Folder of the notebook: relative file paths in cells resolve against it.
  public let baseDirectory: String
  /// Where the model, the activation cache and TinyLM's models are, wherever the process runs.
  public let locations: ProjectLocations
  /// Receives progress of long builtins (training): a label and a fraction in [0, 1].
  public var progress: (@Sendable (String, Double) -> Void)?

  public private(set) var outputs: [CellOutput] = []
  /// The stable name of the running cell (its label or `cell-N`), for figure names.
  public private(set) var cellName = ""
  var figureCount = 0
  var deadline: UInt64?
  var timeLimit: Double?
  /// Set when the running cell was stopped by its time limit (a timeout, not an error).
  public private(set) var timedOut = false

  public init(seed: Int, baseDirectory: String, locations: ProjectLocations? = nil) {
    self.seed = seed
    self.baseDirectory = baseDirectory
    self.locations = locations ?? ProjectLocations(notebookFolder: baseDirectory)
  }

  /// Starts a cell: clears its outputs and sets its time limit (seconds).
  func beginCell(name: String, timeLimit: Double?) {
    outputs = []
    printedLines = 0
    printedBytes = 0
    timedOut = false
    cellName = name
    figureCount = 0
    self.timeLimit = timeLimit
    deadline = timeLimit.flatMap(Self.deadline(after:))
  }

  /// The uptime in nanoseconds `seconds` from now; nil (no deadline) when that is past what a
  /// UInt64 of nanoseconds holds (a limit of 1e11 s is no limit) or not a number.
  static func deadline(after seconds: Double) -> UInt64? {
    let now = DispatchTime.now().uptimeNanoseconds
    let nanoseconds = max(0, seconds) * 1e9
    guard nanoseconds.isFinite, nanoseconds < Double(UInt64.max - now) else { return nil }
    return now + UInt64(nanoseconds)
  }

  /// The most printed lines, and UTF-8 bytes of them, one cell keeps: past either, the rest is
  /// dropped after one line saying so (printing in a loop for 5 s made a 66 MB report).
  public static let printedLineLimit = 10_000
  public static let printedByteLimit = 1_000_000
  private var printedLines = 0
  private var printedBytes = 0

  public func emit(_ output: CellOutput) {
    if case .text(let line) = output {
      guard printedLines < Self.printedLineLimit && printedBytes < Self.printedByteLimit else { return }
      printedLines += 1
      printedBytes += line.utf8.count + 1
      if printedLines == Self.printedLineLimit || printedBytes >= Self.printedByteLimit {
        outputs.append(.text(
          "… the cell printed more than \(Self.printedLineLimit) lines or \(Self.printedByteLimit / 1_000_000) MB; the rest is not kept"))
        return
      }
    }
    outputs.append(output)
  }

  /// `path` as the process opens it: relative paths are relative to the notebook's folder.
  public func resolve(_ path: String) -> String { Self.resolve(path, in: baseDirectory) }

  /// `path` relative to `folder` unless it is absolute (or `folder` is empty).
  static func resolve(_ path: String, in folder: String) -> String {
    path.hasPrefix("/") || folder.isEmpty ? path : folder + "/" + path
  }

  /// Refuses a path a builtin was asked to write (`to:`) where writing would destroy what the
  /// user owns or the tool keeps: a Markdown file (the notebook itself, or another), the
  /// project's `reports/` and `figures/` (the rendered records), or — for a relative path —
  /// anywhere outside the notebook's project (its folder outside a project): `../` cannot climb
  /// out of it. An absolute path names a place explicitly and may be anywhere else. Wherever it
  /// is, an existing path is replaced only when it holds what the builtin writes (`replacing`):
  /// a file of its extension, or a folder that is empty or holds its marker file. Symbolic
  /// links and `..` are resolved first.
  public func requireWritable(_ path: String, argument: String, replacing: Replaceable) throws {
    guard !path.isEmpty else { return }
    func real(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
    let root = real(locations.project ?? (baseDirectory.isEmpty ? "." : baseDirectory))
    let target = real(resolve(path))
    func inside(_ folder: String) -> Bool { target == folder || target.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") }
    guard path.hasPrefix("/") || inside(root) else {
      throw RuntimeError(
        "refusing to write '\(path)': it is outside the notebook's project (\(root)); a relative path stays inside it (write an absolute path to put a file elsewhere)",
        argument: argument)
    }
    if target.lowercased().hasSuffix(".md") {
      throw RuntimeError("refusing to write '\(path)': it is a Markdown file (a notebook); choose another name", argument: argument)
    }
    if locations.project != nil, let kept = ["reports", "figures"].first(where: { inside(root + "/" + $0) }) {
      throw RuntimeError(
        "refusing to write '\(path)': the project's \(kept)/ holds the rendered records; write elsewhere in the project",
        argument: argument)
    }
    try Self.requireReplaceable(target, path: path, argument: argument, replacing)
  }

  /// Refuses an existing `target` that is not what the builtin writes.
  static func requireReplaceable(_ target: String, path: String, argument: String, _ replacing: Replaceable) throws {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: target, isDirectory: &isFolder) else { return }
    switch replacing {
    case .file(let extensions):
      let kinds = extensions.map { "." + $0 }.joined(separator: " or ")
      if isFolder.boolValue {
        throw RuntimeError("refusing to write '\(path)': it is a folder; name a \(kinds) file", argument: argument)
      }
      guard extensions.contains((target as NSString).pathExtension.lowercased()) else {
        throw RuntimeError(
          "refusing to replace '\(path)': it exists and is not a \(kinds) file, the only kind this writes; choose a new name",
          argument: argument)
      }
    case .folder(let marker):
      guard isFolder.boolValue else {
        throw RuntimeError("refusing to write '\(path)': it is a file, not a folder", argument: argument)
      }
      let contents = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
      guard contents.isEmpty || contents.contains(marker) else {
        throw RuntimeError(
          "refusing to write into '\(path)': the folder holds other files and no \(marker), so this did not write it; name a new or empty folder",
          argument: argument)
      }
    }
  }

  /// The next figure's stable name: `<cell>` for the first figure of a cell, then `<cell>-2`, ….
  func nextFigureName() -> String {
    figureCount += 1
    return figureCount == 1 ? cellName : "\(cellName)-\(figureCount)"
  }

  /// True once the cell has run past its limit, or the render was interrupted
  /// (``Interruption``); long builtins poll it at safe points.
  public var isPastDeadline: Bool {
    if Interruption.received != nil { return true }
    guard let deadline else { return false }
    return DispatchTime.now().uptimeNanoseconds > deadline
  }

  /// Throws when the cell has run past its time limit.
  public func checkDeadline() throws {
    if Interruption.received != nil {
      throw RuntimeError("interrupted by \(Interruption.signalName): the cell stopped here and no later cell runs")
    }
    if isPastDeadline {
      timedOut = true
      throw RuntimeError(
        "the cell ran past its time limit of \(describeSeconds(timeLimit ?? 0)) and was stopped "
          + "(raise it with '//| timeout: <seconds>')")
    }
  }
}

func describeSeconds(_ s: Double) -> String {
  abs(s) < 1e15 && s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
}
