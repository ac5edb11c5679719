import SAEKit

/// Ordinary tokens of some activations, and the split of activations into
/// training and held-out texts that every analysis of real activations uses.
enum TokenBuiltins {
  static func register(_ r: inout Registry) {
    r.addRecord(tokensRecord)
    r.addRecord(splitRecord)
    r.add(tokens)
    r.add(splitTexts)
    r.add(subsample)
    r.add(firstTokens)
    r.add(rowSlice)
  }

  static let rowSlice = Builtin("rowSlice", [
    .positional("x", .matrix, "a matrix, e.g. some tokens' x"),
    .labeled("from", .int, default: .value(.int(0)), "first row to keep"),
    .labeled("to", .int, default: .value(.int(0)), "row after the last to keep (0: the end)"),
    .labeled("every", .int, default: .value(.int(1)), "keep every this many rows of from..<to (1: all)"),
  ], returns: .matrix, doc: "Rows from, from + every, … below to of a matrix: a prefix of a token stream, a held-out part of it, or an evenly thinned sample.") { args, _ in
    let x = try args.matrix("x")
    let from = try args.int("from"), requested = try args.int("to"), step = try args.positiveInt("every")
    let to = requested == 0 ? x.rows : requested
    guard from >= 0 && from < x.rows else { throw RuntimeError("from must be in 0..<\(x.rows), got \(from)", argument: "from") }
    guard to > from && to <= x.rows else {
      throw RuntimeError("to must be in \(from + 1)...\(x.rows) (or 0 for the end), got \(requested)", argument: "to")
    }
    return .matrix(step == 1 ? x.rows(from..<to) : x.rows(Array(stride(from: from, to: to, by: step))))
  }

  static let tokensRecord = RecordType("Tokens", doc: "Some rows of activations, with where they came from ([CLS] and [SEP] usually left out).", fields: [
    ("x", .matrix, "their activations, (tokens × d)"),
    ("tokenIds", .array(.int), "the vocabulary id of every token"),
    ("rows", .array(.int), "the row of every token in the activations it came from"),
    ("count", .int, "number of tokens"),
    ("firstText", .int, "the corpus text the first token comes from"),
    ("texts", .array(.int), "the corpus texts these tokens come from, in order (e.g. the texts to score a patched model on)"),
    ("source", .activations, "the activations they were taken from (their model layer, corpus and maxLength)"),
  ])

  /// The `Tokens` record of `rows` of `a` (non-empty).
  static func tokens(_ a: ActivationsValue, rows: [Int]) -> Value {
    .record(Record("Tokens", [
      ("x", .matrix(a.set.x.rows(rows))), ("tokenIds", .array(rows.map { .int(a.set.tokenIds[$0]) })),
      ("rows", .array(rows.map(Value.int))), ("count", .int(rows.count)), ("firstText", .int(a.set.documents[rows[0]])),
      ("texts", .array(TextInterleavedSplit.texts(of: rows, documents: a.set.documents).map(Value.int))),
      ("source", .activations(a)),
    ]))
  }

  /// A `Tokens` argument: its activations and its rows in them.
  static func tokensArgument(_ args: CallArguments, _ name: String) throws -> (source: ActivationsValue, rows: [Int], x: Matrix) {
    guard case .record(let r)? = args.values[name], r.typeName == "Tokens",
          case .activations(let a)? = r["source"], case .array(let rowValues)? = r["rows"], case .matrix(let x)? = r["x"] else {
      throw RuntimeError("'\(name)' must be Tokens (from splitTexts or darkMatter.tokens)", argument: name)
    }
    let rows = try rowValues.map { v -> Int in
      guard case .int(let i) = v, i >= 0 && i < a.set.count else { throw RuntimeError("'\(name)' has a row outside its activations", argument: name) }
      return i
    }
    return (a, rows, x)
  }

  static let firstTokens = Builtin("firstTokens", [
    .positional("tokens", .record("Tokens"), "tokens, e.g. a token stream from splitTexts"),
    .labeled("count", .int, "how many to keep, from the start"),
  ], returns: .record("Tokens"),
     doc: "The first count of some tokens, in order (all of them when count ≥ their number): the start of a token stream.") { args, _ in
    let t = try tokensArgument(args, "tokens")
    return tokens(t.source, rows: Array(t.rows.prefix(try args.positiveInt("count"))))
  }

  static let subsample = Builtin("subsample", [
    .positional("tokens", .record("Tokens"), "tokens, e.g. split.train"),
    .labeled("count", .int, "how many to keep, evenly spaced"),
  ], returns: .record("Tokens"),
     doc: "count tokens evenly spaced through the given ones (all of them when count ≥ their number), e.g. to fit a large regression on part of the training texts.") { args, _ in
    let t = try tokensArgument(args, "tokens")
    let count = try args.positiveInt("count")
    let picked = DarkMatterBuiltins.evenlySpacedRows(min(count, t.rows.count), of: t.rows.count).map { t.rows[$0] }
    return tokens(t.source, rows: picked)
  }

  static let specialTokensParameter = Parameter.labeled(
    "specialTokens", .bool, default: .value(.bool(false)), "keep the [CLS] and [SEP] rows (left out by default: they are not text)")

  /// The special-token ids to leave out, or none when `specialTokens:` is true.
  static func excluded(_ args: CallArguments, _ a: ActivationsValue) throws -> Set<Int> {
    try args.bool("specialTokens") ? [] : a.vocabulary.specialIDs
  }

  static let tokens = Builtin("tokens", [
    .positional("acts", .activations, "activations from activations(…)"),
    .labeled("from", .int, default: .value(.int(0)), "first row to keep"),
    .labeled("to", .int, default: .value(.int(0)), "row after the last to keep (0: the end)"),
    specialTokensParameter,
  ], returns: .record("Tokens"),
     doc: "The rows from..<to of some activations, in stream order, without [CLS] and [SEP] unless specialTokens: is true.") { args, _ in
    guard case .activations(let a)? = args.values["acts"] else { throw RuntimeError("'acts' must be Activations", argument: "acts") }
    let from = try args.int("from"), requested = try args.int("to")
    let to = requested == 0 ? a.set.count : requested
    guard from >= 0 && from < a.set.count else {
      throw RuntimeError("from must be in 0..<\(a.set.count), got \(from)", argument: "from")
    }
    guard to > from && to <= a.set.count else {
      throw RuntimeError("to must be in \(from + 1)...\(a.set.count) (or 0 for the end), got \(requested)", argument: "to")
    }
    let special = try excluded(args, a)
    let keep = (from..<to).filter { !special.contains(a.set.tokenIds[$0]) }
    guard !keep.isEmpty else { throw RuntimeError("no ordinary tokens in rows \(from)..<\(to)", argument: "from") }
    return tokens(a, rows: keep)
  }

  static let splitRecord = RecordType("TextSplit", doc: "Activations split by whole texts, interleaved through the corpus: training texts, and held-out texts in two halves (fit and test).", fields: [
    ("train", .record("Tokens"), "ordinary tokens of the training texts: train SAEs and build dictionaries here"),
    ("heldOut", .record("Tokens"), "ordinary tokens of all held-out texts (the fit and test halves together)"),
    ("fit", .record("Tokens"), "the first half of the held-out texts: fit regressions here"),
    ("test", .record("Tokens"), "the other half of the held-out texts: score here what was fitted anywhere else"),
    ("period", .int, "one text in every `period` is held out"),
  ])

  static let splitTexts = Builtin("splitTexts", [
    .positional("acts", .activations, "activations from activations(…)"),
    .labeled("heldOutEvery", .int, default: .value(.int(4)), "hold out one text in every this many (text i is held out iff i mod n = n − 1)"),
    specialTokensParameter,
  ], returns: .record("TextSplit"),
     doc: "Splits activations by whole texts: text i is held out iff i mod heldOutEvery = heldOutEvery − 1, every other text is a training text; the held-out texts alternate between a fit half and a test half. No text has tokens on two sides, and every side covers the whole corpus. [CLS] and [SEP] are left out of all sides unless specialTokens: is true.") { args, _ in
    guard case .activations(let a)? = args.values["acts"] else { throw RuntimeError("'acts' must be Activations", argument: "acts") }
    let period = try args.int("heldOutEvery")
    guard period >= 2 else {
      throw RuntimeError("heldOutEvery must be at least 2 (one text in every heldOutEvery is held out), got \(period)", argument: "heldOutEvery")
    }
    let split = try attributing("heldOutEvery") { try TextInterleavedSplit(period: period) }
    let sides = try split.rows(documents: a.set.documents, tokenIds: a.set.tokenIds, excluding: try excluded(args, a))
    guard !sides.training.isEmpty else { throw RuntimeError("no ordinary tokens in the training texts", argument: "acts") }
    guard !sides.fit.isEmpty && !sides.test.isEmpty else {
      throw RuntimeError("no ordinary tokens in one half of the held-out texts: these activations cover only \((a.set.documents.max() ?? -1) + 1) texts, at least \(2 * period) are needed", argument: "acts")
    }
    return .record(Record("TextSplit", [
      ("train", tokens(a, rows: sides.training)), ("heldOut", tokens(a, rows: sides.heldOut)),
      ("fit", tokens(a, rows: sides.fit)), ("test", tokens(a, rows: sides.test)), ("period", .int(period)),
    ]))
  }
}
