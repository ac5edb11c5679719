import SAEKit

/// Tables and explicit display.
enum TableBuiltins {
  static func register(_ r: inout Registry) {
    r.add(Builtin("table", [
      .labeled("columns", .array(.string), "column headers"),
      .labeled("rows", .array(.array(.any)), "rows, each with one value per column"),
        ], returns: .table, doc: "A table of values, shown in the report (and recorded cell by cell in the JSON)."
      ) { args, _ in
      let headers = try args.strings("columns")
      let rows = try args.array("rows").enumerated().map { i, row -> [Value] in
        guard let cells = row.elements else { throw RuntimeError("row \(i) is not an array", argument: "rows") }
        guard cells.count == headers.count else {
            throw RuntimeError(
              "row \(i) has \(cells.count) values but there are \(headers.count) columns", argument: "rows")
        }
        return cells
      }
      return .table(Table(headers: headers, rows: rows))
    })
    r.add(Builtin("show", [.positional("value", .any, "the value to display")], returns: .void,
        doc: "Displays a value in the report now (the last bare expression of a cell is displayed anyway)."
      ) { args, context in
      if let v = args.values["value"] { context.emit(.value(v)) }
      return .void
    })
    r.add(Builtin("loadMatrix", [
      .positional("path", .string, "a .npy file (float16/32/64 or int, 1-D or 2-D), an .npz archive (np.savez), a .safetensors file, or a folder of .npy/.safetensors shards, relative to the notebook's folder"),
      .labeled("name", .string, default: .absent, "which array of an .npz archive, or which tensor of a .safetensors one (default: the only one)"),
    ], returns: .matrix,
      doc: "Reads a matrix (e.g. saved activations) from a NumPy .npy or .npz file, a .safetensors file, or a folder of shards stacked by rows in natural name order (shard_2 before shard_10)."
    ) { args, context in
      do {
        return .matrix(try MatrixFiles.read(context.resolve(try args.string("path")), name: try args.optionalString("name")))
      } catch let e as SAEKitError {
        throw RuntimeError(e.description, argument: "path")
      }
    }.reading(.file("path")))
    r.addProperty(Property(receiver: .matrix, name: "rows", type: .int, doc: "number of rows") { v in
      guard case .matrix(let m) = v else { return .int(0) }
      return .int(m.rows)
    })
    r.addProperty(Property(receiver: .matrix, name: "cols", type: .int, doc: "number of columns") { v in
      guard case .matrix(let m) = v else { return .int(0) }
      return .int(m.cols)
    })
  }
}
