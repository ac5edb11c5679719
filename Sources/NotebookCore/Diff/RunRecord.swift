import Foundation

/// A JSON record of one run (`reports/<name>.json`, written by ``ReportJSONRenderer``)
/// read back for `notebook diff`.
///
/// Only what a diff compares is kept: cells (name, status, diagnostic, outputs)
/// and the run's parameters, seed and versions. Durations (`duration_s`) are
/// dropped: they change between identical runs.
public struct RunRecord: Hashable, Sendable {
  /// One cell of the record.
  public struct Cell: Hashable, Sendable {
    public var index: Int
    public var label: String?
    /// The label or `cell-<index+1>` (``Cell/stableName(index:label:)``): the key cells are matched by.
    public var name: String
    /// `ok`, `failed`, `not_run`, `skipped` or `expected_error` (``ReportCell/Status``).
    public var status: String
    public var diagnostic: String?
    public var sourceHash: String
    public var outputs: [Output]
  }

  /// Something a cell produced (``ReportOutput``).
  public enum Output: Hashable, Sendable {
    case text(String)
    /// `display` as the HTML showed it, `data` at full precision.
    case value(display: ReportJSON, data: ReportJSON)
    case figure(Figure)
  }

  /// A figure's name and data (the SVG itself is not in the record).
  public struct Figure: Hashable, Sendable {
    public var name: String
    public var caption: String?
    public var series: [ReportFigure.Series]
  }

  /// A parameter and the value the run used.
  public struct Param: Hashable, Sendable {
    public var name: String
    public var value: ReportJSON
  }

  /// Where the record came from (file or notebook path), for messages.
  public var source: String
  public var title: String
  public var notebook: String
  public var seed: Int?
  /// Parameter name and value, in declaration order.
  public var params: [Param]
  public var toolVersion: String?
  public var gnuplotVersion: String?
  public var cells: [Cell]

  /// Parses record text; `source` names it in error messages.
  /// - Throws: ``DiffError`` when the text is not JSON or not a `notebook-record/1` record.
  public static func parse(_ data: Data, source: String) throws -> RunRecord {
    let root: ReportJSON
    do {
      root = try ReportJSON.parse(data)
    } catch let error as DiffError {
      throw DiffError("\(source): \(error.message)")
    }
    var reader = RecordReader(source: source)
    return try reader.record(root)
  }

  /// Reads and parses a record file.
  public static func load(path: String) throws -> RunRecord {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DiffError("cannot read '\(path)': no such file or not readable")
    }
    return try parse(data, source: path)
  }
}

/// A problem that stops `notebook diff` (exit status 2): an unreadable file,
/// text that is not a record, a notebook that cannot be rendered.
public struct DiffError: Error, Sendable, CustomStringConvertible, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Checks the shape of a parsed record while converting it.
private struct RecordReader {
  let source: String

  func fail(_ what: String) -> DiffError { DiffError("\(source): not a notebook record: \(what)") }

  mutating func record(_ root: ReportJSON) throws -> RunRecord {
    guard case .object(let top) = root else { throw fail("the top level is not a JSON object") }
    guard case .string(let format)? = top["format"] else { throw fail("no \"format\" field") }
    guard format == ReportJSONRenderer.format else {
      throw DiffError("\(source): unsupported record format '\(format)' (this tool reads \(ReportJSONRenderer.format))")
    }
    guard case .array(let rawCells)? = top["cells"] else { throw fail("no \"cells\" array") }
    var params: [RunRecord.Param] = []
    if case .array(let items)? = top["params"] {
      for item in items {
        guard case .object(let p) = item, case .string(let name)? = p["name"] else { throw fail("a parameter without a name") }
        params.append(.init(name: name, value: p["value"] ?? .null))
      }
    }
    return RunRecord(
      source: source, title: string(top["title"]) ?? "", notebook: string(top["notebook"]) ?? "",
      seed: int(top["seed"]), params: params, toolVersion: string(top["tool_version"]),
      gnuplotVersion: string(top["gnuplot_version"]),
      cells: try rawCells.enumerated().map { try cell($0.element, position: $0.offset) })
  }

  func cell(_ json: ReportJSON, position: Int) throws -> RunRecord.Cell {
    guard case .object(let c) = json else { throw fail("cell \(position + 1) is not an object") }
    let index = int(c["index"]) ?? position
    let label = string(c["label"])
    guard case .array(let rawOutputs)? = c["outputs"] else { throw fail("cell \(position + 1) has no \"outputs\" array") }
    return RunRecord.Cell(
      index: index, label: label, name: string(c["name"]) ?? Cell.stableName(index: index, label: label),
      status: string(c["status"]) ?? "ok", diagnostic: string(c["diagnostic"]),
      sourceHash: string(c["source_sha256"]) ?? "",
      outputs: try rawOutputs.map { try output($0, cell: position) })
  }

  func output(_ json: ReportJSON, cell: Int) throws -> RunRecord.Output {
    guard case .object(let o) = json, let kind = string(o["kind"]) else {
      throw fail("an output of cell \(cell + 1) has no \"kind\"")
    }
    switch kind {
    case "text": return .text(string(o["text"]) ?? "")
    case "value": return .value(display: o["display"] ?? .null, data: o["data"] ?? .null)
    case "figure":
      var series: [ReportFigure.Series] = []
      if case .array(let items)? = o["series"] {
        for item in items {
          guard case .object(let s) = item else { throw fail("a figure series of cell \(cell + 1) is not an object") }
          series.append(.init(title: string(s["title"]) ?? "", x: try numbers(s["x"]), y: try numbers(s["y"])))
        }
      }
      return .figure(.init(name: string(o["name"]) ?? "figure", caption: string(o["caption"]), series: series))
    default:
      throw fail("unknown output kind '\(kind)' in cell \(cell + 1)")
    }
  }

  func string(_ json: ReportJSON?) -> String? {
    if case .string(let s)? = json { return s }
    return nil
  }

  func int(_ json: ReportJSON?) -> Int? {
    switch json {
    case .int(let i)?: return i
    case .double(let d)? where d == d.rounded() && abs(d) < 1e15: return Int(d)
    default: return nil
    }
  }

  /// An array of numbers; `"nan"`, `"inf"` and `"-inf"` stand for the non-finite ones.
  func numbers(_ json: ReportJSON?) throws -> [Double] {
    guard let json else { return [] }
    guard case .array(let items) = json else { throw fail("series data is not an array") }
    return try items.map { item in
      guard let x = item.number else { throw fail("series data holds a non-number") }
      return x
    }
  }
}

extension ReportJSON {
  /// The number this value stands for: ints, doubles, and the strings `"nan"`,
  /// `"inf"`, `"-inf"` that ``ReportJSON/encoded()`` writes for non-finite doubles.
  public var number: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .double(let d): return d
    case .string("nan"): return .nan
    case .string("inf"): return .infinity
    case .string("-inf"): return -.infinity
    default: return nil
    }
  }
}
