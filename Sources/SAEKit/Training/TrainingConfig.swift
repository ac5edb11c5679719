import Foundation

/// Hyper-parameters of ``SAETrainer``. Defaults follow Gao et al. (2024) and
/// EleutherAI sparsify where the papers agree; each can be overridden.
public struct TrainingConfig: Sendable, Equatable {
  /// Optimiser steps.
  public var steps: Int = 1_000
  /// Tokens per step `B` (capped at the number of rows available).
  public var batchSize: Int = 4_096
  /// Peak learning rate; nil picks `2e-4 / √(m / 2¹⁴)` (Gao et al.'s width scaling).
  public var learningRate: Float? = nil
  /// Linear warm-up from 0; nil picks `min(1000, steps / 20)`.
  public var warmupSteps: Int? = nil
  /// Share of the steps at the end over which the rate decays linearly to 0.
  public var decayFraction: Double = 0.2
  public var beta1: Float = 0.9
  public var beta2: Float = 0.999
  public var epsilon: Float = 1e-8
  /// Latents used by the AuxK loss; nil picks `d / 2`.
  public var auxK: Int? = nil
  /// AuxK loss coefficient `α` (1/32 in Gao et al.); 0 switches the auxiliary loss off.
  public var auxCoefficient: Float = 1.0 / 32
  /// Which latents the auxiliary loss uses and how it weights them: AuxK's dead
  /// latents (the default) or aux_zipf_loss's under-utilised ones.
  public var auxiliaryLatents: AuxiliaryLatents = .dead
  /// Top-AFA's norm-matching loss `λ·Σ(‖z‖ − ‖x‖)²/B` (``NormMatchingLoss``); nil is off.
  public var normMatching: NormMatchingLoss? = nil
  /// The vSAE's KL term to `N(0, 1)` (``LatentKL``); nil is off.
  public var latentKL: LatentKL? = nil
  /// A latent is dead when it has not fired for this many tokens.
  public var deadWindowTokens: Int = 10_000_000
  /// Scale inputs so that E‖s·x‖² = d (remembered in the SAE and undone on output).
  public var normalizeInput: Bool = true
  /// Rows sampled for the input scale and the geometric median that initialises `b_dec`.
  public var initializationSample: Int = 32_768
  /// Visit rows in a new random order every epoch (otherwise in file order).
  public var shuffle: Bool = true
  /// Threads for every phase of a step: the encoder product (one single-threaded sgemm per row
  /// block) and the sparse phases (``Parallel/withWorkers(_:_:)``). The chunks do not depend on
  /// it, so the results are the same bits for any value.
  public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  public init() {}

  /// The learning rate used for an SAE with `width` latents.
  public func peakLearningRate(width: Int) -> Float {
    learningRate ?? Float(2e-4 / (Double(width) / 16_384).squareRoot())
  }

  /// The warm-up length actually used.
  public var resolvedWarmupSteps: Int { warmupSteps ?? min(1_000, steps / 20) }

  /// `lr_t = lr · min((t+1)/W, 1) · min(1, (S − t) / (decay·S))` for step `t` (0-based).
  public func learningRate(step t: Int, width: Int) -> Float {
    let peak = Double(peakLearningRate(width: width))
    let w = resolvedWarmupSteps
    let warm = w > 0 ? min(Double(t + 1) / Double(w), 1) : 1
    let decaySteps = decayFraction * Double(steps)
    let decay = decaySteps > 0 ? min(1, Double(steps - t) / decaySteps) : 1
    return Float(peak * warm * decay)
  }

  /// Checks the configuration against the data it will train on.
  func validate(dimension d: Int, width m: Int) throws {
    try require(steps >= 1, "steps must be at least 1, got \(steps)")
    try require(batchSize >= 1, "batch size must be at least 1, got \(batchSize)")
    try require(decayFraction >= 0 && decayFraction <= 1, "decay fraction must be in [0, 1], got \(decayFraction)")
    try require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam betas must be in [0, 1)")
    try require(threads >= 1, "threads must be at least 1, got \(threads)")
    try require(deadWindowTokens >= 1, "the dead-latent window must be at least 1 token")
    if let lr = learningRate { try require(lr > 0 && lr.isFinite, "learning rate must be positive, got \(lr)") }
    if let k = auxK { try require(k >= 1, "aux_k must be at least 1, got \(k)") }
    try auxiliaryLatents.validate()
    try require(auxCoefficient >= 0 && auxCoefficient.isFinite, "the aux coefficient must be ≥ 0, got \(auxCoefficient)")
    if let afa = normMatching {
      try require(afa.coefficient >= 0 && afa.coefficient.isFinite, "the AFA coefficient must be ≥ 0, got \(afa.coefficient)")
    }
    if let kl = latentKL {
      try require(kl.beta >= 0 && kl.beta.isFinite, "the KL coefficient β must be ≥ 0, got \(kl.beta)")
      try require(kl.warmupFraction >= 0 && kl.warmupFraction <= 1, "the KL warm-up must be in [0, 1], got \(kl.warmupFraction)")
    }
  }
}

/// One report from a training run (what a progress bar shows).
public struct TrainingProgress: Sendable {
  public var step: Int
  public var steps: Int
  public var tokens: Int
  /// Total loss of the step (reconstruction + penalty + AuxK).
  public var loss: Double
  /// FVU of the step's batch, before the update.
  public var fvu: Double
  /// Mean non-zero latents per token.
  public var l0: Double
  /// Share of latents that have not fired within the dead window.
  public var deadFraction: Double
  public var learningRate: Float
  /// Seconds since training started.
  public var elapsed: Double
}

/// Per-step curves of a training run.
public struct TrainingHistory: Sendable, Equatable {
  public var step: [Int] = []
  public var tokens: [Int] = []
  public var loss: [Double] = []
  public var fvu: [Double] = []
  public var l0: [Double] = []
  public var deadFraction: [Double] = []

  public init() {}

  mutating func append(_ p: TrainingProgress) {
    step.append(p.step)
    tokens.append(p.tokens)
    loss.append(p.loss)
    fvu.append(p.fvu)
    l0.append(p.l0)
    deadFraction.append(p.deadFraction)
  }
}
