/// An ITDA dictionary (papers-2.md §2a): unit-norm atoms that are real
/// activations, each labelled by the token occurrence it came from.
///
/// Atoms are kept in the order they were added (initial atoms first). The
/// labels are what ITDA's similarity compares (§2c, ``LabelJaccard``): two
/// dictionaries share an atom iff the same token occurrence entered both.
/// Built by ``ITDABuilder``; saved and loaded with ``save(to:)`` / ``load(from:)``.
public struct ITDADictionary: Sendable, Equatable {
  /// Where an atom came from: the document (sequence) index, the token's
  /// position in it, and its vocabulary id.
  public struct Label: Hashable, Sendable, Comparable {
    public var document: Int
    public var position: Int
    public var tokenId: Int

    public init(document: Int, position: Int, tokenId: Int) {
      self.document = document
      self.position = position
      self.tokenId = tokenId
    }

    /// The token occurrence `(document, position)`, the identity ITDA's Jaccard uses.
    public var occurrence: TokenOccurrence { TokenOccurrence(document: document, position: position) }

    public static func < (a: Label, b: Label) -> Bool {
      (a.document, a.position, a.tokenId) < (b.document, b.position, b.tokenId)
    }
  }

  /// `(m × d)` unit-norm rows (a zero activation stays a zero row, as in the reference).
  public internal(set) var atoms: Matrix
  /// One label per atom.
  public internal(set) var labels: [Label]
  /// `τ` of the add rule the dictionary was built with.
  public var threshold: Double
  /// `L0`, the default number of pursuit steps for ``encode(_:l0:algorithm:)``.
  public var l0: Int
  /// Tokens the builder processed.
  public var tokensSeen: Int
  /// Batches the builder processed.
  public var batchesSeen: Int
  /// The size cap (the reference's `max_dict_size`), or nil.
  public var maxAtoms: Int?

  /// A dictionary from atoms (normalised here to unit norm, zero rows kept) and labels.
  /// - Throws: when the counts differ or an atom is not finite.
  public init(
    atoms: Matrix, labels: [Label], threshold: Double, l0: Int, tokensSeen: Int = 0, batchesSeen: Int = 0,
    maxAtoms: Int? = nil
  ) throws {
    try require(labels.count == atoms.rows, "ITDA dictionary has \(atoms.rows) atoms but \(labels.count) labels")
    guard atoms.isFinite else { throw SAEKitError.nonFinite("ITDA atoms contain NaN or infinity") }
    try require(l0 >= 0, "ITDA L0 must be ≥ 0, got \(l0)")
    self.atoms = ITDADictionary.normalised(atoms)
    self.labels = labels
    self.threshold = threshold
    self.l0 = l0
    self.tokensSeen = tokensSeen
    self.batchesSeen = batchesSeen
    self.maxAtoms = maxAtoms
  }

  /// An empty dictionary in dimension `d`.
  init(dimension d: Int, threshold: Double, l0: Int, maxAtoms: Int?) {
    atoms = Matrix(rows: 0, cols: d)
    labels = []
    self.threshold = threshold
    self.l0 = l0
    tokensSeen = 0
    batchesSeen = 0
    self.maxAtoms = maxAtoms
  }

  /// The number of atoms `m`.
  public var count: Int { atoms.rows }
  /// The activation dimension `d`.
  public var dimension: Int { atoms.cols }
  /// The add rule of this dictionary's `τ` and `d`.
  public var addRule: ITDAAddRule { ITDAAddRule(threshold: threshold, dimension: dimension) }
  /// The set of token occurrences of the atoms (duplicates collapse).
  public var occurrences: Set<TokenOccurrence> { Set(labels.map(\.occurrence)) }

  /// Sparse codes of `x (N × d)` by matching pursuit with `l0` steps (default: the dictionary's).
  public func encode(_ x: Matrix, l0: Int? = nil, algorithm: MatchingPursuit.Algorithm = .matchingPursuit) throws
    -> SparseCodes
  {
    try MatchingPursuit(l0: l0 ?? self.l0, algorithm: algorithm).encode(x, atoms: atoms)
  }

  /// Codes and reconstructions `x̂ = c·D` of `x (N × d)`.
  public func reconstruct(_ x: Matrix, l0: Int? = nil, algorithm: MatchingPursuit.Algorithm = .matchingPursuit)
    throws -> MatchingPursuit.Result
  {
    try MatchingPursuit(l0: l0 ?? self.l0, algorithm: algorithm).run(x, atoms: atoms)
  }

  /// `x̂ = c·D`.
  public func decode(_ codes: SparseCodes) throws -> Matrix {
    try MatchingPursuit.decode(codes, atoms: atoms)
  }

  /// An encoder bound to this dictionary that computes `D·Dᵀ` once (for many batches).
  public func prepared(l0: Int? = nil, algorithm: MatchingPursuit.Algorithm = .matchingPursuit) throws
    -> MatchingPursuit.Prepared
  {
    try MatchingPursuit(l0: l0 ?? self.l0, algorithm: algorithm).prepare(atoms: atoms)
  }

  /// The dictionary without exact duplicate atoms (the first of each kept, in
  /// order) — the paper's optional post-processing step (§3.3; papers-2.md §2a),
  /// not done by the reference code.
  public func removingDuplicateAtoms() -> ITDADictionary {
    var seen = Set<[UInt32]>()
    var keep = [Int]()
    for i in 0..<count where seen.insert(atoms.row(i).map { ($0 + 0).bitPattern }).inserted { keep.append(i) }
    var out = self
    out.atoms = atoms.rows(keep)
    out.labels = keep.map { labels[$0] }
    return out
  }

  /// Appends rows `rows` of `x` (normalised) with their labels.
  mutating func append(rows: [Int], of x: Matrix, labels newLabels: [Label]) {
    precondition(rows.count == newLabels.count)
    guard !rows.isEmpty else { return }
    atoms.appendRows(ITDADictionary.normalised(x.rows(rows)))
    labels += newLabels
  }

  /// Keeps the first `n` atoms (the reference's crop to `max_dict_size`).
  /// The first `n` atoms (all when `n ≥ count`): the dictionary as it stood when it first
  /// held `n` atoms, since atoms are only ever appended.
  public func cropped(to n: Int) -> ITDADictionary {
    var out = self
    out.truncate(to: max(0, n))
    return out
  }

  mutating func truncate(to n: Int) {
    guard n < count else { return }
    atoms = atoms.rows(0..<n)
    labels = Array(labels[0..<n])
  }

  /// Rows divided by `max(‖row‖, 10⁻⁹)` (the reference's `normalize_decoder`).
  static func normalised(_ m: Matrix) -> Matrix {
    var out = m
    let norms = m.rowNorms()
    let c = m.cols
    out.updateRows { row, i in
      let norm = Float(max(norms[i], ITDAAddRule.normFloor))
      for j in 0..<c { row[j] /= norm }
    }
    return out
  }
}

/// A token occurrence: the document (sequence) index and the position in it —
/// ITDA's atom identity across models (papers-2.md §2c, the reference's
/// `(seq_idx, token_idx)` label tuples).
public struct TokenOccurrence: Hashable, Sendable, Comparable {
  public var document: Int
  public var position: Int

  public init(document: Int, position: Int) {
    self.document = document
    self.position = position
  }

  public static func < (a: TokenOccurrence, b: TokenOccurrence) -> Bool {
    (a.document, a.position) < (b.document, b.position)
  }
}
