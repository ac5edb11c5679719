/// Compares two run records cell by cell: `notebook diff`'s engine.
///
/// Cells are matched by name (label, or `cell-N` for unlabelled cells; the
/// k-th cell of a name with the k-th). For a matched pair it compares the
/// status, the diagnostic text, the printed text (all `text` outputs joined by
/// `\n`, as a unified diff in which a line counts as unchanged when its words are
/// equal and its numbers equal within tolerance: ``NumericText``), value outputs
/// by position (``ValueComparer``) and figures by name (``FigureComparer``).
/// Durations and source hashes are not differences; changed parameters, seed and
/// tool versions become notes.
public struct RecordDiffer: Sendable {
  public var tolerance: DiffTolerance
  /// Unchanged lines around each change in unified diffs.
  public var context: Int

  public init(tolerance: DiffTolerance = DiffTolerance(), context: Int = 3) {
    self.tolerance = tolerance
    self.context = context
  }

  public func diff(_ old: RunRecord, _ new: RunRecord) -> RecordDiff {
    RecordDiff(
      oldSource: old.source, newSource: new.source, tolerance: tolerance, notes: notes(old, new),
      cells: Self.match(old.cells, new.cells).map { compare($0.0, $0.1) })
  }

  /// Pairs cells by name: the new order, each removed cell placed before the
  /// first new cell whose match came after it in the old order.
  static func match(_ old: [RunRecord.Cell], _ new: [RunRecord.Cell]) -> [(RunRecord.Cell?, RunRecord.Cell?)] {
    var used = Set<Int>()
    var matchOf: [Int?] = []
    for cell in new {
      let i = old.indices.first { !used.contains($0) && old[$0].name == cell.name }
      if let i { used.insert(i) }
      matchOf.append(i)
    }
    var pairs: [(RunRecord.Cell?, RunRecord.Cell?)] = []
    var nextRemoved = 0
    func flushRemoved(before limit: Int) {
      while nextRemoved < limit {
        if !used.contains(nextRemoved) { pairs.append((old[nextRemoved], nil)) }
        nextRemoved += 1
      }
    }
    for (j, cell) in new.enumerated() {
      if let i = matchOf[j] {
        flushRemoved(before: i)
        pairs.append((old[i], cell))
      } else {
        pairs.append((nil, cell))
      }
    }
    flushRemoved(before: old.count)
    return pairs
  }

  func compare(_ old: RunRecord.Cell?, _ new: RunRecord.Cell?) -> CellDiff {
    var diff = CellDiff(name: new?.name ?? old?.name ?? "", old: old, new: new)
    guard let old, let new else { return diff }
    if old.diagnostic != new.diagnostic {
      diff.diagnosticDiff = LineDiff.unified(
        Self.withoutFinalNewlines(old.diagnostic), Self.withoutFinalNewlines(new.diagnostic), context: context)
    }
    diff.textDiff = textDiff(Self.text(old), Self.text(new))
    diff.values = values(Self.values(old), Self.values(new))
    diff.figures = figures(Self.figures(old), Self.figures(new))
    return diff
  }

  /// The unified diff of printed text, numbers compared within tolerance.
  func textDiff(_ old: String, _ new: String) -> [String] {
    let a = LineDiff.lines(old), b = LineDiff.lines(new)
    let ta = a.map(NumericText.tokens), tb = b.map(NumericText.tokens)
    return LineDiff.unified(lines: a, b, context: context) { NumericText.same(ta[$0], tb[$1], tolerance) }
  }

  func values(_ old: [ReportJSON], _ new: [ReportJSON]) -> [ValueDiff] {
    let comparer = ValueComparer(tolerance: tolerance)
    let several = max(old.count, new.count) > 1
    var out: [ValueDiff] = []
    for i in 0..<max(old.count, new.count) {
      let a = i < old.count ? old[i] : nil, b = i < new.count ? new[i] : nil
      var root = ValueComparer.rootName(b ?? a)
      if several { root += " #\(i + 1)" }
      let changes: [ValueChange]
      if let a, let b {
        changes = comparer.changes(a, b, root: root)
      } else {
        changes = [ValueChange(path: root, old: a, new: b)]
      }
      guard !changes.isEmpty else { continue }
      let kind: ValueDiff.Kind =
        a != nil && b != nil && ValueComparer.isTable(a) && ValueComparer.isTable(b)
        ? .table : changes.allSatisfy { $0.numbers != nil } ? .numbers : .value
      out.append(ValueDiff(root: root, kind: kind, changes: changes, old: a, new: b))
    }
    return out
  }

  func figures(_ old: [RunRecord.Figure], _ new: [RunRecord.Figure]) -> [FigureDiff] {
    let comparer = FigureComparer(tolerance: tolerance)
    var used = Set<Int>()
    var out: [FigureDiff] = []
    for figure in new {
      if let i = old.indices.first(where: { !used.contains($0) && old[$0].name == figure.name }) {
        used.insert(i)
        let changes = comparer.changes(old[i], figure)
        if !changes.isEmpty { out.append(FigureDiff(name: figure.name, old: old[i], new: figure, changes: changes)) }
      } else {
        out.append(FigureDiff(name: figure.name, old: nil, new: figure, changes: []))
      }
    }
    for i in old.indices where !used.contains(i) {
      out.append(FigureDiff(name: old[i].name, old: old[i], new: nil, changes: []))
    }
    return out
  }

  /// Changed inputs of the run, e.g. `parameter steps: 1500 → 2000`.
  func notes(_ old: RunRecord, _ new: RunRecord) -> [String] {
    var out: [String] = []
    for record in [old, new] where record.isLegacy {
      out.append("\(record.source) is a \(RunRecord.legacyFormat) record, which kept only the series of figures: "
        + "their kinds, axes and heat maps are not compared (render it again to compare them)")
    }
    let oldParams = Dictionary(old.params.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    let newParams = Dictionary(new.params.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    for p in new.params {
      if let was = oldParams[p.name] {
        if was != p.value { out.append("parameter \(p.name): \(was.compact) → \(p.value.compact)") }
      } else {
        out.append("parameter \(p.name) added: \(p.value.compact)")
      }
    }
    for p in old.params where newParams[p.name] == nil {
      out.append("parameter \(p.name) removed (was \(p.value.compact))")
    }
    func note(_ what: String, _ a: String?, _ b: String?) {
      if a != b { out.append("\(what): \(a ?? "none") → \(b ?? "none")") }
    }
    note("seed", old.seed.map { "\($0)" }, new.seed.map { "\($0)" })
    note("notebook", old.notebook, new.notebook)
    note("tool version", old.toolVersion, new.toolVersion)
    note("gnuplot", old.gnuplotVersion, new.gnuplotVersion)
    return out
  }

  /// Rendered diagnostics end with a newline; it is not a line of its own.
  static func withoutFinalNewlines(_ text: String?) -> String {
    var s = Substring(text ?? "")
    while s.hasSuffix("\n") { s = s.dropLast() }
    return String(s)
  }

  static func text(_ cell: RunRecord.Cell) -> String {
    cell.outputs.compactMap { if case .text(let t) = $0 { return t } else { return nil } }.joined(separator: "\n")
  }

  static func values(_ cell: RunRecord.Cell) -> [ReportJSON] {
    cell.outputs.compactMap { if case .value(_, let data) = $0 { return data } else { return nil } }
  }

  static func figures(_ cell: RunRecord.Cell) -> [RunRecord.Figure] {
    cell.outputs.compactMap { if case .figure(let f) = $0 { return f } else { return nil } }
  }
}
