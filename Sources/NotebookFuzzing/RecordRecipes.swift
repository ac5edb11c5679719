import NotebookCore

/// Small, fast constructions of the values builtins take that have no literal: datasets, SAEs,
/// models, activations, tokens, ITDA dictionaries, sparse codes. Each recipe is a cell
/// expression whose `{Type}` holes are other values of that type (bound first, by the
/// generator); every recipe finishes in well under a second in a release build.
enum RecordRecipes {
  /// The notebook's file of short texts, for `activations(…, corpus:)`.
  static let corpusFile = "corpus.txt"
  static let corpus = """
    The quick brown fox jumps over the lazy dog.

    A stitch in time saves nine, or so the old saying goes.

    Every cloud has a silver lining when the sun comes out.

    Numbers like 3.14 and 42 appear in texts too, with punctuation!

    She sells sea shells by the sea shore, they say.

    Unicode such as café, naïve and 東京 is text as well.

    Short texts of four words.

    The last text of the little corpus ends here.
    """

  /// Sane activation rules (edge-valued ones come from the registry's implicit members).
  static let activations = [
    ".topK(k: 2)", ".batchTopK(k: 2)", ".absTopK(k: 2)", ".relu(l1: 0.01)", ".jumpReLU()",
    ".featureChoice(k: 2)", ".mutualChoice(k: 2, inference: \"batch\")", ".vsae(k: 2)", ".topAFA()",
  ]

  /// Recipes by type; `{Dataset}` and the like are holes for other values. Without `models`
  /// (the in-process slice: loading TinyLM takes seconds in a debug build) nothing needs a
  /// model; without `miniLM` TinyLM is the only one (no 90 MB of weights).
  static func recipes(models: Bool = true, miniLM: Bool = true) -> [ValueType: [String]] {
    var table: [ValueType: [String]] = [
      .record("Dataset"): [
        "synthetic.superposition(features: 8, dim: 4, sparsity: 0.3, samples: 64, test: 16)",
        "synthetic.sparse(features: 6, dim: 4, samples: 32, test: 8, active: [1, 2])",
        "synthetic.sparse(features: 1, dim: 1, samples: 1, frequencies: [1.0])",
      ],
      .sae: [
        "train({Dataset}.x, width: 8, activation: {Activation}, steps: 20, batch: 32)",
        "train({Tokens}.x, width: 6, activation: {Activation}, steps: 10, batch: 16)",
        "train({Dataset}.x, width: 1, activation: .topK(k: 1), steps: 1, batch: 1)",
      ],
      .model: ["tinylm(seed: 1)", "tinylm(seed: 2)"],
      .activations: [
        "activations({Model}, layer: 1, tokens: 48, maxLength: 16, corpus: \"\(corpusFile)\")",
        "activations({Model}, layer: 0, tokens: 8, maxLength: 4, corpus: \"\(corpusFile)\")",
      ],
      .record("Tokens"): [
        "tokens({Activations})", "splitTexts({Activations}, heldOutEvery: 2).test",
        "firstTokens(tokens({Activations}), count: 0)", "subsample(tokens({Activations}), count: 5)",
      ],
      .record("TextSplit"): ["splitTexts({Activations}, heldOutEvery: 2)"],
      .record("ITDA"): [
        "itda.buildMatrix({Dataset}.x, threshold: 0.1, l0: 2)",
        "itda.build({Tokens}, threshold: 0.05, l0: 3)",
      ],
      .record("SparseCodes"): ["{SAE}.encode({Dataset}.x)", "{SAE}.encode(Matrix([[0.0, 0.0, 0.0, 0.0]]))"],
      .record("NumberStyle"): [".fixed", ".scientific", ".automatic"],
      .activation: activations,
    ]
    if miniLM { table[.model, default: []].append("minilm()") }
    guard models else { return withoutModels(table) }
    return table
  }

  /// The recipes that need no model, directly or through their holes.
  static func withoutModels(_ table: [ValueType: [String]]) -> [ValueType: [String]] {
    var left = table
    for type in [ValueType.model, .activations, .record("Tokens"), .record("TextSplit")] { left[type] = nil }
    return left.mapValues { $0.filter { holes(in: $0).allSatisfy { left[$0.type] != nil } } }
  }

  /// The holes of a recipe, in order: `{SAE}` → `.sae`.
  static func holes(in recipe: String) -> [(hole: String, type: ValueType)] {
    let byName: [String: ValueType] = [
      "Dataset": .record("Dataset"), "SAE": .sae, "Model": .model, "Activations": .activations,
      "Tokens": .record("Tokens"), "Activation": .activation,
    ]
    var found: [(String, ValueType)] = []
    var rest = Substring(recipe)
    while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
      let name = String(rest[rest.index(after: open)..<close])
      if let type = byName[name] { found.append(("{\(name)}", type)) }
      rest = rest[rest.index(after: close)...]
    }
    return found
  }
}
