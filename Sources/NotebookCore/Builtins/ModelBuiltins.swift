import Foundation
import SAEKit

/// A real transformer: MiniLM, its activations on a corpus, patched forward
/// passes scored by embedding fidelity, top-activating tokens, and SAE files.
enum ModelBuiltins {
  static func register(_ r: inout Registry) {
    r.add(Builtin("minilm", [], returns: .model,
                  doc: "Loads sentence-transformers all-MiniLM-L6-v2 (6 layers, d = 384), run natively, from the cache (`$SAE_NOTEBOOK_CACHE`, the project's .cache or ~/.cache/sae-notebook); `make model` fetches the weights.") { _, context in
      .model(ModelValue(miniLM: try loadModel(context)))
    }.reading(.model))
    r.add(activations)
    r.add(layerActivations)
    r.add(fidelity)
    r.add(topActivations)
    r.add(Builtin("saveSAE", [
      .positional("sae", .sae, "the SAE to save"),
      .labeled("to", .string, "folder to write"),
      .labeled("format", .string, default: .value(.string("saelens")), "\"saelens\" (cfg.json + sae_weights.safetensors) or \"sparsify\""),
      .labeled("model", .string, default: .absent, "SAELens metadata.model_name (default: the one a loaded SAE came with)"),
      .labeled("hook", .string, default: .absent, "SAELens metadata.hook_name, e.g. blocks.3.hook_resid_post (default: likewise)"),
    ], returns: .void, doc: "Saves an SAE in SAELens's or EleutherAI sparsify's format.") { args, context in
      let format: SAEFile.Format
      switch try args.string("format") {
      case "saelens": format = .saeLens
      case "sparsify": format = .sparsify
      case let other: throw RuntimeError("unknown format '\(other)'; use \"saelens\" or \"sparsify\"", argument: "format")
      }
      try SAEFile.save(try args.sae("sae").model, format: format, to: resolve(try args.string("to"), context),
                       hookName: try args.optionalString("hook"), modelName: try args.optionalString("model"))
      return .void
    }.writing(.folder("to"), replacing: .folder(holding: SAELensFormat.configFileName)))
    r.add(Builtin("loadSAE", [.positional("path", .string, "a SAELens or sparsify SAE folder"),
                              .labeled("scale", .double, default: .absent,
                                       "SAELens expected_average_only_in: the norm scaling factor (default: the one in activation_scaler.json beside the weights, else 1)"),
                              .labeled("weights", .string, default: .value(.string("auto")),
                                       "\"float32\": widened in memory; \"mapped\": kept mapped in their stored precision, widened a block of latents at a time (encode, decode and evaluate only); \"auto\": mapped when 16-bit weights would take over half the machine's memory as float32")],
                  returns: .sae,
                  doc: "Loads an SAE saved by SAELens, sparsify or saveSAE; decoder rows keep the file's norms.") { args, context in
      let scale = try args.optionalDouble("scale")
      if let scale, !(scale > 0 && scale.isFinite) {
        throw RuntimeError("scale must be a positive number, got \(scale)", argument: "scale")
      }
      let name = try args.string("weights")
      guard let residence = SAEWeightResidence(rawValue: name) else {
        let known = SAEWeightResidence.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        throw RuntimeError("weights must be one of \(known), got \"\(name)\"", argument: "weights")
      }
      return .sae(try loadedSAE(SAEFileReference(path: try args.string("path"), scale: scale.map(Float.init), weights: residence), context))
    }.reading(.folder("path")))
    r.addProperty(Property(receiver: .activations, name: "x", type: .matrix, doc: "the activations, (tokens × d)") { v in
      guard case .activations(let a) = v else { throw RuntimeError("not activations") }
      return .matrix(a.set.x)
    })
    r.addProperty(Property(receiver: .activations, name: "count", type: .int, doc: "number of tokens") { v in
      guard case .activations(let a) = v else { throw RuntimeError("not activations") }
      return .int(a.set.count)
    })
    r.addProperty(Property(receiver: .activations, name: "cached", type: .bool, doc: "whether they were read from the activation cache") { v in
      guard case .activations(let a) = v else { throw RuntimeError("not activations") }
      return .bool(a.cached)
    })
  }

  static func resolve(_ path: String, _ context: RuntimeContext) -> String { context.resolve(path) }

  /// The SAE in the folder `file` names, as `loadSAE` returns it (and the cell cache takes it again).
  static func loadedSAE(_ file: SAEFileReference, _ context: RuntimeContext) throws -> TrainedSAE {
    let model = try SAEFile.load(directory: resolve(file.path, context), normScalingFactor: file.scale, weights: file.weights)
    return TrainedSAE(model: model, activation: model.activation.kind, history: TrainingHistory(), config: TrainingConfig(), seconds: 0,
                      file: file)
  }

  static func loadModel(_ context: RuntimeContext) throws -> MiniLM {
    let locations = context.locations
    return try MiniLM.load(directory: locations.modelDirectory, verifyChecksums: false, fetchCommand: locations.fetchModelCommand)
  }

  static func corpus(_ args: CallArguments, _ context: RuntimeContext) throws -> TextCorpus {
    let path = try args.string("corpus")
    return path.isEmpty ? try TextCorpus.standard() : try TextCorpus.load(path: resolve(path, context))
  }


  static let activations = Builtin("activations", [
    .positional("model", .model, "the model, from minilm() or tinylm(seed:)"),
    .labeled("layer", .int, "0 (embeddings) … the model's layer count: the hidden state after this block"),
    .labeled("tokens", .int, default: .value(.int(100_000)), "how many tokens to take, in corpus order"),
    .labeled("maxLength", .int, default: .value(.int(128)), "snippets are truncated to this many tokens ([CLS] and [SEP] included)"),
    .labeled("corpus", .string, default: .value(.string("")), "a UTF-8 text file or folder; empty for the default English corpus (Debian fortunes)"),
  ], returns: .activations, doc: "Hidden states of the model on a corpus, one row per token, with provenance; cached in the activation cache (.cache/activations of the project, or as for minilm()).") { args, context in
    let layer = try args.int("layer")
    let m = try args.model("model")
    guard (0...m.model.layerCount).contains(layer) else { throw RuntimeError("layer must be in 0...\(m.model.layerCount), got \(layer)", argument: "layer") }
    return .activations(try take(
      m, layer: layer, corpusPath: try args.string("corpus"), tokens: try args.positiveInt("tokens"),
      maxLength: try args.int("maxLength"), context))
  }.reading(.corpus("corpus"))

  static let layerActivations = Builtin("layerActivations", [
    .positional("model", .model, "the model, from minilm() or tinylm(seed:)"),
    .labeled("layers", .array(.int), "layers 0 (embeddings) … the model's layer count, e.g. [1, 2, 3, 4, 5, 6]"),
    .labeled("tokens", .int, default: .value(.int(100_000)), "how many tokens to take, in corpus order"),
    .labeled("maxLength", .int, default: .value(.int(128)), "snippets are truncated to this many tokens ([CLS] and [SEP] included)"),
    .labeled("corpus", .string, default: .value(.string("")), "a UTF-8 text file or folder; empty for the default English corpus (Debian fortunes)"),
  ], returns: .array(.activations),
     doc: "activations(…) of several layers for the same tokens, taken in one forward pass (each cached as activations(…) caches it).") { args, context in
    let m = try args.model("model")
    let layers = try args.array("layers").map { v -> Int in
      guard case .int(let l) = v, (0...m.model.layerCount).contains(l) else {
        throw RuntimeError("layers must be in 0...\(m.model.layerCount), found \(v.brief)", argument: "layers")
      }
      return l
    }
    guard !layers.isEmpty else { throw RuntimeError("give at least one layer", argument: "layers") }
    return .array(try take(m, layers: layers, corpusPath: try args.string("corpus"), tokens: try args.positiveInt("tokens"),
                           maxLength: try args.int("maxLength"), context).map(Value.activations))
  }.reading(.corpus("corpus"))

  static func take(_ m: ModelValue, layer: Int, corpusPath: String, tokens: Int, maxLength: Int, _ context: RuntimeContext) throws -> ActivationsValue {
    try take(m, layers: [layer], corpusPath: corpusPath, tokens: tokens, maxLength: maxLength, context)[0]
  }

  /// Takes (or reads back from the activation cache) activations of `model`.
  static func take(_ m: ModelValue, layers: [Int], corpusPath: String, tokens: Int, maxLength: Int, _ context: RuntimeContext) throws -> [ActivationsValue] {
    let text = corpusPath.isEmpty ? try TextCorpus.standard() : try TextCorpus.load(path: resolve(corpusPath, context))
    do {
      let sets = try ModelActivations.collect(
        model: m.model, layers: layers, corpus: text, tokens: tokens, maxLength: maxLength,
        cache: ActivationCache(directory: context.locations.activationCache),
        progress: { context.progress?("activations layer\(layers.count > 1 ? "s" : "") \(layers.map(String.init).joined(separator: ", "))", $0) },
        shouldStop: { context.isPastDeadline })
      return zip(layers, sets).map { layer, taken in
        ActivationsValue(set: taken.set, layer: layer, corpus: text, model: m, cached: taken.cached,
                         request: (corpusPath, tokens, maxLength))
      }
    } catch SAEKitError.cancelled {
      try context.checkDeadline()
      throw RuntimeError("stopped")
    }
  }

  static let fidelity = Builtin("fidelity", [
    .positional("model", .model, "the model, from minilm()"),
    .labeled("sae", .sae, "an SAE trained on that layer's activations"),
    .labeled("layer", .int, default: .absent, "the layer whose output the SAE replaces (default: the tokens' layer)"),
  ] + FidelityArguments.parameters, returns: .double,
     doc: "Embedding fidelity of splicing the SAE's reconstruction into the forward pass, on the texts of some tokens: mean over texts of (cos(e*, e) − cos(e0, e)) / (1 − cos(e0, e)), e clean, e* patched, e0 with the same rows of the layer zero-ablated. 1 is perfect, 0 is as bad as ablation.") { args, context in
    let m = try args.miniLM("model", for: "fidelity"), s = try args.sae("sae")
    guard s.model.dimension == m.hiddenSize else {
      throw RuntimeError("the SAE expects d = \(s.model.dimension), the model's layers have d = \(m.hiddenSize)", argument: "sae")
    }
    let result = try FidelityArguments.measure(args, context, model: m, layer: try args.optionalInt("layer"), label: "fidelity",
                                               replacements: [{ try s.model.reconstruct($0) }])
    return .double(result.means[0])
  }

  static let topActivations = Builtin("topActivations", [
    .positional("sae", .sae, "a trained SAE"),
    .labeled("on", .activations, "activations with provenance, from activations(…)"),
    .labeled("latent", .int, "the latent to inspect"),
    .labeled("count", .int, default: .value(.int(10)), "how many tokens to show"),
    .labeled("context", .int, default: .value(.int(6)), "tokens of context on each side"),
  ], returns: .table, doc: "The tokens on which a latent fires most strongly, each with its context (the token in «»).") { args, _ in
    let s = try args.sae("sae")
    guard case .activations(let a)? = args.values["on"] else { throw RuntimeError("'on' must be Activations", argument: "on") }
    let latent = try args.int("latent"), count = try args.positiveInt("count"), window = try args.int("context")
    guard (0..<s.model.width).contains(latent) else { throw RuntimeError("latent must be in 0..<\(s.model.width), got \(latent)", argument: "latent") }
    let codes = try s.model.encode(a.set.x)
    var hits: [(value: Float, row: Int)] = []
    for r in 0..<codes.rows {
      for e in codes.entries(row: r) where Int(codes.indices[e]) == latent && codes.values[e] != 0 { hits.append((codes.values[e], r)) }
    }
    hits.sort { $0.value > $1.value || ($0.value == $1.value && $0.row < $1.row) }
    let rows = hits.prefix(count).map { hit -> [Value] in
      [.double(Double(hit.value)), .string(a.vocabulary.token(a.set.tokenIds[hit.row])),
       .string(ITDABuiltins.contextText(a, row: hit.row, window: window))]
    }
    return .table(Table(headers: ["activation", "token", "context"], rows: rows))
  }
}
