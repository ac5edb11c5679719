extension ValueReferences {
  /// The model and activations taken as `minilm()` and `activations(…)` take them.
  static let builtins = ValueReferences(
    model: { try ModelBuiltins.loadModel() },
    activations: { model, layer, request, context in
      try ModelBuiltins.take(
        model, layer: layer, corpusPath: request.corpusPath, tokens: request.tokens, maxLength: request.maxLength,
        context)
    })
}
