import Foundation
import SAEKit

extension Report {
  /// The report that a record describes, with the notebook's current prose, sources and cell
  /// options and the figures' SVG files: `notebook report` writes its HTML without running a
  /// cell (after a change of the report's style, or of prose only).
  /// - Parameters:
  ///   - record: the render's record (`reports/<name>.json`).
  ///   - notebook: the notebook it was rendered from; every cell's source must be the one recorded.
  ///   - locations: where the record's figure paths are relative to.
  ///   - redraw: when given, every figure is drawn again from its recorded spec (the current
  ///     figure style) and its file rewritten, instead of read.
  /// - Throws: ``NotebookIOError`` when a cell changed since the record or a figure file is
  ///   missing or not an inert SVG, or cannot be drawn or written.
  public init(record: RunRecord, notebook: Notebook, locations: ProjectLocations, redraw: GnuplotRunner? = nil) throws {
    guard record.cells.count == notebook.cells.count else {
      throw NotebookIOError(
        path: record.source,
        "the record has \(record.cells.count) cells and \(notebook.path) has \(notebook.cells.count): render the notebook")
    }
    var cells: [ReportCell] = []
    for (cell, recorded) in zip(notebook.cells, record.cells) {
      var rc = ReportCell(cell, status: recorded.status)
      guard rc.sourceHash == recorded.sourceHash else {
        throw NotebookIOError(
          path: record.source, "cell '\(cell.stableName)' changed since the record was written: render the notebook")
      }
      rc.diagnostic = recorded.diagnostic
      rc.duration = recorded.duration ?? 0
      rc.outputs = try recorded.outputs.map { output in
        switch output {
        case .text(let text): return .text(text)
        case .value(let display, let data): return .value(display: display, data: data)
        case .figure(let figure):
          let path = figure.path ?? ""
          let svg = try redraw.map { try Self.redraw(figure, with: $0, locations) } ?? Self.figureFile(path, locations)
          return .figure(
            ReportFigure(name: figure.name, relativePath: path, svg: svg, caption: figure.caption, spec: figure.spec))
        }
      }
      cells.append(rc)
    }
    self.init(
      notebook: notebook, params: record.params.compactMap(ReportParam.init(recorded:)), cells: cells,
      toolVersion: record.toolVersion ?? NotebookCore.version, gnuplotVersion: record.gnuplotVersion)
    showsTimings = record.duration != nil
    incomplete = record.incomplete
  }

  /// The report of `notebook`'s prose and front matter with these parameters and cells.
  init(notebook: Notebook, params: [ReportParam], cells: [ReportCell], toolVersion: String = NotebookCore.version,
       gnuplotVersion: String?) {
    let front = notebook.frontMatter
    self.init(
      title: front.title ?? notebook.name, description: front.description, notebookPath: notebook.path,
      params: params, seed: front.seed, blocks: notebook.blocks.map(ReportBlock.init), cells: cells,
      toolVersion: toolVersion, gnuplotVersion: gnuplotVersion)
  }

  /// A recorded figure drawn again from its spec, written over its file.
  static func redraw(_ figure: RunRecord.Figure, with gnuplot: GnuplotRunner, _ locations: ProjectLocations) throws -> String {
    let full = filePath(figure.path ?? "", locations)
    guard !figure.isLegacy, figure.path != nil else {
      throw NotebookIOError(path: full, "the record keeps only the series of figure '\(figure.name)': render the notebook")
    }
    let svg: String
    do {
      svg = try gnuplot.render(figure.spec, idPrefix: figure.name + "-")
    } catch let error as FigureError {
      throw NotebookIOError(path: full, "cannot draw figure '\(figure.name)' again: \(error.message)")
    }
    try ReportWriter.writeAtomically(svg, to: full)
    return svg
  }

  /// A recorded figure path (relative to the project, or absolute) as a file path.
  static func filePath(_ path: String, _ locations: ProjectLocations) -> String {
    path.hasPrefix("/") ? path : (locations.project ?? locations.notebookFolder) + "/" + path
  }

  /// The SVG text of a recorded figure path (relative to the project, or absolute).
  static func figureFile(_ path: String, _ locations: ProjectLocations) throws -> String {
    let full = filePath(path, locations)
    guard let data = FileContents.readIfRegular(full), let svg = String(data: data, encoding: .utf8) else {
      throw NotebookIOError(path: full, "cannot read the figure the record names: render the notebook")
    }
    if let problem = SVGPostProcessor.activeContent(svg) {
      throw NotebookIOError(path: full, "not a figure this tool wrote: \(problem)")
    }
    return svg
  }
}

extension ReportParam {
  /// The parameter a record lists; nil for a value of no parameter type.
  init?(recorded: RunRecord.Param) {
    let value: ParamValue
    switch (recorded.type, recorded.value) {
    case ("Double", .int(let v)): value = .double(Double(v))
    case (_, .int(let v)): value = .int(v)
    case (_, .double(let v)): value = .double(v)
    case (_, .bool(let v)): value = .bool(v)
    case (_, .string(let v)): value = .string(v)
    default: return nil
    }
    self.init(name: recorded.name, value: value, overridden: recorded.overridden ?? false)
  }
}
