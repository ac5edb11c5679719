import Foundation
import Testing
import SAEKit
@testable import NotebookCore

/// `tinylm(seed:)` and `lm.*` on the committed TinyLM seeds: the training record against its
/// files, losses against SAEKit, the splice with held-out texts, the model-agnostic builtins
/// (activations, splitTexts, topActivations) on bytes, the cell cache's reference to the
/// model, and the errors when a builtin gets the other kind of model.
@Suite(.serialized) struct LanguageModelBuiltinsTests {
  func run(_ text: String) throws -> NotebookRenderer.Result { try TestNotebook.run(text, path: "tinylm.md") }

  /// Training a TinyLM seed on demand (minutes) obeys the cell's time limit: `tinylm(seed: 0)`
  /// ran 315 s under `--timeout 10` (found by the fuzzer).
  @Test func trainingASeedOnDemandStopsAtTheCellsTimeLimit() throws {
    let result = try run("```swift\n//| timeout: 2\nlet m = tinylm(seed: 424242)\n```\n")
    #expect(result.report.cells[0].status == .timedOut, "\(String(describing: result.report.cells[0].diagnostic))")
    #expect(result.report.cells[0].duration < 30)
  }

  /// Scoring all the held-out texts, a long text, or generating a million bytes stops at the
  /// cell's time limit: `lm.loss(tinylm(seed: 1))` ran 50 s under `--timeout 20` (found by the
  /// fuzzer, in a mutated tinylm notebook).
  @Test(arguments: [
    "lm.loss(m)", "lm.loss(m, text: long)", "lm.generate(m, length: 1000000, temperature: 0.0)",
  ])
  func longLanguageModelPassesStopAtTheCellsTimeLimit(_ call: String) throws {
    let setup = "let m = tinylm(seed: 1)\nvar long = \"abcd\"\nfor _ in 0..<17 { long = long + long }"
    let result = try run("```swift\n\(setup)\n```\n\n```swift\n//| timeout: 1\nlet x = \(call)\n```\n")
    let cell = result.report.cells[1]
    #expect(cell.status == .timedOut, "\(String(describing: cell.diagnostic))")
    #expect(cell.diagnostic?.contains("ran past its time limit of 1 s") == true, "\(String(describing: cell.diagnostic))")
    #expect(cell.duration < 5)
  }

  func texts(_ result: NotebookRenderer.Result, cell: Int) -> [String] {
    result.report.cells[cell].outputs.compactMap { if case .text(let t) = $0 { t } else { nil } }
  }

  @Test func trainingRecordLossAndSamplesMatchSAEKit() throws {
    let result = try run("""
      ```swift
      let model = tinylm(seed: 2)
      let t = lm.training(model)
      print(t.seed, t.steps, t.step.count, t.heldOutStep, t.finalBitsPerByte < t.trigram, t.trigram < t.bigram, t.bigram < t.unigram)
      print(t.heldOutBitsPerByte[t.heldOutBitsPerByte.count - 1] == t.finalBitsPerByte)
      let text = lm.loss(model, text: "To be or not to be.")
      print(text.tokens, text.perToken.count, text.bitsPerByte)
      let held = lm.loss(model, windows: 3)
      print(held.tokens, held.bytes)
      print(lm.generate(model, prompt: "The ", length: 40, temperature: 0, seed: 1))
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    let lines = texts(result, cell: 0)
    #expect(lines.count == 5)
    #expect(lines.first == "2 1600 1600 [399, 799, 1199, 1599] true true true", "\(lines)")
    #expect(lines.dropFirst().first == "true")
    let model = try TinyLMTrainingRun.load(seed: 2)
    let losses = try model.tokenLosses(text: "To be or not to be.")
    let bits = losses.reduce(0.0) { $0 + Double($1) } / M_LN2 / 19
    #expect(lines[2] == "19 19 \(Value.double(bits).text)", "\(lines[2])")
    let windows = try LanguageModelBuiltins.heldOutWindows().prefix(3)
    #expect(lines[3] == "\(windows.scoredTokenCount) \(windows.scoredByteCount)", "\(lines[3])")
    #expect(lines[4] == (try model.generate(prompt: "The ", count: 40, temperature: 0, seed: 1)))
  }

  @Test func spliceOnHeldOutTextsAndBytesInContext() throws {
    let result = try run("""
      ```swift
      let model = tinylm(seed: 1)
      let acts = activations(model, layer: 3, tokens: 6_000, maxLength: 64)
      let split = splitTexts(acts)
      let sae = train(split.train.x, width: 256, activation: .topK(k: 16), steps: 60, batch: 256)
      let s = lm.splice(model, sae: sae, on: split.heldOut, texts: 16)
      print(s.layer, s.texts, s.cleanLoss < s.saeLoss, s.saeLoss < s.zeroAblationLoss, s.ceLossRecovered > 0, s.ceLossRecovered < 1)
      print(s.fvu > 0, s.fvu < 1, s.kl > 0)
      let g = lm.gradients(model, layer: 3, tokens: 500, maxLength: 64)
      print(g.rows, g.cols)
      topActivations(sae, on: acts, latent: 0, count: 2)
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    let lines = texts(result, cell: 0)
    #expect(lines == ["3 16 true true true true", "true true true", "500 128"], "\(lines)")
    guard case .value(let display, _)? = result.report.cells[0].outputs.last, case .table(_, let rows) = display else {
      Issue.record("no table")
      return
    }
    // Bytes in context: no spaces between tokens, the token in «».
    #expect(rows.allSatisfy { $0[2].contains("«") && !$0[2].contains("<|endoftext|>") }, "\(rows)")
  }

  @Test func eachModelKindRejectsTheBuiltinsOfTheOther() throws {
    let wrong = try run("""
      ```swift
      let m = tinylm(seed: 1)
      let acts = activations(m, layer: 1, tokens: 400, maxLength: 32)
      let sae = train(acts.x, width: 32, activation: .topK(k: 4), steps: 2, batch: 64)
      let f = fidelity(m, sae: sae, on: tokens(acts, from: 0), texts: 2)
      ```
      """)
    let d = try #require(wrong.failures.first)
    #expect(d.message.contains("fidelity needs MiniLM (a sentence encoder) and this is TinyLM(seed: 1, layers: 4, d: 128)"), "\(d.message)")
    #expect(d.range.start.line == 5 && d.range.start.column == 18, "\(d.range)")
    let block = try run("""
      ```swift
      let b = lm.attention(tinylm(), text: "abc", block: 5, head: 0)
      ```
      """)
    let e = try #require(block.failures.first)
    #expect(e.message.contains("block must be in 1...4, got 5"), "\(e.message)")
    let minilm = try run("""
      ```swift
      let l = lm.loss(minilm(), text: "abc")
      ```
      """)
    let n = try #require(minilm.failures.first)
    #expect(n.message.contains("lm.loss needs a causal language model and this is MiniLM(layers: 6, d: 384)"), "\(n.message)")
    let missing = try run("""
      ```swift
      let m = tinylm(seed: 1, from: "no-such-folder")
      ```
      """)
    let f = try #require(missing.failures.first)
    #expect(f.message.contains("no folder 'no-such-folder'"), "\(f.message)")
    #expect(f.range.start.column == 31, "\(f.range)")
  }

  @Test func attentionPatternHasARowAndAColumnPerToken() throws {
    let result = try run("""
      ```swift
      let a = lm.attention(tinylm(seed: 3), text: "abcabc", block: 1, head: 2)
      print(a.tokens, a.pattern.rows, a.pattern.cols)
      a.pattern
      ```
      """)
    #expect(result.succeeded, "\(result.failures)")
    #expect(texts(result, cell: 0) == ["[\"<|endoftext|>\", \"a\", \"b\", \"c\", \"a\", \"b\", \"c\"] 7 7"], "\(texts(result, cell: 0))")
  }

  @Test func theCellCacheStoresTheModelByReference() throws {
    var archive = ValueArchive()
    let model = try LanguageModelBuiltins.loadModel(seed: 4, folder: "", RuntimeContext(seed: 1, baseDirectory: "."))
    let encoded = try archive.encode(.model(model))
    let object = try #require(encoded as? [String: Any])
    #expect(object["model"] as? String == "tinylm" && object["seed"] as? Int == 4 && object["folder"] as? String == "")
    let decoded = try ValueUnarchiver(tensors: nil, context: RuntimeContext(seed: 1, baseDirectory: "."), references: .builtins).decode(encoded)
    guard case .model(let back) = decoded else { Issue.record("not a model"); return }
    #expect(back.source == .tinyLM(seed: 4, folder: ""))
    #expect(back.tinyLM?.weightsSHA256 == model.tinyLM?.weightsSHA256)
  }
}
