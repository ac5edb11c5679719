/// A model whose residual stream the analyses read: MiniLM (a sentence encoder) and TinyLM
/// (a causal byte-level LM) both conform, so activation collection, its cache and the
/// notebook builtins serve either.
public protocol ResidualStreamModel: Sendable {
  /// A short name for reports (`all-MiniLM-L6-v2`, `tinylm-seed-1`).
  var modelName: String { get }
  /// Width of the residual stream.
  var hiddenSize: Int { get }
  /// Blocks; layers are `0` (embeddings) … `layerCount`.
  var layerCount: Int { get }
  /// Longest sequence one text may be run as (tokens, special tokens included).
  var maximumLength: Int { get }
  /// The smallest `maxLength` that leaves room for one content token.
  var minimumLength: Int { get }
  /// Cache-key lines naming the weights and the kernel revision: results computed by the
  /// model change when these do.
  var inputKey: [String] { get }
  /// How its token ids read as text.
  var vocabulary: any TokenVocabulary { get }

  /// The residual stream after each of `layers` for `texts`, each text run alone as one
  /// sequence of at most `maxLength` tokens: one matrix per layer with a row per token, and
  /// each row's token id and position within its text, rows in text order.
  func residualStreams(texts: [String], layers: [Int], maxLength: Int) throws -> ResidualStreams
}

/// The output of ``ResidualStreamModel/residualStreams(texts:layers:maxLength:)``.
public struct ResidualStreams: Sendable {
  /// One `(tokens × d)` matrix per requested layer, in the order asked.
  public var states: [Matrix]
  /// Per row: which text (index into the call's `texts`), its position, its token id.
  public var text: [Int]
  public var position: [Int]
  public var tokenId: [Int]

  public init(states: [Matrix], text: [Int], position: [Int], tokenId: [Int]) {
    self.states = states
    self.text = text
    self.position = position
    self.tokenId = tokenId
  }
}

extension MiniLM: ResidualStreamModel {
  public var modelName: String { "all-MiniLM-L6-v2" }
  public var maximumLength: Int { config.maxPositions }
  public var minimumLength: Int { 3 }
  public var inputKey: [String] { ModelInputKey.model }
  public var vocabulary: any TokenVocabulary { tokenizer }

  /// `[CLS] … [SEP]` per text (WordPiece), truncated to `maxLength`.
  public func residualStreams(texts: [String], layers: [Int], maxLength: Int) throws -> ResidualStreams {
    let batch = tokenize(texts, maxLength: maxLength)
    let result = try run(batch, options: .init(capture: Set(layers), stopAfterLayer: max(layers.max() ?? 1, 1)))
    var text = [Int](), position = [Int](), ids = [Int]()
    for s in 0..<batch.count {
      for (p, row) in batch.rows(s).enumerated() {
        text.append(s)
        position.append(p)
        ids.append(batch.ids[row])
      }
    }
    return ResidualStreams(states: try layers.map { try result.hiddenState($0) }, text: text, position: position, tokenId: ids)
  }
}
