/// The machine-readable record of a run, for diffing two runs of a notebook.
///
/// ```json
/// {
///   "cells": [
///     {
///       "diagnostic": null,
///       "duration_s": 0.0123,
///       "index": 0,
///       "label": "train",
///       "name": "train",
///       "outputs": [
///         {"kind": "text", "text": "step 100"},
///         {"data": 0.01234567890123, "display": {"kind": "text", "text": "0.0123"}, "kind": "value"},
///         {"caption": null, "kind": "figure", "name": "loss", "path": "figures/nb/loss.svg", "series": [...]}
///       ],
///       "source_sha256": "…",
///       "status": "ok"
///     }
///   ],
///   "duration_s": 0.0123,
///   "format": "notebook-record/1",
///   ...
/// }
/// ```
/// Keys are sorted; numbers keep full precision (``ReportJSON``). Every
/// run-dependent timing is under a key named `duration_s`, so a differ that
/// ignores that key sees identical records for identical runs.
public struct ReportJSONRenderer: Sendable {
  /// Changes when the record's shape changes incompatibly.
  public static let format = "notebook-record/1"

  public init() {}

  /// The record as JSON text (UTF-8, ends with a newline).
  public func render(_ report: Report) -> String { record(report).encoded() }

  public func record(_ report: Report) -> ReportJSON {
    guard case .object(var fields) = untimedRecord(report) else { return .null }
    if report.showsTimings { fields["duration_s"] = .double(report.totalDuration) }
    return .object(fields)
  }

  private func untimedRecord(_ report: Report) -> ReportJSON {
    .object([
      "format": .string(Self.format),
      "title": .string(report.title),
      "description": .optional(report.description),
      "notebook": .string(report.notebookPath),
      "seed": report.seed.map(ReportJSON.int) ?? .null,
      "params": .array(report.params.map { p in
        .object([
          "name": .string(p.name), "type": .string(p.value.typeName),
          "value": Self.json(p.value), "overridden": .bool(p.overridden),
        ])
      }),
      "tool_version": .string(report.toolVersion),
      "gnuplot_version": .optional(report.gnuplotVersion),
      "cells": .array(report.cells.map { cellRecord($0, timings: report.showsTimings) }),
    ])
  }

  private func cellRecord(_ cell: ReportCell, timings: Bool) -> ReportJSON {
    var fields: [String: ReportJSON] = [
      "index": .int(cell.index),
      "label": .optional(cell.label),
      "name": .string(cell.name),
      "source_sha256": .string(cell.sourceHash),
      "status": .string(cell.status.rawValue),
      "diagnostic": .optional(cell.diagnostic),
      "outputs": .array(cell.outputs.map(outputRecord)),
    ]
    if timings { fields["duration_s"] = .double(cell.duration) }
    return .object(fields)
  }

  private func outputRecord(_ output: ReportOutput) -> ReportJSON {
    switch output {
    case .text(let text):
      return .object(["kind": .string("text"), "text": .string(text)])
    case .value(let display, let data):
      return .object(["kind": .string("value"), "display": displayRecord(display), "data": data])
    case .figure(let figure):
      return .object([
        "kind": .string("figure"),
        "name": .string(figure.name),
        "path": .string(figure.relativePath),
        "caption": .optional(figure.caption),
        "series": .array(figure.series.map { s in
          .object(["title": .string(s.title), "x": .numbers(s.x), "y": .numbers(s.y)])
        }),
      ])
    }
  }

  private func displayRecord(_ display: DisplayBlock) -> ReportJSON {
    switch display {
    case .text(let text):
      return .object(["kind": .string("text"), "text": .string(text)])
    case .table(let headers, let rows):
      return .object([
        "kind": .string("table"),
        "headers": .array(headers.map(ReportJSON.string)),
        "rows": .array(rows.map { .array($0.map(ReportJSON.string)) }),
      ])
    case .keyValue(let fields):
      return .object([
        "kind": .string("record"),
        "fields": .array(fields.map { .object(["name": .string($0.name), "value": .string($0.value)]) }),
      ])
    }
  }

  static func json(_ value: ParamValue) -> ReportJSON {
    switch value {
    case .int(let v): .int(v)
    case .double(let v): .double(v)
    case .bool(let v): .bool(v)
    case .string(let v): .string(v)
    }
  }
}

extension Report {
  /// The JSON record of this report (``ReportJSONRenderer/record(_:)``);
  /// `jsonRecord().encoded()` is the `.json` file's text.
  public func jsonRecord() -> ReportJSON { ReportJSONRenderer().record(self) }
}
