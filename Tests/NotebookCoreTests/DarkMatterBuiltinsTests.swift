import Foundation
import SAEKit
import Testing
@testable import NotebookCore

/// `darkMatter.*` through the interpreter: cases with known answers (an SAE
/// that reconstructs nothing, a known power law, a noise grid), the fields of
/// the records, and argument errors that point at the argument.
@Suite(.serialized) struct DarkMatterBuiltinsTests {
  func run(_ text: String) throws -> NotebookRenderer.Result { try TestNotebook.run(text, path: "dark-matter.md") }

  /// One cell: `data` (d = 8), the `before` line, a small TopK `sae` trained on `data.x`, then `line`.
  func runAfterSmallSAE(_ line: String, before: String = "") throws -> NotebookRenderer.Result {
    try run("""
      ```swift
      let data = synthetic.superposition(features: 32, dim: 8, sparsity: 0.1, samples: 200)
      \(before)
      let sae = train(data.x, width: 16, activation: .topK(k: 2), steps: 2, batch: 64)
      \(line)
      ```
      """)
  }

  func printed(_ result: NotebookRenderer.Result) -> [String] { TestNotebook.printed(result) }

  /// The numbers of a printed line of space-separated values.
  func numbers(_ line: String) -> [Double] { line.split(separator: " ").compactMap { Double($0) } }

  /// Checks that the run failed with `message` at the column of `marker` in `line` of the cell.
  func expectFailure(_ result: NotebookRenderer.Result, contains message: String, at marker: String, in line: String) {
    guard let d = result.failures.first else {
      Issue.record("expected a failure containing '\(message)'")
      return
    }
    #expect(d.message.contains(message), "\(d.message)")
    let column = line.distance(from: line.startIndex, to: line.range(of: marker)!.lowerBound) + 1
    #expect(d.range.start.column == column, "\(d.range) vs column \(column) of '\(marker)'")
  }

  /// An SAE whose decoder is zero, saved in SAELens format: Sae(x) = 0, so SaeError = x exactly.
  func savedZeroSAE(dimension d: Int, width m: Int) throws -> String {
    var random = RandomSource(seed: 3)
    var sae = try SparseAutoencoder(dimension: d, width: m, activation: .topK(k: 2), random: &random)
    sae.decoderWeights = Matrix(rows: m, cols: d)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zero-sae-\(UUID().uuidString)").path
    try SAEFile.save(sae, format: .saeLens, to: folder)
    return folder
  }

  @Test func errorThatIsExactlyLinearIsAllLinear() throws {
    let folder = try savedZeroSAE(dimension: 16, width: 32)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try run("""
      ```swift
      let data = synthetic.superposition(features: 64, dim: 16, sparsity: 0.05, samples: 1500)
      let e = darkMatter.split(loadSAE("\(folder)"), on: data.x)
      print(e.vectorR2, e.vectorR2Pooled, e.linearShare, e.nonlinearFVU, e.totalFVU - e.linearFVU - e.nonlinearFVU, e.width, e.tokens)
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    let v = numbers(try #require(printed(result).first))
    try #require(v.count == 7)
    #expect(v[0] > 0.999 && v[1] > 0.999, "SaeError = x is predicted exactly by a* = I: \(v)")
    #expect(abs(v[2] - 1) < 1e-3, "all of the error is linear: \(v[2])")
    #expect(v[3] < 1e-4, "nothing nonlinear is left: \(v[3])")
    #expect(abs(v[4]) < 1e-9, "linearFVU + nonlinearFVU = totalFVU")
    #expect(v[5] == 32 && v[6] == 1500)
  }

  @Test func trainedSAEHasAPartialSplitAndComponentsThatAddUp() throws {
    let result = try run("""
      ```swift
      let data = synthetic.superposition(features: 128, dim: 16, sparsity: 0.04, samples: 3000, noise: 0.05)
      let sae = train(data.x, width: 32, activation: .topK(k: 3), steps: 60, batch: 256)
      let e = darkMatter.split(sae, on: data.x, fitFraction: 0.5)
      let parts = darkMatter.components(sae, on: data.x, fitFraction: 0.5)
      print(e.vectorR2, e.normR2, e.totalFVU, e.nonlinearFVU, e.l0)
      print(evaluate(sae, on: data.x).fvu, parts.saeError.rows, parts.linearError.cols, parts.nonlinearError.rows)
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    let lines = printed(result)
    try #require(lines.count == 2)
    let split = numbers(lines[0]), check = numbers(lines[1])
    #expect(split[0] > 0 && split[0] < 1, "an SAE's error is partly linear: \(split)")
    #expect(split[3] < split[2], "a*ᵀx removes some error: \(split)")
    #expect(abs(split[4] - 3) < 1e-9, "TopK's L0 is k")
    #expect(abs(check[0] - split[2]) < 1e-4, "the split's total FVU is the SAE's FVU: \(check[0]) vs \(split[2])")
    #expect(Array(check[1...]) == [3000, 16, 3000])
  }

  @Test func powerLawRecoversKnownParameters() throws {
    let result = try run("""
      ```swift
      let widths = [256, 512, 1024, 2048, 4096, 8192]
      var fvu = []
      var flat = []
      for w in widths {
        fvu.append(0.1 + 3.0 * pow(w, -0.5))
        flat.append(0.06)
      }
      let law = darkMatter.powerLaw(widths: widths, fvu: fvu, nonlinearFVU: flat)
      print(law.c, law.a, law.m, law.linearError, law.nonlinearError, law.nonlinearDecay, law.curve.count)
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    let v = numbers(try #require(printed(result).first))
    try #require(v.count == 7)
    #expect(abs(v[0] - 0.1) < 1e-4 && abs(v[1] - 3) < 1e-2 && abs(v[2] - 0.5) < 1e-3, "\(v)")
    #expect(abs(v[3] - 0.04) < 1e-4 && abs(v[4] - 0.06) < 1e-9 && abs(v[5] - 1) < 1e-9, "\(v)")
    #expect(v[6] == 64)
  }

  @Test func noiseTestHasTheDiagonalOfTable1() throws {
    let result = try run("""
      ```swift
      let t = darkMatter.noiseTest(features: 256, dim: 24, active: 6, samples: 2000, activationNoise: [0, 1, 2], reconstructionNoise: [0, 1, 2], dropFractions: [0, 0.3])
      print(t.activationVsLinear, t.reconstructionVsNonlinear, t.activationVsNonlinear, t.reconstructionVsLinear, t.dropVsLinear, t.dropFraction.count, t.correlations.rows)
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    let v = numbers(try #require(printed(result).first))
    try #require(v.count == 7)
    #expect(v[0] > 0.8, "activation noise becomes linear error: \(v)")
    #expect(v[1] > 0.8, "reconstruction noise becomes nonlinear error: \(v)")
    #expect(v[3] < 0.5, "reconstruction noise does not become linear error: \(v)")
    #expect(v[4] > 0, "dropped features become linear error: \(v)")
    #expect(v[5] == 18 && v[6] == 2, "3 × 3 σ cells × 2 p values, a 2 × 2 table")
  }

  @Test func badFitFractionPointsAtTheArgument() throws {
    let line = "let e = darkMatter.split(sae, on: data.x, fitFraction: 1.5)"
    let result = try runAfterSmallSAE(line)
    expectFailure(result, contains: "fitFraction must be in (0, 1)", at: "1.5", in: line)
  }

  @Test func mismatchedPowerLawArraysPointAtFVU() throws {
    let line = "let law = darkMatter.powerLaw(widths: [1, 2, 4], fvu: [0.5, 0.4])"
    let result = try run("```swift\n\(line)\n```")
    expectFailure(result, contains: "3 widths but 2 FVUs", at: "[0.5", in: line)
  }

  @Test func wrongDimensionPointsAtTheSAE() throws {
    let line = "let e = darkMatter.pursuit(sae, on: other.x)"
    let result = try runAfterSmallSAE(line, before: "let other = synthetic.superposition(features: 32, dim: 6, sparsity: 0.1, samples: 200)")
    expectFailure(result, contains: "the SAE expects d = 8", at: "sae,", in: line)
  }

  @Test func noiseTestNeedsPZero() throws {
    let line = "let t = darkMatter.noiseTest(features: 64, dim: 8, samples: 100, dropFractions: [0.1, 0.2])"
    let result = try run("```swift\n\(line)\n```")
    expectFailure(result, contains: "dropFractions must include 0", at: "[0.1", in: line)
  }

  @Test func pursuitAndExplainedErrorOnATrainedSAE() throws {
    let result = try run("""
      ```swift
      let data = synthetic.superposition(features: 128, dim: 16, sparsity: 0.04, samples: 1200, test: 600)
      let sae = train(data.x, width: 48, activation: .topK(k: 4), steps: 40, batch: 256)
      let gp = darkMatter.pursuit(sae, on: data.x, tokens: 400)
      print(gp.tokens, gp.l0, gp.support <= gp.l0, gp.increases, gp.fvuByIteration.count, gp.pursuitFVU < 1)
      let r = darkMatter.explainError(sae, linearFitOn: data.x, fitOn: data.x, fitExplainers: [data.x, sae.reconstruct(data.x)], on: data.test, explainers: [data.test, sae.reconstruct(data.test)], names: ["x", "Sae(x)"], subsets: [[0], [1], [0, 1]])
      let s = darkMatter.split(sae, on: data.test, fitOn: data.x)
      print(r.count, r[0].explainers, r[2].explainers, r[0].columns, r[2].columns, r[0].fitTokens, r[0].testTokens)
      print(r[0].errorR2 - s.vectorR2, r[0].linearR2, r[2].nonlinearR2, r[1].nonlinearR2 < r[2].nonlinearR2)
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    let lines = printed(result)
    try #require(lines.count == 3)
    #expect(lines[0] == "400 4.0 true 0 5 true", "\(lines[0])")
    #expect(lines[1] == "3 x x + Sae(x) 16 32 1200 600", "\(lines[1])")
    let v = numbers(lines[2])
    try #require(v.count == 3)
    #expect(abs(v[0]) < 1e-6, "regressing SaeError on x, fitted where a* was, is the split's own vector R²: \(v[0])")
    #expect(v[1] > 0.999, "LinearError = a*ᵀx is linear in x: \(v[1])")
    #expect(v[2] > 0.999, "NonlinearError = (I − a*ᵀ)x − Sae(x) is linear in x and Sae(x): \(v[2])")
    #expect(lines[2].hasSuffix("true"))
  }
}

/// The builtins that run MiniLM (needs the weights from `make model`).
extension DarkMatterBuiltinsTests {
  @Test func splitBlocksAndPatchedFidelityOnTheModel() throws {
    let result = try run("""
      ```swift
      let model = minilm()
      let acts = activations(model, layer: 2, tokens: 4_000, maxLength: 32)
      let split = splitTexts(acts)
      print(split.train.count + split.heldOut.count <= 4000, split.fit.count + split.test.count == split.heldOut.count, split.test.tokenIds.count == split.test.count, split.period)
      let blocks = darkMatter.blockActivations(model, on: split.test)
      print(blocks.maxDeviation < 0.001, blocks.previous.rows == split.test.count, blocks.attentionOutput.cols, blocks.feedForwardOutput.rows == split.test.count)
      let sae = train(split.train.x, width: 96, activation: .topK(k: 8), steps: 20, batch: 256)
      let f = darkMatter.fidelity(model, sae: sae, fitOn: split.fit.x, on: split.test, texts: 4)
      print(f.texts, f.tokens > 0, f.sae <= 1, f.saeAndLinear <= 1, f.linearShare > 0, f.nonlinearShare > 0)
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    #expect(printed(result) == ["true true true 4", "true true 384 true", "4 true true true true true"], "\(printed(result))")
  }

  @Test func rowsOutsideTheActivationsPointAtFrom() throws {
    let line = "let t = tokens(acts, from: 5000)"
    let result = try run("""
      ```swift
      let acts = activations(minilm(), layer: 2, tokens: 1_500, maxLength: 32)
      \(line)
      ```
      """)
    expectFailure(result, contains: "from must be in 0..<1500", at: "5000", in: line)
  }

  /// A fitFraction so small that no token count fits is an error at it, not a trap in its message.
  @Test func aTinyFitFractionForPursuitPointsAtIt() throws {
    let line = "let gp = darkMatter.pursuit(sae, on: data.x, fitFraction: 5e-324)"
    let result = try runAfterSmallSAE(line)
    expectFailure(result, contains: "fitFraction 5e-324 is too small for any number of tokens", at: "5e-324", in: line)
  }

  /// Token ids are taken as Ints, so ids near Int.max are ids (through Double they trapped).
  @Test func tokenIdsNearIntMaxAreIds() throws {
    let result = try runAfterSmallSAE("""
      var ids: [Int] = []
      for i in 0..<200 { ids.append(i % 2 == 0 ? 9223372036854775807 : 1) }
      let e = darkMatter.split(sae, on: data.x, tokenIds: ids)
      print(e.tokens)
      """)
    #expect(result.succeeded, "\(result.failures)")
    #expect(printed(result) == ["200"])
  }

  @Test func tooFewPursuitTokensPointAtTokens() throws {
    let line = "let gp = darkMatter.pursuit(sae, on: data.x, tokens: 10)"
    let result = try runAfterSmallSAE(line)
    expectFailure(result, contains: "compare on at least 15 tokens", at: "10)", in: line)
  }
}

/// `darkMatter.components` with `a*` fitted on other tokens.
extension DarkMatterBuiltinsTests {
  @Test func componentsWithAStarFromOtherTokens() throws {
    let folder = try savedZeroSAE(dimension: 8, width: 16)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try run("""
      ```swift
      let a = synthetic.superposition(features: 32, dim: 8, sparsity: 0.1, samples: 300)
      let b = synthetic.superposition(features: 32, dim: 8, sparsity: 0.1, samples: 500, seed: 7)
      let parts = darkMatter.components(loadSAE("\(folder)"), on: a.x, fitOn: b.x)
      var largest = 0.0
      for i in 0..<parts.nonlinearError.rows {
        for j in 0..<8 {
          largest = max(largest, abs(parts.nonlinearError[i, j]))
        }
      }
      print(parts.linearError.rows, largest < 0.0001, parts.saeError[3, 2] == a.x[3, 2])
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    #expect(printed(result) == ["300 true true"], "SaeError = x, a* = I from any tokens: \(printed(result))")
  }

  @Test func fitOnWithOtherColumnsPointsAtFitOn() throws {
    let line = "let p = darkMatter.components(sae, on: a.x, fitOn: b.x)"
    let result = try run("""
      ```swift
      let a = synthetic.superposition(features: 32, dim: 8, sparsity: 0.1, samples: 200)
      let b = synthetic.superposition(features: 32, dim: 6, sparsity: 0.1, samples: 200)
      let sae = train(a.x, width: 16, activation: .topK(k: 2), steps: 2, batch: 64)
      \(line)
      ```
      """)
    expectFailure(result, contains: "'fitOn' has 6 columns but 'on' has 8", at: "b.x)", in: line)
  }
}
