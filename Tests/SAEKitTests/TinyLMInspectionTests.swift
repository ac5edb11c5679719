import Foundation
import Testing
@testable import SAEKit

/// What the notebook's `lm.*` builtins read from TinyLM: attention patterns, per-byte losses,
/// residual-stream gradients of the summed loss, held-out window prefixes, and the splice
/// with rows left unpatched.
@Suite struct TinyLMInspectionTests {
  static let config = TinyLMConfig(context: 16, width: 16, layerCount: 2, headCount: 2)
  static let model = TinyLM(parameters: TinyLMFixtures.randomParameters(config, seed: 21), name: "test")

  @Test func attentionPatternsAreCausalDistributions() throws {
    let (tokens, p) = try Self.model.attentionPattern(text: "abcab", block: 2, head: 1)
    #expect(tokens == [256, 97, 98, 99, 97, 98])
    #expect(p.rows == 6 && p.cols == 6)
    for t in 0..<6 {
      let row = p.row(t)
      #expect(abs(row.reduce(0, +) - 1) < 1e-5, "row \(t)")
      #expect(row[(t + 1)...].allSatisfy { $0 == 0 } && row[...t].allSatisfy { $0 > 0 }, "row \(t)")
    }
    // The same head read from a batch of two sequences (the second one is this text).
    let pass = try TinyLMPass(config: Self.config, batch: 2, length: 6)
    try pass.forward(Self.model.parameters, tokens: [256, 120, 121, 122, 120, 121] + tokens)
    #expect(pass.attentionPattern(block: 2, sequence: 1, head: 1).storage == p.storage)
    #expect(throws: SAEKitError.self) { _ = try Self.model.attentionPattern(text: "a", block: 0, head: 0) }
  }

  @Test func tokenLossesCoverEveryByteInWindowsThatStartWithEndOfText() throws {
    let text = String(repeating: "the cat sat. ", count: 3)  // 39 bytes: windows of 15, 15 and 9 bytes
    let losses = try Self.model.tokenLosses(text: text)
    #expect(losses.count == 39)
    let bytes = text.utf8.map { Int($0) }
    for (start, count) in [(0, 15), (15, 15), (30, 9)] {
      let tokens = [256] + bytes[start..<(start + count - 1)]
      let pass = try TinyLMPass(config: Self.config, batch: 1, length: count)
      try pass.forward(Self.model.parameters, tokens: Array(tokens), targets: Array(bytes[start..<(start + count)]))
      #expect(Array(losses[start..<(start + count)]) == pass.losses, "window at \(start)")
    }
  }

  @Test func residualGradientsAreOfTheSummedLossPerText() throws {
    let texts = ["hello there", "ab"]
    let both = try Self.model.residualGradients(texts: texts, layer: 1, maxLength: 12)
    #expect(both.text == [Int](repeating: 0, count: 12) + [1, 1, 1])
    let d = Self.config.width
    // A sum per text: each text's rows do not depend on the batch it shares.
    for (i, text) in texts.enumerated() {
      let alone = try Self.model.residualGradients(texts: [text], layer: 1, maxLength: 12).states[0]
      let rows = both.text.indices.filter { both.text[$0] == i }
      let batched = rows.flatMap { r in both.states[0].storage[(r * d)..<((r + 1) * d)] }
      let scale = alone.storage.map(abs).max() ?? 1
      let maxDiff = zip(batched, alone.storage).map { abs($0 - $1) }.max() ?? 0
      #expect(maxDiff <= 1e-5 * scale, "text \(i): \(maxDiff) of \(scale)")
    }
    // Finite differences of the summed loss of the first text along its gradient row 3.
    let tokens = Self.model.encode(texts[0], maxLength: 12)
    let targets = Array(tokens.dropFirst()) + [-1]
    let g = try Self.model.residualGradients(texts: [texts[0]], layer: 1, maxLength: 12).states[0]
    var direction = Matrix(rows: 12, cols: d)
    for j in 0..<d { direction.storage[3 * d + j] = g.storage[3 * d + j] }
    let norm = direction.storage.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let unit = direction.storage.map { $0 / norm }
    func summedLoss(_ eps: Float) throws -> Double {
      let patch = TinyLMPatch(forward: { x in
        var y = x
        for i in y.storage.indices { y.storage[i] += eps * unit[i] }
        return y
      })
      let mean = try Self.model.loss(tokens: tokens, targets: targets, batch: 1, length: 12, hooks: TinyLMHooks(patches: [1: patch]))
      return Double(mean) * 11
    }
    let eps: Float = 1e-2
    let numeric = (try summedLoss(eps) - summedLoss(-eps)) / Double(2 * eps)
    #expect(abs(numeric - Double(norm)) <= 2e-2 * Double(norm), "directional derivative \(numeric) vs ‖g‖ \(norm)")
  }

  @Test func prefixesOfTheHeldOutWindowsCountTheirOwnTokens() throws {
    let corpus = ByteCorpus(texts: ["abcdef", "gh", "ijklmn"])  // 17 tokens (end-of-text after each text): 16 scored, 13 of them bytes
    let windows = try corpus.evaluationWindows(length: 5)
    #expect(windows.windows.count == 4 && windows.scoredTokenCount == 16 && windows.scoredByteCount == 13)
    let two = try windows.prefix(2)
    #expect(two.windows == Array(windows.windows.prefix(2)) && two.scoredTokenCount == 10)
    #expect(two.scoredByteCount == 10 - two.windows.flatMap(\.targets).filter { $0 == 256 }.count)
    #expect(try windows.prefix(99) == windows)
    #expect(throws: SAEKitError.self) { _ = try windows.prefix(0) }
  }

  @Test func heldOutLossReusesItsPassWithoutChangingABit() throws {
    // Seven windows of length 5 and one shorter: batches of 2 reuse one pass three times.
    let corpus = ByteCorpus(texts: ["the quick brown fox jumps over", "the lazy dog sleeps"])
    let windows = try corpus.evaluationWindows(length: 5)
    var total = 0.0, scored = 0
    for length in Set(windows.windows.map(\.tokens.count)).sorted() {
      let list = windows.windows.filter { $0.tokens.count == length }
      for first in stride(from: 0, to: list.count, by: 2) {
        let part = list[first..<min(first + 2, list.count)]
        let pass = try TinyLMPass(config: Self.model.config, batch: part.count, length: length)
        let loss = try pass.forward(Self.model.parameters, tokens: part.flatMap { $0.tokens.map(Int.init) },
                                    targets: part.flatMap { $0.targets.map(Int.init) })
        total += Double(loss) * Double(pass.scoredCount)
        scored += pass.scoredCount
      }
    }
    #expect(windows.windows.filter { $0.tokens.count == 5 }.count >= 6)
    let reused = try TinyLMTrainingRun.heldOutLoss(Self.model, windows: windows, batchSize: 2)
    #expect(reused.totalNats == total && reused.meanNats == total / Double(scored))
  }

  @Test func rowsLeftUnpatchedKeepTheirCleanStateInEveryPass() throws {
    var random = RandomSource(seed: 5)
    let tokens = (0..<(3 * 16)).map { _ in random.int(below: 257) }
    let targets = (0..<(3 * 16)).map { _ in random.int(below: 257) }
    let zeros: @Sendable (Matrix) throws -> Matrix = { Matrix(rows: $0.rows, cols: $0.cols) }
    let all = try TinyLMSplice.evaluate(model: Self.model, layer: 1, tokens: tokens, targets: targets, length: 16, reconstruct: zeros)
    let everyOther = (0..<tokens.count).map { $0 % 2 == 0 }
    let some = try TinyLMSplice.evaluate(model: Self.model, layer: 1, tokens: tokens, targets: targets, length: 16,
                                         patched: everyOther, reconstruct: zeros)
    // Zeros as the reconstruction equal the zero ablation on the same rows, masked or not.
    #expect(abs(all.reconstructionLoss - all.zeroAblationLoss) < 1e-9 && abs(some.reconstructionLoss - some.zeroAblationLoss) < 1e-9)
    #expect(abs(some.zeroAblationLoss - all.zeroAblationLoss) > 1e-3, "the mask changes what is ablated")
    #expect(some.cleanLoss == all.cleanLoss && some.fvu > 1 && all.fvu > 1, "zeros explain less than the mean")
    #expect(throws: SAEKitError.self) {
      _ = try TinyLMSplice.evaluate(model: Self.model, layer: 1, tokens: tokens, targets: targets, length: 16,
                                    patched: [Bool](repeating: false, count: tokens.count), reconstruct: zeros)
    }
  }
}
