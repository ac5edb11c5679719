extension ValueReferences {
  /// The model, activations and loaded SAEs taken as `minilm()`, `tinylm(seed:from:)`, `activations(…)` and `loadSAE(…)` take them.
  static let builtins = ValueReferences(
    model: { source, context in
      switch source {
      case .miniLM: ModelValue(miniLM: try ModelBuiltins.loadModel(context))
      case .tinyLM(let seed, let folder): try LanguageModelBuiltins.loadModel(seed: seed, folder: folder, context)
      }
    },
    activations: { model, layer, request, context in
      try ModelBuiltins.take(
        model, layer: layer, corpusPath: request.corpusPath, tokens: request.tokens, maxLength: request.maxLength,
        context)
    },
    sae: { file, context in try ModelBuiltins.loadedSAE(file, context) })
}
