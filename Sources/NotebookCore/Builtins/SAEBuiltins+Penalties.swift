import SAEKit

/// `train(…)`'s optional loss terms: Top-AFA's norm matching and the vSAE's KL
/// (with `aux: "off"` and `.vsae(k:, sigma:)`, every arm of papers-2.md §4f's 2×2×2 design).
extension SAEBuiltins {
  static let penaltyParameters: [Parameter] = [
    .labeled("afa", .double, default: .value(.double(0)), "coefficient λ of the norm-matching (AFA) loss λ·(‖z‖ − ‖x‖)² (0: off; the paper sweeps 1/128 … 1/16)"),
    .labeled(
      "afaTarget", .string, default: .value(.string("input")),
      "what ‖z‖ is matched to: \"input\" (‖x‖, the reference code) or \"centered\" (‖x − b_dec‖, the norm Top-AFA's selection matches)"),
    .labeled("kl", .double, default: .value(.double(0)), "coefficient β of the KL term to N(0, 1) of each latent's posterior N(ReLU(pre), σ²) (0: off)"),
    .labeled(
      "klLatents", .string, default: .value(.string("all")),
      "which latents the KL counts: \"all\" (the paper's runs) or \"selected\" (the masked variant)"),
    .labeled("klWarmup", .double, default: .value(.double(0.1)), "share of the steps over which β ramps up linearly"),
  ]

  /// Sets ``TrainingConfig/normMatching`` and ``TrainingConfig/latentKL`` from `train`'s arguments.
  static func applyPenalties(_ args: CallArguments, to config: inout TrainingConfig) throws {
    let afa = try nonNegative(args, "afa")
    let targetText = try args.string("afaTarget")
    guard let target = NormMatchingLoss.Target(rawValue: targetText) else {
      throw RuntimeError("afaTarget must be \"input\" or \"centered\", got \"\(targetText)\"", argument: "afaTarget")
    }
    if afa > 0 { config.normMatching = NormMatchingLoss(coefficient: Float(afa), target: target) }
    let beta = try nonNegative(args, "kl")
    let latentsText = try args.string("klLatents")
    guard let latents = LatentKL.Latents(rawValue: latentsText) else {
      throw RuntimeError("klLatents must be \"all\" or \"selected\", got \"\(latentsText)\"", argument: "klLatents")
    }
    let warmup = try args.double("klWarmup")
    guard warmup >= 0 && warmup <= 1 else {
      throw RuntimeError("klWarmup must be in [0, 1], got \(warmup)", argument: "klWarmup")
    }
    if beta > 0 { config.latentKL = LatentKL(beta: Float(beta), latents: latents, warmupFraction: warmup) }
  }

  /// A finite argument `≥ 0`.
  static func nonNegative(_ args: CallArguments, _ name: String) throws -> Double {
    let v = try args.double(name)
    guard v >= 0 && v.isFinite else { throw RuntimeError("\(name) must be a finite number ≥ 0, got \(v)", argument: name) }
    return v
  }

  /// A finite argument `> 0`.
  static func positive(_ args: CallArguments, _ name: String) throws -> Double {
    let v = try args.double(name)
    guard v > 0 && v.isFinite else { throw RuntimeError("\(name) must be a finite number > 0, got \(v)", argument: name) }
    return v
  }
}
