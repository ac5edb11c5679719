import Foundation

/// SAEs in EleutherAI sparsify's layout: one folder per hookpoint (e.g.
/// `layers.3/`, `layers.3.mlp/`) holding `cfg.json` + `sae.safetensors`.
///
/// Source: github.com/EleutherAI/sparsify, `sparsify/sparse_coder.py`
/// (`SparseCoder.__init__`, `load_from_disk`, `save_to_disk`, `encode`, `decode`),
/// `sparsify/fused_encoder.py` (the encoder), `sparsify/config.py` (`SparseCoderConfig`).
///
/// Tensors (`safetensors.torch.save_model`, so `nn.Linear` names and layout):
///
/// | name | shape | ours |
/// | --- | --- | --- |
/// | `encoder.weight` | `[num_latents, d_in]` | `W_encᵀ` |
/// | `encoder.bias` | `[num_latents]` | `b_enc` |
/// | `W_dec` | `[num_latents, d_in]` | `W_dec` |
/// | `b_dec` | `[d_in]` | `b_dec` |
/// | `W_skip` | `[d_in, d_in]` | unsupported (skip connection) |
///
/// `cfg.json` = `SparseCoderConfig.to_dict()` + `d_in`: `activation` (`"topk"` |
/// `"groupmax"`), `expansion_factor`, `normalize_decoder`, `num_latents` (0 means
/// `d_in·expansion_factor`), `k`, `multi_topk`, `skip_connection`, `transcode`.
/// The forward pass (not a transcoder):
///
/// ```
/// pre = relu((x − b_dec)·encoder.weightᵀ + encoder.bias)
/// top_acts, top_indices = topk(pre, k)                 → our TopK(k) (ReLU then top-k = top-k then ReLU)
/// x̂ = Σ top_acts·W_dec[top_indices] + b_dec
/// ```
///
/// `multi_topk` only changes the training loss and is accepted. `groupmax`,
/// `transcode`, `skip_connection` (or a `W_skip` tensor), and the true-valued
/// options of research forks (`signed`, `embed_skip`, `gram_lookup`) are errors.
public enum SparsifyFormat {
  /// `cfg.json`.
  public static let configFileName = "cfg.json"
  /// `sae.safetensors`.
  public static let weightsFileName = "sae.safetensors"

  /// The hookpoint folders (sub-folders holding a `cfg.json`) of a multi-hookpoint
  /// checkpoint folder, sorted byte-wise.
  public static func hookpoints(in root: String) -> [String] {
    InterchangePaths.subfolders(of: root, holding: configFileName)
  }

  /// Loads the SAE of one hookpoint folder.
  /// - Throws: ``SAEKitError/file(path:reason:)`` naming `cfg.json` or
  ///   `sae.safetensors` and the key or tensor at fault; a folder of hookpoints
  ///   gets an error listing them.
  public static func load(directory: String, weights residence: SAEWeightResidence = .auto) throws -> SparseAutoencoder {
    let cfgPath = InterchangePaths.join(directory, configFileName)
    if !InterchangePaths.exists(cfgPath), case let hooks = hookpoints(in: directory), !hooks.isEmpty {
      throw SAEKitError.file(
        path: directory, reason: "holds one sparsify SAE per hookpoint; load one of: \(hooks.joined(separator: ", "))")
    }
    let cfg = try InterchangeConfig(path: cfgPath)
    let d = try cfg.requiredInt("d_in")
    let expansion = try cfg.int("expansion_factor") ?? 32
    let numLatents = try cfg.int("num_latents") ?? 0
    // num_latents 0 means d_in · expansion_factor, a product that may not fit in an Int.
    let (product, overflow) = d.multipliedReportingOverflow(by: expansion)
    if numLatents <= 0 && overflow {
      throw cfg.fail("num_latents = d_in × expansion_factor = \(d) × \(expansion) is more than an Int can count")
    }
    let m = numLatents > 0 ? numLatents : product
    guard d > 0, m > 0 else { throw cfg.fail("d_in and num_latents must be positive, got d_in = \(d), num_latents = \(m)") }
    let activation = try cfg.string("activation") ?? "topk"
    guard activation == "topk" else {
      throw cfg.fail("unsupported sparsify activation '\(activation)' (supported: topk)")
    }
    for option in ["transcode", "skip_connection", "signed", "embed_skip", "gram_lookup"] {
      if try cfg.bool(option) == true {
        throw cfg.fail("unsupported sparsify option \"\(option)\": true (only plain TopK autoencoders can be loaded)")
      }
    }
    let k = try cfg.int("k") ?? 32
    guard 1...m ~= k else { throw cfg.fail("k = \(k) is outside 1...num_latents = \(m)") }

    let weights = try InterchangeWeights(path: InterchangePaths.join(directory, weightsFileName))
    if weights.has("W_skip") {
      throw SAEKitError.file(path: weights.path, reason: "tensor 'W_skip' (a skip connection) is not supported")
    }
    try weights.requireShape("encoder.weight", [m, d], "[num_latents, d_in] from cfg.json")
    try weights.requireShape("W_dec", [m, d], "[num_latents, d_in] from cfg.json")
    let bEnc = try weights.vector("encoder.bias", count: m, why: "[num_latents] from cfg.json")
    let bDec = try weights.vector("b_dec", count: d, why: "[d_in] from cfg.json")
    // sparsify names no model; its hookpoint is the folder's name.
    var provenance = SAEProvenance(
      hookName: URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent,
      writtenBy: try cfg.object(SAEKitExtras.key) != nil ? SAELensFormat.writer : "sparsify")
    provenance.filePrecision = try weights.file.info("W_dec").dtype.rawValue
    if let mapped = try weights.mappedIfWanted(residence, encoder: "encoder.weight", encoderIsLatentMajor: true, decoder: "W_dec",
                                               dimension: d, width: m, folds: []) {
      // A saekit input scale stays folded in: the same function, parameterised as in the file.
      var sae = try SparseAutoencoder(mapped: mapped, encoderBias: bEnc, decoderBias: bDec, activation: TopK(k: k))
      sae.provenance = provenance
      return sae
    }
    let encoder = try weights.matrix("encoder.weight", rows: m, cols: d, why: "[num_latents, d_in] from cfg.json")
    let wDec = try weights.matrix("W_dec", rows: m, cols: d, why: "[num_latents, d_in] from cfg.json")
    var sae = try SparseAutoencoder(
      encoderWeights: encoder.transposed, encoderBias: bEnc, decoderWeights: wDec, decoderBias: bDec,
      activation: TopK(k: k))
    sae.provenance = provenance
    return try SAEKitExtras.restoringInputScale(sae, cfg)
  }

  /// Saves a TopK `sae` to the hookpoint folder `directory` (created when
  /// missing) as sparsify's `save_to_disk` does, so `SparseCoder.load_from_disk`
  /// reproduces our reconstructions.
  ///
  /// The input scale is folded into the weights (``SparseAutoencoder/foldingInputScale()``)
  /// and, when it is not 1, recorded under `saekit` for our loader (sparsify
  /// prints "Dropping extra args" for that key and ignores it); `normalize_decoder` says whether
  /// the saved decoder rows are unit-norm (within 1e-4). Weights are Float32.
  /// - Throws: for any activation but ``TopK`` (sparsify has no other), and I/O errors.
  public static func save(_ sae: SparseAutoencoder, to directory: String) throws {
    guard let topK = sae.activation as? TopK else {
      throw SAEKitError.invalidArgument(
        "cannot save \(sae.activation) in sparsify format: sparsify SAEs are TopK only")
    }
    let folded = try sae.foldingInputScale()
    let d = sae.dimension, m = sae.width
    let unitRows = folded.decoderWeights.rowNorms().allSatisfy { abs($0 - 1) <= 1e-4 }
    var cfg: [String: JSONValue] = [
      "activation": .string("topk"),
      "d_in": .int(d),
      "expansion_factor": .int(max(1, m / d)),
      "k": .int(topK.k),
      "multi_topk": .bool(false),
      "normalize_decoder": .bool(unitRows),
      "num_latents": .int(m),
      "skip_connection": .bool(false),
      "transcode": .bool(false),
    ]
    if sae.inputScale != 1 { cfg[SAEKitExtras.key] = SAEKitExtras.describing(sae) }
    try InterchangePaths.makeDirectory(directory)
    try SafeTensors.write(
      matrices: ["encoder.weight": folded.encoderWeights.transposed, "W_dec": folded.decoderWeights],
      vectors: ["encoder.bias": folded.encoderBias, "b_dec": folded.decoderBias],
      metadata: ["format": "pt"], to: InterchangePaths.join(directory, weightsFileName))
    try AtomicFileWriter.write(
      JSONValue.object(cfg).configText(), to: InterchangePaths.join(directory, configFileName))
  }
}
