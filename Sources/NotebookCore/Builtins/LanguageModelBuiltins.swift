import Foundation
import SAEKit

/// `tinylm(seed:)` and `lm.*`: TinyLM, the byte-level GPT-2 trained here (SAEKit's
/// `Models/TinyLM`), with what a causal LM adds to MiniLM's residual stream: its training
/// record, next-token loss in bits per byte, samples, attention patterns, gradients of the
/// loss at any layer, and the CE loss an SAE spliced into the residual stream keeps.
///
/// `activations(…)`, `layerActivations(…)`, `splitTexts` and `topActivations` serve TinyLM as
/// they serve MiniLM (through ``ResidualStreamModel``); each text is read as training saw a
/// document, end-of-text then its bytes, and end-of-text is the special token splits leave out.
enum LanguageModelBuiltins {
  static func register(_ r: inout Registry) {
    r.addNamespace("lm", doc: "TinyLM, the causal byte-level language model trained here: training record, held-out bits per byte, samples, attention patterns, loss gradients at a layer, and CE loss recovered with an SAE spliced in.")
    for record in [trainingRecord, lossRecord, spliceRecord, attentionRecord] { r.addRecord(record) }
    r.add(load)
    for b in [training, loss, generate, attention, gradients, splice] { r.add(b) }
  }

  // MARK: - Loading

  static let load = Builtin("tinylm", [
    .labeled("seed", .int, default: .value(.int(1)), "which training seed (the committed models are seeds 1–5)"),
    .labeled("from", .string, default: .value(.string("")),
             "a folder of trained seeds (seed-N/, as `notebook tinylm --out` writes them); empty for the committed models in assets/tinylm"),
  ], returns: .model,
     doc: "Loads TinyLM (byte-level GPT-2: d = 128, 4 layers, 4 heads, context 128, 0.84M parameters) trained with `seed` on the default corpus. A seed the folder does not have is trained now with the standard recipe (about 7 minutes on 2 cores) into the cache's tinylm/ folder and loaded from there afterwards.") { args, context in
    let seed = try args.int("seed"), folder = try args.string("from")
    guard seed >= 0 else { throw RuntimeError("seed must be ≥ 0, got \(seed)", argument: "seed") }
    var isFolder: ObjCBool = false
    if !folder.isEmpty && !(FileManager.default.fileExists(atPath: context.resolve(folder), isDirectory: &isFolder) && isFolder.boolValue) {
      throw RuntimeError("no folder '\(folder)' (resolved to \(context.resolve(folder))); `notebook tinylm --out` writes one", argument: "from")
    }
    return .model(try loadModel(seed: seed, folder: folder, context))
  }.reading(.languageModels("from"))

  /// The folder that holds `seed`: `folder` (or the committed models) when it has it, else
  /// the training cache, training it there first if needed.
  static func loadModel(seed: Int, folder: String, _ context: RuntimeContext) throws -> ModelValue {
    let directory = seedsDirectory(seed: seed, folder: folder, context)
    if !FileManager.default.fileExists(atPath: TinyLMTrainingRun.folder(directory, seed: UInt64(seed)) + "/model.safetensors") {
      try train(seed: seed, into: directory, context)
    }
    let model = try TinyLMTrainingRun.load(directory: directory, seed: UInt64(seed))
    return ModelValue(tinyLM: model, seed: seed, folder: folder)
  }

  /// The folder of trained seeds where `seed` is (or will be after training).
  static func seedsDirectory(seed: Int, folder: String, _ context: RuntimeContext) -> String {
    let given = folder.isEmpty ? context.locations.committedTinyLM : context.resolve(folder)
    let found = FileManager.default.fileExists(atPath: TinyLMTrainingRun.folder(given, seed: UInt64(seed)) + "/model.safetensors")
    return found ? given : context.locations.trainedTinyLM
  }

  static func train(seed: Int, into directory: String, _ context: RuntimeContext) throws {
    let settings = TinyLMTrainingRun.standardSettings(seed: UInt64(seed))
    let corpus = try TextCorpus.standard()
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    do {
      try TinyLMTrainingRun.run(
        settings: settings, corpus: corpus, directory: directory,
        progress: { entry in context.progress?("tinylm seed \(seed)", Double(entry.step + 1) / Double(settings.steps)) },
        shouldStop: { context.isPastDeadline })
    } catch SAEKitError.cancelled {
      try context.checkDeadline()
      throw RuntimeError("stopped")
    }
  }

  /// The folder the model's files are in (for its training record).
  static func folder(of m: ModelValue, _ context: RuntimeContext) throws -> String {
    guard case .tinyLM(let seed, let folder) = m.source else {
      throw RuntimeError("lm.training needs TinyLM; this is \(m.brief)", argument: "model")
    }
    return TinyLMTrainingRun.folder(seedsDirectory(seed: seed, folder: folder, context), seed: UInt64(seed))
  }

  // MARK: - The training record

  static let trainingRecord = RecordType("LMTraining", doc: "How a TinyLM seed was trained (its training-log.csv and training.json), with n-gram baselines of the same held-out texts.", fields: [
    ("seed", .int, "the training seed"),
    ("steps", .int, "optimizer steps"),
    ("tokensSeen", .int, "training tokens presented (steps × batch × context)"),
    ("parameters", .int, "trainable parameters"),
    ("seconds", .double, "wall-clock training time on the machine that trained it"),
    ("threads", .int, "cores it used"),
    ("step", .array(.int), "every step, from 0"),
    ("trainingBitsPerToken", .array(.double), "the training batch's loss at each step, bits per token (a token is a byte or end-of-text)"),
    ("heldOutStep", .array(.int), "the steps after which the held-out texts were scored"),
    ("heldOutBitsPerByte", .array(.double), "held-out loss at those steps, bits per byte of held-out text"),
    ("finalBitsPerByte", .double, "held-out bits per byte of the final weights"),
    ("unigram", .double, "held-out bits per byte of an interpolated Kneser–Ney unigram model fitted on the training texts"),
    ("bigram", .double, "the same for a bigram model"),
    ("trigram", .double, "the same for a trigram model"),
  ])

  static let training = Builtin("lm.training", [
    .positional("model", .model, "a TinyLM, from tinylm(seed:)"),
  ], returns: .record("LMTraining"), doc: "The training record of a TinyLM seed: its loss at every step, held-out bits per byte during training, and the unigram, bigram and trigram baselines its training run computed on the same split.") { args, context in
    let m = try args.model("model")
    let folder = try folder(of: m, context)
    let logPath = folder + "/training-log.csv", summaryPath = folder + "/training.json"
    let log = try TinyLMTrainer.LogEntry.parseCSV(String(decoding: try FileContents.read(logPath), as: UTF8.self), path: logPath)
    guard let summary = try JSONSerialization.jsonObject(with: FileContents.read(summaryPath)) as? [String: Any] else {
      throw RuntimeError("\(summaryPath): not a JSON object")
    }
    func number(_ key: String) throws -> Double {
      guard let v = summary[key] as? NSNumber else { throw RuntimeError("\(summaryPath): no number '\(key)'") }
      return v.doubleValue
    }
    let windows = try heldOutWindows()
    let heldOut = log.compactMap { e in e.heldOutLoss.map { (e.step, windows.bitsPerByte(meanNatsPerToken: $0)) } }
    return .record(Record("LMTraining", [
      ("seed", .int(Int(try number("seed")))), ("steps", .int(Int(try number("steps")))),
      ("tokensSeen", .int(Int(try number("tokens_seen")))), ("parameters", .int(Int(try number("parameters")))),
      ("seconds", .double(try number("seconds"))), ("threads", .int(Int(try number("threads")))),
      ("step", .array(log.map { .int($0.step) })),
      ("trainingBitsPerToken", .array(log.map { .double($0.loss / M_LN2) })),
      ("heldOutStep", .array(heldOut.map { .int($0.0) })), ("heldOutBitsPerByte", .array(heldOut.map { .double($0.1) })),
      ("finalBitsPerByte", .double(try number("held_out_bits_per_byte"))),
      ("unigram", .double(try number("unigram_bits_per_byte"))), ("bigram", .double(try number("bigram_bits_per_byte"))),
      ("trigram", .double(try number("trigram_bits_per_byte"))),
    ]))
  }

  /// The held-out texts of the default corpus in windows of the standard context, as
  /// training scored them.
  static func heldOutWindows() throws -> ByteEvaluationWindows {
    let (_, heldOut) = try ByteCorpus.split(try TextCorpus.standard(), heldOutEvery: TinyLMTrainingRun.heldOutEvery)
    return try heldOut.evaluationWindows(length: TinyLMConfig.standard.context)
  }

  // MARK: - Loss

  static let lossRecord = RecordType("LMLoss", doc: "Next-token cross-entropy of a TinyLM on some text.", fields: [
    ("tokens", .int, "scored tokens"),
    ("bytes", .int, "bytes of text they cover"),
    ("natsPerToken", .double, "mean cross-entropy, nats per scored token"),
    ("bitsPerByte", .double, "total cross-entropy in bits over the bytes of text"),
    ("perToken", .array(.double), "with text: each byte's loss in bits, given the bytes before it (empty for the held-out texts)"),
  ])

  static let loss = Builtin("lm.loss", [
    .positional("model", .model, "a TinyLM, from tinylm(seed:)"),
    .labeled("text", .string, default: .value(.string("")), "a text to score byte by byte; empty for the held-out texts training never saw (every fourth default text)"),
    .labeled("windows", .int, default: .value(.int(0)), "with the held-out texts: score only the first this many windows of 128 (0: all)"),
  ], returns: .record("LMLoss"), doc: "Next-token cross-entropy: of a text (each byte given the bytes before it, read in windows of the context that start with end-of-text), or of the held-out texts (every fourth text of the default corpus, which training never saw) as training scored them.") { args, context in
    let model = try args.tinyLM("model", for: "lm.loss")
    let text = try args.string("text")
    if !text.isEmpty {
      let losses = try context.stoppable { try model.tokenLosses(text: text, shouldStop: $0) }
      let nats = losses.reduce(0.0) { $0 + Double($1) }
      return lossValue(tokens: losses.count, bytes: losses.count, nats: nats, perToken: losses.map { Double($0) / M_LN2 })
    }
    var windows = try heldOutWindows()
    let limit = try args.int("windows")
    guard limit >= 0 else { throw RuntimeError("windows must be ≥ 0, got \(limit)", argument: "windows") }
    if limit > 0 { windows = try windows.prefix(limit) }
    let (_, total) = try context.stoppable { try TinyLMTrainingRun.heldOutLoss(model, windows: windows, shouldStop: $0) }
    return lossValue(tokens: windows.scoredTokenCount, bytes: windows.scoredByteCount, nats: total, perToken: [])
  }

  static func lossValue(tokens: Int, bytes: Int, nats: Double, perToken: [Double]) -> Value {
    .record(Record("LMLoss", [
      ("tokens", .int(tokens)), ("bytes", .int(bytes)), ("natsPerToken", .double(nats / Double(max(tokens, 1)))),
      ("bitsPerByte", .double(BitsPerByte.from(totalNats: nats, bytes: bytes))), ("perToken", .array(perToken.map(Value.double))),
    ]))
  }

  // MARK: - Generation and attention

  static let generate = Builtin("lm.generate", [
    .positional("model", .model, "a TinyLM, from tinylm(seed:)"),
    .labeled("prompt", .string, default: .value(.string("")), "the text to continue (after end-of-text)"),
    .labeled("length", .int, default: .value(.int(200)), "at most this many bytes to add (sampling stops at end-of-text)"),
    .labeled("temperature", .double, default: .value(.double(1)), "softmax temperature; 0 takes the most likely byte"),
    .labeled("seed", .int, default: .value(.int(1)), "the sampling seed"),
  ], returns: .string, doc: "Continues a prompt by sampling one byte at a time from softmax(logits / temperature), deterministically for a seed; invalid UTF-8 shows as U+FFFD.") { args, context in
    let model = try args.tinyLM("model", for: "lm.generate")
    let length = try args.int("length"), temperature = try args.double("temperature"), seed = try args.int("seed")
    guard length >= 0 else { throw RuntimeError("length must be ≥ 0, got \(length)", argument: "length") }
    guard temperature >= 0 && temperature.isFinite else { throw RuntimeError("temperature must be a finite number ≥ 0", argument: "temperature") }
    guard seed >= 0 else { throw RuntimeError("seed must be ≥ 0, got \(seed)", argument: "seed") }
    let prompt = try args.string("prompt")
    return .string(try context.stoppable {
      try model.generate(prompt: prompt, count: length, temperature: temperature, seed: UInt64(seed), shouldStop: $0)
    })
  }

  static let attentionRecord = RecordType("AttentionPattern", doc: "Where one attention head looks on a text.", fields: [
    ("pattern", .matrix, "P (T × T): row t is the distribution over the tokens 0…t that token t attends to"),
    ("tokens", .array(.string), "the T tokens (end-of-text, then the bytes) as tables show them"),
    ("block", .int, "the block (1…4)"),
    ("head", .int, "the head (0…3)"),
  ])

  static let attention = Builtin("lm.attention", [
    .positional("model", .model, "a TinyLM, from tinylm(seed:)"),
    .labeled("text", .string, "the text (at most the context, 127 bytes, is read)"),
    .labeled("block", .int, "the block, 1 … the model's layer count"),
    .labeled("head", .int, "the head, from 0"),
  ], returns: .record("AttentionPattern"), doc: "The attention probabilities of one head on a text, for plot.heatmap.") { args, _ in
    let model = try args.tinyLM("model", for: "lm.attention")
    let block = try args.int("block"), head = try args.int("head")
    guard (1...model.config.layerCount).contains(block) else {
      throw RuntimeError("block must be in 1...\(model.config.layerCount), got \(block)", argument: "block")
    }
    guard (0..<model.config.headCount).contains(head) else {
      throw RuntimeError("head must be in 0..<\(model.config.headCount), got \(head)", argument: "head")
    }
    let (tokens, pattern) = try model.attentionPattern(text: try args.string("text"), block: block, head: head)
    return .record(Record("AttentionPattern", [
      ("pattern", .matrix(pattern)), ("tokens", .array(tokens.map { .string(model.vocabulary.token($0)) })),
      ("block", .int(block)), ("head", .int(head)),
    ]))
  }

  // MARK: - Gradients and the splice

  static let gradients = Builtin("lm.gradients", [
    .positional("model", .model, "a TinyLM, from tinylm(seed:)"),
    .labeled("layer", .int, "0 (embeddings) … the model's layer count: the residual stream after this block"),
    .labeled("tokens", .int, default: .value(.int(100_000)), "how many tokens, in corpus order (the rows of activations(model, layer:, tokens:))"),
    .labeled("maxLength", .int, default: .value(.int(128)), "texts are cut to this many tokens (end-of-text included)"),
    .labeled("corpus", .string, default: .value(.string("")), "a UTF-8 text file or folder; empty for the default English corpus (Debian fortunes)"),
  ], returns: .matrix, doc: "∂L/∂h for the residual stream after a layer, row for row with activations(…) of the same arguments, where L is each text's summed next-token cross-entropy (nats): the gradients gradient SAEs train with.") { args, context in
    let model = try args.tinyLM("model", for: "lm.gradients")
    let layer = try args.int("layer")
    guard (0...model.layerCount).contains(layer) else {
      throw RuntimeError("layer must be in 0...\(model.layerCount), got \(layer)", argument: "layer")
    }
    let corpus = try ModelBuiltins.corpus(args, context)
    do {
      let set = try attributing("maxLength") {
        try ModelActivations.gradients(
          model: model, layer: layer, corpus: corpus, tokens: try args.positiveInt("tokens"), maxLength: try args.int("maxLength"),
          progress: { context.progress?("gradients layer \(layer)", $0) }, shouldStop: { context.isPastDeadline })
      }
      return .matrix(set.x)
    } catch SAEKitError.cancelled {
      try context.checkDeadline()
      throw RuntimeError("stopped")
    }
  }.reading(.corpus("corpus"))

  static let spliceRecord = RecordType("Splice", doc: "Next-token loss with an SAE's reconstruction spliced into one layer of a TinyLM, SAELens's conventions (evals.py: get_recons_loss, ce_loss_score).", fields: [
    ("layer", .int, "the layer whose residual stream was replaced"),
    ("texts", .int, "texts scored"),
    ("tokens", .int, "scored next-token predictions"),
    ("cleanLoss", .double, "CE of the model as it is, nats per token"),
    ("saeLoss", .double, "CE with the layer replaced by the SAE's reconstruction"),
    ("zeroAblationLoss", .double, "CE with the layer set to zero (SAELens's baseline)"),
    ("meanAblationLoss", .double, "CE with the layer set to its mean over these tokens"),
    ("ceLossRecovered", .double, "(CE_zero − CE_sae) / (CE_zero − CE_clean): SAELens's ce_loss_score"),
    ("ceLossRecoveredMean", .double, "the same with the mean ablation as the baseline"),
    ("kl", .double, "KL(p_clean ‖ p_sae), nats per token"),
    ("fvu", .double, "fraction of the layer's variance on these tokens the SAE leaves unexplained"),
  ])

  static let splice = Builtin("lm.splice", [
    .positional("model", .model, "a TinyLM, from tinylm(seed:)"),
    .labeled("sae", .sae, "an SAE trained on that layer's activations"),
    .labeled("on", .record("Tokens"), "score the texts these tokens come from (e.g. split.heldOut from splitTexts: texts neither TinyLM nor the SAE saw); their layer and maxLength are used"),
    .labeled("texts", .int, default: .value(.int(256)), "how many of those texts to score (the first ones)"),
  ], returns: .record("Splice"),
     doc: "CE loss recovered: replaces the tokens' layer of TinyLM by the SAE's reconstruction on the texts of some tokens and compares the next-token loss with the clean model and with zero and mean ablation of the same rows (end-of-text keeps its clean state in every patched pass).") { args, context in
    let model = try args.tinyLM("model", for: "lm.splice"), s = try args.sae("sae")
    let tokens = try TokenBuiltins.tokensArgument(args, "on")
    let source = tokens.source
    guard s.model.dimension == model.hiddenSize else {
      throw RuntimeError("the SAE expects d = \(s.model.dimension), the model's layers have d = \(model.hiddenSize)", argument: "sae")
    }
    let texts = try FidelityArguments.scoredTexts(args, tokens)
    let length = source.request.maxLength
    guard length >= 2 && length <= model.config.context else {
      throw RuntimeError("the tokens were taken with maxLength \(length); TinyLM reads 2...\(model.config.context)", argument: "on")
    }
    // Each text as activations(…) read it: end-of-text, its bytes, cut to maxLength; padded
    // with end-of-text, which is neither scored nor patched.
    var ids = [Int](), targets = [Int](), patched = [Bool]()
    for text in texts {
      let e = model.encode(text, maxLength: length)
      let padding = length - e.count
      ids += e + [Int](repeating: model.config.endOfText, count: padding)
      targets += Array(e.dropFirst()) + [Int](repeating: -1, count: padding + 1)
      patched += e.map { $0 != model.config.endOfText } + [Bool](repeating: false, count: padding)
    }
    let sae = s.model
    let result = try attributing("on") {
      try TinyLMSplice.evaluate(model: model, layer: source.layer, tokens: ids, targets: targets, length: length,
                                patched: patched, reconstruct: { try sae.reconstruct($0) })
    }
    try context.checkDeadline()
    return .record(Record("Splice", [
      ("layer", .int(result.layer)), ("texts", .int(texts.count)), ("tokens", .int(result.scoredTokens)),
      ("cleanLoss", .double(result.cleanLoss)), ("saeLoss", .double(result.reconstructionLoss)),
      ("zeroAblationLoss", .double(result.zeroAblationLoss)), ("meanAblationLoss", .double(result.meanAblationLoss)),
      ("ceLossRecovered", .double(result.lossRecovered)), ("ceLossRecoveredMean", .double(result.lossRecoveredMeanAblation)),
      ("kl", .double(result.klDivergence)), ("fvu", .double(result.fvu)),
    ]))
  }
}
