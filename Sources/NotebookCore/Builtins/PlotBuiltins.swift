/// `plot.*`: figures, rendered by gnuplot into the report. Each call adds a
/// figure to the cell's output, named after the cell (`<label>`, `<label>-2`, …).
enum PlotBuiltins {
  static let common: [Parameter] = [
    .labeled("title", .string, default: .value(.string("")), "figure title"),
    .labeled("xlabel", .string, default: .value(.string("")), "x-axis label"),
    .labeled("ylabel", .string, default: .value(.string("")), "y-axis label"),
    .labeled("xlog", .bool, default: .value(.bool(false)), "logarithmic x axis"),
    .labeled("ylog", .bool, default: .value(.bool(false)), "logarithmic y axis"),
  ]

  static func register(_ r: inout Registry) {
    r.addNamespace("plot", doc: "Figures (line, scatter, histogram, heatmap) drawn with gnuplot.")
    r.add(Builtin("plot.line", [
      .labeled("x", .array(.double), "x values"),
      .labeled("y", .array(.double), "y values, one per x"),
      .labeled("label", .string, default: .value(.string("")), "legend entry"),
    ] + common, returns: .void, doc: "A line plot of one series.") { args, context in
      try emit(.line, [.init(title: try args.string("label"), x: try args.doubles("x"), y: try args.doubles("y"))], args, context)
    })
    r.add(Builtin("plot.lines", seriesParameters + [
      .labeled("errors", .array(.array(.double)), default: .absent,
               "error bars of each series (e.g. the standard deviation over seeds), one per point; [] for a series without"),
    ] + common, returns: .void, doc: "A line plot of several series with a legend, optionally with error bars.") { args, context in
      let (xs, ys, labels) = try seriesArguments(args)
      var errors = [[Double]?](repeating: nil, count: xs.count)
      if args.has("errors") {
        let given = try nested(args, "errors")
        guard given.count == xs.count else {
          throw RuntimeError("errors needs one entry per series ([] for none); got \(given.count) for \(xs.count) series", argument: "errors")
        }
        for (i, e) in given.enumerated() where !e.isEmpty {
          guard e.count == ys[i].count else {
            throw RuntimeError("series \(i + 1) has \(ys[i].count) points but \(e.count) error bars", argument: "errors")
          }
          errors[i] = e
        }
      }
      return try emit(.line, (0..<xs.count).map { .init(title: labels[$0], x: xs[$0], y: ys[$0], yError: errors[$0]) }, args, context)
    })
    r.add(Builtin("plot.scatter", [
      .labeled("x", .array(.double), "x values"),
      .labeled("y", .array(.double), "y values, one per x"),
      .labeled("label", .string, default: .value(.string("")), "legend entry"),
    ] + common, returns: .void, doc: "A scatter plot of one series.") { args, context in
      try emit(.scatter, [.init(title: try args.string("label"), x: try args.doubles("x"), y: try args.doubles("y"))], args, context)
    })
    r.add(Builtin("plot.scatters", seriesParameters + common, returns: .void,
                  doc: "A scatter plot of several series with a legend (each in its own colour).") { args, context in
      let (xs, ys, labels) = try seriesArguments(args)
      return try emit(.scatter, (0..<xs.count).map { .init(title: labels[$0], x: xs[$0], y: ys[$0]) }, args, context)
    })
    r.add(Builtin("plot.histogram", [
      .positional("values", .array(.double), "the values to bin"),
      .labeled("bins", .int, default: .value(.int(0)), "number of bins (0: Sturges' rule)"),
    ] + common, returns: .void, doc: "A histogram of values.") { args, context in
      let bins = try args.int("bins")
      guard bins >= 0 else { throw RuntimeError("bins must be ≥ 0, got \(bins)", argument: "bins") }
      return try emit(.histogram, [.init(values: try args.doubles("values"))], args, context, bins: bins == 0 ? nil : bins)
    })
    r.add(Builtin("plot.heatmap", [
      .positional("matrix", .matrix, "the values, row by row"),
      .labeled("title", .string, default: .value(.string("")), "figure title"),
      .labeled("xlabel", .string, default: .value(.string("")), "x-axis (column) label"),
      .labeled("ylabel", .string, default: .value(.string("")), "y-axis (row) label"),
      .labeled("rows", .array(.string), default: .value(.array([])), "one tic label per row (default: row numbers from 0)"),
      .labeled("columns", .array(.string), default: .value(.array([])), "one tic label per column (default: column numbers from 0)"),
    ], returns: .void, doc: "A heat map of a matrix (e.g. a similarity matrix), one sharp cell per entry.") { args, context in
      let m = try args.matrix("matrix")
      let values = (0..<m.rows).map { i in m.row(i).map(Double.init) }
      let rowLabels = try args.strings("rows"), columnLabels = try args.strings("columns")
      guard rowLabels.isEmpty || rowLabels.count == m.rows else {
        throw RuntimeError("rows needs one label per matrix row (\(m.rows)), got \(rowLabels.count)", argument: "rows")
      }
      guard columnLabels.isEmpty || columnLabels.count == m.cols else {
        throw RuntimeError("columns needs one label per matrix column (\(m.cols)), got \(columnLabels.count)", argument: "columns")
      }
      let heatmap = FigureSpec.Heatmap(values: values, rowLabels: rowLabels.isEmpty ? nil : rowLabels,
                                       columnLabels: columnLabels.isEmpty ? nil : columnLabels)
      let spec = FigureSpec(heatmap: heatmap, title: try args.string("title"),
                            xLabel: try args.string("xlabel"), yLabel: try args.string("ylabel"))
      return try emit(spec, context)
    })
  }

  /// The series of `plot.lines` and `plot.scatters`.
  static let seriesParameters: [Parameter] = [
    .labeled("x", .array(.array(.double)), "x values of each series"),
    .labeled("y", .array(.array(.double)), "y values of each series"),
    .labeled("labels", .array(.string), "legend entry of each series"),
  ]

  /// x, y and labels of ``seriesParameters``, one entry per series.
  static func seriesArguments(_ args: CallArguments) throws -> (x: [[Double]], y: [[Double]], labels: [String]) {
    let xs = try nested(args, "x"), ys = try nested(args, "y"), labels = try args.strings("labels")
    guard xs.count == ys.count, ys.count == labels.count else {
      throw RuntimeError("x, y and labels need one entry per series; got \(xs.count), \(ys.count) and \(labels.count)", argument: "labels")
    }
    return (xs, ys, labels)
  }

  static func nested(_ args: CallArguments, _ name: String) throws -> [[Double]] {
    try args.array(name).map { item in
      try (item.elements ?? []).map { v -> Double in
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw RuntimeError("'\(name)' must contain arrays of numbers", argument: name)
        }
      }
    }
  }

  static func emit(_ kind: FigureSpec.Kind, _ series: [FigureSpec.Series], _ args: CallArguments, _ context: RuntimeContext, bins: Int? = nil) throws -> Value {
    let spec = FigureSpec(kind: kind, series: series, title: try args.string("title"), xLabel: try args.string("xlabel"),
                          yLabel: try args.string("ylabel"), xlog: try args.bool("xlog"), ylog: try args.bool("ylog"), bins: bins)
    return try emit(spec, context)
  }

  static func emit(_ spec: FigureSpec, _ context: RuntimeContext) throws -> Value {
    do { try spec.validate() } catch let e as FigureError { throw RuntimeError(e.message) }
    context.emit(.figure(FigureValue(name: context.nextFigureName(), spec: spec)))
    return .void
  }
}
