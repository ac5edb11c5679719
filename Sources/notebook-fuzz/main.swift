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
  @Option(help: "How many inputs to run (default 500 without --minutes; with it, a cap).") var count: Int?
  @Option(help: "Run until this many minutes are up (inputs already started finish).") var minutes: Double?
  @Option(help: "How many inputs to run at once (default: the number of cores).") var jobs = ProcessInfo.processInfo.activeProcessorCount
  @Option(help: "Seconds before a run counts as a hang.") var watchdog: Double = 60
  @Option(help: "Folder of example notebooks to mutate.") var examples = "notebooks"
  @Option(help: "The MiniLM weights' folder (all-MiniLM-L6-v2/ in it); the runs' cache links to it.") var models = ".cache/models"
  @Option(help: "Where crashes and hangs are saved (minimised).") var save = "Tests/NotebookCLITests/Fixtures/fuzz-regressions"
  @Flag(help: "Do not minimise or save bad inputs; exit 1 if there are any.") var noSave = false
  @Flag(help: "Print the inputs (as many as --count) instead of running them.") var show = false

  func run() throws {
    let notebooks = ((try? FileManager.default.contentsOfDirectory(atPath: examples)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
    let texts = notebooks.compactMap { try? String(contentsOfFile: examples + "/" + $0, encoding: .utf8) }
    if show {
      var maker = InputMaker(seed: seed, examples: texts)
      for index in 0..<(count ?? 10) { say("--- input \(index)\n" + maker.next(index).notebook) }
      return
    }
    let cache = try FuzzCache(models: models)
    defer { cache.remove() }
    let runner = Runner(binary: binary, watchdog: watchdog, cache: cache.path)
    let campaign = Campaign(
      maker: InputMaker(seed: seed, examples: texts), count: count ?? (minutes == nil ? 500 : nil), minutes: minutes)
    let (noSave, save) = (noSave, save)
    campaign.run(jobs: jobs) { index, input in
      let outcome = runner.run(input)
      campaign.record(index, input, outcome)
      guard outcome.isBad, !noSave else { return }
      do { try Self.keep(Minimizer(runner: runner).minimize(input, outcome, budget: outcome == .hang ? 8 : 60), outcome, in: save) } catch { say("  not saved: \(error)") }
    }
    for (key, n) in campaign.counts.sorted(by: { $0.key < $1.key }) { say("\(n)\t\(key)") }
    let bad = campaign.bad
    say("\(campaign.done) inputs, seed \(seed), \(jobs) at once: \(bad) crash\(bad == 1 ? "" : "es") or hang\(bad == 1 ? "" : "s")")
    if bad > 0 { throw ExitCode(1) }
  }

  /// Saves `<outcome>-<hash>.md` (and its files in `<same>.files/`) under `save`.
  static func keep(_ input: FuzzCase, _ outcome: Outcome, in save: String) throws {
    let name = "\(outcome.description.filter { $0.isLetter || $0.isNumber })-\(SHA256.hex(of: input.notebook).prefix(10))"
    try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true)
    try Data(input.notebook.utf8).write(to: URL(fileURLWithPath: "\(save)/\(name).md"))
    for (file, data) in input.files {
      let url = URL(fileURLWithPath: "\(save)/\(name).files/\(file)")
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try data.write(to: url)
    }
    say("  saved \(save)/\(name).md")
  }
}

Fuzz.main()
