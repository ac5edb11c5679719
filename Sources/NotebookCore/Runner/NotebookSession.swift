import Foundation
import SAEKit

/// A notebook read, parsed and checked: what `notebook check` reports and
/// what `notebook render` runs.
public struct NotebookSession: Sendable {
  public let notebook: Notebook
  /// The parsed program of every cell (possibly partial where it had syntax errors).
  public let programs: [CellProgram]
  /// Document, syntax and type diagnostics, in file order.
  public let diagnostics: [Diagnostic]
  /// The diagnostics of each cell, by cell index (expected ones included).
  public let cellDiagnostics: [Int: [Diagnostic]]
  /// Parameter values after `-P` overrides, in front-matter order.
  public let parameters: [ReportParam]
  /// Warnings of the checker (e.g. a table computed mid-cell and never shown), in file
  /// order: reported, but they fail nothing.
  public let warnings: [Diagnostic]
  /// The compiled code of every cell that checked without errors, by cell index.
  public let compiled: [Int: CompiledCell]
  /// The slots of the notebook's top-level names, shared with the interpreter that runs `compiled`.
  public let globals: GlobalLayout
  /// The notebook's project, caches and default report folders.
  public let locations: ProjectLocations
  /// What the prose refers to: figure, table and equation numbers, footnotes, citations, images.
  public let prose: ProseContext
  /// The text of every file a diagnostic may point into (the notebook, its bibliography), by path.
  public let sources: [String: String]

  /// Problems that make the notebook fail: everything except the errors of
  /// cells marked `//| error: true`.
  public var problems: [Diagnostic] {
    let expected = Set(notebook.cells.filter(\.options.expectError).flatMap { cellDiagnostics[$0.index] ?? [] })
    return diagnostics.filter { !expected.contains($0) }
  }

  /// The largest notebook read, in bytes. Checking and rendering take time linear in the size;
  /// this bounds that time (16 MB of prose renders in about 25 s).
  public static let maximumNotebookBytes = 16_000_000

  /// Reads and checks a notebook.
  /// - Parameter overrides: `-P name=value` pairs, parsed by the type of the parameter's default.
  /// - Throws: ``NotebookIOError`` for an unreadable file, ``UsageError`` for a bad override.
  public static func load(
    path: String, overrides: [(String, String)] = [], registry: Registry = .standard
  ) throws -> NotebookSession {
    if let problem = FileContents.problem(path), problem != "no such file" {
      throw NotebookIOError(path: path, "cannot read the notebook: it is \(problem)")
    }
    if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maximumNotebookBytes {
      throw NotebookIOError(
        path: path,
        "cannot read the notebook: it is \(formatBytes(Double(size))), and notebooks are limited to \(formatBytes(Double(maximumNotebookBytes))) (keep data in files that cells read)")
    }
    guard let data = FileContents.readIfRegular(path) else {
      throw NotebookIOError(path: path, "cannot read the notebook: no such file or not readable")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw UsageError("'\(path)' is not UTF-8 text") }
    return try load(path: path, text: text, overrides: overrides, registry: registry)
  }

  /// Checks notebook text; `path` is what diagnostics print.
  public static func load(
    path: String, text: String, overrides: [(String, String)] = [], registry: Registry = .standard
  ) throws -> NotebookSession {
    let (notebook, documentDiagnostics) = Notebook.parse(path: path, text: text)
    let parameters = try resolveParameters(notebook.frontMatter, overrides, path: path)
    var all = documentDiagnostics
    var perCell: [Int: [Diagnostic]] = [:]
    var programs: [CellProgram] = []
    var syntaxBroken = Set<Int>()
    for cell in notebook.cells {
      let (program, syntax) = CellParser.parse(cell.source, file: path, firstLine: cell.sourceFirstLine)
      programs.append(program)
      if !syntax.isEmpty { syntaxBroken.insert(cell.index) }
      perCell[cell.index, default: []] += syntax
    }
    let globals = GlobalLayout()
    var checker = Checker(registry: registry, notebook: programs, globals: globals)
    var compiled: [Int: CompiledCell] = [:]
    var warnings: [Diagnostic] = []
    for p in parameters { checker.predefine(p.name, type: p.value.valueType) }
    for cell in notebook.cells {
      let program = programs[cell.index]
      if !cell.options.eval {
        var scratch = checker  // check it, but its names do not reach later cells
        perCell[cell.index, default: []] += scratch.check(program).filter { $0.severity != .warning }
        continue
      }
      if syntaxBroken.contains(cell.index) {
        checker.declareUnknown(program)  // no cascades of "cannot find" from a broken cell
        continue
      }
      let (code, checked) = checker.compile(program)
      compiled[cell.index] = code
      warnings += checked.filter { $0.severity == .warning }
      let found = checked.filter { $0.severity != .warning }
      perCell[cell.index, default: []] += found
      if !found.isEmpty && cell.options.expectError { checker.declareUnknown(program) }
    }
    for cell in notebook.cells { all += perCell[cell.index] ?? [] }
    let locations = ProjectLocations(notebookFolder: (path as NSString).deletingLastPathComponent)
    let (prose, proseDiagnostics, files) = ProseAnalysis.analyse(notebook, locations: locations)
    all += proseDiagnostics
    all.sort { ($0.range.start, $0.message) < ($1.range.start, $1.message) }
    return NotebookSession(
      notebook: notebook, programs: programs, diagnostics: all, cellDiagnostics: perCell, parameters: parameters,
      warnings: warnings.sorted { ($0.range.start, $0.message) < ($1.range.start, $1.message) },
      compiled: compiled, globals: globals, locations: locations, prose: prose,
      sources: files.merging([path: text]) { _, notebook in notebook })
  }

  static func resolveParameters(
    _ front: FrontMatter, _ overrides: [(String, String)], path: String
  ) throws -> [ReportParam] {
    var params = front.params.map { ReportParam(name: $0.name, value: $0.value) }
    for (name, text) in overrides {
      guard let i = params.firstIndex(where: { $0.name == name }) else {
        let known = params.map(\.name)
        throw UsageError(
          "'\(path)' has no parameter '\(name)'"
            + (known.isEmpty ? " (it declares none)" : "; its parameters: " + known.joined(separator: ", ")))
      }
      guard let value = ParamValue.parse(text, like: params[i].value) else {
        throw UsageError(
          "parameter '\(name)' is \(params[i].value.typeName), but '\(text)' is not a valid \(params[i].value.typeName)"
        )
      }
      params[i].value = value
      params[i].overridden = true
    }
    return params
  }
}

extension ParamValue {
  var valueType: ValueType {
    switch self {
    case .int: return .int
    case .double: return .double
    case .bool: return .bool
    case .string: return .string
    }
  }

  var value: Value {
    switch self {
    case .int(let v): return .int(v)
    case .double(let v): return .double(v)
    case .bool(let v): return .bool(v)
    case .string(let v): return .string(v)
    }
  }
}
