import Foundation
import SAEKit
import Testing

@testable import NotebookCore

/// Faults from outside: renders killed at random moments and renders of one notebook running at
/// once into one folder. Neither may leave a half-written report, figure or cache entry.
extension CommandLineTests {
  /// Cells that write figures, store cache entries and take a moment each, so that kills land in
  /// every phase of a render (running, drawing, storing, writing the report).
  static let faultNotebook = """
    # Faults

    ```swift
    //| label: data
    let data = synthetic.superposition(features: 64, dim: 32, sparsity: 0.05, samples: 8_192, test: 1_024)
    print(data.x.rows)
    ```

    ```swift
    //| label: fig-train
    let sae = train(data.x, width: 64, activation: .topK(k: 4), steps: 150, batch: 512, lr: 0.004)
    plot.line(x: sae.history.step, y: sae.history.fvu, title: "FVU", xlabel: "step", ylabel: "FVU")
    ```

    ```swift
    //| label: fig-density
    let density = featureDensity(sae, on: data.test)
    plot.histogram(density.log10, bins: 20, title: "Density", xlabel: "log10", ylabel: "latents")
    print(evaluate(sae, on: data.test).fvu)
    ```

    ```swift
    //| label: sweep
    var fvus: [Double] = []
    for k in [1, 2, 8] {
      fvus.append(evaluate(train(data.x, width: 64, activation: .topK(k: k), steps: 60, batch: 512), on: data.test).fvu)
    }
    print(fvus)
    ```

    """

  /// Every file a render leaves must be whole: records decode, pages end, figures are complete
  /// SVG, and every cache entry either loads (its checksum matches) or is absent.
  func expectNothingHalfWritten(_ folder: URL, after what: String) throws {
    let reports = folder.appendingPathComponent("reports")
    for name in (try? FileManager.default.contentsOfDirectory(atPath: reports.path)) ?? [] where !name.hasPrefix(".") {
      let path = reports.appendingPathComponent(name).path
      if name.hasSuffix(".json") {
        #expect(throws: Never.self, "\(what): \(name) does not decode") { _ = try RunRecord.load(path: path) }
      } else if name.hasSuffix(".html") {
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.hasSuffix("</html>\n"), "\(what): \(name) is cut short")
      }
    }
    let figures = folder.appendingPathComponent("figures/faults")
    for name in (try? FileManager.default.contentsOfDirectory(atPath: figures.path)) ?? [] where !name.hasPrefix(".") {
      let svg = try String(contentsOfFile: figures.appendingPathComponent(name).path, encoding: .utf8)
      #expect(svg.hasSuffix("</svg>\n") || svg.hasSuffix("</svg>"), "\(what): \(name) is cut short")
    }
    let cache = folder.appendingPathComponent(".notebook-cache/faults")
    for key in (try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? [] where key.count == 64 {
      let entry = cache.appendingPathComponent(key).path
      let stored = try? String(contentsOfFile: entry + "/checksum", encoding: .utf8)
      #expect(stored != nil && stored == CellCache.checksum(entry), "\(what): cache entry \(key.prefix(8)) is half-written")
    }
  }

  /// Two folders holding the fault notebook: `reference`, rendered once undisturbed, and `work`.
  func faultFolders() throws -> (reference: URL, work: URL) {
    let reference = directory.appendingPathComponent("reference")
    let work = directory.appendingPathComponent("work")
    for folder in [reference, work] {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try Self.faultNotebook.write(to: folder.appendingPathComponent("faults.md"), atomically: true, encoding: .utf8)
    }
    let clean = try notebook(["render", "faults.md", "--no-timings"], in: reference)
    try #require(clean.status == 0, "\(clean.stderr)")
    return (reference, work)
  }

  /// `kill -9` at random moments of renders (seeded), each followed by the checks above; then a
  /// clean render succeeds and gives the record of an undisturbed render.
  @Test func rendersKilledAtRandomMomentsLeaveNothingHalfWritten() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let (reference, work) = try faultFolders()
    let started = Date()
    _ = try notebook(["render", "faults.md", "--no-timings", "--no-cache"], in: reference)
    let renderTime = Date().timeIntervalSince(started)
    var random = RandomSource(seed: 22)
    for round in 0..<12 {
      let process = try launch(["render", "faults.md", "--no-timings"], in: work)
      Thread.sleep(forTimeInterval: renderTime * Double(random.next() % 1_000) / 1_000)
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      try expectNothingHalfWritten(work, after: "kill \(round)")
      // Every few rounds the cache is dropped, so kills also land while cells run and store.
      if round % 4 == 3 { try? FileManager.default.removeItem(at: work.appendingPathComponent(".notebook-cache")) }
    }
    let final = try notebook(["render", "faults.md", "--no-timings"], in: work)
    #expect(final.status == 0, "\(final.stderr)")
    let expected = try Data(contentsOf: reference.appendingPathComponent("reports/faults.json"))
    #expect(try Data(contentsOf: work.appendingPathComponent("reports/faults.json")) == expected)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("reports").path)
      .filter { $0.hasPrefix(".") }
    #expect(leftovers.isEmpty, "temporary files of killed renders are cleaned up: \(leftovers)")
  }

  /// Two renders of one notebook at once into one folder: both succeed, and the files they
  /// leave are whole and those of an undisturbed render.
  @Test func twoRendersAtOnceDoNotCorruptEachOther() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let (reference, work) = try faultFolders()
    for round in 0..<3 {
      let first = try launch(["render", "faults.md", "--no-timings"], in: work)
      let second = try launch(["render", "faults.md", "--no-timings"], in: work)
      first.waitUntilExit()
      second.waitUntilExit()
      #expect(first.terminationStatus == 0 && second.terminationStatus == 0, "round \(round)")
      try expectNothingHalfWritten(work, after: "round \(round)")
      let expected = try Data(contentsOf: reference.appendingPathComponent("reports/faults.json"))
      #expect(try Data(contentsOf: work.appendingPathComponent("reports/faults.json")) == expected, "round \(round)")
    }
  }

  /// A builtin that cannot stop at the cell's limit (one large BLAS product here) does not hold
  /// the render past it: `--grace` seconds later the process ends with exit 1, and the report
  /// written before the cell ran shows it interrupted.
  @Test func aCellThatIgnoresItsTimeLimitEndsTheRenderAfterTheGrace() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let text = """
      ```swift
      //| label: first
      print("first ran")
      ```

      ```swift
      //| label: stuck
      //| timeout: 1
      let x = synthetic.superposition(features: 64, dim: 6000, sparsity: 0.5, samples: 6000).x
      print(matmul(x, transpose(x)).rows)
      ```
      """
    try text.write(to: directory.appendingPathComponent("hard.md"), atomically: true, encoding: .utf8)
    let started = Date()
    let run = try notebook(["render", "hard.md", "--no-cache", "--grace", "0.5"])
    #expect(Date().timeIntervalSince(started) < 30)
    #expect(run.status == 1)
    #expect(run.stderr.contains("error: cell 'stuck' ran 0.5 s past its time limit of 1 s without stopping at it; the render was ended"), "\(run.stderr)")
    let record = try RunRecord.load(path: directory.appendingPathComponent("reports/hard.json").path)
    #expect(record.cells.map(\.status) == [.ok, .interrupted])
    #expect(record.incomplete?.contains("stopped while cell 'stuck' ran") == true)
  }

  /// Starts `notebook arguments…` in `folder` without waiting (output discarded).
  func launch(_ arguments: [String], in folder: URL) throws -> Process {
    let process = Process()
    process.executableURL = Self.productsDirectory.appendingPathComponent("notebook")
    process.arguments = arguments
    process.currentDirectoryURL = folder
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }
}
