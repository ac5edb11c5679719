/// A split of activations by whole texts, interleaved through the corpus:
/// training texts, and held-out texts in two halves (one to fit regressions
/// on, one to score everything on).
///
/// Text `i` (a snippet index of the corpus) is held out iff
/// `i mod period == period − 1`; all other texts are training texts. The
/// held-out texts alternate between the two halves: held-out text number
/// `j = i / period` is in the *fit* half when `j` is even, in the *test* half
/// when `j` is odd.
///
/// ```
/// texts   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 …   (period 4)
/// side    T  T  T  F  T  T  T  S  T  T  T  F  T  T  T  S …   T training, F fit, S test
/// ```
///
/// Every token of a text lands on the same side, so no model, dictionary or
/// regression fitted on one side has seen any part of a text on another;
/// since the sides alternate every few texts, each samples every part of the
/// corpus (every source file, every topic) in the same proportions — a split
/// at one row would put the last files of the corpus on one side only.
public struct TextInterleavedSplit: Sendable, Equatable {
  /// Which side a text is on.
  public enum Side: Sendable, Equatable {
    case training, fit, test
  }

  /// One text in `period` is held out.
  public let period: Int

  /// - Throws: unless `period ≥ 2`.
  public init(period: Int) throws {
    try require(period >= 2, "one text in every `period` is held out, so period must be at least 2, got \(period)")
    self.period = period
  }

  /// The side of text `text` (≥ 0).
  public func side(text: Int) -> Side {
    guard text % period == period - 1 else { return .training }
    return (text / period) % 2 == 0 ? .fit : .test
  }

  /// The rows of each side, ascending, for tokens with the given texts
  /// (`documents[r]` is row `r`'s text); rows whose token id is in
  /// `excluding` (e.g. `[CLS]`, `[SEP]`) are on no side.
  /// - Throws: when the two arrays differ in length or a text index is negative.
  public func rows(documents: [Int], tokenIds: [Int], excluding: Set<Int> = []) throws -> Rows {
    try require(documents.count == tokenIds.count, "\(documents.count) texts for \(tokenIds.count) token ids")
    var out = Rows()
    out.training.reserveCapacity(documents.count)
    for (r, text) in documents.enumerated() where !excluding.contains(tokenIds[r]) {
      try require(text >= 0, "row \(r) has a negative text index \(text)")
      switch side(text: text) {
      case .training: out.training.append(r)
      case .fit: out.fit.append(r)
      case .test: out.test.append(r)
      }
    }
    return out
  }

  /// Row indices of each side.
  public struct Rows: Sendable, Equatable {
    public var training: [Int] = []
    public var fit: [Int] = []
    public var test: [Int] = []
    /// The fit and test halves together, ascending.
    public var heldOut: [Int] { (fit + test).sorted() }
  }

  /// The distinct texts of `rows`, in order of first appearance.
  public static func texts(of rows: [Int], documents: [Int]) -> [Int] {
    var seen = Set<Int>(), out: [Int] = []
    for r in rows where seen.insert(documents[r]).inserted { out.append(documents[r]) }
    return out
  }
}
