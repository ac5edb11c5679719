import Foundation
import NotebookFuzzing
import Testing
@testable import NotebookCore

/// The seeded slice of `make fuzz` that runs with the tests, in this process: generated
/// programs (builtins taking datasets, SAEs, sparse codes and ITDA dictionaries, bound first),
/// mutated shipped notebooks and corrupt files are checked and rendered; a trap would end the
/// test run. The whole fuzzer (`make fuzz`) runs the built binary under a watchdog, also with
/// TinyLM and MiniLM (their activations and tokens), and minimises and saves what it finds into
/// `Tests/NotebookCLITests/Fixtures/fuzz-regressions/`.
@Suite struct FuzzSliceTests {
  @Test func seededInputsCheckAndRenderWithoutATrap() throws {
    var maker = InputMaker(seed: 20_261_206, examples: ProseFuzzTests.notebooks, models: false)
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-slice-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    var outcomes: [String: Int] = [:]
    for index in 0..<120 {
      let input = maker.next(index)
      let folder = root.appendingPathComponent("\(index)")
      let path = try input.write(into: folder)
      // Kept where a crash leaves it: the input that ended the run.
      try? Data(input.notebook.utf8).write(to: FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-slice-last.md"))
      guard let session = try? NotebookSession.load(path: path) else {
        outcomes["\(input.kind): not loaded", default: 0] += 1  // not UTF-8, a bad -P: exit 2 in the CLI
        continue
      }
      var options = NotebookRenderer.Options()
      options.reportsDirectory = folder.appendingPathComponent("out").path
      options.figuresDirectory = folder.appendingPathComponent("out/f").path
      options.cache = .off
      options.allowErrors = true
      // Short limits: an edge value that asks for hours (train(steps: Int.max)) is stopped early.
      options.defaultCellTimeout = 0.5
      options.totalTimeout = 1
      let result = try NotebookRenderer(session: session, options: options).render()
      let kind = input.kind == "program" && input.notebook.range(of: #"let r\d+ = "#, options: .regularExpression) != nil ? "program with records" : input.kind
      outcomes["\(kind): \(result.succeeded ? "ok" : "failed")", default: 0] += 1
      try? FileManager.default.removeItem(at: folder)
    }
    #expect(outcomes.values.reduce(0, +) == 120, "\(outcomes)")
    for reached in ["program: ok", "program with records: ok", "file: failed"] {
      #expect(outcomes[reached, default: 0] > 0, "the slice reaches \(reached): \(outcomes)")
    }
  }
}
