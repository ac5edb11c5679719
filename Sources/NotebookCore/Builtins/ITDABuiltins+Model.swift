import SAEKit

/// The model-facing ITDA builtins: embedding fidelity of the reconstruction
/// spliced into MiniLM's forward pass, and atoms shown as the tokens they are.
extension ITDABuiltins {
  static let fidelity = Builtin("itda.fidelity", [
    .positional("model", .model, "the model, from minilm()"),
    .labeled("dictionary", .record("ITDA"), default: .absent, "an ITDA dictionary built on one layer's activations"),
    .labeled("sae", .sae, default: .absent, "or an SAE, scored the same way"),
    .labeled("layer", .int, default: .absent, "the layer to patch (default: the tokens' layer)"),
    .labeled("l0", .int, default: .absent, "pursuit steps (default: the dictionary's l0)"),
  ] + FidelityArguments.parameters, returns: .double,
     doc: "Embedding fidelity of splicing the ITDA (or SAE) reconstruction into the forward pass, as fidelity(…) scores an SAE: mean over the texts of some tokens of (cos(e*, e) − cos(e0, e)) / (1 − cos(e0, e)); e clean, e* patched, e0 with the same rows zero-ablated.") { args, context in
    let m = try args.miniLM("model", for: "itda.fidelity")
    let (replace, builtLayer, source) = try reconstruction(args, dimension: m.hiddenSize)
    let tokensLayer = try TokenBuiltins.tokensArgument(args, "on").source.layer
    if let requested = try args.optionalInt("layer"), builtLayer >= 0, requested != builtLayer {
      throw RuntimeError("the dictionary was built on layer \(builtLayer), not \(requested)", argument: "layer")
    }
    if builtLayer >= 0 && !args.has("layer") && builtLayer != tokensLayer {
      throw RuntimeError("the dictionary was built on layer \(builtLayer) but the tokens are of layer \(tokensLayer); pass layer:", argument: source)
    }
    let result = try FidelityArguments.measure(args, context, model: m, layer: try args.optionalInt("layer"), label: "itda.fidelity",
                                               replacements: [replace])
    return .double(result.means[0])
  }

  /// The patch of `itda.fidelity`: MP over the dictionary, or the SAE's
  /// reconstruction; with the layer it was built on (−1 when unknown) and
  /// the argument it came from.
  static func reconstruction(_ args: CallArguments, dimension: Int) throws -> (MiniLM.Patch, Int, String) {
    switch (args.has("dictionary"), args.has("sae")) {
    case (true, false):
      let (d, layer, _) = try dictionary(args, "dictionary")
      guard d.dimension == dimension else {
        throw RuntimeError("the dictionary's atoms have d = \(d.dimension), the model's layers have d = \(dimension)", argument: "dictionary")
      }
      let pursuit = try attributing("dictionary") { try d.prepared(l0: try l0(args, fallback: d.l0)) }
      return ({ try pursuit.run($0).reconstruction }, layer, "dictionary")
    case (false, true):
      let s = try args.sae("sae")
      guard s.model.dimension == dimension else {
        throw RuntimeError("the SAE expects d = \(s.model.dimension), the model's layers have d = \(dimension)", argument: "sae")
      }
      return ({ try s.model.reconstruct($0) }, -1, "sae")
    case (true, true): throw RuntimeError("pass either dictionary: or sae:, not both", argument: "sae")
    case (false, false): throw RuntimeError("pass dictionary: (an ITDA) or sae: (an SAE) to score", argument: "model")
    }
  }

  static let atoms = Builtin("itda.atoms", [
    .positional("dictionary", .record("ITDA"), "an ITDA dictionary"),
    .labeled("source", .activations, "the activations it was built from (for the text around each atom's token)"),
    .labeled("atoms", .array(.int), default: .absent, "which atoms to show (default: count atoms evenly spaced over the dictionary)"),
    .labeled("count", .int, default: .value(.int(8)), "how many atoms to show when atoms is absent"),
    .labeled("context", .int, default: .value(.int(6)), "tokens of context on each side"),
  ], returns: .table, doc: "Atoms as the token occurrences they are: each atom's token in its source text (the token in «»), with its document and position.") { args, _ in
    let (d, _, _) = try dictionary(args, "dictionary")
    let source = try DarkMatterBuiltins.activations(args, "source")
    let window = try args.int("context")
    guard window >= 0 else { throw RuntimeError("context must be ≥ 0, got \(window)", argument: "context") }
    var chosen: [Int]
    if args.has("atoms") {
      chosen = try args.array("atoms").map { item in
        guard case .int(let j) = item, (0..<d.count).contains(j) else {
          throw RuntimeError("atoms must be indices in 0..<\(d.count), found \(item.brief)", argument: "atoms")
        }
        return j
      }
    } else {
      chosen = DarkMatterBuiltins.evenlySpacedRows(min(try args.positiveInt("count"), d.count), of: d.count)
    }
    let rows = rowsByOccurrence(source.set)
    let table = chosen.map { j -> [Value] in
      let label = d.labels[j]
      let text = rows[label.occurrence].map { contextText(source, row: $0, window: window) } ?? "(not in the source activations)"
      let token = label.tokenId >= 0 ? source.vocabulary.token(label.tokenId) : "–"
      return [.int(j), .string(token), .int(label.document), .int(label.position), .string(text)]
    }
    return .table(Table(headers: ["atom", "token", "document", "position", "context"], rows: table))
  }

  static let topActivations = Builtin("itda.topActivations", [
    .positional("dictionary", .record("ITDA"), "an ITDA dictionary"),
    .labeled("on", .record("Tokens"), "tokens to encode, e.g. held-out ones from splitTexts"),
    .labeled("atom", .int, "the atom (latent) to inspect"),
    .labeled("count", .int, default: .value(.int(8)), "how many tokens to show"),
    .labeled("context", .int, default: .value(.int(6)), "tokens of context on each side"),
    .labeled("l0", .int, default: .absent, "pursuit steps (default: the dictionary's l0)"),
  ], returns: .table, doc: "The tokens whose matching-pursuit codes give an atom the largest coefficients, each in its context (the token in «»); `source` marks the atom's own occurrence.") { args, _ in
    let (d, _, _) = try dictionary(args, "dictionary")
    let tokens = try TokenBuiltins.tokensArgument(args, "on")
    let a = tokens.source
    let atom = try args.int("atom"), count = try args.positiveInt("count"), window = try args.int("context")
    guard (0..<d.count).contains(atom) else { throw RuntimeError("atom must be in 0..<\(d.count), got \(atom)", argument: "atom") }
    guard window >= 0 else { throw RuntimeError("context must be ≥ 0, got \(window)", argument: "context") }
    guard tokens.x.cols == d.dimension else {
      throw RuntimeError("'on' has d = \(tokens.x.cols) but the atoms have d = \(d.dimension)", argument: "on")
    }
    let codes = try attributing("on") { try d.encode(tokens.x, l0: try l0(args, fallback: d.l0)) }
    var hits: [(value: Float, row: Int)] = []
    for r in 0..<codes.rows {
      for e in codes.entries(row: r) where Int(codes.indices[e]) == atom && codes.values[e] > 0 {
        hits.append((codes.values[e], tokens.rows[r]))
      }
    }
    hits.sort { $0.value > $1.value || ($0.value == $1.value && $0.row < $1.row) }
    let own = d.labels[atom].occurrence
    let rows = hits.prefix(count).map { hit -> [Value] in
      let occurrence = TokenOccurrence(document: a.set.documents[hit.row], position: a.set.positions[hit.row])
      return [.double(Double(hit.value)), .string(a.vocabulary.token(a.set.tokenIds[hit.row])),
              .string(occurrence == own ? "yes" : ""), .string(contextText(a, row: hit.row, window: window))]
    }
    return .table(Table(headers: ["coefficient", "token", "source", "context"], rows: rows))
  }

  /// The row of each token occurrence in `set`.
  static func rowsByOccurrence(_ set: ActivationSet) -> [TokenOccurrence: Int] {
    var rows = [TokenOccurrence: Int](minimumCapacity: set.count)
    for r in 0..<set.count { rows[TokenOccurrence(document: set.documents[r], position: set.positions[r])] = r }
    return rows
  }

  /// The tokens around `row` within its document (`window` on each side), the token itself in «».
  static func contextText(_ a: ActivationsValue, row: Int, window: Int) -> String {
    let doc = a.set.documents[row], pos = a.set.positions[row]
    var first = row, last = row
    while first > 0 && a.set.documents[first - 1] == doc && a.set.positions[first - 1] >= pos - window { first -= 1 }
    while last + 1 < a.set.count && a.set.documents[last + 1] == doc && a.set.positions[last + 1] <= pos + window { last += 1 }
    let ids = a.set.tokenIds
    return a.vocabulary.context(before: Array(ids[first..<row]), token: ids[row], after: Array(ids[(row + 1)..<(last + 1)]))
  }
}
