import Foundation
import Testing
@testable import NotebookCore

/// `itda.*` and `similarity.*` in notebook cells: a small synthetic dictionary,
/// identical inputs scoring 1, rotation invariance, save/load, argument errors
/// at the argument, and (on the real model) atoms with their source text.
@Suite struct ITDABuiltinsTests {
  func run(_ text: String) throws -> NotebookRenderer.Result { try TestNotebook.run(text, path: "itda.md") }

  /// The printed lines of cell `index`.
  func lines(_ result: NotebookRenderer.Result, cell index: Int) -> [String] {
    result.report.cells[index].outputs.compactMap { if case .text(let t) = $0 { return t } else { return nil } }
  }

  static let data = "let data = synthetic.superposition(features: 96, dim: 24, sparsity: 0.03, samples: 1_500, test: 300)"

  @Test func buildsEvaluatesAndRoundTripsASyntheticDictionary() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("itda-\(UUID().uuidString).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: file) }
    let result = try run("""
      ```swift
      \(Self.data)
      let d = itda.buildMatrix(data.x, threshold: 2.0 * (1.0 - 0.9) / 24.0, l0: 6, batch: 256)
      let m = itda.evaluate(d, on: data.test)
      print(d.size >= 24, d.size <= 1_500, d.documents.count == d.size, d.tokensSeen)
      print(m.fvu < 0.5, m.l0 <= 6.0, m.l0 > 0.0, m.cosine > 0.8)
      itda.save(d, to: "\(file)")
      let back = itda.load("\(file)")
      print(back.size == d.size, similarity.jaccard(back, d), back.threshold == d.threshold)
      let capped = itda.buildMatrix(data.x, threshold: 0.01, l0: 6, maxAtoms: 30, batch: 256)
      print(capped.size)
      let codes = itda.encode(d, data.test, l0: 3)
      print(codes.rows, codes.cols == d.size)
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    #expect(lines(result, cell: 0) == ["true true true 1500", "true true true true", "true 1.0 true", "30", "300 true"])
  }

  /// A dictionary only grows, so its first n atoms are the dictionary built from the
  /// batches that gave it n atoms: `itda.crop` at a `growth` entry equals the smaller build
  /// (the same atoms; the FVU agrees to rounding, ~1e-11, as the Gram matrix is summed in another order).
  @Test func cropAtAGrowthStepEqualsTheShorterBuild() throws {
    let result = try run("""
      ```swift
      \(Self.data)
      let tau = 2.0 * (1.0 - 0.9) / 24.0
      let d = itda.buildMatrix(data.x, threshold: tau, l0: 6, batch: 256)
      print(d.batch, d.growth.count, d.growth[d.growth.count - 1] == d.size)
      let early = itda.buildMatrix(rowSlice(data.x, to: 512), threshold: tau, l0: 6, batch: 256)
      let cropped = itda.crop(d, atoms: d.growth[1])
      print(early.size == d.growth[1], cropped.size == early.size, similarity.jaccard(cropped, early), abs(itda.evaluate(cropped, on: data.test).fvu - itda.evaluate(early, on: data.test).fvu) < 1e-9)
      ```

      ```swift
      let tooMany = itda.crop(d, atoms: d.size + 1)
      ```
      """)
    #expect(lines(result, cell: 0) == ["256 6 true", "true true 1.0 true"])
    #expect(result.failures.first?.message.contains("fewer than") == true, "\(result.failures)")
  }

  /// The data get a little noise: some synthetic samples are all zero, and a
  /// zero row's relative vector is zero, so it would score 0 (the reference's guard).
  @Test func identicalInputsScoreOneAndRotationsKeepInvariantMeasures() throws {
    let result = try run("""
      ```swift
      \(Self.data)
      let x = similarity.addNoise(data.x, sigma: 0.1, seed: 2)
      print(format(similarity.cka(x, x), digits: 6), format(similarity.svcca(x, x), digits: 6), format(similarity.relative(x, x), digits: 6), format(similarity.regression(x, x), digits: 6))
      let q = similarity.rotate(x, seed: 3)
      print(format(similarity.cka(x, q), digits: 5), format(similarity.relative(x, q), digits: 5), similarity.cka(x, q, reference: true) < 0.999)
      let a = itda.buildMatrix(x, threshold: 0.01, l0: 6, batch: 256)
      let b = itda.buildMatrix(q, threshold: 0.01, l0: 6, batch: 256)
      print(similarity.jaccard(a, b) > 0.98)
      let s = similarity.jaccardMatrix([a, b], [a])
      print(s.rows, s.cols)
      let c = similarity.matrix([x, q], [x], measure: "cka")
      print(c.rows, c.cols)
      let noisy = similarity.addNoise(x, sigma: 1.0, seed: 1)
      let bent = similarity.stretch(x, condition: 100.0, seed: 1)
      print(similarity.cka(x, noisy) < 0.9, similarity.cka(x, bent) < 0.99)
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    #expect(lines(result, cell: 0) == [
      "1.000000 1.000000 1.000000 1.000000", "1.00000 1.00000 true", "true", "2 1", "2 1", "true true",
    ])
  }

  /// The column (1-based) of `needle` in `line`.
  func column(of needle: String, in line: String) -> Int {
    line.distance(from: line.startIndex, to: line.range(of: needle)!.lowerBound) + 1
  }

  @Test(arguments: [
    ("let d = itda.buildMatrix(data.x, threshold: -1.0)", "-1.0", "threshold must be finite"),
    ("let d = itda.buildMatrix(data.x, threshold: 0.01, maxAtoms: -3)", "-3", "maxAtoms must be ≥ 0"),
    ("let s = similarity.cka(data.x, data.test)", "data.test", "same tokens"),
    ("let s = similarity.matrix([data.x], [data.x], measure: \"cosine\")", "\"cosine\"", "unknown measure 'cosine'"),
    ("let s = similarity.svcca(data.x, data.x, components: 30)", "30", "components must be ≤"),
    ("let s = similarity.stretch(data.x, condition: 0.5)", "0.5", "κ ≥ 1"),
  ])
  func badArgumentsAreDiagnosedAtTheArgument(line: String, argument: String, message: String) throws {
    let result = try run("""
      ```swift
      \(Self.data)
      \(line)
      ```
      """)
    let failure = try #require(result.failures.first)
    #expect(failure.message.contains(message), "\(failure.message)")
    #expect(failure.range.start.column == column(of: argument, in: line), "\(failure.range)")
  }

  @Test func atomsAreRealTokensWithTheirSourceText() throws {
    let result = try run("""
      ```swift
      let model = minilm()
      let acts = activations(model, layer: 3, tokens: 600, maxLength: 32)
      let stream = tokens(acts, specialTokens: true)
      let d = itda.build(stream, threshold: 2.0 * (1.0 - 0.8) / 384.0, l0: 8, batch: 200)
      print(d.layer, d.size >= 384, d.size <= 600)
      let f = itda.fidelity(model, dictionary: d, on: stream, texts: 4, patchSpecialTokens: true)
      print(f > 0.0, f <= 1.0)
      itda.atoms(d, source: acts, count: 3)
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    #expect(lines(result, cell: 0) == ["3 true true", "true true"])
    guard case .value(let display, _)? = result.report.cells[0].outputs.last, case .table(let headers, let rows) = display else {
      Issue.record("no table")
      return
    }
    #expect(headers == ["atom", "token", "document", "position", "context"])
    #expect(rows.count == 3 && rows.allSatisfy { $0[4].contains("«" + $0[1] + "»") }, "\(rows)")
  }
}
