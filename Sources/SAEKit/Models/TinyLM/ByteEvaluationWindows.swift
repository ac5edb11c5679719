/// A held-out stream cut into consecutive, non-overlapping windows for an exact,
/// deterministic held-out loss.
///
/// Scored targets: every token of the stream except the first (which has nothing before
/// it), each exactly once. Window `w` has the inputs `tokens[w·L ..< w·L + n]` and the
/// targets `tokens[w·L + 1 ..< w·L + n + 1]`, with `n = L` except in the last window, which
/// is shorter when `count − 1` is not a multiple of `L`. A target at position `j` of its
/// window (0-based) is predicted from the window's inputs `0…j` only, so it has `j + 1`
/// tokens of context; nothing before the window is seen. End-of-text tokens are scored
/// like bytes (a model must predict where a text ends) and serve as context like bytes;
/// bits per byte divide by the scored UTF-8 bytes only (see ``BitsPerByte``).
///
/// ```
/// stream   t0 t1 t2 t3 t4 t5 t6          L = 3
/// window 0 inputs t0 t1 t2 → targets t1 t2 t3
/// window 1 inputs t3 t4 t5 → targets t4 t5 t6
/// ```
public struct ByteEvaluationWindows: Sendable, Equatable {
  /// One window: `targets[j]` follows `tokens[j]` in the stream.
  public struct Window: Sendable, Equatable {
    /// Stream position of `tokens[0]`.
    public let start: Int
    public let tokens: [Int32]
    public let targets: [Int32]
  }

  /// The longest window (the model's context or less).
  public let length: Int
  public let windows: [Window]
  /// Scored targets: the stream's tokens less its first.
  public let scoredTokenCount: Int
  /// Scored targets that are UTF-8 bytes (not end-of-text): the denominator of bits per byte.
  public let scoredByteCount: Int

  /// The windows of length `length` over `corpus`.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` unless `length ≥ 1` and the stream has a
  ///   scored byte (at least two tokens, one target not end-of-text).
  public init(corpus: ByteCorpus, length: Int) throws {
    try require(length >= 1, "length: evaluation windows need at least one token, got \(length)")
    let stream = corpus.tokens
    try require(stream.count >= 2, "corpus: a held-out stream needs at least two tokens to score one, got \(stream.count)")
    var windows: [Window] = []
    windows.reserveCapacity((stream.count - 1 + length - 1) / length)
    var start = 0, bytes = 0
    while start + 1 < stream.count {
      let end = min(start + length, stream.count - 1)
      let tokens = stream[start..<end].map { Int32($0) }
      let targets = stream[(start + 1)...end].map { Int32($0) }
      bytes += targets.reduce(0) { $0 + ($1 == Int32(ByteCorpus.endOfText) ? 0 : 1) }
      windows.append(Window(start: start, tokens: tokens, targets: targets))
      start = end
    }
    try require(bytes > 0, "corpus: the held-out stream has no byte to score (only end-of-text tokens)")
    self.length = length
    self.windows = windows
    self.scoredTokenCount = stream.count - 1
    self.scoredByteCount = bytes
  }

  private init(length: Int, windows: [Window]) {
    self.length = length
    self.windows = windows
    scoredTokenCount = windows.reduce(0) { $0 + $1.targets.count }
    scoredByteCount = windows.reduce(0) { total, w in total + w.targets.reduce(0) { $0 + ($1 == Int32(ByteCorpus.endOfText) ? 0 : 1) } }
  }

  /// The first `count` windows (all of them when there are fewer), with their own counts.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` unless the windows kept score a byte.
  public func prefix(_ count: Int) throws -> ByteEvaluationWindows {
    let kept = ByteEvaluationWindows(length: length, windows: Array(windows.prefix(max(count, 0))))
    try require(kept.scoredByteCount > 0, "windows: the first \(count) windows score no byte")
    return kept
  }

  /// Bits per byte of a model whose cross-entropy summed over every scored target is `totalNats`.
  public func bitsPerByte(totalNats: Double) -> Double {
    BitsPerByte.from(totalNats: totalNats, bytes: scoredByteCount)
  }

  /// Bits per byte of a model whose cross-entropy averaged over every scored target
  /// (``scoredTokenCount`` of them, end-of-text included) is `meanNatsPerToken`.
  public func bitsPerByte(meanNatsPerToken: Double) -> Double {
    BitsPerByte.from(meanNatsPerToken: meanNatsPerToken, tokens: scoredTokenCount, bytes: scoredByteCount)
  }
}

extension ByteCorpus {
  /// This stream cut into evaluation windows of length `length` (see ``ByteEvaluationWindows``).
  public func evaluationWindows(length: Int) throws -> ByteEvaluationWindows {
    try ByteEvaluationWindows(corpus: self, length: length)
  }
}
