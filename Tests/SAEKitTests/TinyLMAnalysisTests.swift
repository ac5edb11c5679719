import Foundation
import Testing
@testable import SAEKit

/// TinyLM's hooks as the analyses use them: activation collection through
/// ``ResidualStreamModel``, the CE-loss-recovered splice and generation.
@Suite struct TinyLMAnalysisTests {
  static let config = TinyLMConfig(context: 16, width: 16, layerCount: 2, headCount: 2)
  static let model = TinyLM(parameters: TinyLMFixtures.randomParameters(config, seed: 11), name: "test")

  @Test func residualStreamsAreTheCapturedRowsOfEachTextAlone() throws {
    let texts = ["ab", "héllo", String(repeating: "x", count: 40)]
    let streams = try Self.model.residualStreams(texts: texts, layers: [2, 0], maxLength: 8)
    // end-of-text + bytes, cut at 8: 3, 7 (é is two bytes) and 8 rows.
    #expect(streams.text == [0, 0, 0] + [Int](repeating: 1, count: 7) + [Int](repeating: 2, count: 8))
    #expect(streams.tokenId.prefix(3) == [256, 97, 98])
    #expect(streams.position.prefix(4) == [0, 1, 2, 0])
    // Each text run alone gives the same rows: padding does not leak through causal attention.
    for (i, text) in texts.enumerated() {
      let alone = try Self.model.residualStreams(texts: [text], layers: [2], maxLength: 8)
      let rows = streams.text.indices.filter { streams.text[$0] == i }
      let d = Self.config.width
      let batched = rows.flatMap { r in streams.states[0].storage[(r * d)..<((r + 1) * d)] }
      let maxDiff = zip(batched, alone.states[0].storage).map { abs($0 - $1) }.max() ?? 0
      #expect(maxDiff < 1e-5, "text \(i): \(maxDiff)")
    }
    #expect(Self.model.inputKey[0].hasPrefix("model=test:") && Self.model.inputKey[0].count > 70)
  }

  @Test func spliceWithTheIdentityRecoversEverythingAndZerosNothing() throws {
    var random = RandomSource(seed: 3)
    let tokens = (0..<(4 * 16)).map { _ in random.int(below: 257) }
    let targets = (0..<(4 * 16)).map { _ in random.int(below: 257) }
    let identity = try TinyLMSplice.evaluate(model: Self.model, layer: 1, tokens: tokens, targets: targets, length: 16,
                                             batchSize: 3) { $0 }
    #expect(abs(identity.reconstructionLoss - identity.cleanLoss) < 1e-6)
    #expect(abs(identity.lossRecovered - 1) < 1e-5 && identity.klDivergence.magnitude < 1e-6 && identity.fvu == 0)
    let zero = try TinyLMSplice.evaluate(model: Self.model, layer: 1, tokens: tokens, targets: targets, length: 16) {
      Matrix(rows: $0.rows, cols: $0.cols)
    }
    #expect(abs(zero.lossRecovered) < 1e-9 && abs(zero.reconstructionLoss - zero.zeroAblationLoss) < 1e-6)
    #expect(zero.klDivergence > 0 && zero.fvu >= 1)
    #expect(identity.scoredTokens == 64)
    #expect(throws: SAEKitError.self) {
      _ = try TinyLMSplice.evaluate(model: Self.model, layer: 3, tokens: tokens, targets: targets, length: 16) { $0 }
    }
  }

  @Test func generationIsDeterministicAndGreedyAtTemperatureZero() throws {
    let a = try Self.model.generate(prompt: "The", count: 12, temperature: 0.8, seed: 1)
    let b = try Self.model.generate(prompt: "The", count: 12, temperature: 0.8, seed: 1)
    #expect(a == b)
    let greedy = try Self.model.generate(prompt: "The", count: 1, temperature: 0, seed: 9)
    let logits = try Self.model.logits(tokens: Self.model.encode("The", maxLength: 16), batch: 1, length: 4)
    let last = Array(logits.storage[(3 * 257)..<(4 * 257)])
    let best = last.indices.max { last[$0] < last[$1] }!
    #expect(best == 256 ? greedy.isEmpty : greedy.utf8.count >= 1)
    #expect(throws: SAEKitError.self) { _ = try Self.model.generate(prompt: "", count: 1, temperature: -1, seed: 1) }
  }
}
