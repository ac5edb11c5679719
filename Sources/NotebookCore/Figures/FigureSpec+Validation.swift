extension FigureSpec {
  /// Largest accepted histogram bin count.
  public static let maximumBins = 1000
  /// The most points a line or scatter figure draws, and the most cells of a heat map: gnuplot's
  /// SVG grows with them (a 1500×1500 heat map took 98 s and wrote 243 MB), outside any cell's
  /// time limit, so larger data is refused with a hint to downsample.
  public static let maximumPoints = 500_000
  public static let maximumCells = 250_000

  /// Checks that the figure can be drawn; throws `FigureError.invalidSpec` naming
  /// the first problem found (series by position and title, value by index).
  public func validate() throws {
    let size = effectiveSize
    guard Size.allowedSides.contains(size.width), Size.allowedSides.contains(size.height) else {
      throw invalid(
        "size \(size.width)×\(size.height) is outside \(Size.allowedSides.lowerBound)…\(Size.allowedSides.upperBound) pixels per side")
    }
    switch kind {
    case .line, .scatter:
      let points = series.reduce(0) { $0 + $1.y.count }
      guard points <= Self.maximumPoints else {
        throw invalid("\(points) points are more than a figure draws (\(Self.maximumPoints)): plot every n-th point or a summary")
      }
      try validateSeries(histogram: false)
    case .histogram: try validateSeries(histogram: true)
    case .heatmap: try validateHeatmap()
    }
  }

  private func validateSeries(histogram: Bool) throws {
    guard heatmap == nil else { throw invalid("a \(kind.rawValue) figure takes series, not a heatmap matrix") }
    guard !series.isEmpty else { throw invalid("the \(kind.rawValue) figure has no data series") }
    if let bins, !(1...Self.maximumBins).contains(bins) {
      throw invalid("bins must be between 1 and \(Self.maximumBins), got \(bins)")
    }
    if bins != nil && !histogram { throw invalid("bins only apply to a histogram") }
    for (index, s) in series.enumerated() {
      let name = Self.seriesName(index, s.title)
      if histogram {
        guard s.x.isEmpty else { throw invalid("\(name): a histogram series takes only values, not x") }
        guard s.yError == nil else { throw invalid("\(name): error bars only apply to a line plot") }
        guard !s.y.isEmpty else { throw invalid("\(name) has no values") }
        try Self.checkFinite(s.y, "\(name): value")
        if xlog { try Self.checkPositive(s.y, "\(name): value", axis: "x") }
      } else {
        guard s.x.count == s.y.count else {
          throw invalid("\(name): x has \(s.x.count) values but y has \(s.y.count)")
        }
        guard !s.y.isEmpty else { throw invalid("\(name) has no points") }
        try Self.checkFinite(s.x, "\(name): x")
        try Self.checkFinite(s.y, "\(name): y")
        if xlog { try Self.checkPositive(s.x, "\(name): x", axis: "x") }
        if ylog { try Self.checkPositive(s.y, "\(name): y", axis: "y") }
        if let errors = s.yError {
          guard kind == .line else { throw invalid("\(name): error bars only apply to a line plot") }
          guard errors.count == s.y.count else {
            throw invalid("\(name): \(errors.count) error bars for \(s.y.count) points")
          }
          try Self.checkFinite(errors, "\(name): error bar")
          if let i = errors.firstIndex(where: { $0 < 0 }) {
            throw invalid("\(name): error bar \(i) is negative (\(errors[i]))")
          }
          if ylog, let i = s.y.indices.first(where: { s.y[$0] - errors[$0] <= 0 }) {
            throw invalid("\(name): error bar \(i) reaches \(s.y[i] - errors[i]) on a logarithmic y axis")
          }
        }
      }
    }
  }

  private func validateHeatmap() throws {
    guard series.isEmpty else { throw invalid("a heatmap takes a matrix, not series") }
    guard let heatmap else { throw invalid("the heatmap has no matrix") }
    guard !xlog, !ylog else { throw invalid("a heatmap cannot have a logarithmic axis") }
    guard bins == nil else { throw invalid("bins only apply to a histogram") }
    let rows = heatmap.values.count
    guard rows > 0, let columns = heatmap.values.first?.count, columns > 0 else {
      throw invalid("the heatmap matrix is empty")
    }
    guard rows.multipliedReportingOverflow(by: columns).partialValue <= Self.maximumCells, rows <= Self.maximumCells,
      columns <= Self.maximumCells
    else {
      throw invalid("a \(rows)×\(columns) heat map has more cells than a figure draws (\(Self.maximumCells)): average blocks of rows and columns first")
    }
    for (r, row) in heatmap.values.enumerated() {
      guard row.count == columns else {
        throw invalid("heatmap row \(r) has \(row.count) values but row 0 has \(columns)")
      }
      if let c = row.firstIndex(where: { !$0.isFinite }) {
        throw invalid("heatmap cell [\(r)][\(c)] is \(row[c]), not a finite number")
      }
    }
    if let labels = heatmap.rowLabels, labels.count != rows {
      throw invalid("the heatmap has \(rows) rows but \(labels.count) row labels")
    }
    if let labels = heatmap.columnLabels, labels.count != columns {
      throw invalid("the heatmap has \(columns) columns but \(labels.count) column labels")
    }
  }

  private func invalid(_ reason: String) -> FigureError { .invalidSpec(reason) }

  static func seriesName(_ index: Int, _ title: String) -> String {
    let clean = GnuplotQuoting.sanitize(title)
    return clean.isEmpty ? "series \(index + 1)" : "series \(index + 1) ('\(clean)')"
  }

  /// Throws at the first NaN or ±∞, e.g. "series 1: y[3] is nan".
  static func checkFinite(_ values: [Double], _ what: String) throws {
    if let i = values.firstIndex(where: { !$0.isFinite }) {
      throw FigureError.invalidSpec("\(what)[\(i)] is \(values[i]), not a finite number")
    }
  }

  /// Throws at the first value ≤ 0 on a logarithmic axis.
  static func checkPositive(_ values: [Double], _ what: String, axis: String) throws {
    if let i = values.firstIndex(where: { $0 <= 0 }) {
      throw FigureError.invalidSpec(
        "\(what)[\(i)] = \(values[i]) is not positive, but the \(axis) axis is logarithmic")
    }
  }
}
