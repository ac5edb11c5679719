/// Streaming construction of an ITDA dictionary (papers-2.md §2a "Dictionary
/// construction", paper §3.3 / Alg. 1; the reference code's `ITDATrainer.update`):
///
/// ```
/// for each batch X (N × d) with labels, in stream order:
///     if the dictionary is full (maxAtoms reached): skip
///     if |D| < d: add distinct rows of X, most frequent first, up to d atoms
///     X̂ ← MP(X, D, L0)·D                       (one sgemm X·Dᵀ for the correlations)
///     add every x_i with cos(x_i, x̂_i) < 1 − τ·d/2   (ITDAAddRule; no re-check within the batch)
///     if |D| > maxAtoms: keep the first maxAtoms atoms
/// ```
/// Added atoms are the normalised activations; each keeps its label
/// (document, position, token id). The batch is encoded once against the
/// dictionary as it stood before the batch's additions (including that batch's
/// initial atoms), exactly as the reference. The builder keeps `G = D·Dᵀ`
/// up to date while it fits in ``Options/gramLimitBytes``, so MP's residual
/// updates cost `O(m)` per step (see ``MatchingPursuit``).
///
/// The reference labels atoms `(step·B + i // S, i mod S)`; here the labels
/// are the batch's own provenance (``ActivationSet/documents`` etc.), which
/// is the same thing when documents are numbered in stream order.
public struct ITDABuilder: Sendable {
  public struct Options: Sendable, Equatable {
    /// `τ`, the reference's `loss_threshold` (see ``ITDAAddRule``).
    public var threshold: Double
    /// Pursuit steps while building (the reference's `k`, 40).
    public var l0: Int
    /// The size cap (the reference's `max_dict_size`; nil = none).
    public var maxAtoms: Int?
    /// Tie order of the initial atoms.
    public var initialOrder: InitialAtomOrder
    /// MP or OMP while building (the reference uses MP).
    public var algorithm: MatchingPursuit.Algorithm
    /// The largest `D·Dᵀ` kept for MP's Gram update; beyond it MP uses products.
    public var gramLimitBytes: Int

    public init(
      threshold: Double, l0: Int = 40, maxAtoms: Int? = nil, initialOrder: InitialAtomOrder = .firstOccurrence,
      algorithm: MatchingPursuit.Algorithm = .matchingPursuit, gramLimitBytes: Int = 2 << 30
    ) {
      self.threshold = threshold
      self.l0 = l0
      self.maxAtoms = maxAtoms
      self.initialOrder = initialOrder
      self.algorithm = algorithm
      self.gramLimitBytes = gramLimitBytes
    }
  }

  /// What one ``update(_:)`` did.
  public struct BatchReport: Sendable, Equatable {
    /// Tokens in the batch.
    public var tokens: Int
    /// Atoms added by the initialisation.
    public var initialised: Int
    /// Atoms added by the threshold rule (before any crop).
    public var added: Int
    /// The reference's returned value: the mean of `err(x, x̂)` over the batch.
    public var meanError: Double
    /// Dictionary size after the batch.
    public var atoms: Int
    /// True when the dictionary was already full and the batch was ignored.
    public var skipped: Bool
  }

  /// Progress of ``build(batches:dimension:options:progress:isCancelled:)`` after each batch.
  public struct Progress: Sendable, Equatable {
    public var batchIndex: Int
    public var tokensSeen: Int
    public var report: BatchReport
  }

  public let options: Options
  /// The dictionary so far.
  public private(set) var dictionary: ITDADictionary
  private var gram: GramMatrix? = GramMatrix()

  /// A builder for activations of dimension `d`.
  /// - Throws: for `d < 1`, a negative `L0`, a non-finite or negative `τ`, or `maxAtoms < 1`.
  public init(dimension d: Int, options: Options) throws {
    try require(d >= 1, "ITDA needs a dimension ≥ 1, got \(d)")
    try require(options.l0 >= 0, "ITDA L0 must be ≥ 0, got \(options.l0)")
    try require(options.threshold.isFinite && options.threshold >= 0, "ITDA threshold τ must be finite and ≥ 0")
    if let cap = options.maxAtoms { try require(cap >= 1, "ITDA maxAtoms must be ≥ 1, got \(cap)") }
    self.options = options
    dictionary = ITDADictionary(dimension: d, threshold: options.threshold, l0: options.l0, maxAtoms: options.maxAtoms)
    if options.algorithm == .orthogonal { gram = nil }
  }

  /// True once `maxAtoms` atoms are held (further batches are ignored).
  public var isFull: Bool { options.maxAtoms.map { dictionary.count >= $0 } ?? false }

  /// Processes one batch (one step of the reference's training loop).
  /// - Throws: on a dimension mismatch or non-finite activations.
  @discardableResult
  public mutating func update(_ batch: ActivationSet) throws -> BatchReport {
    let x = batch.x, d = dictionary.dimension
    guard x.cols == d else {
      throw SAEKitError.shapeMismatch(operation: "ITDA update (batch vs dictionary dimension)", lhs: x.shape, rhs: Shape(1, d))
    }
    guard x.isFinite else { throw SAEKitError.nonFinite("ITDA batch contains NaN or infinity") }
    if isFull {
      return BatchReport(tokens: x.rows, initialised: 0, added: 0, meanError: 0, atoms: dictionary.count, skipped: true)
    }
    var initialised = 0
    if dictionary.count < d {
      let take = ITDABuilder.initialCandidates(x, order: options.initialOrder).prefix(d - dictionary.count).map(\.row)
      append(rows: Array(take), of: batch)
      initialised = take.count
    }
    let pursuit = MatchingPursuit(l0: options.l0, algorithm: options.algorithm, gramLimitBytes: options.gramLimitBytes)
    let result = try pursuit.pursue(x, atoms: dictionary.atoms, gram: gram)
    let (adds, errors) = dictionary.addRule.evaluate(x, reconstruction: result.reconstruction)
    let rows = adds.indices.filter { adds[$0] }
    append(rows: rows, of: batch)
    if let cap = options.maxAtoms, dictionary.count > cap {
      dictionary.truncate(to: cap)
      gram?.truncate(to: cap)
    }
    dictionary.tokensSeen += x.rows
    dictionary.batchesSeen += 1
    let meanError = errors.isEmpty ? 0 : errors.reduce(0, +) / Double(errors.count)
    return BatchReport(
      tokens: x.rows, initialised: initialised, added: rows.count, meanError: meanError, atoms: dictionary.count,
      skipped: false)
  }

  /// Adds rows of the batch as atoms and extends `G` (or drops it when too large).
  private mutating func append(rows: [Int], of batch: ActivationSet) {
    guard !rows.isEmpty else { return }
    let labels = rows.map {
      ITDADictionary.Label(document: batch.documents[$0], position: batch.positions[$0], tokenId: batch.tokenIds[$0])
    }
    dictionary.append(rows: rows, of: batch.x, labels: labels)
    guard gram != nil else { return }
    let m = dictionary.count
    if GramMatrix.bytes(atoms: m) > options.gramLimitBytes {
      gram = nil
    } else {
      let maxStride = Int(Double(options.gramLimitBytes / MemoryLayout<Float>.size).squareRoot())
      gram!.extend(atoms: dictionary.atoms, maximumStride: max(m, maxStride))
    }
  }

  /// Builds a dictionary from a stream of batches, stopping early once full.
  /// - Parameters:
  ///   - progress: called after every batch.
  ///   - isCancelled: polled before every batch; returning true throws ``SAEKitError/cancelled``.
  public static func build<Batches: Sequence>(
    batches: Batches, dimension: Int, options: Options,
    progress: ((Progress) -> Void)? = nil, isCancelled: (() -> Bool)? = nil
  ) throws -> ITDADictionary where Batches.Element == ActivationSet {
    var builder = try ITDABuilder(dimension: dimension, options: options)
    var tokens = 0
    for (index, batch) in batches.enumerated() {
      if isCancelled?() == true { throw SAEKitError.cancelled }
      if builder.isFull { break }
      let report = try builder.update(batch)
      tokens += batch.count
      progress?(Progress(batchIndex: index, tokensSeen: tokens, report: report))
    }
    return builder.dictionary
  }

  /// Builds a dictionary from `set` cut into consecutive batches of
  /// `tokensPerBatch` tokens, in stream order (the last batch may be shorter).
  public static func build(
    from set: ActivationSet, tokensPerBatch: Int, options: Options,
    progress: ((Progress) -> Void)? = nil, isCancelled: (() -> Bool)? = nil
  ) throws -> ITDADictionary {
    try require(tokensPerBatch >= 1, "ITDA batch size must be ≥ 1, got \(tokensPerBatch)")
    let batches = stride(from: 0, to: set.count, by: tokensPerBatch).lazy.map { start -> ActivationSet in
      let r = start..<min(set.count, start + tokensPerBatch)
      // Slices of a consistent set are consistent.
      return try! ActivationSet(
        x: set.x.rows(r), documents: Array(set.documents[r]), positions: Array(set.positions[r]),
        tokenIds: Array(set.tokenIds[r]))
    }
    return try build(batches: batches, dimension: set.x.cols, options: options, progress: progress, isCancelled: isCancelled)
  }
}
