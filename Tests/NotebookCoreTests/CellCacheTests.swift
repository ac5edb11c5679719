import Foundation
import SAEKit
import Testing
@testable import NotebookCore

/// The dependency-aware cell cache: what reruns after which change.
@Suite(.serialized) struct CellCacheTests {
  final class Log: @unchecked Sendable {
    var ran: [String] = []
    var cached: [String] = []
  }

  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)").path

  func notebook(a: String = "2", steps: String = "5", cSource: String = "let c = 10") -> String {
    """
    ---
    params:
      steps: \(steps)
    ---

    ```swift
    //| label: a
    let a = \(a)
    ```

    ```swift
    //| label: b
    var b = a * 3
    b += 1
    print(b)
    ```

    ```swift
    //| label: c
    \(cSource)
    plot.line(x: [1, 2, 3], y: [Double(c), 2, 1], title: "c")
    c
    ```

    ```swift
    //| label: d
    let m = loadMatrix("data.npy")
    print(m.rows)
    ```

    ```swift
    //| label: e
    print(steps + b)
    ```

    ```swift
    //| label: sae
    let data = synthetic.superposition(features: 8, dim: 4, sparsity: 0.3, samples: 256)
    let sae = train(data.x, width: 8, activation: .batchTopK(k: 2), steps: 5, batch: 64)
    evaluate(sae, on: data.x)
    ```
    """
  }

  func render(
    _ text: String, mode: NotebookRenderer.CacheMode = .use, timings: Bool = true
  ) throws -> (Log, NotebookRenderer.Result) {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let session = try NotebookSession.load(path: directory + "/nb.md", text: text)
    var options = NotebookRenderer.Options()
    options.reportsDirectory = directory + "/reports"
    options.figuresDirectory = directory + "/figures"
    options.cache = mode
    options.timings = timings
    var renderer = NotebookRenderer(session: session, options: options)
    let log = Log()
    renderer.onEvent = { event in
      if case .cellFinished(let name, _, let cached, _) = event {
        if cached { log.cached.append(name) } else { log.ran.append(name) }
      }
    }
    let result = try renderer.render()
    #expect(result.succeeded, "\(result.failures)")
    return (log, result)
  }

  func writeData(rows: Int) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try NPY.write(Matrix(rows: rows, cols: 2, repeating: 1), to: directory + "/data.npy")
  }

  func report() throws -> (String, String) {
    (try String(contentsOfFile: directory + "/reports/nb.html", encoding: .utf8),
     try String(contentsOfFile: directory + "/reports/nb.json", encoding: .utf8))
  }

  func stable(_ text: String) -> String {
    text.replacingOccurrences(of: #""duration_s": [0-9.e+-]+"#, with: "", options: .regularExpression)
      .replacingOccurrences(of: #"<span class="duration">[^<]*</span>"#, with: "", options: .regularExpression)
  }

  @Test func onlyWhatChangedAndItsDependentsRerun() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try writeData(rows: 3)
    let (first, _) = try render(notebook())
    #expect(first.ran == ["a", "b", "c", "d", "e", "sae"] && first.cached.isEmpty)
    let fresh = try report()

    let (second, _) = try render(notebook())
    #expect(second.cached == ["a", "b", "c", "d", "e", "sae"] && second.ran.isEmpty)
    let fromCache = try report()
    #expect(
      stable(fresh.0) == stable(fromCache.0) && stable(fresh.1) == stable(fromCache.1),
      "a render from the cache is identical")

    // Editing cell a reruns a, b (reads a) and e (reads b); c, d and sae come from the cache.
    let (edited, _) = try render(notebook(a: "4"))
    #expect(edited.ran == ["a", "b", "e"] && edited.cached == ["c", "d", "sae"])

    // Touching the data file reruns only the cell reading it.
    try writeData(rows: 5)
    let (touched, result) = try render(notebook(a: "4"))
    #expect(touched.ran == ["d"])
    guard case .text(let rows)? = result.report.cells[3].outputs.first else { Issue.record("no output"); return }
    #expect(rows == "5")

    // Changing a parameter reruns the cells that read it.
    let (param, _) = try render(notebook(a: "4", steps: "7"))
    #expect(param.ran == ["e"])

    // Only the entries of the last three distinct renders are kept: the first render's a, b and e
    // (a = 2) are gone; d with 3 and 5 rows, e with steps 5 and 7, and the rest once remain.
    let kept = try entries()
    #expect(kept.count == 8, "\(kept)")

    // --refresh recomputes everything; --no-cache neither reads nor writes.
    #expect(try render(notebook(a: "4", steps: "7"), mode: .refresh).0.ran.count == 6)
    #expect(try render(notebook(a: "4", steps: "7"), mode: .off).0.cached.isEmpty)
  }

  /// The entry folders (named by their 64-hex-digit keys).
  func entries() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory + "/.notebook-cache/nb")
      .filter { $0.count == 64 && $0.allSatisfy(\.isHexDigit) }
  }

  @Test func entriesOfSeveralParameterSetsCoexist() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try writeData(rows: 3)
    _ = try render(notebook(steps: "5"))
    #expect(try render(notebook(steps: "7")).0.ran == ["e"])
    // Back to steps = 5: nothing is recomputed.
    let (back, _) = try render(notebook(steps: "5"))
    #expect(back.ran.isEmpty && back.cached.count == 6)
    // Three other parameter sets later, the entry of steps = 5 is pruned (it was used 3 renders ago).
    for steps in ["8", "9", "10"] { _ = try render(notebook(steps: steps)) }
    #expect(try render(notebook(steps: "5")).0.ran == ["e"])
  }

  @Test func withoutTimingsRendersAreByteIdenticalFreshOrCached() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try writeData(rows: 3)
    _ = try render(notebook(), timings: false)
    let fresh = try report()
    #expect(!fresh.0.contains("class=\"duration\"") && !fresh.1.contains("duration_s"))
    let (cached, _) = try render(notebook(), timings: false)
    #expect(cached.ran.isEmpty)
    let fromCache = try report()
    _ = try render(notebook(), mode: .off, timings: false)
    let again = try report()
    #expect(fresh == fromCache && fresh == again, "byte-identical: fresh, from the cache, recomputed")
  }

  /// A cell's figures are named after the cell: renaming it must not serve figures under the old
  /// name (a cached render would then differ from a fresh one).
  @Test func aRenamedCellsFiguresFollowItsNewName() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try writeData(rows: 3)
    _ = try render(notebook(), timings: false)
    let renamed = notebook().replacingOccurrences(of: "//| label: c\n", with: "//| label: fig-c\n")
    let (log, result) = try render(renamed, timings: false)
    #expect(log.ran == ["fig-c"], "only the renamed cell reruns: \(log.ran)")
    let figure = result.report.cells[2].outputs.compactMap { if case .figure(let f) = $0 { f } else { nil } }.first
    #expect(figure?.name == "fig-c" && figure?.relativePath.hasSuffix("figures/nb/fig-c.svg") == true, "\(String(describing: figure))")
    #expect(result.staleFiguresRemoved == 1, "the figure of the old name is removed")
    let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/figures/nb").sorted()
    #expect(files == ["fig-c.svg"], "\(files)")
    let cached = try report()
    _ = try render(renamed, mode: .off, timings: false)
    #expect(try report() == cached, "the cached render equals a fresh one")
  }

  @Test func aCorruptEntryIsRecomputed() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try writeData(rows: 3)
    _ = try render(notebook())
    // Damage every entry's values file: checksums no longer match.
    let cacheRoot = directory + "/.notebook-cache/nb"
    for entry in try entries() {
      try Data("{".utf8).write(to: URL(fileURLWithPath: "\(cacheRoot)/\(entry)/values.json"))
    }
    let (again, _) = try render(notebook())
    #expect(again.cached.isEmpty && again.ran.count == 6)
    let (third, _) = try render(notebook())
    #expect(third.cached.count == 6, "the recomputed entries are written back")
  }

  /// An entry forged by someone who can write the cache folder (checksum recomputed) is
  /// checked like gnuplot's output: SVG with active content fails its cell, and nothing of it
  /// reaches figures/ or the page.
  @Test func aForgedEntrysActiveSVGIsRefused() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try writeData(rows: 3)
    _ = try render(notebook())
    let cacheRoot = directory + "/.notebook-cache/nb"
    var forged = 0
    for entry in try entries() {
      let path = "\(cacheRoot)/\(entry)/outputs.json"
      let text = try String(contentsOfFile: path, encoding: .utf8)
      guard text.contains("svg>") else { continue }
      try text.replacingOccurrences(of: "<\\/svg>", with: "<script>alert(1)<\\/script><\\/svg>")
        .replacingOccurrences(of: "</svg>", with: "<script>alert(1)</script></svg>")
        .write(toFile: path, atomically: true, encoding: .utf8)
      try #require(CellCache.checksum("\(cacheRoot)/\(entry)")).write(
        toFile: "\(cacheRoot)/\(entry)/checksum", atomically: true, encoding: .utf8)
      forged += 1
    }
    #expect(forged == 1, "the one figure cell")
    let session = try NotebookSession.load(path: directory + "/nb.md", text: notebook())
    var options = NotebookRenderer.Options()
    options.reportsDirectory = directory + "/reports"
    options.figuresDirectory = directory + "/figures"
    let result = try NotebookRenderer(session: session, options: options).render()
    #expect(result.failures.map(\.message) == ["figure 'c' from the cell cache is refused: the SVG contains active content (<script)"])
    let figure = (try? String(contentsOfFile: directory + "/figures/nb/c.svg", encoding: .utf8)) ?? ""
    #expect(!figure.contains("<script"))
    #expect(!(try report().0.contains("alert(1)")))
  }

  /// A forged entry nesting values deeper than the interpreter builds is corrupt (so the cell
  /// runs again) instead of driving the decoder's recursion as deep as the file says.
  @Test func valuesNestedDeeperThanTheLanguageAllowsAreCorrupt() throws {
    let reader = ValueUnarchiver(tensors: nil, context: RuntimeContext(seed: 0, baseDirectory: ""), references: .builtins)
    func nested(_ depth: Int) -> Any {
      (0..<depth).reduce(["t": "int", "v": 1] as Any) { inner, _ in ["t": "array", "v": [inner]] as Any }
    }
    guard case .array = try reader.decode(nested(Value.maximumNesting)) else { Issue.record("not an array"); return }
    #expect { try reader.decode(nested(1_000)) } throws: { "\($0)".contains("corrupt entry: values nested more than 100 deep") }
  }

  /// Long Int and Double arrays are stored packed and read back bit for bit (negative Ints, −0,
  /// NaN payloads, infinities); short and mixed arrays keep the element-wise form; a damaged
  /// packed array is corrupt.
  @Test func packedArraysRoundTripBitForBit() throws {
    let reader = ValueUnarchiver(tensors: nil, context: RuntimeContext(seed: 0, baseDirectory: ""), references: .builtins)
    let ints = Value.array((0..<1000).map { .int($0 % 7 == 0 ? -$0 * 1_000_003 : $0) } + [.int(.max), .int(.min)])
    let specials = [-0.0, .infinity, -.infinity, Double(bitPattern: 0x7FF8_0000_0000_1234), .leastNonzeroMagnitude]
    let doubles = Value.array((specials + (0..<100).map { Double($0) / 3 }).map(Value.double))
    var archive = ValueArchive()
    for value in [ints, doubles] {
      let stored = try archive.encode(value)
      #expect(["ints", "doubles"].contains((stored as? [String: Any])?["t"] as? String))
      guard case .array(let back) = try reader.decode(stored), case .array(let original) = value else {
        Issue.record("not an array")
        continue
      }
      #expect(back.count == original.count)
      for (b, o) in zip(back, original) {
        switch (b, o) {
        case (.int(let x), .int(let y)): #expect(x == y)
        case (.double(let x), .double(let y)): #expect(x.bitPattern == y.bitPattern)
        default: Issue.record("element type changed: \(b) vs \(o)")
        }
      }
    }
    let mixed = Value.array((0..<100).map { $0 == 50 ? .double(0.5) : .int($0) })
    let short = Value.array((0..<10).map(Value.int))
    for value in [mixed, short] { #expect((try archive.encode(value) as? [String: Any])?["t"] as? String == "array") }
    #expect { try reader.decode(["t": "ints", "v": "AAAA"]) } throws: { "\($0)".contains("corrupt entry: bad packed array") }
  }

  @Test func cachedValuesAreBitIdentical() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try writeData(rows: 3)
    let text = notebook() + """


      ```swift
      //| label: f
      print(sae.history.fvu[4], evaluate(sae, on: data.x).fvu)
      ```
      """
    let (_, first) = try render(text)
    let (log, second) = try render(
      text.replacingOccurrences(of: "print(sae.history.fvu[4]", with: "print( sae.history.fvu[4]"))
    #expect(log.ran == ["f"], "only the edited cell reruns; it reads the SAE restored from the cache")
    guard case .text(let a)? = first.report.cells[6].outputs.first,
      case .text(let b)? = second.report.cells[6].outputs.first
    else {
      Issue.record("no output")
      return
    }
    #expect(a == b, "a restored SAE gives the same numbers: \(a) vs \(b)")
  }
}
