import Foundation
import SAEKit
import Testing
@testable import NotebookCore

/// Top-AFA and the vSAE from a cell: `.topAFA()` with `train(…, afa:)` on
/// standardised rows, every arm of the vSAE's 2×2×2 design through
/// `.vsae(k:, sigma:)`, `kl:` and `aux: "off"`, and bad options named at their argument.
@Suite(.serialized) struct TopAFAAndVSAEBuiltinsTests {
  func run(_ text: String) throws -> NotebookRenderer.Result { try TestNotebook.run(text, path: "afa-vsae.md") }

  @Test func cellTrainsTopAFAAndEveryVSAEArm() throws {
    let result = try run("""
      ```swift
      let data = synthetic.superposition(features: 32, dim: 8, sparsity: 0.1, samples: 512)
      let z = standardizeRows(data.x)
      print(abs(z.norm(axis: 1)[0] - sqrt(7.0)) < 1e-3)
      let a = train(z, width: 32, activation: .topAFA(), steps: 5, batch: 64, afa: 0.03125)
      let b = train(data.x, width: 32, activation: .topAFA(), steps: 5, batch: 64, afa: 0.03125, afaTarget: "centered")
      print(evaluate(a, on: z).l0 > 0, evaluate(b, on: data.x).l0 > 0)
      var arms = 0
      for act in [Activation.topK(k: 2), .vsae(k: 2), .vsae(k: 2, sigma: 0.5)] {
        for kl in [0.0, 0.1] {
          for aux in ["dead", "off"] {
            let s = train(data.x, width: 16, activation: act, steps: 3, batch: 64, aux: aux, kl: kl, klLatents: "selected")
            arms += s.history.loss.count == 3 ? 1 : 0
          }
        }
      }
      print(arms)
      ```
      """)
    #expect(result.failures.isEmpty, "\(result.failures.map(\.message))")
    let lines = TestNotebook.printed(result)
    #expect(lines == ["true", "true true", "12"], "\(lines)")
  }

  @Test(arguments: [
    ("afaTarget: \"x\"", "afaTarget must be \"input\" or \"centered\", got \"x\""),
    ("klLatents: \"some\"", "klLatents must be \"all\" or \"selected\", got \"some\""),
    ("kl: -1.0", "kl must be a finite number ≥ 0, got -1.0"),
    ("klWarmup: 2.0", "klWarmup must be in [0, 1], got 2.0"),
    ("aux: \"none\"", "aux must be \"dead\", \"zipf\" or \"off\", got \"none\""),
  ])
  func badOptionsAreNamed(argument: String, message: String) throws {
    let result = try run("""
      ```swift
      let data = synthetic.superposition(features: 8, dim: 4, sparsity: 0.3, samples: 128)
      let s = train(data.x, width: 8, activation: .vsae(k: 2), steps: 2, batch: 32, \(argument))
      ```
      """)
    #expect(result.failures.first?.message.contains(message) == true, "\(result.failures.map(\.message))")
  }
}
