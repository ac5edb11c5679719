import Foundation

/// `config.json` in Hugging Face's `GPT2Config` layout.
extension TinyLMFiles {
  /// The activations that are GPT-2's tanh-approximated GELU (`0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`).
  public static let supportedActivations = ["gelu_new", "gelu_pytorch_tanh"]

  /// `config`'s `config.json` for `GPT2LMHeadModel`: sorted keys, two-space indentation,
  /// identical bytes for identical configurations. `bos_token_id` and `eos_token_id` are
  /// the end-of-text token; dropouts are 0 (TinyLM has none).
  public static func configJSON(_ config: TinyLMConfig) -> JSONValue {
    .object([
      "activation_function": .string("gelu_new"),
      "add_cross_attention": .bool(false),
      "architectures": .array([.string("GPT2LMHeadModel")]),
      "attn_pdrop": .double(0),
      "bos_token_id": .int(config.endOfText),
      "embd_pdrop": .double(0),
      "eos_token_id": .int(config.endOfText),
      "initializer_range": .double(0.02),
      "layer_norm_epsilon": .float(config.layerNormEpsilon),
      "model_type": .string("gpt2"),
      "n_ctx": .int(config.context),
      "n_embd": .int(config.width),
      "n_head": .int(config.headCount),
      "n_inner": .null,
      "n_layer": .int(config.layerCount),
      "n_positions": .int(config.context),
      "reorder_and_upcast_attn": .bool(false),
      "resid_pdrop": .double(0),
      "scale_attn_by_inverse_layer_idx": .bool(false),
      "scale_attn_weights": .bool(true),
      "tie_word_embeddings": .bool(true),
      "vocab_size": .int(config.vocabularySize),
    ])
  }

  /// Reads a GPT-2 `config.json` (ours, or one that `transformers` wrote) and checks that
  /// it describes a model TinyLM computes exactly.
  ///
  /// Required: `vocab_size`, `n_positions`, `n_embd`, `n_layer`, `n_head`. Absent keys take
  /// `GPT2Config`'s defaults. Dropout rates are accepted whatever they are (they only matter
  /// in training, and TinyLM trains without dropout); `n_ctx` is ignored, as `transformers` does.
  /// - Throws: ``SAEKitError/file(path:reason:)`` naming the file and the key at fault: a missing
  ///   file, `model_type` other than `gpt2`, an activation other than ``supportedActivations``,
  ///   `n_inner` other than null or `4·n_embd`, `n_embd` not a multiple of `n_head`,
  ///   `scale_attn_weights: false`, any of `scale_attn_by_inverse_layer_idx`,
  ///   `reorder_and_upcast_attn`, `add_cross_attention` true, `tie_word_embeddings: false`,
  ///   or an `eos_token_id` that is not the last token.
  public static func readConfig(_ path: String) throws -> TinyLMConfig {
    guard FileManager.default.fileExists(atPath: path) else {
      throw SAEKitError.file(
        path: path, reason: "no such file: a TinyLM folder needs a config.json (GPT-2 layout) next to \(weightsFileName)")
    }
    let cfg = try InterchangeConfig(path: path)
    if let type = try cfg.string("model_type"), type != "gpt2" {
      throw cfg.fail("model_type '\(type)' is not supported (only 'gpt2')")
    }
    let vocabulary = try cfg.requiredInt("vocab_size")
    let positions = try cfg.requiredInt("n_positions")
    let width = try cfg.requiredInt("n_embd")
    let layers = try cfg.requiredInt("n_layer")
    let heads = try cfg.requiredInt("n_head")
    let sizes = ["vocab_size": vocabulary, "n_positions": positions, "n_embd": width, "n_layer": layers, "n_head": heads]
    for (key, value) in sizes.sorted(by: { $0.key < $1.key }) where value <= 0 {
      throw cfg.fail("\(key) must be positive, got \(value)")
    }
    guard width % heads == 0 else {
      throw cfg.fail("n_embd \(width) is not a multiple of n_head \(heads)")
    }

    let activation = try cfg.string("activation_function") ?? "gelu_new"
    guard supportedActivations.contains(activation) else {
      throw cfg.fail(
        "activation_function '\(activation)' is not supported (only the tanh GELU: \(supportedActivations.joined(separator: ", ")))")
    }
    if let inner = try cfg.int("n_inner"), inner != 4 * width {
      throw cfg.fail("n_inner \(inner) is not supported (only null or 4·n_embd = \(4 * width))")
    }
    if try cfg.bool("scale_attn_weights") == false {
      throw cfg.fail("scale_attn_weights false is not supported (attention scores are always divided by √head size)")
    }
    for flag in ["scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "add_cross_attention"] {
      if try cfg.bool(flag) == true { throw cfg.fail("\(flag) true is not supported") }
    }
    if try cfg.bool("tie_word_embeddings") == false {
      throw cfg.fail("tie_word_embeddings false is not supported (the output head is the token embedding)")
    }
    if case .int(let eos)? = cfg.value("eos_token_id"), eos != vocabulary - 1 {
      throw cfg.fail("eos_token_id \(eos) is not the last token (TinyLM's end-of-text is vocab_size − 1 = \(vocabulary - 1))")
    }
    let epsilon = try cfg.number("layer_norm_epsilon") ?? 1e-5
    guard epsilon > 0, epsilon.isFinite else {
      throw cfg.fail("layer_norm_epsilon must be positive, got \(epsilon)")
    }

    let config = TinyLMConfig(
      vocabularySize: vocabulary, context: positions, width: width, layerCount: layers, headCount: heads,
      layerNormEpsilon: Float(epsilon))
    if let problem = config.problem { throw cfg.fail(problem) }
    return config
  }
}
