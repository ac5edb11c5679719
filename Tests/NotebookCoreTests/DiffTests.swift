import Foundation
import SAEKit
import Testing
@testable import NotebookCore

/// `notebook diff`: records read back, cells matched, numbers within and beyond
/// tolerance, tables, figures, text diffs, the text report and the HTML page.
/// Fixtures: `Fixtures/diff/old.json` and `new.json` differ by a parameter, every
/// duration, one printed line, two numbers (one within the default tolerance),
/// a table row, a figure series (plus one added), one removed and one added cell.
@Suite struct DiffTests {
  static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("diff")

  static func text(_ name: String) throws -> String {
    try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
  }

  static func record(_ name: String) throws -> RunRecord {
    try RunRecord.load(path: fixtures.appendingPathComponent(name).path)
  }

  static func parse(_ text: String, source: String = "test.json") throws -> RunRecord {
    try RunRecord.decode(Data(text.utf8), source: source)
  }

  static func diff(_ old: RunRecord, _ new: RunRecord, _ tolerance: DiffTolerance = DiffTolerance()) -> RecordDiff {
    RecordDiffer(tolerance: tolerance).diff(old, new)
  }

  /// Whether the records are the same within `tolerance` (a Bool keeps failure messages short).
  static func same(_ old: RunRecord, _ new: RunRecord, _ tolerance: DiffTolerance = DiffTolerance()) -> Bool {
    diff(old, new, tolerance).isSame
  }

  /// `record` with the `fvu` of the train cell's Metrics value replaced.
  static func withFVU(_ record: RunRecord, _ fvu: Double) -> RunRecord {
    var r = record
    let c = r.cells.firstIndex { $0.name == "train" }!
    let o = r.cells[c].outputs.firstIndex { if case .value = $0 { return true } else { return false } }!
    guard case .value(let display, .object(var fields)) = r.cells[c].outputs[o] else { fatalError("fixture shape") }
    fields["fvu"] = .double(fvu)
    r.cells[c].outputs[o] = .value(display: display, data: .object(fields))
    return r
  }

  // MARK: - Same

  /// A FIFO named as a record is refused before it is opened (opening it would block forever).
  @Test func aFIFORecordIsRefusedWithoutBlocking() throws {
    #if os(Linux)
    let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("record-\(UUID().uuidString).json").path
    try #require(mkfifo(fifo, 0o600) == 0)
    defer { try? FileManager.default.removeItem(atPath: fifo) }
    #expect(throws: NotebookIOError(path: fifo, "cannot read the record: a named pipe (FIFO), not a regular file")) {
      _ = try RunRecord.load(path: fifo)
    }
    #endif
  }

  @Test func identicalRecordsAreTheSameWhateverTheirDurations() throws {
    let old = try Self.text("old.json")
    let slower = old.replacingOccurrences(
      of: #""duration_s": [0-9.e+-]+"#, with: "\"duration_s\": 99.5", options: .regularExpression)
    #expect(slower != old)
    let diff = Self.diff(try Self.parse(old), try Self.parse(slower))
    #expect(diff.isSame)
    #expect(diff.cells.count == 5 && diff.notes.isEmpty)
    #expect(DiffTextRenderer().render(diff) == "0 of 5 cells differ (rtol 1e-09, atol 0)\n")
  }

  @Test func numbersWithinToleranceAreEqual() throws {
    let old = try Self.record("old.json")
    // 0.25 → 0.25 + 1e-11: relative change 4e-11 ≤ rtol 1e-9.
    #expect(Self.same(old, Self.withFVU(old, 0.25 + 1e-11)))
    // The same change with exact comparison differs.
    #expect(!Self.same(old, Self.withFVU(old, 0.25 + 1e-11), .exact))
    // 0.25 → 0.26 with atol 0.02 (|Δ| = 0.01 ≤ 0.02) is equal; with atol 0.005 it is not.
    #expect(Self.same(old, Self.withFVU(old, 0.26), DiffTolerance(rtol: 0, atol: 0.02)))
    #expect(!Self.same(old, Self.withFVU(old, 0.26), DiffTolerance(rtol: 0, atol: 0.005)))
    // rtol is relative to the old value: |0.26 − 0.25| = 0.01 ≤ 0.041 · 0.25 but > 0.039 · 0.25.
    #expect(Self.same(old, Self.withFVU(old, 0.26), DiffTolerance(rtol: 0.041, atol: 0)))
    #expect(!Self.same(old, Self.withFVU(old, 0.26), DiffTolerance(rtol: 0.039, atol: 0)))
  }

  @Test func nonFiniteNumbersCompareAsNumbers() {
    let t = DiffTolerance(rtol: 0.5, atol: 1)
    #expect(t.equal(.nan, .nan) && t.equal(.infinity, .infinity))
    #expect(!t.equal(.nan, 1) && !t.equal(1, .nan) && !t.equal(.infinity, -.infinity) && !t.equal(1e300, .infinity))
    let comparer = ValueComparer(tolerance: DiffTolerance())
    #expect(comparer.changes(.string("nan"), .string("nan"), root: "v").isEmpty)
    let changes = comparer.changes(.object(["a": .string("nan")]), .object(["a": .double(0.5)]), root: "v")
    #expect(changes.map(DiffTextRenderer.describe) == ["v.a: nan → 0.5"])
  }

  // MARK: - Different

  @Test func numbersBeyondToleranceShowAbsoluteAndRelativeChange() throws {
    let old = try Self.record("old.json")
    let diff = Self.diff(old, Self.withFVU(old, 0.2575))
    #expect(!diff.isSame && diff.differingCount == 1)
    let cell = try #require(diff.cells.first { $0.name == "train" })
    #expect(cell.values.count == 1 && cell.values[0].kind == .numbers)
    let change = try #require(cell.values[0].changes.first)
    #expect(change.path == "Metrics.fvu")
    #expect(change.numbers?.old == 0.25 && change.numbers?.new == 0.2575)
    // Δ = 0.0075, Δ / |old| = 3 %.
    #expect(DiffTextRenderer.describe(change) == "Metrics.fvu: 0.25 → 0.2575 (+0.0075, +3%)")
    #expect(DiffNumberFormat.change(from: 100, to: 82) == "-18, -18%")
    #expect(DiffNumberFormat.change(from: 0, to: 0.5) == "+0.5")
  }

  @Test func addedAndRemovedCellsAreReportedWhereTheyStood() throws {
    let diff = Self.diff(try Self.record("old.json"), try Self.record("new.json"))
    #expect(diff.cells.map(\.name) == ["cell-1", "train", "sweep", "fresh", "gone", "hist"])
    let fresh = try #require(diff.cells.first { $0.name == "fresh" })
    let gone = try #require(diff.cells.first { $0.name == "gone" })
    #expect(fresh.isAdded && !fresh.isRemoved && fresh.differs)
    #expect(gone.isRemoved && !gone.isAdded && gone.differs)
    #expect(DiffTextRenderer().lines(fresh) == ["cell fresh: added (ok, 1 output)"])
    #expect(DiffTextRenderer().lines(gone) == ["cell gone: removed (was ok, 1 output)"])
    #expect(diff.cells.first { $0.name == "hist" }?.differs == false)
    #expect(diff.differingCount == 5)
  }

  @Test func tablesAreComparedCellByCell() throws {
    let diff = Self.diff(try Self.record("old.json"), try Self.record("new.json"))
    let sweep = try #require(diff.cells.first { $0.name == "sweep" })
    #expect(sweep.values.count == 1 && sweep.values[0].kind == .table)
    #expect(sweep.values[0].changes.map(\.path) == ["Table[row 2, FVU]", "Table[row 2, note]"])
    #expect(sweep.values[0].changes.map(\.tableCell) == [.init(row: 1, column: "FVU"), .init(row: 1, column: "note")])
    // A new row is one change; a column matched by name survives reordering.
    let comparer = ValueComparer(tolerance: DiffTolerance())
    func table(_ columns: [String], _ rows: [[ReportJSON]]) -> ReportJSON {
      .object([
        "type": .string("Table"), "columns": .array(columns.map(ReportJSON.string)),
        "rows": .array(rows.map(ReportJSON.array)),
      ])
    }
    let a = table(["k", "x"], [[.int(1), .double(0.5)]])
    let b = table(["x", "k"], [[.double(0.5), .int(1)], [.double(0.25), .int(2)]])
    #expect(comparer.changes(a, b, root: "Table").map(DiffTextRenderer.describe) == [
      "Table.columns: [\"k\", \"x\"] → [\"x\", \"k\"]",
      "Table[row 2]: added [0.25, 2]",
    ])
    // Repeated column names pair in order (a "(−b)" column after each of two measures).
    let twice = table(["m", "(−b)", "e", "(−b)"], [[.double(1), .double(0.9), .double(0.1), .double(0.07)]])
    #expect(comparer.changes(twice, twice, root: "Table").isEmpty)
    let moved = table(["m", "(−b)", "e", "(−b)"], [[.double(1), .double(0.9), .double(0.1), .double(0.08)]])
    #expect(comparer.changes(twice, moved, root: "Table").map(DiffTextRenderer.describe) == ["Table[row 1, (−b)]: 0.07 → 0.08 (+0.01, +14.3%)"])
  }

  @Test func changedFigureDataNamesTheSeriesAndItsLargestMove() throws {
    let diff = Self.diff(try Self.record("old.json"), try Self.record("new.json"))
    let train = try #require(diff.cells.first { $0.name == "train" })
    #expect(train.figures.count == 1 && train.figures[0].name == "loss")
    let changes = train.figures[0].changes
    // y: [0.5, 0.3, 0.2, 0.1] → [0.5, 0.3, 0.23, 0.105]: largest |Δy| = 0.03 at x = 3.
    guard case .moved(let title, let delta, let index, let x, let count, let compared)? = changes.first else {
      Issue.record("expected a moved series, got \(changes)")
      return
    }
    #expect(title == "train" && index == 2 && x == 3 && count == 2 && compared == 4)
    #expect(abs(delta - 0.03) < 1e-12)
    #expect(changes.dropFirst().map { $0 } == [.added(title: "val")], "the unchanged 'test' series is not reported")
    #expect(DiffTextRenderer.describe(train.figures[0]) == [
      "figure loss: series \"train\" moved, max |Δy| = 0.03 at x = 3 (2 of 4 points)",
      "figure loss: series \"val\" added",
    ])
    // Length changes; points compared over the common prefix; NaN against a number moves by ∞.
    let comparer = FigureComparer(tolerance: DiffTolerance())
    let a = RunRecord.Figure(
      name: "f", spec: FigureSpec(kind: .line, series: [.init(title: "s", x: [1, 2, 3], y: [1, 2, 3])]))
    let b = RunRecord.Figure(
      name: "f", spec: FigureSpec(kind: .line, series: [.init(title: "s", x: [1, 2], y: [1, .nan])]))
    #expect(comparer.changes(a, b).map(DiffTextRenderer.describe) == [
      "series \"s\" has 2 points (was 3)",
      "series \"s\" moved, max |Δy| = inf at x = 2 (1 of 2 points)",
    ])
  }

  @Test func changedTextIsAUnifiedDiff() throws {
    let diff = Self.diff(try Self.record("old.json"), try Self.record("new.json"))
    let cell = try #require(diff.cells.first { $0.name == "cell-1" })
    // Nine lines, the eighth changed: three lines of context before, one after.
    #expect(cell.textDiff == [
      "--- old", "+++ new", "@@ -5,5 +5,5 @@", " line 5", " line 6", " line 7", "-line 8", "+line eight", " line 9",
    ])
    #expect(cell.values.isEmpty, "the unchanged value 42 is not reported")
  }

  @Test func lineDiffHunksAndEditScript() {
    let a = ["a", "b", "c", "d", "e", "f", "g", "h"]
    let b = ["a", "B", "c", "d", "e", "f", "g", "H"]
    #expect(LineDiff.unified(lines: a, b, context: 1) == [
      "--- old", "+++ new", "@@ -1,3 +1,3 @@", " a", "-b", "+B", " c", "@@ -7,2 +7,2 @@", " g", "-h", "+H",
    ])
    #expect(LineDiff.unified(lines: a, b, context: 3)[2] == "@@ -1,8 +1,8 @@", "close changes share a hunk")
    #expect(LineDiff.unified("", "x\ny") == ["--- old", "+++ new", "@@ -0,0 +1,2 @@", "+x", "+y"])
    #expect(LineDiff.unified("same", "same").isEmpty)
    // The edit script rebuilds `new` and keeps a longest common subsequence.
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<50 {
      let x = (0..<Int.random(in: 0...9, using: &rng)).map { _ in ["p", "q", "r"].randomElement(using: &rng)! }
      let y = (0..<Int.random(in: 0...9, using: &rng)).map { _ in ["p", "q", "r"].randomElement(using: &rng)! }
      let edits = LineDiff.edits(x, y)
      var rebuilt: [String] = []
      var kept = 0
      for e in edits {
        switch e {
        case .keep(let i, let j): #expect(x[i] == y[j]); rebuilt.append(y[j]); kept += 1
        case .insert(let j): rebuilt.append(y[j])
        case .delete: break
        }
      }
      #expect(rebuilt == y && kept == Self.lcsLength(x, y), "\(x) → \(y)")
    }
  }

  /// Reference LCS length by plain recursion with memoisation.
  static func lcsLength(_ a: [String], _ b: [String]) -> Int {
    var memo: [Int: Int] = [:]
    func go(_ i: Int, _ j: Int) -> Int {
      if i == a.count || j == b.count { return 0 }
      if let v = memo[i * 100 + j] { return v }
      let v = a[i] == b[j] ? 1 + go(i + 1, j + 1) : max(go(i + 1, j), go(i, j + 1))
      memo[i * 100 + j] = v
      return v
    }
    return go(0, 0)
  }

  @Test func statusSourceAndInputChanges() throws {
    let old = try Self.record("old.json")
    var new = old
    new.cells[3].status = .failed
    new.cells[3].diagnostic = "nb.md:3:1: error: boom\n"
    new.cells[3].sourceHash = "changed"
    new.seed = 8
    let diff = Self.diff(old, new)
    #expect(diff.notes == ["seed: 7 → 8"])
    #expect(DiffTextRenderer().lines(diff.cells[3]) == [
      "cell gone: source changed", "cell gone: status ok → failed",
      "  --- old", "  +++ new", "  @@ -0,0 +1 @@", "  +nb.md:3:1: error: boom",
    ])
    // A changed source alone is not a difference.
    var edited = old
    edited.cells[0].sourceHash = "edited"
    #expect(Self.same(old, edited))
  }

  // MARK: - Figures as a whole, printed numbers

  /// A record with one cell holding `spec` as figure `f`.
  static func record(figure spec: FigureSpec, caption: String? = nil) -> RunRecord {
    let cell = RunRecord.Cell(
      index: 0, label: "fig", name: "fig", sourceHash: "", status: .ok, diagnostic: nil, duration: nil,
      outputs: [.figure(RunRecord.Figure(name: "f", caption: caption, spec: spec))])
    return RunRecord(format: RunRecord.format, title: "t", notebook: "t.md", params: [], cells: [cell])
  }

  static let heatmap = FigureSpec(
    heatmap: .init(values: [[1, 0.5], [0.5, 1]], rowLabels: ["a", "b"], columnLabels: ["a", "b"]), title: "CKA")

  @Test func aChangedHeatMapCellIsADifference() throws {
    var changed = Self.heatmap
    changed.heatmap!.values[1][0] = 0.75
    let diff = Self.diff(Self.record(figure: Self.heatmap), Self.record(figure: changed))
    #expect(!diff.isSame && diff.differingCount == 1)
    #expect(DiffTextRenderer().lines(diff.cells[0]) == [
      "cell fig: figure f: heat map cells moved, max |Δ| = 0.25 at row 2, column 1 (1 of 4 cells)"
    ])
    // Within tolerance it is not.
    changed.heatmap!.values[1][0] = 0.5 + 1e-12
    #expect(Self.same(Self.record(figure: Self.heatmap), Self.record(figure: changed)))
    // Labels and shape are compared too.
    var relabelled = Self.heatmap
    relabelled.heatmap!.rowLabels = ["a", "c"]
    relabelled.heatmap!.values.append([0, 0])
    relabelled.heatmap!.rowLabels!.append("d")
    #expect(
      Self.diff(Self.record(figure: Self.heatmap), Self.record(figure: relabelled)).cells[0].figures[0].changes == [
      .heatmapShape(old: GridShape(rows: 2, columns: 2), new: GridShape(rows: 3, columns: 2)),
      .labels(axis: "row", old: ["a", "b"], new: ["a", "c", "d"]),
    ])
  }

  @Test func aChangedAxisTitleOrKindIsADifference() throws {
    let line = FigureSpec(
      kind: .line, series: [.init(title: "fvu", x: [1, 2], y: [0.5, 0.25])], title: "FVU", xLabel: "k")
    var logY = line
    logY.ylog = true
    var retitled = line
    retitled.title = "FVU by k"
    retitled.yLabel = "FVU"
    var scatter = line
    scatter.kind = .scatter
    func describe(_ spec: FigureSpec) -> [String] {
      Self.diff(Self.record(figure: line), Self.record(figure: spec)).cells[0].figures.flatMap(
        DiffTextRenderer.describe)
    }
    #expect(describe(logY) == ["figure f: y scale linear → log"])
    #expect(describe(retitled) == ["figure f: title \"FVU\" → \"FVU by k\"", "figure f: y label \"\" → \"FVU\""])
    #expect(describe(scatter) == ["figure f: kind line → scatter"])
    #expect(describe(line).isEmpty)
  }

  /// Every field of a figure's record layout is compared: the ones with their own wording,
  /// and any other (a field added to FigureSpec later) leaf by leaf.
  @Test func everyFieldOfAFigureIsCompared() throws {
    var full = FigureSpec(
      kind: .histogram, series: [.init(values: [1, 2])], title: "t", xLabel: "x", yLabel: "y", xlog: true, ylog: true,
      size: .init(width: 320, height: 240), bins: 4)
    full.heatmap = .init(values: [[1]], rowLabels: ["r"], columnLabels: ["c"])
    guard case .object(let fields) = try JSONValueEncoder().encode(full) else { return }
    #expect(Set(fields.keys) == FigureComparer.describedFields, "a new field: give it a description in settings(_:_:)")
    var bigger = full
    bigger.size = .init(width: 640, height: 240)
    #expect(
      FigureComparer(tolerance: .exact).settings(full, bigger) == [.setting("size", old: "320×240", new: "640×240")])
  }

  @Test func numbersInsidePrintedTextAreComparedWithTheTolerance() throws {
    func record(_ text: String) -> RunRecord {
      let cell = RunRecord.Cell(
        index: 0, label: "p", name: "p", sourceHash: "", status: .ok, diagnostic: nil, duration: nil,
        outputs: [.text(text)])
      return RunRecord(format: RunRecord.format, title: "t", notebook: "t.md", params: [], cells: [cell])
    }
    let old = record("fvu 0.25 at k=8\nlayer-3 done")
    #expect(Self.same(old, record("fvu 0.25000000000001 at k=8\nlayer-3 done")), "within rtol 1e-9")
    #expect(!Self.same(old, record("fvu 0.26 at k=8\nlayer-3 done")))
    #expect(Self.same(old, record("fvu 0.26 at k=8\nlayer-3 done"), DiffTolerance(rtol: 0.05, atol: 0)))
    #expect(!Self.same(old, record("FVU 0.25 at k=8\nlayer-3 done"), DiffTolerance(rtol: 1, atol: 1)), "words exactly")
    #expect(!Self.same(old, record("fvu 0.25 at k=9\nlayer-3 done"), DiffTolerance(rtol: 0.05, atol: 0)))
    let diff = Self.diff(old, record("fvu 0.26 at k=8\nlayer-3 done"))
    #expect(
      diff.cells[0].textDiff == [
        "--- old", "+++ new", "@@ -1,2 +1,2 @@", "-fvu 0.25 at k=8", "+fvu 0.26 at k=8", " layer-3 done",
      ])
    let tokens = NumericText.tokens("cell-1: -2.5e-3 and -inf; 0.1.0 x2")
    #expect(tokens == [
      .text("cell-"), .number(1), .text(": "), .number(-2.5e-3), .text(" and "), .number(-.infinity), .text("; "),
      .number(0.1), .text(".0 x2"),
    ])
    #expect(NumericText.same(NumericText.tokens("nan"), NumericText.tokens("nan"), .exact))
  }

  @Test func measuredSpansAreShownButNotCompared() throws {
    func record(_ text: String, _ cellText: String) -> RunRecord {
      let table = ReportJSON.object([
        "type": .string("Table"), "columns": .array([.string("ours")]), "rows": .array([.array([.string(cellText)])]),
      ])
      let cell = RunRecord.Cell(
        index: 0, label: "p", name: "p", sourceHash: "", status: .ok, diagnostic: nil, duration: nil,
        outputs: [.text(text), .value(display: .table(headers: ["ours"], rows: [[cellText]]), data: table)])
      return RunRecord(format: RunRecord.format, title: "t", notebook: "t.md", params: [], cells: [cell])
    }
    let m = MeasuredText.wrap
    let old = record("built in \(m("1.90")) s, fvu 0.25", "\(m("1.90")) s against \(m("37.6 ± 0.8")) s")
    #expect(Self.same(old, record("built in \(m("1.85")) s, fvu 0.25", "\(m("1.85")) s against \(m("37.9 ± 0.7")) s")))
    #expect(!Self.same(old, record("built in \(m("1.85")) s, fvu 0.26", "\(m("1.90")) s against \(m("37.6 ± 0.8")) s")),
            "numbers outside a span are compared")
    #expect(!Self.same(old, record("built in 1.90 s, fvu 0.25", "\(m("1.90")) s against \(m("37.6 ± 0.8")) s")),
            "a number that stops being measured is a change")
    #expect(!Self.same(old, record("built in \(m("1.90")) s, fvu 0.25", "\(m("1.90")) min against \(m("37.6 ± 0.8")) s")))
    // Strings in tables compare their numbers with the tolerance, like printed text.
    let comparer = ValueComparer(tolerance: DiffTolerance(rtol: 1e-3, atol: 0))
    #expect(comparer.leafEqual(.string("fvu 0.2500 (k = 8)"), .string("fvu 0.25001 (k = 8)")))
    #expect(!comparer.leafEqual(.string("fvu 0.25 (k = 8)"), .string("fvu 0.25 (k = 9)")))
    // The report underlines a span; the diff shows the text without markers.
    let html = HTMLText.escapeContent("in \(m("1 < 2")) s")
    #expect(html == "in <span class=\"measured\" title=\"\(HTMLText.measuredTitle)\">1 &lt; 2</span> s")
    #expect(HTMLText.escape("in \(m("1.9")) s") == "in 1.9 s")
    let changed = Self.diff(old, record("built in \(m("2.0")) s, fvu 0.26", "x"))
    let lines = DiffTextRenderer().lines(changed.cells[0]).joined(separator: "\n")
    #expect(lines.contains("-built in 1.90 s, fvu 0.25") && !lines.unicodeScalars.contains(MeasuredText.open))
  }

  @Test func recordsOfTheFirstFormatAreReadWithANote() throws {
    let legacy = try Self.record("old-v1.json")
    #expect(legacy.isLegacy)
    let diff = Self.diff(legacy, try Self.record("old.json"))
    #expect(diff.isSame, "series, numbers and text agree: \(DiffTextRenderer().render(diff))")
    #expect(diff.notes.count == 1 && diff.notes[0].contains("is a notebook-record/1 record"))
  }

  // MARK: - The whole text report

  @Test func textReportOfTheFixtures() throws {
    let diff = Self.diff(try Self.record("old.json"), try Self.record("new.json"))
    #expect(DiffTextRenderer().render(diff) == """
      note: parameter steps: 100 → 200
      cell cell-1: text output changed
        --- old
        +++ new
        @@ -5,5 +5,5 @@
         line 5
         line 6
         line 7
        -line 8
        +line eight
         line 9
      cell train: numbers changed
        Metrics.fvu: 0.25 → 0.2575 (+0.0075, +3%)
      cell train: figure loss: series "train" moved, max |Δy| = 0.03 at x = 3 (2 of 4 points)
      cell train: figure loss: series "val" added
      cell sweep: table changed
        Table[row 2, FVU]: 0.3 → 0.31 (+0.01, +3.33%)
        Table[row 2, note]: "b<c>" → "b<d>"
      cell fresh: added (ok, 1 output)
      cell gone: removed (was ok, 1 output)
      5 of 6 cells differ (rtol 1e-09, atol 0)

      """)
  }

  // MARK: - Trouble

  @Test func unreadableOrMalformedInputIsTrouble() throws {
    #expect(throws: DiffError.self) { try Self.parse(#"{"cells": ["#) }
    do {
      _ = try Self.parse(#"{"cells": ["#, source: "broken.json")
    } catch let error as DiffError {
      #expect(error.message.hasPrefix("broken.json: not valid JSON"), "\(error.message)")
    }
    #expect(throws: DiffError("t.json: not a notebook record: not a JSON object")) {
      try Self.parse("[1, 2]", source: "t.json")
    }
    #expect(
      throws: DiffError(
        "t.json: unsupported record format 'other/2' (this tool reads notebook-record/2 and notebook-record/1)")
    ) {
      try Self.parse(#"{"format": "other/2", "cells": []}"#, source: "t.json")
    }
    #expect(throws: DiffError("t.json: not a notebook record: no \"cells\" field")) {
      try Self.parse(
        #"{"format": "notebook-record/2", "title": "t", "notebook": "t.md", "params": []}"#, source: "t.json")
    }
    #expect(throws: DiffError("t.json: not a notebook record: cells[0].status: expected a string, found a number")) {
      try Self.parse(
        #"{"format": "notebook-record/2", "title": "t", "notebook": "t.md", "params": [], "#
          + #""cells": [{"index": 0, "name": "a", "source_sha256": "", "status": 3, "outputs": []}]}"#,
        source: "t.json")
    }
    #expect(
      throws: NotebookIOError(path: "/nonexistent/x.json", "cannot read the record: no such file or not readable")
    ) {
      try RunRecord.load(argument: "/nonexistent/x.json")
    }
    #expect(throws: DiffError.self) { try RunRecord.load(argument: "/nonexistent/x.md") }
  }

  @Test func recordsKeepFullPrecisionAndNonFiniteStrings() throws {
    let r = try Self.parse("""
      {"format": "notebook-record/1", "title": "t", "notebook": "t.md", "params": [],
       "cells": [{"index": 0, "name": "a", "source_sha256": "", "status": "ok", "outputs": [
        {"kind": "value", "display": {"kind": "text", "text": "x"},
         "data": [0.30000000000000004, 0.15596653199544544, 7, true]},
        {"kind": "figure", "name": "f", "series": [{"title": "t", "x": [1, 2], "y": ["nan", "-inf"]}]}]}]}
      """)
    guard case .value(_, let data) = r.cells[0].outputs[0], case .figure(let f) = r.cells[0].outputs[1] else {
      Issue.record("unexpected outputs \(r.cells[0].outputs)")
      return
    }
    #expect(data == .array([.double(0.30000000000000004), .double(0.15596653199544544), .int(7), .bool(true)]))
    #expect(f.isLegacy && f.spec.series[0].y[0].isNaN && f.spec.series[0].y[1] == -.infinity)
  }
}

/// The HTML review page (real gnuplot) and notebooks rendered for a diff.
@Suite struct DiffPageTests {
  static func fixtureDiff() throws -> RecordDiff {
    DiffTests.diff(try DiffTests.record("old.json"), try DiffTests.record("new.json"))
  }

  /// Every SVG inlined in `html` (from `<svg` to its `</svg>`).
  static func images(_ html: String) -> [String] {
    html.components(separatedBy: "<svg role=\"img\"").dropFirst().compactMap { part in
      part.range(of: "</svg>").map { "<svg" + part[..<$0.upperBound] }
    }
  }

  @Test func pageOverlaysOldAndNewFiguresAndEscapesText() throws {
    let html = DiffHTMLRenderer(gnuplot: try GnuplotRunner(timeLimit: 30)).render(try Self.fixtureDiff())
    // One overlay: the changed `loss` figure; the unchanged histogram is not redrawn.
    let svgs = Self.images(html)
    #expect(svgs.count == 1)
    let svg = try #require(svgs.first)
    for title in ["old: train", "new: train", "old: test", "new: test", "new: val"] {
      #expect(svg.contains(title), "legend entry \(title)")
    }
    #expect(!svg.contains("old: val"))
    // Text from the records is escaped; the page has no script and no external resource.
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("b&lt;d&gt;") && !html.contains("b<d>"))
    #expect(!html.contains("<script") && !html.contains("src=\"http"))
    #expect(html.contains("default-src 'none'"))
    // Changed numbers highlighted, table cells marked, unchanged cells folded.
    #expect(html.contains("<td><mark>0.2575</mark></td>"))
    #expect(html.contains("<td class=\"changed\"><mark>0.31</mark> <del>0.3</del></td>"))
    #expect(html.contains("<details class=\"cell diff-same\" id=\"cell-hist\">"))
    #expect(html.components(separatedBy: "<details").count - 1 == 1)
    #expect(html.contains("<section class=\"cell diff-added\" id=\"cell-fresh\">"))
    #expect(html.contains("<section class=\"cell diff-removed\" id=\"cell-gone\">"))
    #expect(
      html.contains("<span class=\"del\">-line 8</span>") && html.contains("<span class=\"add\">+line eight</span>"))
    #expect(html.contains("5 of 6 cells differ"))
  }

  @Test func pageIsDeterministicAndDegradesWithoutGnuplot() throws {
    let diff = try Self.fixtureDiff()
    let runner = try GnuplotRunner(timeLimit: 30)
    #expect(DiffHTMLRenderer(gnuplot: runner).render(diff) == DiffHTMLRenderer(gnuplot: runner).render(diff))
    let plain = DiffHTMLRenderer(gnuplot: nil).render(diff)
    #expect(Self.images(plain).isEmpty)
    #expect(plain.contains("gnuplot is not available"))
  }

  @Test func overlaySpecPairsSeriesOnTheFiguresOwnAxes() throws {
    let old = RunRecord.Figure(
      name: "f", spec: FigureSpec(kind: .scatter, series: [.init(title: "a", x: [1, 2, 3], y: [1, 2, 3])], ylog: true))
    let new = RunRecord.Figure(
      name: "f",
      spec: FigureSpec(
        kind: .scatter, series: [.init(title: "", x: [1], y: [2]), .init(title: "a", x: [1, 2], y: [1, 2])],
        xLabel: "k", ylog: true))
    let views = DiffHTMLRenderer.figureViews(FigureDiff(name: "f", old: old, new: new, changes: []))
    let spec = try #require(views.count == 1 ? views[0].spec : nil)
    #expect(spec.kind == .scatter && spec.ylog && !spec.xlog && spec.xLabel == "k", "the original axes")
    #expect(spec.series.map(\.title) == ["new", "old: a", "new: a"])
    let hist = RunRecord.Figure(name: "h", spec: FigureSpec(kind: .histogram, series: [.init(values: [0.1, 0.2])]))
    let histViews = DiffHTMLRenderer.figureViews(FigureDiff(name: "h", old: hist, new: hist, changes: []))
    #expect(histViews.map(\.spec.kind) == [.histogram] && histViews[0].spec.series.map(\.title) == ["old", "new"])
    // A legacy (notebook-record/1) figure: a line overlay without its non-finite points.
    var legacy = RunRecord.Figure(
      name: "f", spec: FigureSpec(kind: .line, series: [.init(title: "a", x: [1, 2, 3], y: [1, .nan, 3])]))
    legacy.isLegacy = true
    let mixed = DiffHTMLRenderer.figureViews(FigureDiff(name: "f", old: legacy, new: legacy, changes: []))
    #expect(mixed.count == 1 && mixed[0].spec.series[0].x == [1, 3])
  }

  @Test func heatMapsAreShownSideBySideWithADifferenceMap() throws {
    var changed = DiffTests.heatmap
    changed.heatmap!.values[0][1] = 0.25
    let diff = DiffTests.diff(DiffTests.record(figure: DiffTests.heatmap), DiffTests.record(figure: changed))
    let views = DiffHTMLRenderer.figureViews(diff.cells[0].figures[0])
    #expect(views.map(\.caption) == ["old", "new", "new − old"])
    #expect(views[2].spec.heatmap?.values == [[0, -0.25], [0, 0]] && views[2].spec.heatmap?.rowLabels == ["a", "b"])
    let html = DiffHTMLRenderer(gnuplot: try GnuplotRunner(timeLimit: 30)).render(diff)
    #expect(Self.images(html).count == 3 && html.contains("<figcaption>new − old</figcaption>"))
    // A figure whose scale changed is drawn twice, each on its own axes.
    let line = FigureSpec(kind: .line, series: [.init(title: "a", x: [1, 2], y: [1, 10])])
    var logY = line
    logY.ylog = true
    let scales = DiffTests.diff(DiffTests.record(figure: line), DiffTests.record(figure: logY))
    let both = DiffHTMLRenderer.figureViews(scales.cells[0].figures[0])
    #expect(both.map(\.caption) == ["old", "new"] && both.map(\.spec.ylog) == [false, true])
  }

  @Test func notebooksAreRenderedThenCompared() throws {
    let dir = DiffTests.fixtures
    let old = try RunRecord.load(argument: dir.appendingPathComponent("tiny.md").path)
    let same = try RunRecord.load(argument: dir.appendingPathComponent("tiny.md").path)
    let new = try RunRecord.load(argument: dir.appendingPathComponent("tiny-changed.md").path)
    #expect(DiffTests.same(old, same), "two renders of one notebook are the same")
    let diff = DiffTests.diff(old, new)
    #expect(DiffTextRenderer().render(diff).hasSuffix("2 of 2 cells differ (rtol 1e-09, atol 0)\n"))
    let numbers = try #require(diff.cells.first { $0.name == "numbers" })
    #expect(numbers.values.first?.changes.map(DiffTextRenderer.describe) == ["value[2]: 3 → 3.5 (+0.5, +16.7%)"])
    let curve = try #require(diff.cells.first { $0.name == "curve" })
    #expect(
      curve.figures.first.map(DiffTextRenderer.describe)?.first?.contains("max |Δy| = 0.5 at x = 3 (1 of 3 points)")
        == true)
  }
}
