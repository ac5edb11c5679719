import SAEKit

/// Linear algebra on matrices for analyses written in cells: products, transposes, reductions
/// along an axis, row and column selection, and saving a matrix for NumPy. The computations
/// are SAEKit's (`Matrix+Products`, `Matrix+Reductions`, `Matrix+Selection`); these adapters
/// check the arguments and name the one at fault.
enum MatrixBuiltins {
  static func register(_ r: inout Registry) {
    r.add(matrix)
    r.add(matmul)
    r.add(transpose)
    r.add(saveMatrix)
    r.add(saveActivations)
    r.add(standardizeRows)
    let axisDoc = "0: down the rows, one value per column; 1: along each row, one value per row"
    let reductions: [(String, String, @Sendable (Matrix, Int) throws -> [Double])] = [
      ("sum", "Sums along an axis (accumulated in Double), like NumPy's sum(axis:).", { try $0.sum(axis: $1) }),
      ("mean", "Means along an axis (accumulated in Double), like NumPy's mean(axis:); an error when the axis is empty.",
       { try $0.mean(axis: $1) }),
      ("norm", "L2 norms along an axis: of every column (0) or of every row (1).", { try $0.norm(axis: $1) }),
    ]
    for (name, doc, reduce) in reductions {
      r.addMethod(Builtin(name, [.labeled("axis", .int, axisDoc)], returns: .array(.double), doc: doc) { args, _ in
        let m = try receiver(args)
        let axis = try args.int("axis")
        let values = try attributing("axis") { try reduce(m, axis) }
        return DarkMatterBuiltins.doubles(values)
      }, on: .matrix)
    }
    r.addMethod(Builtin("rows", [.positional("indices", .array(.int), "row indices (repeats allowed) or a range such as 10..<20")],
                        returns: .matrix, doc: "The rows at the indices, in that order, as a new matrix.") { args, _ in
      let m = try receiver(args)
      if case .range? = args.values["indices"], let range = args.values["indices"]?.integerRange {
        return .matrix(try attributing("indices") { try m.rows(in: range) })
      }
      let indices = try ints(args, "indices")
      return .matrix(try attributing("indices") { try m.rows(at: indices) })
    }, on: .matrix)
    // `rows(where:)` beside `rows(_:)`: the registry keys it by its label, `rows(where:)`.
    r.addMethod(Builtin("rows", [.labeled("where", .array(.bool), "one Bool per row: true keeps the row")],
                        returns: .matrix, doc: "The rows whose mask element is true, in order, as a new matrix.") { args, _ in
      let m = try receiver(args)
      let mask = try args.array("where").map { item -> Bool in
        guard case .bool(let b) = item else { throw RuntimeError("'where' must contain Bools, found \(item.type)", argument: "where") }
        return b
      }
      return .matrix(try attributing("where") { try m.rows(where: mask) })
    }, on: .matrix)
    r.addMethod(Builtin("columns", [.positional("indices", .array(.int), "column indices (repeats allowed) or a range")],
                        returns: .matrix, doc: "The columns at the indices, in that order, as a new matrix.") { args, _ in
      let m = try receiver(args)
      let indices = try ints(args, "indices")
      return .matrix(try attributing("indices") { try m.columns(at: indices) })
    }, on: .matrix)
  }

  static let matrix = Builtin("Matrix", [.positional("rows", .array(.array(.double)), "the rows, all of the same length")],
                              returns: .matrix, doc: "A matrix from its rows (stored as Float32): Matrix([[1, 2], [3, 4]]) is (2×2).") { args, _ in
    let rows = try args.array("rows").enumerated().map { i, row -> [Float] in
      guard let items = row.elements else { throw RuntimeError("'rows' must contain arrays of numbers, found \(row.type)", argument: "rows") }
      return try items.map { item in
        switch item {
        case .double(let d): return Float(d)
        case .int(let n): return Float(n)
        default: throw RuntimeError("row \(i) of 'rows' must contain numbers, found \(item.type)", argument: "rows")
        }
      }
    }
    if let first = rows.first, let k = rows.firstIndex(where: { $0.count != first.count }) {
      throw RuntimeError("the rows differ in length: row 0 has \(first.count) elements, row \(k) has \(rows[k].count)", argument: "rows")
    }
    return .matrix(try attributing("rows") { try Matrix(rows) })
  }

  static let matmul = Builtin("matmul", [
    .positional("a", .matrix, "left factor, (n × k)"),
    .positional("b", .matrix, "right factor, (k × m)"),
  ], returns: .matrix, doc: "The matrix product a·b, (n × m), through BLAS (Float32 products, split over cores by rows).") { args, _ in
    let a = try args.matrix("a"), b = try args.matrix("b")
    guard a.cols == b.rows else {
      throw RuntimeError(
        "cannot multiply a \(a.shape) matrix by a \(b.shape) matrix: a has \(a.cols) columns but b has \(b.rows) rows",
        argument: "b")
    }
    return .matrix(try attributing("b") { try a.matmul(b) })
  }

  static let transpose = Builtin("transpose", [.positional("m", .matrix, "a matrix, (rows × cols)")], returns: .matrix,
                                 doc: "The transpose, (cols × rows).") { args, _ in
    .matrix(try args.matrix("m").transposed)
  }

  static let standardizeRows = Builtin("standardizeRows", [.positional("x", .matrix, "activations, (tokens × dim)")],
                                       returns: .matrix,
                                       doc: "Every row standardised as the Top-AFA reference code's input_unit_norm: (x − mean)/(std + 1e-5), std with n − 1; rows then have norm ≈ √(dim − 1).") { args, _ in
    .matrix(try args.matrix("x").standardizedRows())
  }

  static let saveMatrix = Builtin("saveMatrix", [
    .positional("m", .matrix, "the matrix to save"),
    .labeled("to", .string, "the .npy file to write (exactly this name), relative to the notebook's folder"),
  ], returns: .void,
    doc: "Saves a matrix as a NumPy .npy file of float32, shape (rows, cols), as np.save writes it: np.load and loadMatrix read it back. The file is written to a temporary name and renamed into place, so it is never seen half-written."
  ) { args, context in
    let m = try args.matrix("m")
    let path = try args.string("to")
    guard !path.isEmpty else { throw RuntimeError("'to' is empty: name the .npy file to write", argument: "to") }
    try attributing("to") { try NPY.write(m, to: context.resolve(path)) }
    return .void
  }.writing(.file("to"), replacing: .file(extensions: ["npy"]))

  static let saveActivations = Builtin("saveActivations", [
    .positional("acts", .activations, "activations taken with activations(…) or layerActivations(…)"),
    .labeled("to", .string, "the folder to write, relative to the notebook's folder"),
  ], returns: .void,
    doc: "Writes activations for NumPy users: activations.npy (float32, tokens × d), tokens.npy (int64: document, position, token id per row), token_strings.json, documents.json and info.json (model, layer, corpus and what each file holds). Each file is written atomically, info.json last."
  ) { args, context in
    guard case .activations(let a) = try args.value("acts") else { throw RuntimeError("'acts' must be Activations", argument: "acts") }
    let path = try args.string("to")
    guard !path.isEmpty else { throw RuntimeError("'to' is empty: name the folder to write", argument: "to") }
    try attributing("to") {
      try ActivationExport.write(a.set, model: a.model.brief, layer: a.layer, corpus: a.corpus, maxLength: a.request.maxLength,
                                 tokenStrings: a.set.tokenIds.map { a.vocabulary.token($0) }, to: context.resolve(path))
    }
    return .void
  }.writing(.folder("to"), replacing: .folder(holding: ActivationExport.infoFileName))

  static func receiver(_ args: CallArguments) throws -> Matrix {
    guard case .matrix(let m)? = args.receiver else { throw RuntimeError("not a Matrix") }
    return m
  }

  /// An array of Ints (or a range) passed as `name`.
  static func ints(_ args: CallArguments, _ name: String) throws -> [Int] {
    try args.array(name).map { item in
      guard case .int(let i) = item else { throw RuntimeError("'\(name)' must contain Ints, found \(item.type)", argument: name) }
      return i
    }
  }
}
