import SAEKit

/// `sae.encode(x)`: the codes an SAE's own forward pass computes (its inference rule), as a
/// `SparseCodes` record with a dense matrix and the active latents of each row.
enum SparseCodeBuiltins {
  static let codes = RecordType(
    "SparseCodes", doc: "The latent codes of some inputs under an SAE (its inference rule: what reconstruct decodes). Method: codes.active(row: i) -> [Int], the latents that are non-zero in row i, ascending.",
    fields: [
      ("l0", .double, "mean number of non-zero latents per row"),
      ("dense", .matrix, "the codes as a (rows × latents) matrix, zeros included; decoded by the SAE's decoder they give reconstruct(x)"),
    ])

  static func register(_ r: inout Registry) {
    r.addRecord(codes)
    r.addMethod(encode, on: .sae)
    r.addMethod(active, on: .record("SparseCodes"))
  }

  static let encode = Builtin("encode", [.positional("x", .matrix, "inputs, (rows × dim)")], returns: .record("SparseCodes"),
    doc: "The SAE's codes of x, exactly those its forward pass computes (TopK and BatchTopK use their inference rules). The dense matrix has rows × width Float32 entries: encode a few thousand rows at a time for wide SAEs."
  ) { args, _ in
    guard case .sae(let s)? = args.receiver else { throw RuntimeError("not an SAE") }
    let x = try args.matrix("x")
    guard x.cols == s.model.dimension else {
      throw RuntimeError("'x' has \(x.cols) columns but the SAE's input dimension is \(s.model.dimension)", argument: "x")
    }
    let sparse = try attributing("x") { try s.model.encode(x) }
    return .record(Record("SparseCodes", [("l0", .double(sparse.meanL0)), ("dense", .matrix(sparse.dense()))]))
  }

  static let active = Builtin("active", [.labeled("row", .int, "a row of the codes, from 0")], returns: .array(.int),
    doc: "The latents that are non-zero in the row, ascending."
  ) { args, _ in
    guard case .record(let record)? = args.receiver, case .matrix(let dense)? = record["dense"] else {
      throw RuntimeError("not SparseCodes")
    }
    let row = try args.int("row")
    guard row >= 0 && row < dense.rows else {
      throw RuntimeError(
        dense.rows == 0 ? "the codes have no rows" : "row \(row) is outside 0..<\(dense.rows)", argument: "row")
    }
    return DarkMatterBuiltins.ints(try dense.nonzeroColumns(row: row))
  }
}
