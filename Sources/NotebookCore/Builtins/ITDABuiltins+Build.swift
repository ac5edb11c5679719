import Foundation
import SAEKit

/// Building ITDA dictionaries, encoding and decoding with matching pursuit,
/// reconstruction metrics, and dictionary files.
extension ITDABuiltins {
  /// Parameters shared by `itda.build` and `itda.buildMatrix`.
  static let buildParameters: [Parameter] = [
    .labeled("threshold", .double, "τ of the reference add rule: x is added iff cos(x, x̂) < 1 − τ·d/2 (τ = 2(1 − cos*)/d)"),
    .labeled("l0", .int, default: .value(.int(40)), "matching-pursuit steps while building (the reference's k)"),
    .labeled("maxAtoms", .int, default: .value(.int(0)), "stop adding once the dictionary holds this many atoms (0: no cap)"),
    .labeled("batch", .int, default: .value(.int(16_384)), "tokens per batch: a batch is encoded against the dictionary as it stood before it (the reference: 128 sequences × 128 tokens)"),
    .labeled("tokens", .int, default: .value(.int(0)), "use only the first this many tokens, in stream order (0: all)"),
  ]

  static let build = Builtin("itda.build", [
    .positional("stream", .record("Tokens"), "the token stream, in order, e.g. splitTexts(acts, specialTokens: true).train"),
  ] + buildParameters, returns: .record("ITDA"),
     doc: "Builds an ITDA dictionary by streaming tokens in batches: the first batch initialises up to d atoms, then every activation whose matching-pursuit reconstruction has cos(x, x̂) < 1 − τ·d/2 is added (the reference code's rule); atoms keep their (document, position, token).") { args, context in
    let t = try TokenBuiltins.tokensArgument(args, "stream")
    return try construct(try stream(t), layer: t.source.layer, args, context)
  }

  /// The rows of a `Tokens` argument as an activation set with their provenance.
  static func stream(_ t: (source: ActivationsValue, rows: [Int], x: Matrix)) throws -> ActivationSet {
    let s = t.source.set
    return try attributing("stream") {
      try ActivationSet(x: t.x, documents: t.rows.map { s.documents[$0] }, positions: t.rows.map { s.positions[$0] },
                        tokenIds: t.rows.map { s.tokenIds[$0] })
    }
  }

  static let buildMatrix = Builtin("itda.buildMatrix", [
    .positional("x", .matrix, "activations, (tokens × d), in stream order"),
    .labeled("provenance", .record("Tokens"), default: .absent, "tokens whose labels the rows of x carry, row for row (x has as many rows as they have tokens, e.g. a transformation of their x); absent: row i is labelled (document i, position 0)"),
  ] + buildParameters, returns: .record("ITDA"),
     doc: "Builds an ITDA dictionary from a plain matrix (e.g. transformed activations), with the labels of `provenance` so that dictionaries of the same token stream can be compared by label Jaccard.") { args, context in
    let x = try args.matrix("x")
    var layer = -1
    let set: ActivationSet
    if args.has("provenance") {
      let t = try TokenBuiltins.tokensArgument(args, "provenance")
      guard t.rows.count == x.rows else {
        throw RuntimeError("'provenance' has \(t.rows.count) tokens but 'x' has \(x.rows) rows", argument: "provenance")
      }
      layer = t.source.layer
      var labelled = try stream(t)
      labelled.x = x
      set = labelled
    } else {
      set = try attributing("x") {
        try ActivationSet(x: x, documents: Array(0..<x.rows), positions: [Int](repeating: 0, count: x.rows),
                          tokenIds: [Int](repeating: -1, count: x.rows))
      }
    }
    return try construct(set, layer: layer, args, context)
  }

  /// The shared body of the two builders.
  static func construct(_ full: ActivationSet, layer: Int, _ args: CallArguments, _ context: RuntimeContext) throws -> Value {
    let threshold = try args.double("threshold")
    guard threshold.isFinite && threshold >= 0 else {
      throw RuntimeError("threshold must be finite and ≥ 0, got \(threshold)", argument: "threshold")
    }
    let cap = try args.int("maxAtoms"), tokens = try args.int("tokens"), batch = try args.positiveInt("batch")
    guard cap >= 0 else { throw RuntimeError("maxAtoms must be ≥ 0 (0: no cap), got \(cap)", argument: "maxAtoms") }
    guard tokens >= 0 else { throw RuntimeError("tokens must be ≥ 0 (0: all), got \(tokens)", argument: "tokens") }
    guard full.count > 0 else { throw RuntimeError("no activations to build from", argument: args.has("x") ? "x" : "activations") }
    let set = tokens == 0 || tokens >= full.count ? full : try attributing("tokens") {
      try ActivationSet(x: full.x.rows(0..<tokens), documents: Array(full.documents[0..<tokens]),
                        positions: Array(full.positions[0..<tokens]), tokenIds: Array(full.tokenIds[0..<tokens]))
    }
    let options = ITDABuilder.Options(threshold: threshold, l0: try l0(args, fallback: 40), maxAtoms: cap == 0 ? nil : cap)
    let start = DispatchTime.now().uptimeNanoseconds
    var growth = [Int]()
    do {
      let d = try attributing(nil) {
        try ITDABuilder.build(
          from: set, tokensPerBatch: batch, options: options,
          progress: { p in
            growth.append(p.report.atoms)
            context.progress?("itda.build", Double(p.tokensSeen) / Double(set.count))
          },
          isCancelled: { context.isPastDeadline })
      }
      return record(d, seconds: seconds(since: start), layer: layer, batch: batch, growth: growth)
    } catch SAEKitError.cancelled {
      try context.checkDeadline()
      throw RuntimeError("stopped")
    }
  }

  static let crop = Builtin("itda.crop", [
    .positional("dictionary", .record("ITDA"), "an ITDA dictionary"),
    .labeled("atoms", .int, "how many atoms to keep: the first ones, in the order they were added"),
  ], returns: .record("ITDA"),
     doc: "The dictionary as it stood when it first held this many atoms: its first atoms, in order (with growth: the dictionary after fewer tokens).") { args, _ in
    let (d, layer, seconds) = try dictionary(args, "dictionary")
    let n = try args.positiveInt("atoms")
    guard n <= d.count else { throw RuntimeError("the dictionary has \(d.count) atoms, fewer than \(n)", argument: "atoms") }
    return record(d.cropped(to: n), seconds: seconds, layer: layer)
  }

  static let evaluate = Builtin("itda.evaluate", [
    .positional("dictionary", .record("ITDA"), "an ITDA dictionary"),
    .labeled("on", .matrix, "data, (tokens × d)"),
    .labeled("l0", .int, default: .absent, "pursuit steps (default: the dictionary's l0)"),
    .labeled("omp", .bool, default: .value(.bool(false)), "orthogonal matching pursuit instead of plain MP"),
  ], returns: .record("ITDAMetrics"), doc: "Encodes the data by matching pursuit over the atoms and measures the reconstruction (FVU, cosine, L0, atoms used, time).") { args, _ in
    let (d, _, _) = try dictionary(args, "dictionary")
    let x = try data(args, "on", dimension: d.dimension)
    let start = DispatchTime.now().uptimeNanoseconds
    let result = try attributing("on") {
      try d.reconstruct(x, l0: try l0(args, fallback: d.l0), algorithm: try algorithm(args))
    }
    let elapsed = seconds(since: start)
    let s = try attributing("on") { try ReconstructionMetrics.summary(x: x, reconstruction: result.reconstruction, codes: result.codes) }
    let used = result.codes.firingCounts().filter { $0 > 0 }.count
    return .record(Record("ITDAMetrics", [
      ("fvu", .double(s.fractionOfVarianceUnexplained)), ("explainedVariance", .double(s.explainedVariance)),
      ("cosine", .double(s.meanCosineSimilarity)), ("l0", .double(s.meanL0 ?? result.codes.meanL0)),
      ("atomsUsed", .double(d.count == 0 ? 0 : Double(used) / Double(d.count))), ("seconds", .double(elapsed)),
    ]))
  }

  static let reconstruct = Builtin("itda.reconstruct", [
    .positional("dictionary", .record("ITDA"), "an ITDA dictionary"),
    .positional("x", .matrix, "data, (tokens × d)"),
    .labeled("l0", .int, default: .absent, "pursuit steps (default: the dictionary's l0)"),
    .labeled("omp", .bool, default: .value(.bool(false)), "orthogonal matching pursuit instead of plain MP"),
  ], returns: .matrix, doc: "x̂ = c·D with c the matching-pursuit codes of x.") { args, _ in
    let (d, _, _) = try dictionary(args, "dictionary")
    let x = try data(args, "x", dimension: d.dimension)
    return .matrix(try attributing("x") { try d.reconstruct(x, l0: try l0(args, fallback: d.l0), algorithm: try algorithm(args)).reconstruction })
  }

  /// Dense codes are `tokens × atoms`; beyond this many entries `itda.encode` refuses.
  static let maximumDenseCodes = 50_000_000

  static let encode = Builtin("itda.encode", [
    .positional("dictionary", .record("ITDA"), "an ITDA dictionary"),
    .positional("x", .matrix, "data, (tokens × d)"),
    .labeled("l0", .int, default: .absent, "pursuit steps (default: the dictionary's l0)"),
    .labeled("omp", .bool, default: .value(.bool(false)), "orthogonal matching pursuit instead of plain MP"),
  ], returns: .matrix, doc: "The matching-pursuit codes of x as a dense (tokens × atoms) matrix: per token at most l0 signed non-zeros (an atom chosen twice accumulates).") { args, _ in
    let (d, _, _) = try dictionary(args, "dictionary")
    let x = try data(args, "x", dimension: d.dimension)
    guard x.rows * d.count <= maximumDenseCodes else {
      throw RuntimeError("\(x.rows) tokens × \(d.count) atoms is too large for dense codes (at most \(maximumDenseCodes) entries); use itda.reconstruct or itda.evaluate", argument: "x")
    }
    return .matrix(try attributing("x") { try d.encode(x, l0: try l0(args, fallback: d.l0), algorithm: try algorithm(args)).dense() })
  }

  static let decode = Builtin("itda.decode", [
    .positional("dictionary", .record("ITDA"), "an ITDA dictionary"),
    .positional("codes", .matrix, "codes, (tokens × atoms)"),
  ], returns: .matrix, doc: "x̂ = c·D.") { args, _ in
    let (d, _, _) = try dictionary(args, "dictionary")
    let c = try args.matrix("codes")
    guard c.cols == d.count else {
      throw RuntimeError("'codes' has \(c.cols) columns but the dictionary has \(d.count) atoms", argument: "codes")
    }
    return .matrix(try attributing("codes") { try d.decode(SparseCodes(dense: c)) })
  }

  static let save = Builtin("itda.save", [
    .positional("dictionary", .record("ITDA"), "an ITDA dictionary"),
    .labeled("to", .string, "the .safetensors file to write"),
  ], returns: .void, doc: "Saves the dictionary (atoms F32 [m, d], labels I64 [m, 3], τ, l0 and counts in the metadata; format \"saekit-itda\" version 1).") { args, context in
    let (d, _, _) = try dictionary(args, "dictionary")
    try attributing("to") { try d.save(to: ModelBuiltins.resolve(try args.string("to"), context)) }
    return .void
  }.writing(.file("to"), replacing: .file(extensions: ["safetensors"]))

  static let load = Builtin("itda.load", [
    .positional("path", .string, "a file written by itda.save"),
    .labeled("layer", .int, default: .value(.int(-1)), "the model layer its atoms come from (the file does not record it)"),
  ], returns: .record("ITDA"), doc: "Loads a dictionary written by itda.save.") { args, context in
    let d = try attributing("path") { try ITDADictionary.load(from: ModelBuiltins.resolve(try args.string("path"), context)) }
    return record(d, seconds: 0, layer: try args.int("layer"))
  }.reading(.file("path"))
}
