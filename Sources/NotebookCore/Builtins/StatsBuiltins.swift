import SAEKit

/// `stats.*`: the spread of a result over seeds (or any small sample), so
/// that a notebook states how much of a difference is noise.
enum StatsBuiltins {
  static func register(_ r: inout Registry) {
    r.addNamespace("stats", doc: "Mean, standard deviation and bootstrap intervals of small samples, e.g. one result over several seeds.")
    r.addRecord(spreadRecord)
    r.add(sd)
    r.add(spread)
    r.add(summary)
    r.add(columns)
    r.add(columnMeans)
    r.add(columnSDs)
    r.add(verdict)
  }

  static let verdict = Builtin("verdict", [
    .positional("holds", .bool, "whether the result holds (a condition computed in the cell)"),
    .labeled("yes", .string, default: .value(.string("holds")), "the text when it does"),
    .labeled("no", .string, default: .value(.string("differs")), "the text when it does not"),
  ], returns: .string, doc: "\"holds\" or \"differs\" (or the texts given) from a computed condition, e.g. for a summary table's column.") { args, _ in
    .string(try args.bool("holds") ? try args.string("yes") : try args.string("no"))
  }

  /// `rows[s][i]` as numbers, every row of one length (≥ 1).
  static func table(_ args: CallArguments) throws -> [[Double]] {
    let rows = try args.array("rows").map { row -> [Double] in
      guard let items = row.elements else { throw RuntimeError("'rows' must be an array of arrays of numbers", argument: "rows") }
      return try items.map { item in
        switch item {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: throw RuntimeError("'rows' must contain numbers, found \(item.type)", argument: "rows")
        }
      }
    }
    guard let width = rows.first?.count, width > 0 else { throw RuntimeError("'rows' is empty", argument: "rows") }
    guard rows.allSatisfy({ $0.count == width }) else {
      throw RuntimeError("the rows differ in length: \(rows.map(\.count))", argument: "rows")
    }
    return rows
  }

  /// The statistics of every column of `rows`.
  static func columnStatistics(_ args: CallArguments) throws -> [SampleStatistics] {
    let rows = try table(args)
    return try (0..<rows[0].count).map { i in
      let column = rows.map { $0[i] }
      guard column.allSatisfy(\.isFinite) else { throw RuntimeError("column \(i) contains NaN or an infinite value: \(column)", argument: "rows") }
      return try SampleStatistics(column)
    }
  }

  static let rowsParameter = Parameter.positional("rows", .array(.array(.double)), "one row per seed (or run), one column per setting; all rows of one length")

  static let columnMeans = Builtin("stats.columnMeans", [rowsParameter], returns: .array(.double),
                                   doc: "The mean of every column: element i is the mean of rows[0][i], rows[1][i], … (e.g. a curve averaged over seeds).") { args, _ in
    .array(try columnStatistics(args).map { .double($0.mean) })
  }

  static let columnSDs = Builtin("stats.columnSDs", [rowsParameter], returns: .array(.double),
                                 doc: "The sample standard deviation of every column (e.g. error bars over seeds).") { args, _ in
    .array(try columnStatistics(args).map { .double($0.standardDeviation) })
  }

  static let spreadRecord = RecordType("Spread", doc: "A sample's mean and spread (e.g. one statistic over seeds).", fields: [
    ("n", .int, "number of values"),
    ("mean", .double, "arithmetic mean"),
    ("sd", .double, "sample standard deviation (n − 1 in the denominator; 0 for one value)"),
    ("min", .double, "smallest value"),
    ("max", .double, "largest value"),
    ("low", .double, "lower end of the 95% percentile-bootstrap interval of the mean (10,000 resamples)"),
    ("high", .double, "upper end of that interval"),
    ("text", .string, "\"mean ± sd\" with the requested digits"),
  ])

  static func values(_ args: CallArguments, _ name: String = "values") throws -> [Double] {
    let xs = try args.doubles(name)
    guard !xs.isEmpty else { throw RuntimeError("'\(name)' is empty", argument: name) }
    guard xs.allSatisfy(\.isFinite) else { throw RuntimeError("'\(name)' contains NaN or an infinite value: \(xs)", argument: name) }
    return xs
  }

  static func digits(_ args: CallArguments) throws -> Int {
    let d = try args.int("digits")
    guard (0...12).contains(d) else { throw RuntimeError("digits must be between 0 and 12, got \(d)", argument: "digits") }
    return d
  }

  /// `"mean ± sd"`, each with `digits` decimals.
  static func text(_ s: SampleStatistics, digits: Int) -> String {
    s.count == 1 ? fixed(s.mean, digits) : "\(fixed(s.mean, digits)) ± \(fixed(s.standardDeviation, digits))"
  }

  static func fixed(_ x: Double, _ digits: Int) -> String {
    let s = String(format: "%.\(digits)f", x)
    // "-0.000" reads as a sign where there is none.
    return s.hasPrefix("-") && s.dropFirst().allSatisfy { $0 == "0" || $0 == "." } ? String(s.dropFirst()) : s
  }

  static func record(_ xs: [Double], digits: Int) throws -> Value {
    let s = try SampleStatistics(xs)
    let ci = try SampleStatistics.bootstrapInterval(xs)
    return .record(Record("Spread", [
      ("n", .int(s.count)), ("mean", .double(s.mean)), ("sd", .double(s.standardDeviation)),
      ("min", .double(s.minimum)), ("max", .double(s.maximum)), ("low", .double(ci.low)), ("high", .double(ci.high)),
      ("text", .string(text(s, digits: digits))),
    ]))
  }

  static let digitsParameter = Parameter.labeled("digits", .int, default: .value(.int(3)), "decimals in the text")

  static let sd = Builtin("stats.sd", [.positional("values", .array(.double), "numbers (at least one)")], returns: .double,
                          doc: "Sample standard deviation, √(Σ(v − mean)² / (n − 1)); 0 for one value.") { args, _ in
    .double(try attributing("values") { try SampleStatistics(try values(args)).standardDeviation })
  }

  static let spread = Builtin("stats.spread", [
    .positional("values", .array(.double), "numbers, e.g. one result over seeds"),
    digitsParameter,
  ], returns: .record("Spread"), doc: "Mean, standard deviation, range and a 95% bootstrap interval of the mean of some values.") { args, _ in
    try attributing("values") { try record(try values(args), digits: try digits(args)) }
  }

  static let summary = Builtin("stats.summary", [
    .positional("values", .array(.double), "numbers, e.g. one result over seeds"),
    digitsParameter,
  ], returns: .string, doc: "\"mean ± sd\" of some values (just the value when there is one), e.g. for a table cell.") { args, _ in
    .string(text(try attributing("values") { try SampleStatistics(try values(args)) }, digits: try digits(args)))
  }

  static let columns = Builtin("stats.columns", [rowsParameter, digitsParameter], returns: .array(.record("Spread")),
     doc: "The spread of every column: rows[s][i] is setting i in run s, the result's element i is the Spread of rows[0][i], rows[1][i], ….") { args, _ in
    let rows = try table(args), d = try digits(args)
    return .array(try (0..<rows[0].count).map { i in
      let column = rows.map { $0[i] }
      guard column.allSatisfy(\.isFinite) else { throw RuntimeError("column \(i) contains NaN or an infinite value: \(column)", argument: "rows") }
      return try record(column, digits: d)
    })
  }
}
