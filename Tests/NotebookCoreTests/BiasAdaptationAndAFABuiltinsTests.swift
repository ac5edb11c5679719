import Foundation
import SAEKit
import Testing
@testable import NotebookCore

/// `trainGBA` and `evaluateAFA` through the interpreter: a cell trains a GBA
/// SAE, reads its expected and achieved L0, and evaluates it (and a TopK SAE)
/// with AFA; bad arguments fail with a message, not a crash.
@Suite(.serialized) struct BiasAdaptationAndAFABuiltinsTests {
  func run(_ text: String) throws -> NotebookRenderer.Result { try TestNotebook.run(text, path: "gba-afa.md") }

  func printed(_ result: NotebookRenderer.Result) -> [String] { TestNotebook.printed(result) }

  @Test func cellTrainsGBAAndEvaluatesAFA() throws {
    let result = try run("""
      ```swift
      let data = synthetic.superposition(features: 32, dim: 8, sparsity: 0.1, samples: 512)
      let g = trainGBA(data.x, width: 32, groups: 4, htf: 0.4, ltf: 0.05, window: 256, steps: 20, batch: 64)
      print(g.expectedL0, g.achievedL0, g.groupSizes.count, g.windowL0.count, g.group.count)
      let a = evaluateAFA(g.sae, on: data.x)
      print(a.width, a.inputNorm.count, a.epsilonLBONoBias.count, a.medianRatio)
      let c = evaluateAFA(g.sae, on: data.x, coherence: true)
      print(c.epsilonMax > c.epsilonMean, c.epsilonMax <= 1.0, a.epsilonMax)
      let t = evaluateAFA(train(data.x, width: 16, activation: .topK(k: 2), steps: 2, batch: 64), on: data.x)
      print(t.width, t.medianEpsilonLBO >= 0)
      ```
      """)
    #expect(result.failures.isEmpty, "\(result.failures.map(\.message))")
    let lines = printed(result)
    #expect(lines.count == 4, "\(lines)")
    let gba = lines[0].split(separator: " ").compactMap { Double($0) }
    // Four groups of 8 with targets 0.4, 0.2, 0.1, 0.05: expected L0 = 8 · 0.75.
    #expect(gba.count == 5 && abs(gba[0] - 6) < 1e-9, "\(lines[0])")
    #expect(gba[1] >= 0 && gba[1] <= 32 && gba[2] == 4 && gba[3] == 5 && gba[4] == 32, "\(lines[0])")
    let afa = lines[1].split(separator: " ").compactMap { Double($0) }
    #expect(afa.count == 4 && afa[0] == 32 && afa[1] == 512 && afa[2] == 512 && afa[3] > 0, "\(lines[1])")
    // Coherence only when asked: otherwise nan.
    #expect(lines[2].hasPrefix("true true ") && Double(lines[2].split(separator: " ")[2]).map(\.isNaN) != false, "\(lines[2])")
    #expect(lines[3] == "16 true")
  }

  @Test func afaInequalityAndExactCountsRunFromACell() throws {
    let result = try run("""
      ```swift
      let c = afaInequality(width: 256, dim: 32, active: 5, samples: 300, seed: 3)
      print(c.vacuous, c.insideBound, c.insideSupportBound, c.ratios.count, c.minRatio <= c.maxRatio, c.spread > c.supportSpread)
      let data = synthetic.superposition(features: 64, dim: 16, sparsity: 0.1, samples: 200, test: 50, counts: [3, 20], seed: 4)
      print(data.active.filter { $0 != 3 && $0 != 20 }.count, data.testActive.filter { $0 == 3 }.count > 0, data.active.filter { $0 == 20 }.count > 0)
      ```
      """)
    #expect(result.failures.isEmpty, "\(result.failures.map(\.message))")
    #expect(printed(result) == ["true 1.0 1.0 300 true true", "0 true true"], "\(printed(result))")
    let bad = try run("""
      ```swift
      let data = synthetic.superposition(features: 8, dim: 4, sparsity: 0.1, samples: 10, counts: [3, 9])
      ```
      """)
    #expect(bad.failures.first?.message.contains("counts must be in 0…8") == true, "\(bad.failures.map(\.message))")
  }

  @Test func badGroupsAreReportedAsAnError() throws {
    let result = try run("""
      ```swift
      let data = synthetic.superposition(features: 32, dim: 8, sparsity: 0.1, samples: 128)
      let g = trainGBA(data.x, width: 4, groups: 8, steps: 2, batch: 32)
      ```
      """)
    #expect(result.failures.first?.message.contains("8 groups need at least as many neurons, the width is 4") == true,
            "\(result.failures.map(\.message))")
  }
}
