/// A fit / held-out split of `N` tokens by a seeded permutation.
///
/// Dark Matter's `utils.run_lstsq` shuffles the tokens (`torch.randperm`),
/// fits on the first 150,000 and scores on the rest (≈ 96,900 of 246,900,
/// a fit share of ≈ 0.61) — papers-1.md §1a "R² as the code computes it";
/// §5.4 asks for the split to come from a seeded permutation.
///
/// ```
/// π = permutation(N)  (RandomSource(seed:), Fisher–Yates)
/// fitRows  = π[0 ..< fitCount]
/// testRows = π[fitCount ..< N]
/// ```
/// Both index lists are sorted ascending so that rows are gathered in file
/// order (the split is a set; the order inside a set does not change any fit).
public struct TokenSplit: Sendable, Equatable {
  /// Token indices the regression is fitted on, ascending.
  public let fitRows: [Int]
  /// Held-out token indices the R² is computed on, ascending.
  public let testRows: [Int]

  /// The paper's fit share, 150,000 / 246,900.
  public static let paperFitFraction = 150_000.0 / 246_900.0

  /// Splits `tokenCount` tokens, putting `fitCount` of them in the fit set.
  /// - Throws: unless `1 ≤ fitCount < tokenCount`.
  public init(tokenCount: Int, fitCount: Int, seed: UInt64) throws {
    try require(fitCount >= 1 && fitCount < tokenCount,
                "a fit/test split needs 1 ≤ fitCount < tokenCount, got fitCount = \(fitCount), tokenCount = \(tokenCount)")
    var rng = RandomSource(seed: seed)
    let order = rng.permutation(tokenCount)
    fitRows = order[0..<fitCount].sorted()
    testRows = order[fitCount...].sorted()
  }

  /// Splits with `fitCount = round(fitFraction · tokenCount)`, clamped to
  /// `1 ... tokenCount − 1`.
  /// - Throws: unless `0 < fitFraction < 1` and `tokenCount ≥ 2`.
  public init(tokenCount: Int, fitFraction: Double = TokenSplit.paperFitFraction, seed: UInt64) throws {
    try require(fitFraction > 0 && fitFraction < 1, "fitFraction must be in (0, 1), got \(fitFraction)")
    try require(tokenCount >= 2, "a fit/test split needs at least 2 tokens, got \(tokenCount)")
    let count = min(max(1, Int((fitFraction * Double(tokenCount)).rounded())), tokenCount - 1)
    try self.init(tokenCount: tokenCount, fitCount: count, seed: seed)
  }

  /// An explicit split (e.g. by document, so that tokens of one text never
  /// land on both sides). Indices must be distinct and non-negative.
  /// - Throws: when a set is empty, an index is negative, or the sets overlap.
  public init(fitRows: [Int], testRows: [Int]) throws {
    try require(!fitRows.isEmpty && !testRows.isEmpty, "both sides of a fit/test split must be non-empty")
    try require((fitRows + testRows).allSatisfy { $0 >= 0 }, "split indices must be ≥ 0")
    let fit = Set(fitRows), test = Set(testRows)
    try require(fit.count == fitRows.count && test.count == testRows.count, "split indices must be distinct")
    try require(fit.isDisjoint(with: test), "the fit and test sets of a split overlap")
    self.fitRows = fitRows.sorted()
    self.testRows = testRows.sorted()
  }

  /// Fit on the first `fitCount` rows and score on the `testCount` after them — the split
  /// of `[fit rows; test rows]` stacked (e.g. tokens of two sets of texts).
  /// - Throws: unless both counts are ≥ 1.
  public static func stacked(fitCount: Int, testCount: Int) throws -> TokenSplit {
    try require(fitCount >= 1 && testCount >= 1, "both sides of a fit/test split must be non-empty")
    return try TokenSplit(fitRows: Array(0..<fitCount), testRows: Array(fitCount..<(fitCount + testCount)))
  }

  /// Number of tokens covered, `max index + 1`.
  var coveredCount: Int { max(fitRows.last ?? -1, testRows.last ?? -1) + 1 }

  /// Throws unless every index is a row of a `tokenCount`-row matrix.
  public func validate(tokenCount: Int) throws {
    try require(coveredCount <= tokenCount,
                "the split refers to token \(coveredCount - 1) but there are only \(tokenCount) tokens")
  }
}
