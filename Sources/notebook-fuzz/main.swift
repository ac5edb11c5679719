import ArgumentParser
import Foundation
import NotebookFuzzing
import SAEKit

/// `make fuzz`: generated cell programs, mutated notebooks and corrupt files, each run through
/// `notebook check` and `notebook render`; crashes and hangs are minimised and saved as
/// regression inputs, and the counts per outcome printed.
struct Fuzz: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "notebook-fuzz", abstract: "Fuzz the notebook tool: nothing may crash or hang.")

  @Option(help: "The notebook executable to test.") var binary = ".build/release/notebook"
  @Option(help: "Seed of the inputs (the same seed gives the same inputs).") var seed: UInt64 = 1
  @Option(help: "How many inputs to run.") var count = 500
  @Option(help: "Seconds before a run counts as a hang.") var watchdog: Double = 60
  @Option(help: "Folder of example notebooks to mutate.") var examples = "notebooks"
  @Option(help: "Where crashes and hangs are saved (minimised).") var save = "Tests/NotebookCLITests/Fixtures/fuzz-regressions"
  @Flag(help: "Do not minimise or save bad inputs; exit 1 if there are any.") var noSave = false

  func run() throws {
    let notebooks = ((try? FileManager.default.contentsOfDirectory(atPath: examples)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
    let texts = notebooks.compactMap { try? String(contentsOfFile: examples + "/" + $0, encoding: .utf8) }
    var maker = InputMaker(seed: seed, examples: texts)
    let runner = Runner(binary: binary, watchdog: watchdog)
    var counts: [String: Int] = [:]
    var bad = 0
    for index in 0..<count {
      let input = maker.next(index)
      let outcome = runner.run(input)
      counts["\(input.kind): \(outcome)", default: 0] += 1
      guard outcome.isBad else { continue }
      bad += 1
      print("input \(index) (\(input.kind)): \(outcome)")
      if !noSave { try keep(Minimizer(runner: runner).minimize(input, outcome), outcome) }
    }
    for (key, n) in counts.sorted(by: { $0.key < $1.key }) { print("\(n)\t\(key)") }
    print("\(count) inputs, seed \(seed): \(bad) crash\(bad == 1 ? "" : "es") or hang\(bad == 1 ? "" : "s")")
    if bad > 0 { throw ExitCode(1) }
  }

  /// Saves `<outcome>-<hash>.md` (and its files in `<same>.files/`) under `save`.
  func keep(_ input: FuzzCase, _ outcome: Outcome) throws {
    let name = "\(outcome.description.filter { $0.isLetter || $0.isNumber })-\(SHA256.hex(of: input.notebook).prefix(10))"
    try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true)
    try Data(input.notebook.utf8).write(to: URL(fileURLWithPath: "\(save)/\(name).md"))
    for (file, data) in input.files {
      let url = URL(fileURLWithPath: "\(save)/\(name).files/\(file)")
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try data.write(to: url)
    }
    print("  saved \(save)/\(name).md")
  }
}

Fuzz.main()
