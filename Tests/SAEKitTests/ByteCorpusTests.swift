import Foundation
import Testing
@testable import SAEKit

@Suite struct ByteCorpusTests {
  static let texts = ["hé wörld", "a € sign", "", "plain ascii text here", "🙂 ok"]

  // MARK: - Stream

  @Test func streamHoldsEachTextsUTF8BytesFollowedByEndOfText() throws {
    let corpus = ByteCorpus(texts: ["hé", "€", "", "ok"])
    #expect(corpus.tokens == [104, 195, 169, 256, 0xE2, 0x82, 0xAC, 256, 256, 111, 107, 256])
    #expect(corpus.count == 12 && corpus.documentCount == 4 && corpus.byteCount == 8)
    #expect(corpus.documentStarts == [0, 4, 8, 9])
    #expect(Array(corpus.document(1)) == [0xE2, 0x82, 0xAC, 256] && Array(corpus.document(2)) == [256])
    #expect(Array(corpus.document(3)) == [111, 107, 256])
    #expect(ByteCorpus.endOfText == UInt16(TinyLMConfig.standard.endOfText))
    #expect(ByteCorpus(texts: []).count == 0)
  }

  @Test func splitHoldsOutTheTextsOfTextInterleavedSplit() throws {
    let corpus = try TextCorpus.standard()
    for period in [2, 4, 10] {
      let (training, heldOut) = try ByteCorpus.split(corpus, heldOutEvery: period)
      let texts = Array(corpus.snippets.indices)
      let rows = try TextInterleavedSplit(period: period).rows(documents: texts, tokenIds: texts)
      #expect(training == ByteCorpus(texts: rows.training.map { corpus.snippets[$0] }), "period \(period)")
      #expect(heldOut == ByteCorpus(texts: rows.heldOut.map { corpus.snippets[$0] }), "period \(period)")
      #expect(training.documentCount + heldOut.documentCount == corpus.snippets.count)
      #expect(heldOut.documentCount == corpus.snippets.count / period)
    }
    #expect {
      try ByteCorpus.split(corpus, heldOutEvery: 1)
    } throws: { error in
      (error as? SAEKitError)?.description.hasPrefix("heldOutEvery") == true
    }
  }

  // MARK: - Training batches

  @Test func batchesAreDeterministicInBoundsAndShiftedByOne() throws {
    let corpus = ByteCorpus(texts: Self.texts)
    let sampler = ByteBatchSampler(corpus: corpus, seed: 7)
    let (batchSize, length) = (6, 5)
    let batch = try sampler.batch(step: 3, batchSize: batchSize, length: length)
    #expect(batch.tokens.count == batchSize * length && batch.targets.count == batchSize * length)
    let again = try ByteBatchSampler(corpus: corpus, seed: 7).batch(step: 3, batchSize: batchSize, length: length)
    #expect(again.tokens == batch.tokens && again.targets == batch.targets)
    let starts = try sampler.windowStarts(step: 3, batchSize: batchSize, length: length)
    for (row, start) in starts.enumerated() {
      #expect(start >= 0 && start + length < corpus.count)
      let inputs = batch.tokens[(row * length)..<((row + 1) * length)]
      let targets = batch.targets[(row * length)..<((row + 1) * length)]
      #expect(Array(inputs) == corpus.tokens[start..<(start + length)].map { Int32($0) })
      #expect(Array(targets) == corpus.tokens[(start + 1)...(start + length)].map { Int32($0) })
    }
    #expect(batch.tokens.allSatisfy { (0...256).contains($0) } && batch.targets.allSatisfy { (0...256).contains($0) })
    // Reused buffers give the same batch.
    var tokens = [Int32](repeating: -1, count: batchSize * length), targets = tokens
    try sampler.fill(step: 3, batchSize: batchSize, length: length, tokens: &tokens, targets: &targets)
    #expect(tokens == batch.tokens && targets == batch.targets)
    // Other steps and seeds draw other windows.
    #expect(try sampler.windowStarts(step: 4, batchSize: batchSize, length: length) != starts)
    #expect(try ByteBatchSampler(corpus: corpus, seed: 8).windowStarts(step: 3, batchSize: batchSize, length: length) != starts)
  }

  @Test func aStepsBatchDoesNotDependOnEarlierSteps() throws {
    let sampler = ByteBatchSampler(corpus: ByteCorpus(texts: Self.texts), seed: 42)
    var inOrder: [[Int]] = []
    for step in 0..<100 { inOrder.append(try sampler.windowStarts(step: step, batchSize: 4, length: 8)) }
    for step in [99, 0, 57, 1, 57] {
      #expect(try sampler.windowStarts(step: step, batchSize: 4, length: 8) == inOrder[step])
    }
    // Every start is drawn: the first and last possible windows both occur.
    let drawn = Set(inOrder.joined()), last = sampler.corpus.count - 9
    #expect(drawn.contains(0) && drawn.contains(last) && drawn.allSatisfy { (0...last).contains($0) })
  }

  @Test func samplerNamesTheBadArgument() {
    let sampler = ByteBatchSampler(corpus: ByteCorpus(texts: ["four words in here"]), seed: 1)
    for (step, batchSize, length, name) in [(-1, 1, 4, "step"), (0, 0, 4, "batchSize"), (0, 1, 0, "length"), (0, 1, 19, "length")] {
      #expect {
        try sampler.batch(step: step, batchSize: batchSize, length: length)
      } throws: { error in
        (error as? SAEKitError)?.description.hasPrefix(name) == true
      }
    }
    #expect(throws: Never.self) { try sampler.batch(step: 0, batchSize: 1, length: 18) }
  }

  // MARK: - Evaluation windows

  @Test func evaluationWindowsScoreEveryTokenButTheFirstOnce() throws {
    let corpus = ByteCorpus(texts: Self.texts)
    let stream = corpus.tokens.map { Int32($0) }
    for length in [1, 3, 7, 128] {
      let windows = try corpus.evaluationWindows(length: length)
      #expect(windows.windows.flatMap(\.targets) == Array(stream.dropFirst()), "length \(length)")
      #expect(windows.windows.flatMap(\.tokens) == Array(stream.dropLast()))
      for window in windows.windows {
        #expect(window.tokens.count == window.targets.count && (1...length).contains(window.tokens.count))
        #expect(window.tokens == Array(stream[window.start..<(window.start + window.tokens.count)]))
      }
      #expect(windows.windows.map(\.start) == Array(stride(from: 0, to: stream.count - 1, by: length)))
      #expect(windows.scoredTokenCount == corpus.count - 1)
      // The first token is a byte ("h"), so every end-of-text token is scored.
      #expect(windows.scoredByteCount == corpus.byteCount - 1)
    }
    #expect(throws: SAEKitError.self) { try corpus.evaluationWindows(length: 0) }
    #expect(throws: SAEKitError.self) { try ByteCorpus(texts: [""]).evaluationWindows(length: 4) }
  }

  @Test func bitsPerByteDividesTotalNatsByBytes() throws {
    #expect(abs(BitsPerByte.from(totalNats: 8 * log(2.0), bytes: 4) - 2) < 1e-15)
    #expect(abs(BitsPerByte.from(meanNatsPerToken: log(2.0), tokens: 10, bytes: 8) - 1.25) < 1e-15)
    #expect(BitsPerByte.from(totalNats: 1, bytes: 0).isNaN)
    let windows = try ByteCorpus(texts: ["ab", "c"]).evaluationWindows(length: 4)  // targets b ⟨eot⟩ c ⟨eot⟩
    #expect(windows.scoredTokenCount == 4 && windows.scoredByteCount == 2)
    #expect(abs(windows.bitsPerByte(meanNatsPerToken: log(2.0)) - 2) < 1e-15)
  }

  // MARK: - N-gram baselines

  static let alternating: [UInt16] = [0, 1, 0, 1, 0, 1, 0, 1]
  static let halves = KneserNeyModel.Discounts(one: 0.5, two: 0.5, threeOrMore: 0.5)

  @Test func unigramOnABalancedTwoSymbolStreamIsOneBit() throws {
    let model = try KneserNeyModel(order: 1, vocabularySize: 2, stream: Self.alternating)
    let nats = NGramBaselines.totalNats(models: [model], stream: [1, 0, 0, 1, 1], windowLength: 2)
    #expect(abs(nats / (4 * log(2.0)) - 1) < 1e-12)
  }

  @Test func bigramMatchesKneserNeyWorkedByHand() throws {
    // Bigrams 0→1 ×4, 1→0 ×3. Continuation unigrams: 0 and 1 once each, so
    // P₁(w) = (1 − ½ + ½·2·½)/2 = ½; P(1|0) = (4 − ½ + ½·½)/4 = 15/16; P(0|1) = (3 − ½ + ½·½)/3 = 11/12;
    // P(0|0) = ½·½/4 = 1/16.
    let model = try KneserNeyModel(order: 2, vocabularySize: 2, stream: Self.alternating, discounts: [Self.halves, Self.halves])
    #expect(abs(model.probability(of: 1, after: [0]) - 15.0 / 16) < 1e-15)
    #expect(abs(model.probability(of: 0, after: [1]) - 11.0 / 12) < 1e-15)
    #expect(abs(model.probability(of: 0, after: [0]) - 1.0 / 16) < 1e-15)
    let unigram = try KneserNeyModel(order: 1, vocabularySize: 2, stream: Self.alternating)
    let nats = NGramBaselines.totalNats(models: [unigram, model], stream: [0, 1, 0, 1], windowLength: 8)
    #expect(abs(nats - -(2 * log(15.0 / 16) + log(11.0 / 12))) < 1e-12)
  }

  @Test func discountsFollowChenAndGoodman() {
    // Y = 10/(10 + 2·5) = ½; D₁ = 1 − 2·½·5/10, D₂ = 2 − 3·½·3/5, D₃₊ = 3 − 4·½·2/3.
    let d = KneserNeyModel.Discounts.estimated(n1: 10, n2: 5, n3: 3, n4: 2)
    #expect(abs(d.one - 0.5) < 1e-15 && abs(d.two - 1.1) < 1e-15 && abs(d.threeOrMore - 5.0 / 3) < 1e-15)
    #expect(KneserNeyModel.Discounts.estimated(n1: 3, n2: 0, n3: 0, n4: 0) == .init(one: 1, two: 1, threeOrMore: 1))
  }

  @Test func probabilitiesSumToOneOverTheVocabulary() throws {
    let stream = ByteCorpus(texts: Self.texts + ["the theory then thereby", "those thin thistles"]).tokens
    let model = try KneserNeyModel(order: 3, vocabularySize: 257, stream: stream)
    for context in [[116, 104], [32, 116], [256, 104], [7, 7]] as [[UInt16]] {  // "th", " t", seen once, unseen
      let total = (0..<257).reduce(0.0) { $0 + model.probability(of: $1, after: context[...]) }
      #expect(abs(total - 1) < 1e-12, "context \(context)")
    }
  }

  @Test func trigramSeesNoContextBeforeItsWindow() throws {
    let stream = ByteCorpus(texts: Self.texts).tokens
    let models = try (1...3).map { try KneserNeyModel(order: $0, vocabularySize: 257, stream: stream) }
    let heldOut = ByteCorpus(texts: ["hé wörld again", "plain text"]).tokens
    // Windows of one token: one token of context, so the trigram scores exactly like the bigram.
    let trigram = NGramBaselines.totalNats(models: models, stream: heldOut, windowLength: 1)
    #expect(trigram == NGramBaselines.totalNats(models: Array(models[..<2]), stream: heldOut, windowLength: 1))
    #expect(NGramBaselines.totalNats(models: models, stream: heldOut, windowLength: 2) != trigram)
  }

  @Test func baselinesOnTheDefaultCorpus() throws {
    let (training, heldOut) = try ByteCorpus.split(try TextCorpus.standard(), heldOutEvery: 4)
    let baselines = try NGramBaselines(training: training, heldOut: heldOut, windowLength: TinyLMConfig.standard.context)
    print("""
      ByteCorpus fortunes, heldOutEvery 4: training \(training.documentCount) texts, \(training.byteCount) bytes, \(training.count) tokens; \
      held-out \(heldOut.documentCount) texts, \(heldOut.byteCount) bytes, \(heldOut.count) tokens \
      (scored \(baselines.scoredTokenCount) tokens, \(baselines.scoredByteCount) bytes)
      n-gram bits per byte (windows of \(baselines.windowLength)): unigram \(baselines.unigramBitsPerByte), \
      bigram \(baselines.bigramBitsPerByte), trigram \(baselines.trigramBitsPerByte)
      """)
    #expect(baselines.bigramBitsPerByte < baselines.unigramBitsPerByte - 0.5)
    #expect(baselines.trigramBitsPerByte < baselines.bigramBitsPerByte - 0.3)
    #expect((3.5...5.5).contains(baselines.unigramBitsPerByte))
    #expect(baselines.scoredByteCount == heldOut.byteCount - 1)
  }
}
