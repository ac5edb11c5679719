import Foundation

/// A native BERT encoder with the weights of sentence-transformers **all-MiniLM-L6-v2**
/// (6 post-LayerNorm blocks, hidden size 384, 12 heads, FFN 1536), its WordPiece tokenizer,
/// and the sentence embedding (mean over all tokens, `[CLS]`/`[SEP]` included, then L2
/// normalisation).
///
/// ```swift
/// let model = try MiniLM.load(directory: MiniLMFiles.defaultDirectory)   // after `make model`
/// let batch = model.tokenize(["The quick brown fox.", "Hi!"])
/// let result = try model.run(batch, options: .init(capture: [3]))
/// let layer3 = try result.hiddenState(3)      // (tokens × 384), rows batch.rows(i) per text
/// let embeddings = result.embeddings           // (2 × 384), unit rows
/// ```
///
/// Hooks: ``ForwardOptions`` captures the residual stream after any layer
/// (0 = embeddings … 6) and the pre-LayerNorm sums of any block, and patches the residual
/// stream after a layer with a function of itself (an SAE reconstruction, an ablation) before
/// the pass continues. The forward pass is in ``run(_:options:)`` (`MiniLM+Forward.swift`).
public struct MiniLM: Sendable {
  public let config: MiniLMConfig
  public let tokenizer: WordPieceTokenizer
  /// The folder the files were loaded from.
  public let directory: String
  var weights: MiniLMWeights

  /// Names the kernels that compute the forward pass on this machine and their revision, e.g.
  /// `"packed-avx512 r1"`: activation and cell caches include it, so results cached by a build
  /// that rounds differently are recomputed rather than mixed with fresh ones. Bump the
  /// revision whenever a change to the forward pass changes its output bits.
  public static let kernelRevision = (PackedWeight.isSupported ? "packed-avx\(PackedWeight.vectorBits)" : "openblas") + " r1"

  /// Longest input sentence-transformers feeds this model (`max_seq_length` 256); ``embed(_:batchSize:)``
  /// truncates to it, as `SentenceTransformer.encode` does.
  public static let sentenceTransformersMaxLength = 256

  /// Loads the model from `directory` (holding `model.safetensors`, `vocab.txt`, `config.json`;
  /// `make model` puts them in ``MiniLMFiles/defaultDirectory``). Never downloads.
  ///
  /// Sizes are always checked; with `verifyChecksums` the SHA-256 of every file too
  /// (≈ 0.3 s in a release build). The weights are read from the memory-mapped safetensors file.
  /// - Throws: ``SAEKitError/file(path:reason:)`` when files are missing ("run `make model`"),
  ///   truncated, fail the checksum, or hold unexpected tensors.
  public static func load(
    directory: String, verifyChecksums: Bool = true, fetchCommand: String = MiniLMFiles.fetchCommand
  ) throws -> MiniLM {
    try MiniLMFiles.verify(directory: directory, checksums: verifyChecksums, fetchCommand: fetchCommand)
    let config = try MiniLMConfig.read(MiniLMFiles.path("config.json", in: directory))
    let tokenizer = try WordPieceTokenizer(vocabularyFile: MiniLMFiles.path("vocab.txt", in: directory))
    guard tokenizer.vocabulary.count == config.vocabularySize else {
      throw SAEKitError.file(
        path: MiniLMFiles.path("vocab.txt", in: directory),
        reason: "\(tokenizer.vocabulary.count) tokens, but config.json says vocab_size \(config.vocabularySize)")
    }
    let file = try SafeTensors.read(MiniLMFiles.path("model.safetensors", in: directory))
    return MiniLM(config: config, tokenizer: tokenizer, directory: directory,
                  weights: try MiniLMWeights(file: file, config: config))
  }

  /// The number of transformer blocks (hidden-state layers are `0...layerCount`).
  public var layerCount: Int { config.layerCount }
  /// The width of the residual stream, 384.
  public var hiddenSize: Int { config.hiddenSize }

  /// Tokenizes `texts` into one batch (`[CLS] … [SEP]` each), cut to `maxLength` tokens
  /// (default: the model's 512 positions).
  public func tokenize(_ texts: [String], maxLength: Int? = nil) -> TokenizedBatch {
    tokenizer.encodeBatch(texts, maxLength: maxLength ?? config.maxPositions)
  }

  /// Sentence embeddings of `texts`, `(texts.count × 384)` with unit rows, computed
  /// `batchSize` texts at a time, each text cut to 256 tokens as sentence-transformers does.
  public func embed(_ texts: [String], batchSize: Int = 64) throws -> Matrix {
    try require(batchSize > 0, "batchSize must be positive, got \(batchSize)")
    var parts = [Matrix]()
    for start in stride(from: 0, to: texts.count, by: batchSize) {
      let chunk = Array(texts[start..<min(start + batchSize, texts.count)])
      parts.append(try run(tokenize(chunk, maxLength: MiniLM.sentenceTransformersMaxLength)).embeddings)
    }
    return parts.isEmpty ? Matrix(rows: 0, cols: hiddenSize) : try Matrix.vstack(parts)
  }
}
