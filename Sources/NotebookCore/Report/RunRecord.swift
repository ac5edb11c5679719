import Foundation
import SAEKit

/// The machine-readable record of a run (`reports/<name>.json`): what the report
/// shows, without the SVG text and the cells' sources, for reviewing and diffing
/// runs. Built from the ``Report`` in memory (``init(_:)``); written and read by
/// one function pair, ``encoded()`` and ``decode(_:source:)``, from this one
/// declaration of the layout (the coding keys below).
///
/// ```json
/// {
///   "cells": [
///     {
///       "diagnostic": null, "duration_s": 0.0123, "index": 0, "label": "train", "name": "train",
///       "outputs": [
///         {"kind": "text", "text": "step 100"},
///         {"data": 0.01234567890123, "display": {"kind": "text", "text": "0.0123"}, "kind": "value"},
///         {"kind": "figure", "name": "loss", "path": "figures/nb/loss.svg", "spec": {"kind": "line", …}}
///       ],
///       "source_sha256": "…", "status": "ok"
///     }
///   ],
///   "format": "notebook-record/2", …
/// }
/// ```
/// Keys are sorted; numbers keep full precision (``ReportJSON``); a figure keeps its
/// whole ``FigureSpec`` (kind, axes, every series, heat-map values and labels). Every
/// run-dependent timing is under a key named `duration_s` and left out without
/// timings, so identical runs give identical records.
public struct RunRecord: Codable, Hashable, Sendable {
  /// The format written. ``decode(_:source:)`` also reads `notebook-record/1`, whose
  /// figures kept only their series (``Figure/isLegacy``).
  public static let format = "notebook-record/2"
  static let legacyFormat = "notebook-record/1"

  /// One cell of the record.
  public struct Cell: Codable, Hashable, Sendable {
    public var index: Int
    public var label: String?
    /// The label or `cell-<index+1>` (``Cell/stableName(index:label:)``): the key cells are matched by.
    public var name: String
    public var sourceHash: String
    public var status: ReportCell.Status
    public var diagnostic: String?
    /// Wall-clock seconds (nil without timings); never compared.
    public var duration: Double?
    public var outputs: [Output]

    enum CodingKeys: String, CodingKey {
      case index, label, name, status, diagnostic, outputs
      case sourceHash = "source_sha256"
      case duration = "duration_s"
    }
  }

  /// Something a cell produced (``ReportOutput``).
  public enum Output: Codable, Hashable, Sendable {
    case text(String)
    /// `display` as the HTML showed it, `data` at full precision.
    case value(display: DisplayBlock, data: ReportJSON)
    case figure(Figure)

    enum CodingKeys: String, CodingKey { case kind, text, display, data }

    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      switch try c.decode(String.self, forKey: .kind) {
      case "text": self = .text(try c.decode(String.self, forKey: .text))
      case "value":
        self = .value(
          display: try c.decode(DisplayBlock.self, forKey: .display), data: try c.decode(ReportJSON.self, forKey: .data)
        )
      case "figure": self = .figure(try Figure(from: decoder))
      case let other:
        throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown output kind '\(other)'")
      }
    }

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      switch self {
      case .text(let text):
        try c.encode("text", forKey: .kind)
        try c.encode(text, forKey: .text)
      case .value(let display, let data):
        try c.encode("value", forKey: .kind)
        try c.encode(display, forKey: .display)
        try c.encode(data, forKey: .data)
      case .figure(let figure):
        try c.encode("figure", forKey: .kind)
        try figure.encode(to: encoder)
      }
    }
  }

  /// A figure: its name, file and the whole spec it was drawn from.
  public struct Figure: Codable, Hashable, Sendable {
    public var name: String
    /// The SVG file, relative to the notebook's project (or its folder outside a project) when inside it.
    public var path: String?
    public var caption: String?
    public var spec: FigureSpec
    /// Read from a `notebook-record/1` record, which kept only the series: the kind,
    /// axes and heat-map data of ``spec`` are unknown (a line plot stands in).
    public var isLegacy = false

    enum CodingKeys: String, CodingKey { case name, path, caption, spec, series }

    public init(name: String, path: String? = nil, caption: String? = nil, spec: FigureSpec) {
      self.name = name
      self.path = path
      self.caption = caption
      self.spec = spec
    }

    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      name = try c.decode(String.self, forKey: .name)
      path = try c.decodeIfPresent(String.self, forKey: .path)
      caption = try c.decodeIfPresent(String.self, forKey: .caption)
      if let spec = try c.decodeIfPresent(FigureSpec.self, forKey: .spec) {
        self.spec = spec
      } else {
        spec = FigureSpec(kind: .line, series: try c.decodeIfPresent([FigureSpec.Series].self, forKey: .series) ?? [])
        isLegacy = true
      }
    }

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(name, forKey: .name)
      try c.encodeIfPresent(path, forKey: .path)
      try c.encodeIfPresent(caption, forKey: .caption)
      try c.encode(spec, forKey: .spec)
    }
  }

  /// A parameter and the value the run used.
  public struct Param: Codable, Hashable, Sendable {
    public var name: String
    /// `Int`, `Double`, `Bool` or `String`.
    public var type: String?
    public var value: ReportJSON
    /// Whether `-P` set it.
    public var overridden: Bool?
  }

  /// Where the record came from (file or notebook path), for messages; not stored.
  public var source = ""
  public var format: String
  public var title: String
  public var description: String?
  public var notebook: String
  public var seed: Int?
  /// In declaration order.
  public var params: [Param]
  public var toolVersion: String?
  public var gnuplotVersion: String?
  /// Total run time (nil without timings); never compared.
  public var duration: Double?
  /// Why the render did not reach its end (``Report/incomplete``); absent when it did.
  public var incomplete: String?
  public var cells: [Cell]

  enum CodingKeys: String, CodingKey {
    case format, title, description, notebook, seed, params, cells, incomplete
    case toolVersion = "tool_version"
    case gnuplotVersion = "gnuplot_version"
    case duration = "duration_s"
  }
}

extension RunRecord {
  /// The record of `report`; durations only when the report shows timings.
  public init(_ report: Report) {
    let timings = report.showsTimings
    source = report.notebookPath
    format = Self.format
    title = report.title
    description = report.description
    notebook = report.notebookPath
    seed = report.seed
    params = report.params.map {
      Param(name: $0.name, type: $0.value.typeName, value: $0.value.json, overridden: $0.overridden)
    }
    toolVersion = report.toolVersion
    gnuplotVersion = report.gnuplotVersion
    duration = timings ? report.totalDuration : nil
    incomplete = report.incomplete
    cells = report.cells.map { cell in
      Cell(
        index: cell.index, label: cell.label, name: cell.name, sourceHash: cell.sourceHash, status: cell.status,
        diagnostic: cell.diagnostic, duration: timings ? cell.duration : nil,
        outputs: cell.outputs.map { output in
          switch output {
          case .text(let text): .text(text)
          case .value(let display, let data): .value(display: display, data: data)
          case .figure(let f): .figure(Figure(name: f.name, path: f.relativePath, caption: f.caption, spec: f.spec))
          }
        })
    }
  }

  /// The record as JSON text (UTF-8, sorted keys, ends with a newline): the `.json` file.
  public func encoded() throws -> String { try JSONValueEncoder().encode(self).encoded() }

  /// Reads record text; `source` names it in error messages.
  /// - Throws: ``DiffError`` when the text is not JSON, not a record, or of an unknown format.
  public static func decode(_ data: Data, source: String) throws -> RunRecord {
    let root: ReportJSON
    do {
      root = try ReportJSON.parse(data)
    } catch let error as DiffError {
      throw DiffError("\(source): \(error.message)")
    }
    guard case .object(let top) = root else { throw DiffError("\(source): not a notebook record: not a JSON object") }
    guard case .string(let format)? = top["format"] else {
      throw DiffError("\(source): not a notebook record: no \"format\" field")
    }
    guard format == Self.format || format == Self.legacyFormat else {
      throw DiffError(
        "\(source): unsupported record format '\(format)' (this tool reads \(Self.format) and \(Self.legacyFormat))")
    }
    do {
      var record = try JSONValueDecoder().decode(RunRecord.self, from: root)
      record.source = source
      return record
    } catch let error as DecodingError {
      throw DiffError("\(source): not a notebook record: \(Self.describe(error))")
    }
  }

  /// Reads a record file.
  /// - Throws: ``NotebookIOError`` when it cannot be read, ``DiffError`` when it is not a record.
  public static func load(path: String) throws -> RunRecord {
    // (A FIFO is refused before it is opened, which would block.)
    if let problem = FileContents.problem(path), problem != "no such file" {
      throw NotebookIOError(path: path, "cannot read the record: \(problem)")
    }
    guard let data = FileContents.readIfRegular(path) else {
      throw NotebookIOError(path: path, "cannot read the record: no such file or not readable")
    }
    return try decode(data, source: path)
  }

  /// Whether the record is in the current format (figures with their whole spec).
  public var isLegacy: Bool { format == Self.legacyFormat }

  /// `cells[2].outputs[0].kind: expected a string, found a number`.
  static func describe(_ error: DecodingError) -> String {
    func path(_ keys: [CodingKey]) -> String {
      keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
    switch error {
    case .keyNotFound(let key, let context):
      return (context.codingPath.isEmpty ? "" : path(context.codingPath) + ": ") + "no \"\(key.stringValue)\" field"
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
      return (context.codingPath.isEmpty ? "" : path(context.codingPath) + ": ") + context.debugDescription
    @unknown default:
      return "\(error)"
    }
  }
}

extension DisplayBlock: Codable {
  enum CodingKeys: String, CodingKey { case kind, text, headers, rows, fields }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    switch try c.decode(String.self, forKey: .kind) {
    case "text": self = .text(try c.decode(String.self, forKey: .text))
    case "table":
      self = .table(
        headers: try c.decode([String].self, forKey: .headers), rows: try c.decode([[String]].self, forKey: .rows))
    case "record": self = .keyValue(try c.decode([DisplayField].self, forKey: .fields))
    case let other:
      throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown display kind '\(other)'")
    }
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .text(let text):
      try c.encode("text", forKey: .kind)
      try c.encode(text, forKey: .text)
    case .table(let headers, let rows):
      try c.encode("table", forKey: .kind)
      try c.encode(headers, forKey: .headers)
      try c.encode(rows, forKey: .rows)
    case .keyValue(let fields):
      try c.encode("record", forKey: .kind)
      try c.encode(fields, forKey: .fields)
    }
  }
}
