import SAEKit

/// `argsort`, `argmax`, `argmin`: positions of values in order (SAEKit's ``Ranking``), e.g. the
/// latents that fire most often or the tokens with the largest error.
enum RankingBuiltins {
  static func register(_ r: inout Registry) {
    r.add(Builtin("argsort", [
      .positional("values", .array(.double), "numbers (no NaN)"),
      .labeled("descending", .bool, default: .value(.bool(false)), "largest first"),
    ], returns: .array(.int),
      doc: "The indices that sort the values, ascending (or descending); stable: equal values keep their order.") { args, _ in
      let values = try args.doubles("values"), descending = try args.bool("descending")
      return DarkMatterBuiltins.ints(try attributing("values") { try Ranking.argsort(values, descending: descending) })
    })
    let extremes: [(String, String, @Sendable ([Double]) throws -> Int)] = [
      ("argmax", "The index of the largest value (the first when several are equal); an error when empty.", Ranking.argmax),
      ("argmin", "The index of the smallest value (the first when several are equal); an error when empty.", Ranking.argmin),
    ]
    for (name, doc, find) in extremes {
      r.add(Builtin(name, [.positional("values", .array(.double), "numbers (no NaN), at least one")], returns: .int, doc: doc) { args, _ in
        let values = try args.doubles("values")
        return .int(try attributing("values") { try find(values) })
      })
    }
  }
}
