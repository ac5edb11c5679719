import Foundation
import Testing
@testable import NotebookCore

/// Notebook cells on the real model: activations (and their cache), an SAE
/// trained on them, embedding fidelity of the patched model, top activations.
/// Needs the weights from `make model` (a prerequisite of `make test`).
@Suite(.serialized) struct ModelBuiltinsTests {
  // The activation-cache checks below need the cell cache off, as TestNotebook sets it.
  func run(_ text: String) throws -> NotebookRenderer.Result { try TestNotebook.run(text, path: "model.md") }

  @Test func activationsAreCachedAndFeedSAEs() throws {
    let text = """
      ```swift
      //| label: acts
      let model = minilm()
      let acts = activations(model, layer: 2, tokens: 1_500, maxLength: 32)
      print(acts.count, acts.x.cols, acts.cached)
      ```

      ```swift
      //| label: sae
      let sae = train(acts.x, width: 96, activation: .topK(k: 8), steps: 20, batch: 256)
      let f = fidelity(model, sae: sae, on: tokens(acts, from: 1_000), texts: 6)
      print(f > 0, f <= 1)
      topActivations(sae, on: acts, latent: 3, count: 3)
      ```
      """
    let first = try run(text)
    #expect(first.succeeded, "\(first.failures)")
    let second = try run(text)
    #expect(second.succeeded)
    guard case .text(let line)? = second.report.cells[0].outputs.first else {
      Issue.record("no output")
      return
    }
    #expect(line == "1500 384 true", "the second render reads the cached activations: \(line)")
    guard case .text(let fidelityLine)? = second.report.cells[1].outputs.first else { return }
    #expect(fidelityLine == "true true")
    guard case .value(let display, _)? = second.report.cells[1].outputs.last, case .table(let headers, let rows) = display else {
      Issue.record("no table")
      return
    }
    #expect(headers == ["activation", "token", "context"])
    #expect(rows.count <= 3 && rows.allSatisfy { $0[2].contains("«") })
  }

  @Test func badLayerIsADiagnosticAtTheArgument() throws {
    let result = try run("""
      ```swift
      let acts = activations(minilm(), layer: 9, tokens: 10)
      ```
      """)
    let d = try #require(result.failures.first)
    #expect(d.message.contains("layer must be in 0...6"))
    #expect(d.range.start.column == 41, "\(d.range)")
  }

  /// Activations that could not fit are refused with their size before the forward pass starts.
  @Test func activationsLargerThanTheMemoryLimitAreRefusedFirst() throws {
    let result = try run("""
      ```swift
      let acts = layerActivations(minilm(), layers: [0, 1, 2, 3, 4, 5, 6], tokens: 4_000_000_000)
      ```
      """)
    let d = try #require(result.failures.first)
    #expect(d.message.contains("4000000000 tokens of activations from 7 layer(s) of width 384 would need 43.0 TB; the memory limit is"), "\(d.message)")
    #expect(d.range.start.column == 78, "at the tokens argument's value: \(d.range)")
  }

  /// A size too large for memory is refused at the argument that set it, not at the whole call.
  @Test func sizesAreRefusedAtTheArgumentThatSetThem() throws {
    func failure(_ code: String) throws -> Diagnostic {
      try #require(try TestNotebook.run("```swift\n\(code)\n```\n", path: "big.md").failures.first)
    }
    let data = "let data = synthetic.superposition(features: 8, dim: 4, sparsity: 0.3, samples: 64)\n"
    let cases: [(code: String, argument: String, message: String)] = [
      ("let d = synthetic.superposition(features: 100_000, dim: 100_000, sparsity: 0.1, samples: 10)", "features: 100_000",
       "10 samples of 100000 features in 100000 dimensions would need 40.0 GB"),
      ("let d = synthetic.superposition(features: 8, dim: 4, sparsity: 0.1, samples: 4_000_000_000_000)",
       "samples: 4_000_000_000_000", "would need"),
      (data + "let sae = train(data.x, width: 100_000_000_000, activation: .topK(k: 2), steps: 1)", "width: 100_000_000_000",
       "an SAE of dimension 4 and width 100000000000 would need"),
      (data + "let d = itda.buildMatrix(data.x, threshold: 0.01, l0: 9_223_372_036_854_775_807)", "l0: 9_223_372_036_854_775_807",
       "matching-pursuit codes of 64 tokens with L0 = 9223372036854775807 would need"),
    ]
    for (code, argument, message) in cases {
      let d = try failure(code)
      let line = code.split(separator: "\n").last.map(String.init) ?? code
      // The range of the argument's value, after its label.
      let label = try #require(line.range(of: argument))
      let column = line.distance(from: line.startIndex, to: label.lowerBound) + argument.prefix { $0 != ":" }.count + 3
      #expect(d.message.contains(message), "\(d.message)")
      #expect(d.range.start.line == code.split(separator: "\n").count + 1 && d.range.start.column == column, "\(argument): \(d.range)")
    }
  }
}
