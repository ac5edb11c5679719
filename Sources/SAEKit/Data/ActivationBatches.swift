/// A `(rows × cols)` Float32 table whose rows can be gathered into a batch:
/// an in-memory ``Matrix`` or a mapped ``NPYMappedMatrix``.
public protocol ActivationSource: Sendable {
  var rows: Int { get }
  var cols: Int { get }
  /// Copies the rows at `indices`, in order, into `destination`
  /// (`indices.count · cols` Floats, row-major).
  /// - Precondition: every index is in `0..<rows`.
  func gatherRows(at indices: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>)
}

extension Matrix: ActivationSource {
  /// Copies the rows at `indices` into `destination`, one `memcpy` per row.
  public func gatherRows(at indices: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>) {
    let cols = cols
    storage.withUnsafeBufferPointer { src in
      guard let s = src.baseAddress, cols > 0 else { return }
      for (k, i) in indices.enumerated() {
        precondition(i >= 0 && i < rows, "row index \(i) out of range 0..<\(rows)")
        (destination + k * cols).update(from: s + i * cols, count: cols)
      }
    }
  }
}

extension NPYMappedMatrix: ActivationSource {}

/// Mini-batches of rows from an activation table, shuffled per epoch.
///
/// Each epoch visits every row exactly once. With `shuffle`, epoch `e` uses
/// the permutation `random.fork(e).permutation(rows)`, so the order depends
/// only on the seed and the epoch number (reproducible, and different from
/// one epoch to the next); without it rows come in file order. Batches hold
/// `batchSize` rows; the last batch of an epoch holds the remaining
/// `rows mod batchSize` rows, or is skipped when `dropLast` is set.
///
/// `epochs: n` stops after `n` epochs (``next()`` returns nil); `epochs: nil`
/// cycles forever, which suits a trainer that stops after a number of steps
/// (never use it with a plain `for … in` loop without a `break`).
///
/// Rows are gathered only when a batch is requested, so a mapped source is
/// never loaded whole; the current epoch's permutation costs `8 · rows` bytes.
///
/// ```swift
/// var batches = try ActivationBatches(NPY.map("acts.npy"), batchSize: 4096,
///                                     random: RandomSource(seed: 1), epochs: nil)
/// for _ in 0..<steps { let x = batches.next()! ... }   // (4096 × d) each
/// ```
public struct ActivationBatches: Sequence, IteratorProtocol, Sendable {
  public let source: any ActivationSource
  public let batchSize: Int
  public let shuffle: Bool
  public let dropLast: Bool
  /// Number of epochs to produce; nil cycles forever.
  public let epochs: Int?
  private let random: RandomSource

  /// The epoch the next batch comes from, i.e. the number of completed epochs.
  public private(set) var epoch = 0
  /// The index within ``epoch`` of the next batch.
  public private(set) var batchInEpoch = 0
  private var order: [Int]?

  /// - Parameters:
  ///   - source: the rows to batch.
  ///   - batchSize: rows per batch, ≥ 1.
  ///   - random: the seed of the per-epoch permutations (not advanced; forked per epoch).
  ///   - shuffle: permute the rows each epoch (default) or keep file order.
  ///   - dropLast: skip an epoch's final, smaller batch.
  ///   - epochs: epochs to produce (default 1); nil for endless cycling.
  /// - Throws: for `batchSize < 1`, `epochs < 0`, or endless cycling over a
  ///   source that yields no batch (no rows, or `dropLast` with `batchSize > rows`).
  public init(
    _ source: some ActivationSource, batchSize: Int, random: RandomSource,
    shuffle: Bool = true, dropLast: Bool = false, epochs: Int? = 1
  ) throws {
    try require(batchSize >= 1, "batch size must be at least 1, got \(batchSize)")
    try require((epochs ?? 0) >= 0, "epochs must be non-negative, got \(epochs ?? 0)")
    self.source = source
    self.batchSize = batchSize
    self.random = random
    self.shuffle = shuffle
    self.dropLast = dropLast
    self.epochs = epochs
    try require(
      epochs != nil || batchesPerEpoch > 0,
      "endless batches need at least one batch per epoch: \(source.rows) rows, batch size \(batchSize), dropLast \(dropLast)")
  }

  /// `⌈rows / batchSize⌉`, or `⌊rows / batchSize⌋` with `dropLast`.
  public var batchesPerEpoch: Int {
    dropLast ? source.rows / batchSize : (source.rows + batchSize - 1) / batchSize
  }

  /// The order in which epoch `e` visits the rows.
  public func order(forEpoch e: Int) -> [Int] {
    guard shuffle else { return Array(0..<source.rows) }
    var rng = random.fork(UInt64(e))
    return rng.permutation(source.rows)
  }

  /// The row indices of the next batch, advancing the iterator; nil when done.
  public mutating func nextIndices() -> [Int]? {
    let perEpoch = batchesPerEpoch
    guard perEpoch > 0 else { return nil }
    if let epochs, epoch >= epochs { return nil }
    let start = batchInEpoch * batchSize
    let end = Swift.min(start + batchSize, source.rows)
    let indices: [Int]
    if shuffle {
      let current = order ?? order(forEpoch: epoch)
      order = current
      indices = Array(current[start..<end])
    } else {
      indices = Array(start..<end)
    }
    batchInEpoch += 1
    if batchInEpoch == perEpoch {
      epoch += 1
      batchInEpoch = 0
      order = nil
    }
    return indices
  }

  /// The next batch, `(≤ batchSize × cols)`; nil after the last epoch.
  public mutating func next() -> Matrix? {
    guard let indices = nextIndices() else { return nil }
    var batch = Matrix(rows: indices.count, cols: source.cols)
    batch.storage.withUnsafeMutableBufferPointer { dst in
      indices.withUnsafeBufferPointer { idx in
        if let d = dst.baseAddress { source.gatherRows(at: idx, into: d) }
      }
    }
    return batch
  }
}
