import Foundation
import SAEKit

/// Training and evaluating sparse autoencoders.
enum SAEBuiltins {
  static let history = RecordType("TrainingHistory", doc: "Per-step curves of a training run.", fields: [
    ("step", .array(.int), "step number, from 1"),
    ("tokens", .array(.int), "tokens seen after the step"),
    ("loss", .array(.double), "training loss of the step's batch"),
    ("fvu", .array(.double), "fraction of variance unexplained of the step's batch"),
    ("l0", .array(.double), "mean number of active latents per token"),
    ("dead", .array(.double), "fraction of latents that did not fire within the dead window"),
  ])

  static let metrics = RecordType(
    "Metrics", doc: "Reconstruction quality of an SAE on data (and feature recovery when the truth is known).",
    fields: [
    ("fvu", .double, "fraction of variance unexplained, Σ‖x−x̂‖² / Σ‖x−x̄‖²"),
    ("mse", .double, "mean squared error per entry"),
    ("explainedVariance", .double, "1 − FVU"),
    ("cosine", .double, "mean cosine similarity of x and x̂"),
    ("l0", .double, "mean number of non-zero latents per token"),
    ("deadFraction", .double, "share of latents that never fire on this data"),
    ("mmcs", .double, "mean over true features of the best cosine with a decoder row (nan without truth)"),
    ("recovered", .double, "share of true features matched by a decoder row at cos ≥ 0.9 (nan without truth)"),
  ])

  static let density = RecordType("FeatureDensity", doc: "How often each latent fires on some data.", fields: [
    ("frequency", .array(.double), "per latent, the share of tokens on which it fires"),
    ("log10", .array(.double), "per latent, log10(frequency + 1e-10): the usual density-histogram axis"),
    ("dead", .double, "share of latents that never fire"),
    ("dense", .double, "share of latents that fire on more than 10% of tokens"),
  ])

  static func register(_ r: inout Registry) {
    registerActivations(&r)
    r.addRecord(history)
    r.addRecord(metrics)
    r.addRecord(density)
    r.add(train)
    r.add(evaluate)
    r.add(featureDensity)
    let properties: [(String, ValueType, String, @Sendable (TrainedSAE) throws -> Value)] = [
      ("history", .record("TrainingHistory"), "per-step training curves", { s in
        .record(Record("TrainingHistory", [
          ("step", .array(s.history.step.map(Value.int))), ("tokens", .array(s.history.tokens.map(Value.int))),
          ("loss", .array(s.history.loss.map(Value.double))), ("fvu", .array(s.history.fvu.map(Value.double))),
          ("l0", .array(s.history.l0.map(Value.double))), ("dead", .array(s.history.deadFraction.map(Value.double))),
        ]))
      }),
      ("width", .int, "number of latents m", { .int($0.model.width) }),
      ("activation", .activation, "the sparsifying rule, e.g. .topK(k: 32)", { .activation($0.activation) }),
      ("dim", .int, "input dimension d", { .int($0.model.dimension) }),
      ("decoder", .matrix, "decoder rows W_dec, (width × dim): unit norm when trained here, the file's norms when loaded by loadSAE (an error when loaded with weights: \"mapped\")", { .matrix(try $0.model.decoderInMemory(for: "sae.decoder")) }),
      ("seconds", .double, "wall-clock training time", { .double($0.seconds) }),
      ("modelName", .string, "the model a loaded SAE's file names (\"\" when unknown)", { .string($0.model.provenance.modelName ?? "") }),
      ("hookName", .string, "the hook a loaded SAE's file names, e.g. blocks.8.hook_resid_pre (\"\" when unknown)",
       { .string($0.model.provenance.hookName ?? "") }),
    ]
    for (name, type, doc, get) in properties {
      r.addProperty(Property(receiver: .sae, name: name, type: type, doc: doc) { v in
        guard case .sae(let s) = v else { throw RuntimeError("not an SAE") }
        return try get(s)
      })
    }
    r.addMethod(Builtin("reconstruct", [.positional("x", .matrix, "inputs, (tokens × dim)")], returns: .matrix,
                        doc: "decode(encode(x)), in input units.") { args, _ in
      guard case .sae(let s)? = args.receiver else { throw RuntimeError("not an SAE") }
      return .matrix(try s.model.reconstruct(try args.matrix("x")))
    }, on: .sae)
  }

  /// One row of ``activationCatalog``: how a notebook writes an ``ActivationKind``.
  struct ActivationEntry {
    var name: String
    var parameters: [Parameter]
    var doc: String
    var make: @Sendable (CallArguments) throws -> ActivationKind
  }

  /// Every activation a notebook can ask for, registered as implicit members
  /// of `Activation` (`.topK(k: 32)`); a new ``ActivationKind`` case needs a row here.
  static let activationCatalog: [ActivationEntry] = [
    ActivationEntry(
      name: "topK", parameters: [.labeled("k", .int, "active latents per token")],
      doc: "TopK: the k largest pre-activations per token, then ReLU (Gao et al. 2024)."
    ) { .topK(k: try $0.positiveInt("k")) },
    ActivationEntry(
      name: "batchTopK", parameters: [.labeled("k", .int, "mean active latents per token")],
      doc: "BatchTopK: the B·k largest pre-activations of a batch; a threshold at inference (Bussmann et al. 2024)."
    ) { .batchTopK(k: try $0.positiveInt("k")) },
    ActivationEntry(
      name: "absTopK", parameters: [.labeled("k", .int, "active latents per token")],
      doc: "AbsTopK: the k pre-activations of largest magnitude per token, signs kept (Zhu, Khalili & Zhu 2025)."
    ) { .absTopK(k: try $0.positiveInt("k")) },
    ActivationEntry(
      name: "featureChoice",
      parameters: [
        .labeled("k", .int, "mean active latents per token: the batch budget is k·B"),
        .labeled(
          "zipf", .double, default: .value(.double(0)), "Zipf exponent of the capacities over latent index (0: uniform)"),
        inferenceParameter,
      ],
      doc: "Feature Choice: each latent takes its m_j best tokens of the batch, Σ m_j = k·B, floor 1 (Ayonrinde 2024)."
    ) { .featureChoice(k: try $0.positiveInt("k"), zipf: Float(try $0.double("zipf")), inference: try choiceInference($0)) },
    ActivationEntry(
      name: "mutualChoice",
      parameters: [.labeled("k", .int, "mean active latents per token: the batch budget is k·B"), inferenceParameter],
      doc: "Mutual Choice: the k·B largest affinities of the whole batch (Ayonrinde 2024; BatchTopK's rule)."
    ) { .mutualChoice(k: try $0.positiveInt("k"), inference: try choiceInference($0)) },
    ActivationEntry(
      name: "relu", parameters: [.labeled("l1", .double, "L1 coefficient λ (see the scale above)")],
      doc: reluDoc
    ) { .relu(l1: Float(try $0.double("l1"))) },
    ActivationEntry(
      name: "jumpReLU",
      parameters: [
        .labeled("l0", .double, default: .absent, "L0 coefficient λ: the squared error a latent must save to fire (give l0 or targetL0)"),
        .labeled("targetL0", .double, default: .absent, "the mean active latents per token to train for: the thresholds are shifted every step to hold it (give l0 or targetL0)"),
        // JumpReLU.defaultBandwidth, written as the Double a notebook would write.
        .labeled("bandwidth", .double, default: .value(.double(0.05)), "straight-through kernel width ε"),
        .labeled("threshold", .double, default: .absent, "initial threshold θ₀ with l0 (default √λ; 0.001 with bandwidth: 0.001 is SAELens's start)"),
      ],
      doc: jumpReLUDoc
    ) { try jumpReLU($0) },
    ActivationEntry(
      name: "topAFA", parameters: [],
      doc: "Top-AFA: per token, the k whose decoder-weighted activations best match ‖x − b_dec‖ (Lee et al. 2025); its norm-matching loss is train(…, afa: λ)."
    ) { _ in .topAFA },
    ActivationEntry(
      name: "vsae",
      parameters: [
        .labeled("k", .int, "active latents per token"),
        .labeled("sigma", .double, default: .value(.double(1)), "posterior standard deviation σ of z = μ + σ·ε in training (0: no sampling)"),
      ],
      doc: "vSAE: TopK by |z| over z = ReLU(pre) + σ·ε in training, over ReLU(pre) at inference (Baker & Li 2025); its KL term is train(…, kl: β)."
    ) { .vsae(k: try $0.positiveInt("k"), sigma: Float(try nonNegative($0, "sigma"))) },
  ]

  /// The setup of the worked examples in the `relu` and `jumpReLU` docs (measured on the notebook's release build).
  static let knobExampleSetup = """
    Worked example: `let data = synthetic.superposition(features: 256, dim: 32, sparsity: 0.0125, samples: 20_000, \
    test: 5_000)` (about 3.2 active features per sample, of RMS size √(32/3.2) ≈ 3.2 after scaling) and \
    `train(data.x, width: 256, activation: …, batch: 256)` with the default 1,000 steps and learning rate, seed 1; \
    L0 and FVU of `evaluate(sae, on: data.test)`:
    """

  static let reluDoc = """
    ReLU with the decoder-norm-weighted L1 penalty λ·Σ_j z_j‖W_dec[j]‖ (Bricken et al. 2023; Anthropic, April 2024).

    Scale of `l1`: the loss is Σ‖x̂ − s·x‖²/B + λ·Σ_j z_j‖W_dec[j]‖ on inputs scaled so that E‖s·x‖² = d, with unit \
    decoder rows. A latent whose residual along its decoder row is v minimises (v − z)² + λz at z = max(0, v − λ/2): \
    it fires only where v > λ/2 and is shrunk by λ/2 there. So λ is twice the smallest activation worth keeping, \
    in units where a token's RMS norm is √d; λ near twice a typical feature's size silences most of them \
    (with shrinkage: FVU rises fast).

    \(knobExampleSetup)

    | l1 | 0.01 | 0.03 | 0.1 | 0.3 | 1 | 3 |
    |---|---|---|---|---|---|---|
    | L0 | 85.4 | 82.5 | 75.2 | 63.9 | 44.2 | 16.8 |
    | FVU | 0.045 | 0.046 | 0.051 | 0.070 | 0.181 | 0.640 |
    """

  static let jumpReLUDoc = """
    JumpReLU with learned per-latent thresholds and an L0 penalty (Rajamanoharan et al. 2024), trained with a \
    rectangle-kernel straight-through estimator of bandwidth ε on log θ.

    Scale of `l0`: the loss is Σ‖x̂ − s·x‖²/B + λ·L0 on inputs scaled so that E‖s·x‖² = d, so λ is the squared \
    error a latent must save on a token to fire there. Firing at v against a residual v along a unit decoder row \
    saves v², so the break-even threshold is θ = √λ, and the thresholds start there. `targetL0: n` instead starts \
    each latent's threshold where it fires on a share n/width of the first batch, and after every step shifts all \
    log-thresholds by 0.05·log(L0_batch/n), holding the training L0 at n (TopK is the other fixed-L0 choice, per \
    token rather than on average).

    Differs from SAELens's JumpReLU, which starts at θ = ε = 0.001 (`jumpReLU(l0: λ, bandwidth: 0.001, \
    threshold: 0.001)`): on our scaled inputs the pre-activations are of order 1, Adam moves log θ by at most the \
    learning rate per step, and that start stays below them for 1,000 steps, so L0 ignores λ (86.2 for every \
    λ from 0.01 to 100 in the example below).

    \(knobExampleSetup)

    | l0 | 0.01 | 0.03 | 0.1 | 0.3 | 1 | 3 | 10 |
    |---|---|---|---|---|---|---|---|
    | L0 | 63.6 | 48.4 | 28.9 | 14.1 | 4.95 | 1.61 | 0.37 |
    | FVU | 0.053 | 0.067 | 0.114 | 0.224 | 0.435 | 0.650 | 0.862 |

    | targetL0 | 2 | 4 | 8 | 16 |
    |---|---|---|---|---|
    | training L0, last 50 steps | 2.00 | 3.98 | 7.96 | 15.91 |
    | held-out L0 | 2.19 | 4.30 | 8.32 | 16.38 |
    | FVU | 0.535 | 0.397 | 0.276 | 0.171 |

    (The held-out set reads a little denser for every activation: ReLU's 16.53 in training is 16.80 there.)
    """

  /// `jumpReLU(l0:)` or `jumpReLU(targetL0:)`, with the bandwidth and (with `l0:`) the initial threshold.
  static func jumpReLU(_ args: CallArguments) throws -> ActivationKind {
    let bandwidth = Float(try positive(args, "bandwidth"))
    switch (try args.optionalDouble("l0"), try args.optionalDouble("targetL0")) {
    case (_?, nil):
      let theta = try args.optionalDouble("threshold") == nil ? nil : Float(try positive(args, "threshold"))
      return .jumpReLU(l0: Float(try nonNegative(args, "l0")), bandwidth: bandwidth, initialThreshold: theta)
    case (nil, _?):
      guard !args.has("threshold") else {
        throw RuntimeError("threshold: goes with l0:; targetL0: sets the thresholds from the data", argument: "threshold")
      }
      return .jumpReLUTargetL0(targetL0: Float(try positive(args, "targetL0")), bandwidth: bandwidth)
    case (_?, _?):
      throw RuntimeError("give l0: (a fixed coefficient) or targetL0: (a held L0), not both", argument: "targetL0")
    case (nil, nil):
      throw RuntimeError("jumpReLU needs l0: (the L0 coefficient λ) or targetL0: (the mean L0 to train for)", argument: "l0")
    }
  }

  /// `inference:` of the batch-allocating activations.
  static let inferenceParameter = Parameter.labeled(
    "inference", .string, default: .value(.string("threshold")),
    "rule at inference: \"threshold\" (estimated in training, per token) or \"batch\" (the batch rule)")

  static func choiceInference(_ args: CallArguments) throws -> ChoiceInference {
    let text = try args.string("inference")
    guard let rule = ChoiceInference(rawValue: text) else {
      throw RuntimeError("inference must be \"threshold\" or \"batch\", got \"\(text)\"", argument: "inference")
    }
    return rule
  }

  static func registerActivations(_ r: inout Registry) {
    for entry in activationCatalog {
      let make = entry.make
      r.addImplicitMember(
        Builtin(entry.name, entry.parameters, returns: .activation, doc: entry.doc) { args, _ in
          .activation(try make(args))
        }, producing: .activation)
    }
  }

  static let train = Builtin("train", [
    .positional("x", .matrix, "training activations, (tokens × dim)"),
    .labeled("width", .int, "number of latents m"),
    .labeled("activation", .activation, "sparsifying activation, e.g. .topK(k: 32)"),
    .labeled("steps", .int, default: .value(.int(1_000)), "optimiser steps"),
    .labeled("batch", .int, default: .value(.int(4_096)), "tokens per step"),
    .labeled("lr", .double, default: .absent, "peak learning rate (default 2e-4/√(m/2¹⁴))"),
      .labeled(
        "deadWindow", .int, default: .value(.int(1_000_000)),
        "tokens without firing after which a latent counts as dead"),
    .labeled("seed", .int, default: .notebookSeed, "random seed (defaults to the notebook's seed)"),
    .labeled(
      "aux", .string, default: .value(.string("dead")),
      "auxiliary loss: \"dead\" (AuxK), \"zipf\" (aux_zipf_loss: latents below their Zipf-expected density, by shortfall) or \"off\""),
    ] + penaltyParameters, returns: .sae,
    doc: "Trains a sparse autoencoder with Adam, an auxiliary loss (AuxK or aux_zipf_loss), unit-norm decoder rows and input scaling; optionally Top-AFA's norm-matching loss and the vSAE's KL term."
  ) { args, context in
    let x = try args.matrix("x")
    var config = TrainingConfig()
    config.steps = try args.positiveInt("steps")
    config.batchSize = try args.positiveInt("batch")
    config.deadWindowTokens = try args.positiveInt("deadWindow")
    if let lr = try args.optionalDouble("lr") {
      guard lr > 0 else { throw RuntimeError("lr must be positive, got \(lr)", argument: "lr") }
      config.learningRate = Float(lr)
    }
    switch try args.string("aux") {
    case "dead": config.auxiliaryLatents = .dead
    case "zipf": config.auxiliaryLatents = .underused()
    case "off": config.auxCoefficient = 0
    case let other: throw RuntimeError("aux must be \"dead\", \"zipf\" or \"off\", got \"\(other)\"", argument: "aux")
    }
    try applyPenalties(args, to: &config)
    let activation = try args.activation("activation")
    let width = try args.positiveInt("width")
    do { try activation.validate(width: width) } catch let e as SAEKitError {
      throw RuntimeError(e.description, argument: "activation")
    }
    let seed = UInt64(bitPattern: Int64(try args.int("seed")))
    do {
      let result = try SAETrainer.train(
        x, width: width, activation: activation, config: config, random: RandomSource(seed: seed),
        progressEvery: max(1, config.steps / 50),
        progress: { p in context.progress?("train \(activation.literal) m=\(width)", Double(p.step) / Double(p.steps))
        },
        shouldStop: { context.isPastDeadline })
      return .sae(
        TrainedSAE(
          model: result.model, activation: activation, history: result.history, config: config, seconds: result.seconds)
      )
    } catch SAEKitError.cancelled {
      try context.checkDeadline()
      throw RuntimeError("training was stopped")
    }
  }

  static let evaluate = Builtin("evaluate", [
    .positional("sae", .sae, "a trained SAE"),
    .labeled("on", .matrix, "data, (tokens × dim)"),
    .labeled("truth", .matrix, default: .absent, "true feature directions (features × dim), for MMCS and recovery"),
    ], returns: .record("Metrics"),
    doc: "Reconstruction metrics of an SAE on data; feature recovery when the true directions are given."
  ) { args, _ in
    let s = try args.sae("sae"), x = try args.matrix("on")
    let codes = try s.model.encode(x)
    let xhat = try s.model.decode(codes)
    let summary = try ReconstructionMetrics.summary(x: x, reconstruction: xhat, codes: codes)
    let fired = codes.firingCounts().filter { $0 > 0 }.count
    var mmcs = Double.nan, recovered = Double.nan
    if args.has("truth") {
      let recovery = try FeatureRecovery(truth: try args.matrix("truth"), learned: s.model.decoderInMemory(for: "featureRecovery"))
      mmcs = recovery.meanMaxCosine
      recovered = recovery.recoveredFraction
    }
    return .record(Record("Metrics", [
      ("fvu", .double(summary.fractionOfVarianceUnexplained)), ("mse", .double(summary.meanSquaredError)),
      ("explainedVariance", .double(summary.explainedVariance)), ("cosine", .double(summary.meanCosineSimilarity)),
          ("l0", .double(summary.meanL0 ?? codes.meanL0)),
          ("deadFraction", .double(1 - Double(fired) / Double(s.model.width))),
      ("mmcs", .double(mmcs)), ("recovered", .double(recovered)),
    ]))
  }

  static let featureDensity = Builtin("featureDensity", [
    .positional("sae", .sae, "a trained SAE"),
    .labeled("on", .matrix, "data, (tokens × dim)"),
    ], returns: .record("FeatureDensity"),
    doc: "How often each latent fires on the data (for the feature-density histogram)."
  ) { args, _ in
    let s = try args.sae("sae"), x = try args.matrix("on")
    guard x.rows > 0 else { throw RuntimeError("no data", argument: "on") }
    let counts = try s.model.encode(x).firingCounts()
    let frequency = counts.map { Double($0) / Double(x.rows) }
    return .record(Record("FeatureDensity", [
      ("frequency", .array(frequency.map(Value.double))),
      ("log10", .array(frequency.map { .double(log10($0 + 1e-10)) })),
      ("dead", .double(Double(counts.filter { $0 == 0 }.count) / Double(counts.count))),
      ("dense", .double(Double(frequency.filter { $0 > 0.1 }.count) / Double(counts.count))),
    ]))
  }
}
