/// Token-id sequences of several texts, packed one after another.
///
/// Sequence `i` is `ids[offsets[i]..<offsets[i + 1]]`; hidden states of a batch have one row
/// per token in the same order (no padding rows). The encoder attends within each sequence
/// only, which gives the same result as a right-padded batch with an attention mask (masked
/// keys get weight exactly 0) without computing the padding. ``paddedIDs`` and
/// ``attentionMask`` give the padded form for tools that want it.
public struct TokenizedBatch: Sendable, Equatable {
  /// Every token id, sequence after sequence.
  public let ids: [Int]
  /// `count + 1` row offsets: `offsets[0] = 0`, `offsets[count] = ids.count`.
  public let offsets: [Int]

  /// Packs `sequences` (each non-empty).
  /// - Throws: when a sequence is empty or an id is negative.
  public init(sequences: [[Int]]) throws {
    for (i, s) in sequences.enumerated() {
      try require(!s.isEmpty, "sequence \(i) of the batch is empty")
      try require(s.allSatisfy { $0 >= 0 }, "sequence \(i) has a negative token id")
    }
    self.init(unchecked: sequences)
  }

  /// Packs a padded batch: row `i` keeps the ids of `paddedIDs[i]` whose `attentionMask[i]`
  /// entry is 1, in order (right or left padding alike).
  /// - Throws: when the shapes differ, a mask entry is not 0 or 1, or a row has no tokens.
  public init(paddedIDs: [[Int]], attentionMask: [[Int]]) throws {
    try require(paddedIDs.count == attentionMask.count && zip(paddedIDs, attentionMask).allSatisfy { $0.count == $1.count },
                "padded ids and attention mask differ in shape")
    try require(attentionMask.allSatisfy { $0.allSatisfy { $0 == 0 || $0 == 1 } }, "attention mask entries must be 0 or 1")
    try self.init(sequences: zip(paddedIDs, attentionMask).map { ids, mask in zip(ids, mask).filter { $1 == 1 }.map(\.0) })
  }

  init(unchecked sequences: [[Int]]) {
    ids = sequences.flatMap { $0 }
    var offsets = [0]
    for s in sequences { offsets.append(offsets.last! + s.count) }
    self.offsets = offsets
  }

  /// The number of sequences.
  public var count: Int { offsets.count - 1 }
  /// The number of tokens over all sequences.
  public var tokenCount: Int { ids.count }
  /// The length of sequence `i`.
  public func length(_ i: Int) -> Int { offsets[i + 1] - offsets[i] }
  /// The rows of sequence `i` in the packed token order.
  public func rows(_ i: Int) -> Range<Int> { offsets[i]..<offsets[i + 1] }
  /// The ids of sequence `i`.
  public func sequence(_ i: Int) -> [Int] { Array(ids[rows(i)]) }
  /// The longest sequence length (0 for an empty batch).
  public var maxLength: Int { (0..<count).map(length).max() ?? 0 }

  /// Sequence index and position within it of every token row.
  public var positions: [(sequence: Int, position: Int)] {
    (0..<count).flatMap { i in (0..<length(i)).map { (i, $0) } }
  }

  /// Right-padded ids, `count × maxLength`, padded with `padID`.
  public func paddedIDs(padID: Int = 0) -> [[Int]] {
    (0..<count).map { i in sequence(i) + Array(repeating: padID, count: maxLength - length(i)) }
  }

  /// The attention mask of ``paddedIDs(padID:)``: 1 for tokens, 0 for padding.
  public var attentionMask: [[Int]] {
    (0..<count).map { i in Array(repeating: 1, count: length(i)) + Array(repeating: 0, count: maxLength - length(i)) }
  }
}
