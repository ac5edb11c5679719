import Foundation

/// Activations of a model (MiniLM, TinyLM) on a corpus: the residual stream after one
/// layer for the first `tokens` tokens of the corpus, with provenance, cached on disk.
///
/// Snippets are taken in corpus order, each tokenized alone (MiniLM: with `[CLS]` and
/// `[SEP]`; TinyLM: bytes after an end-of-text token; truncated to `maxLength`) and run in
/// batches of `batchSize` snippets, stopping after the requested layer; the last snippet is
/// cut so that exactly `tokens` rows are returned (fewer only if the corpus is exhausted).
/// The cache key covers the model's ``ResidualStreamModel/inputKey`` (weights' SHA-256 and
/// kernel revision), the layer, the corpus's content hash, `tokens`, `maxLength` and a format
/// version, so changing any of them recomputes.
public enum ModelActivations {
  public static let formatVersion = 1

  /// - Parameters:
  ///   - layer: 0 (embeddings) … 6.
  ///   - cache: where to look first and store the result; nil disables caching.
  ///   - progress: fraction of tokens done, from 0 to 1.
  /// - Returns: the activations and whether they came from the cache.
  public static func collect(
    model: any ResidualStreamModel, layer: Int, corpus: TextCorpus, tokens: Int, maxLength: Int = 128, batchSize: Int = 32,
    cache: ActivationCache?, progress: ((Double) -> Void)? = nil, shouldStop: (() -> Bool)? = nil
  ) throws -> (set: ActivationSet, cached: Bool) {
    try collect(model: model, layers: [layer], corpus: corpus, tokens: tokens, maxLength: maxLength, batchSize: batchSize,
                cache: cache, progress: progress, shouldStop: shouldStop)[0]
  }

  /// The activations of several layers for the same tokens, in the order of `layers`:
  /// those not in the cache are taken in one forward pass (up to the deepest of them) and
  /// cached one by one, so a later request for any single layer finds them.
  public static func collect(
    model: any ResidualStreamModel, layers: [Int], corpus: TextCorpus, tokens: Int, maxLength: Int = 128, batchSize: Int = 32,
    cache: ActivationCache?, progress: ((Double) -> Void)? = nil, shouldStop: (() -> Bool)? = nil
  ) throws -> [(set: ActivationSet, cached: Bool)] {
    try require(!layers.isEmpty, "no layer requested")
    for layer in layers { try require((0...model.layerCount).contains(layer), "layer must be in 0...\(model.layerCount), got \(layer)") }
    try require(tokens > 0, "tokens must be positive, got \(tokens)")
    try require(maxLength >= model.minimumLength && maxLength <= model.maximumLength,
                "maxLength must be in \(model.minimumLength)...\(model.maximumLength), got \(maxLength)")
    // Every requested layer is kept whole (the corpus may hold fewer tokens: an upper bound).
    let width = Set(layers).count.multipliedReportingOverflow(by: model.hiddenSize)
    try requireAllocatable(
      "\(tokens) tokens of activations from \(Set(layers).count) layer(s) of width \(model.hiddenSize)",
      [(tokens, width.overflow ? Int.max : width.partialValue)], sizes: [("tokens", tokens), ("layers", Set(layers).count)])
    func key(_ layer: Int) -> String {
      ActivationCache.key(
        model.inputKey + [
          "layer=\(layer)", ModelInputKey.corpus(corpus.contentHash), "tokens=\(tokens)", "maxLength=\(maxLength)",
          "format=\(formatVersion)",
        ])
    }
    var found = [Int: ActivationSet]()
    for layer in Set(layers) { if let hit = cache?.load(key(layer)) { found[layer] = hit } }
    let missing = Set(layers).subtracting(found.keys).sorted()
    if !missing.isEmpty {
      let taken = try take(model: model, layers: missing, corpus: corpus, tokens: tokens, maxLength: maxLength,
                           batchSize: batchSize, progress: progress, shouldStop: shouldStop)
      for (layer, set) in zip(missing, taken) {
        if let cache { try cache.save(set, key: key(layer)) }
      }
      return layers.map { layer in
        if let i = missing.firstIndex(of: layer) { return (taken[i], false) }
        return (found[layer]!, true)
      }
    }
    return layers.map { (found[$0]!, true) }
  }

  /// One pass over the corpus capturing every layer of `layers` (ascending, distinct).
  static func take(
    model: any ResidualStreamModel, layers: [Int], corpus: TextCorpus, tokens: Int, maxLength: Int, batchSize: Int,
    progress: ((Double) -> Void)?, shouldStop: (() -> Bool)?
  ) throws -> [ActivationSet] {
    try gather(width: model.hiddenSize, matrices: layers.count, corpus: corpus, tokens: tokens, batchSize: batchSize,
               progress: progress, shouldStop: shouldStop) { texts in
      try model.residualStreams(texts: texts, layers: layers, maxLength: maxLength)
    }
  }

  /// `∂L/∂h_layer` of TinyLM for the rows ``collect(model:layer:corpus:tokens:maxLength:batchSize:cache:progress:shouldStop:)``
  /// returns (same texts, tokens and order), `L` the summed next-token loss of each text
  /// (``TinyLM/residualGradients(texts:layer:maxLength:)``). Not cached.
  public static func gradients(
    model: TinyLM, layer: Int, corpus: TextCorpus, tokens: Int, maxLength: Int = 128, batchSize: Int = 32,
    progress: ((Double) -> Void)? = nil, shouldStop: (() -> Bool)? = nil
  ) throws -> ActivationSet {
    try require((0...model.layerCount).contains(layer), "layer must be in 0...\(model.layerCount), got \(layer)")
    try require(tokens > 0, "tokens must be positive, got \(tokens)")
    try require(maxLength >= model.minimumLength && maxLength <= model.maximumLength,
                "maxLength must be in \(model.minimumLength)...\(model.maximumLength), got \(maxLength)")
    return try gather(width: model.hiddenSize, matrices: 1, corpus: corpus, tokens: tokens, batchSize: batchSize,
                      progress: progress, shouldStop: shouldStop) { texts in
      try model.residualGradients(texts: texts, layer: layer, maxLength: maxLength)
    }[0]
  }

  /// Runs `streams` on the corpus's snippets in batches of `batchSize`, in corpus order, and
  /// keeps the first `tokens` rows of each of its `matrices` outputs with their provenance.
  static func gather(
    width d: Int, matrices: Int, corpus: TextCorpus, tokens: Int, batchSize: Int,
    progress: ((Double) -> Void)?, shouldStop: (() -> Bool)?, streams: ([String]) throws -> ResidualStreams
  ) throws -> [ActivationSet] {
    var xs = [[Float]](repeating: [], count: matrices)
    for i in xs.indices { xs[i].reserveCapacity(tokens * d) }
    var documents = [Int](), positions = [Int](), ids = [Int]()
    var next = 0
    while ids.count < tokens && next < corpus.snippets.count {
      if shouldStop?() == true { throw SAEKitError.cancelled }
      let first = next
      next = min(next + batchSize, corpus.snippets.count)
      let streams = try streams(Array(corpus.snippets[first..<next]))
      // The leading rows, up to the token budget, copied as one block per layer.
      let take = min(streams.text.count, tokens - ids.count)
      documents += streams.text.prefix(take).map { first + $0 }
      positions += streams.position.prefix(take)
      ids += streams.tokenId.prefix(take)
      for (i, h) in streams.states.enumerated() { xs[i] += h.storage.prefix(take * d) }
      progress?(Double(ids.count) / Double(tokens))
    }
    return try xs.map { x in
      try ActivationSet(x: Matrix(rows: ids.count, cols: d, storage: x), documents: documents, positions: positions, tokenIds: ids)
    }
  }
}

/// The one recipe for what a result computed by MiniLM on a corpus depends on, as
/// cache-key lines: the activation cache and the notebook's cell cache both use it, so
/// new weights, a new forward-kernel revision or an edited corpus invalidate both.
public enum ModelInputKey {
  /// The weights' SHA-256 and the forward kernels' revision (``MiniLM/kernelRevision``).
  public static var model: [String] {
    ["model=minilm-l6-v2:\(MiniLMFiles.modelSHA256)", "kernels=\(MiniLM.kernelRevision)"]
  }

  /// A corpus by its content hash (``TextCorpus/contentHash``).
  public static func corpus(_ contentHash: String) -> String { "corpus=\(contentHash)" }
}
