import Foundation
import SAEKit
import Testing
@testable import NotebookCore

/// `.jumpReLU` from a cell: the coefficient form, SAELens's start, the target form
/// (which trains to its L0), and the wrong combinations named at their argument.
@Suite(.serialized) struct JumpReLUBuiltinTests {
  func run(_ text: String) throws -> NotebookRenderer.Result { try TestNotebook.run(text, path: "jumprelu.md") }

  @Test func theFormsSayWhatTheyAreAndTheTargetFormTrainsToItsL0() throws {
    let result = try run("""
      ```swift
      print(Activation.jumpReLU(l0: 0.5), Activation.jumpReLU(l0: 1, bandwidth: 0.001, threshold: 0.001))
      print(Activation.jumpReLU(targetL0: 3))
      let data = synthetic.superposition(features: 32, dim: 12, sparsity: 0.1, samples: 2048)
      let s = train(data.x, width: 32, activation: .jumpReLU(targetL0: 3), steps: 200, batch: 128)
      print(s.activation, abs(evaluate(s, on: data.x).l0 / 3 - 1) < 0.15)
      ```
      """)
    #expect(result.failures.isEmpty, "\(result.failures.map(\.message))")
    let lines = TestNotebook.printed(result)
    #expect(lines == [
      ".jumpReLU(l0: 0.5, bandwidth: 0.05) .jumpReLU(l0: 1.0, bandwidth: 0.001)",
      ".jumpReLU(targetL0: 3.0, bandwidth: 0.05)",
      ".jumpReLU(targetL0: 3.0, bandwidth: 0.05) true",
    ], "\(lines)")
  }

  @Test(arguments: [
    ("bandwidth: 0.1", "jumpReLU needs l0: (the L0 coefficient λ) or targetL0: (the mean L0 to train for)"),
    ("l0: 1, targetL0: 4", "give l0: (a fixed coefficient) or targetL0: (a held L0), not both"),
    ("targetL0: 4, threshold: 0.1", "threshold: goes with l0:; targetL0: sets the thresholds from the data"),
    ("targetL0: 0", "targetL0 must be a finite number > 0, got 0"),
    ("l0: -1", "l0 must be a finite number ≥ 0, got -1"),
  ])
  func wrongCombinationsAreNamed(arguments: String, message: String) throws {
    let result = try run("""
      ```swift
      let a = Activation.jumpReLU(\(arguments))
      ```
      """)
    #expect(result.failures.first?.message.contains(message) == true, "\(result.failures.map(\.message))")
  }
}
