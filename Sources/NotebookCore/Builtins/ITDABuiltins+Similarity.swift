import SAEKit

/// `similarity.*`: ITDA's label Jaccard next to the measures the paper compares
/// it with (papers-2.md §2c), layer × layer matrices, and the transforms of the
/// invariance experiment (§2f).
extension ITDABuiltins {
  static let jaccard = Builtin("similarity.jaccard", [
    .positional("a", .record("ITDA"), "a dictionary"),
    .positional("b", .record("ITDA"), "a dictionary built on the identical token stream"),
  ], returns: .double, doc: "ITDA similarity: |L(a) ∩ L(b)| / |L(a) ∪ L(b)| over the atoms' token occurrences (document, position); 1 for two empty dictionaries.") { args, _ in
    .double(LabelJaccard.similarity(try dictionary(args, "a").dictionary, try dictionary(args, "b").dictionary))
  }

  /// The measures of `similarity.matrix`, by name.
  static let measures: [String: @Sendable (Matrix, Matrix) throws -> Double] = [
    "cka": { try LinearCKA.similarity($0, $1) },
    "ckaReference": { try LinearCKA.columnNormalised($0, $1) },
    "svcca": { try SVCCA.similarity($0, $1) },
    "svccaReference": { try SVCCA.similarity($0, $1, variant: .referenceCode) },
    "relative": { try RelativeRepresentationSimilarity.similarity($0, $1) },
    "regression": { try LinearRegressionSimilarity.rSquared(predicting: $1, from: $0) },
  ]

  /// Two matrices `x` and `y` with the same number of rows.
  static func pair(_ args: CallArguments) throws -> (Matrix, Matrix) {
    let x = try args.matrix("x"), y = try args.matrix("y")
    guard x.rows > 0 else { throw RuntimeError("'x' has no rows", argument: "x") }
    guard x.rows == y.rows else {
      throw RuntimeError("'x' and 'y' must hold the same tokens: \(x.rows) rows vs \(y.rows)", argument: "y")
    }
    return (x, y)
  }

  static let cka = Builtin("similarity.cka", [
    .positional("x", .matrix, "representation A, (tokens × p)"),
    .positional("y", .matrix, "representation B of the same tokens, (tokens × q)"),
    .labeled("reference", .bool, default: .value(.bool(false)), "the reference code's variant: centred columns scaled to unit norm first (not rotation invariant)"),
  ], returns: .double, doc: "Linear CKA, ‖X̃ᵀỸ‖²_F / (‖X̃ᵀX̃‖_F·‖ỸᵀỸ‖_F) on centred columns: invariant to orthogonal maps and isotropic scaling.") { args, _ in
    let (x, y) = try pair(args)
    return .double(try attributing("y") { try args.bool("reference") ? LinearCKA.columnNormalised(x, y) : LinearCKA.similarity(x, y) })
  }

  static let svcca = Builtin("similarity.svcca", [
    .positional("x", .matrix, "representation A, (tokens × p)"),
    .positional("y", .matrix, "representation B of the same tokens, (tokens × q)"),
    .labeled("components", .int, default: .value(.int(20)), "singular directions kept on each side"),
    .labeled("reference", .bool, default: .value(.bool(false)), "the reference code's CCA eigenproblem instead of exact canonical correlations"),
  ], returns: .double, doc: "SVCCA: centre, keep the top singular directions of each side, and average the canonical correlations between them.") { args, _ in
    let (x, y) = try pair(args)
    let k = try args.positiveInt("components")
    guard k <= min(x.cols, y.cols) else {
      throw RuntimeError("components must be ≤ min(p, q) = \(min(x.cols, y.cols)), got \(k)", argument: "components")
    }
    let variant: SVCCA.Variant = try args.bool("reference") ? .referenceCode : .exact
    return .double(try attributing("y") { try SVCCA.similarity(x, y, components: k, variant: variant) })
  }

  static let relative = Builtin("similarity.relative", [
    .positional("x", .matrix, "representation A, (tokens × p)"),
    .positional("y", .matrix, "representation B of the same tokens, (tokens × q)"),
    .labeled("anchors", .int, default: .value(.int(RelativeRepresentationSimilarity.defaultAnchors)), "anchor tokens, shared by both sides"),
    .labeled("seed", .int, default: .value(.int(Int(RelativeRepresentationSimilarity.defaultSeed))), "seed of the anchor draw"),
  ], returns: .double, doc: "Relative representations (Moschella et al.): each token's cosines to the anchors in A and in B, compared by cosine and averaged over tokens.") { args, _ in
    let (x, y) = try pair(args)
    let anchors = try args.positiveInt("anchors")
    let seed = UInt64(bitPattern: Int64(try args.int("seed")))
    return .double(try attributing("y") { try RelativeRepresentationSimilarity.similarity(x, y, anchors: anchors, seed: seed) })
  }

  static let regression = Builtin("similarity.regression", [
    .positional("x", .matrix, "predictor representation, (tokens × p)"),
    .positional("y", .matrix, "predicted representation of the same tokens, (tokens × q)"),
  ], returns: .double, doc: "Global R² = 1 − SSE/TSS of predicting y from x by least squares through the origin (not symmetric).") { args, _ in
    let (x, y) = try pair(args)
    return .double(try attributing("y") { try LinearRegressionSimilarity.rSquared(predicting: y, from: x) })
  }

  static let jaccardMatrix = Builtin("similarity.jaccardMatrix", [
    .positional("a", .array(.record("ITDA")), "dictionaries of model A's layers"),
    .positional("b", .array(.record("ITDA")), "dictionaries of model B's layers (the same token stream)"),
  ], returns: .matrix, doc: "S[i, j] = label Jaccard of a[i] and b[j]: the layer × layer ITDA similarity matrix.") { args, _ in
    let a = try dictionaries(args, "a"), b = try dictionaries(args, "b")
    let (la, lb) = (a.map(\.occurrences), b.map(\.occurrences))
    let values = la.flatMap { x in lb.map { y in Float(LabelJaccard.similarity(x, y)) } }
    return .matrix(try Matrix(rows: a.count, cols: b.count, storage: values))
  }

  static let measureMatrix = Builtin("similarity.matrix", [
    .positional("a", .array(.matrix), "model A's representations, one per layer, (tokens × p_i)"),
    .positional("b", .array(.matrix), "model B's representations of the same tokens, (tokens × q_j)"),
    .labeled("measure", .string, "\"cka\", \"ckaReference\", \"svcca\", \"svccaReference\", \"relative\" or \"regression\" (R² of b[j] from a[i])"),
  ], returns: .matrix, doc: "S[i, j] = measure(a[i], b[j]): a layer × layer similarity matrix.") { args, context in
    let name = try args.string("measure")
    guard let measure = measures[name] else {
      throw RuntimeError("unknown measure '\(name)'; use one of \(measures.keys.sorted().joined(separator: ", "))", argument: "measure")
    }
    func matrices(_ label: String) throws -> [Matrix] {
      try args.array(label).map { item in
        guard case .matrix(let m) = item else { throw RuntimeError("'\(label)' must contain matrices, found \(item.type)", argument: label) }
        return m
      }
    }
    let a = try matrices("a"), b = try matrices("b")
    guard let n = a.first?.rows, !b.isEmpty else { throw RuntimeError("both lists need at least one matrix", argument: a.isEmpty ? "a" : "b") }
    if let bad = (a + b).first(where: { $0.rows != n }) {
      throw RuntimeError("all matrices must hold the same \(n) tokens, found one with \(bad.rows) rows", argument: "b")
    }
    var values = [Float]()
    for (i, x) in a.enumerated() {
      for y in b {
        try context.checkDeadline()
        values.append(Float(try attributing("b") { try measure(x, y) }))
      }
      context.progress?("similarity.matrix \(name)", Double(i + 1) / Double(a.count))
    }
    return .matrix(try Matrix(rows: a.count, cols: b.count, storage: values))
  }

  static let layerMatching = Builtin("similarity.layerMatching", [
    .positional("matrices", .array(.array(.matrix)), "matrices[m][m′]: the layer × layer similarity of model m's layers (rows) to model m′'s (columns), for every ordered pair of models"),
    .labeled("selfPairs", .bool, default: .value(.bool(true)), "include the pairs m = m′, as the paper and its code do (they are trivially right)"),
  ], returns: .double, doc: "The layer-matching accuracy of eq. 9 (Kornblith et al. 2019): the share of (m, m′, layer i) whose most similar layer of m′ is i; NaN when there is nothing to score (one model without self-pairs).") { args, _ in
    let outer = try args.array("matrices")
    let models = outer.count
    guard models > 0 else { throw RuntimeError("no models", argument: "matrices") }
    var grid = [[Matrix]]()
    for row in outer {
      guard let items = row.elements, items.count == models else {
        throw RuntimeError("matrices must be \(models) × \(models): one matrix per ordered pair of models", argument: "matrices")
      }
      grid.append(try items.map { item in
        guard case .matrix(let m) = item else { throw RuntimeError("matrices must contain matrices, found \(item.type)", argument: "matrices") }
        return m
      })
    }
    let layers = grid[0][0].rows
    guard grid.allSatisfy({ $0.allSatisfy { $0.rows == layers && $0.cols == layers } }) else {
      throw RuntimeError("every matrix must be \(layers) × \(layers) (the same layers for every model)", argument: "matrices")
    }
    let tensor = try LayerSimilarityTensor(models: models, layers: layers) { m, m2, i, j in Double(grid[m][m2][i, j]) }
    return .double(tensor.matchingAccuracy(includeSelfPairs: try args.bool("selfPairs")))
  }

  // MARK: - Transforms

  static let rotate = Builtin("similarity.rotate", [
    .positional("x", .matrix, "representation, (tokens × d)"),
    .labeled("seed", .int, default: .notebookSeed, "seed of the random orthogonal Q"),
  ], returns: .matrix, doc: "x·Qᵀ for a random (Haar) orthogonal Q (d × d): the same geometry in other coordinates.") { args, _ in
    let x = try args.matrix("x")
    guard x.cols >= 1 else { throw RuntimeError("'x' has no columns", argument: "x") }
    let q = try RepresentationTransforms.randomOrthogonal(x.cols, seed: try DarkMatterBuiltins.seed(args))
    return .matrix(try RepresentationTransforms.apply(q, to: x))
  }

  static let stretch = Builtin("similarity.stretch", [
    .positional("x", .matrix, "representation, (tokens × d)"),
    .labeled("condition", .double, "κ ≥ 1: W = U·diag(s)·Vᵀ with singular values log-spaced from 1 to 1/κ (κ = 1: orthogonal)"),
    .labeled("seed", .int, default: .notebookSeed, "seed of U and V"),
  ], returns: .matrix, doc: "x·Wᵀ for a random non-orthogonal W with condition number κ: a controlled distortion of the geometry.") { args, _ in
    let x = try args.matrix("x")
    let kappa = try args.double("condition")
    guard kappa.isFinite && kappa >= 1 else { throw RuntimeError("condition must be a finite κ ≥ 1, got \(kappa)", argument: "condition") }
    guard x.cols >= 1 else { throw RuntimeError("'x' has no columns", argument: "x") }
    let w = try RepresentationTransforms.conditioned(x.cols, condition: kappa, seed: try DarkMatterBuiltins.seed(args))
    return .matrix(try RepresentationTransforms.apply(w, to: x))
  }

  static let addNoise = Builtin("similarity.addNoise", [
    .positional("x", .matrix, "representation, (tokens × d)"),
    .labeled("sigma", .double, "noise level relative to the root-mean-square entry of x"),
    .labeled("seed", .int, default: .notebookSeed, "seed of the noise"),
  ], returns: .matrix, doc: "x + σ·rms(x)·E with E i.i.d. standard normal.") { args, _ in
    let sigma = try args.double("sigma")
    guard sigma.isFinite && sigma >= 0 else { throw RuntimeError("sigma must be finite and ≥ 0, got \(sigma)", argument: "sigma") }
    return .matrix(try RepresentationTransforms.addingNoise(to: try args.matrix("x"), relative: sigma, seed: try DarkMatterBuiltins.seed(args)))
  }
}
