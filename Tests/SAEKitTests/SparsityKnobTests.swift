import Foundation
import Testing

@testable import SAEKit

/// Issue #19: the sparsity knobs work within the default 1,000 steps. The achieved L0
/// falls strictly as ReLU's `l1` or JumpReLU's `l0` grows, and `jumpReLU(targetL0:)`
/// lands on its target. Small synthetic data (32 features in 12 dimensions, about 3
/// active, 32 latents, batches of 128) keep each run near a second in a debug build.
@Suite struct SparsityKnobTests {
  static let data: SyntheticSuperposition = {
    var rng = RandomSource(seed: 3)
    let n = 32
    let support = SyntheticSuperposition.Support.bernoulli(frequencies: [Double](repeating: 3.0 / Double(n), count: n))
    // The configuration is valid, so generation cannot fail.
    return try! SyntheticSuperposition(.init(featureCount: n, dimension: 12, sampleCount: 4_096, support: support), using: &rng)
  }()

  /// Trains for the default number of steps (or `steps`).
  static func train(_ kind: ActivationKind, seed: UInt64 = 1, steps: Int? = nil) throws -> TrainingResult {
    var config = TrainingConfig()
    config.batchSize = 128
    #expect(config.steps == 1_000)
    if let steps { config.steps = steps }
    return try SAETrainer.train(data.x, width: 32, activation: kind, config: config, random: RandomSource(seed: seed))
  }

  /// The mean training L0 of the last 50 steps, and the trained SAE's L0 on the data.
  static func achievedL0(_ kind: ActivationKind) throws -> (training: Double, model: Double) {
    let run = try train(kind)
    let tail = run.history.l0.suffix(50)
    return (tail.reduce(0, +) / Double(tail.count), try run.model.encode(data.x).meanL0)
  }

  static func expectStrictlyDecreasing(_ l0: [Double], _ knob: String, _ values: [Float]) {
    let pairs = zip(l0, l0.dropFirst())
    #expect(pairs.allSatisfy { $0 > $1 * 1.2 }, "L0 against \(knob) \(values): \(l0) is not strictly (by 20%) decreasing")
  }

  @Test func reluL1MovesTheL0Monotonically() throws {
    let l1: [Float] = [0.1, 0.3, 1, 3]
    let l0 = try l1.map { try Self.achievedL0(.relu(l1: $0)).model }
    Self.expectStrictlyDecreasing(l0, "l1", l1)
  }

  /// On main the thresholds started at 0.001 and stayed below every pre-activation:
  /// L0 was 30.8 for every λ from 0.01 to 10 (48 features, d = 16, width 64).
  @Test func jumpReLUL0MovesTheL0Monotonically() throws {
    let lambda: [Float] = [0.03, 0.1, 0.3, 1]
    let l0 = try lambda.map { try Self.achievedL0(.jumpReLU(l0: $0)).model }
    Self.expectStrictlyDecreasing(l0, "l0", lambda)
  }

  @Test(arguments: [2, 4, 8] as [Float])
  func jumpReLUReachesItsTargetL0(target: Float) throws {
    let (training, model) = try Self.achievedL0(.jumpReLUTargetL0(targetL0: target))
    #expect(abs(training / Double(target) - 1) <= 0.05, "training L0 \(training) for target \(target)")
    #expect(abs(model / Double(target) - 1) <= 0.1, "the trained SAE's L0 \(model) for target \(target)")
  }

  /// The target form's first batch sets each threshold at its latent's quantile, so
  /// that batch's L0 is the target (up to rounding the share to whole rows).
  @Test func targetThresholdsStartAtThePerLatentQuantile() throws {
    var rng = RandomSource(seed: 4)
    let pre = Matrix.gaussian(rows: 200, cols: 10, mean: 0.3, std: 1, using: &rng)
    var jump = JumpReLU(width: 10, targetL0: 2)
    #expect(jump.thresholdsPending && jump.state == [0, 1, 0])
    let codes = jump.trainingCodes(pre)
    #expect(!jump.thresholdsPending)
    #expect(codes.meanL0 == 2, "each of 10 latents keeps its 40 largest of 200")
    #expect(jump.l0Coefficient > 0 && jump.thresholdShift == 0, "L0 on target: no correction")
    let theta = jump.thresholds
    #expect(theta.allSatisfy { $0 > 0 })
  }

  /// Same seed, same bits, for the target form (its controller reads only the codes).
  @Test func targetFormIsReproducible() throws {
    let a = try Self.train(.jumpReLUTargetL0(targetL0: 4), seed: 9, steps: 200)
    let b = try Self.train(.jumpReLUTargetL0(targetL0: 4), seed: 9, steps: 200)
    #expect(a.model.activation.parameters == b.model.activation.parameters)
    #expect(a.model.encoderWeights == b.model.encoderWeights && a.history.l0 == b.history.l0)
  }

  /// The coefficient form starts at the break-even threshold √λ; SAELens's start is explicit.
  @Test func coefficientFormStartsAtTheBreakEvenThreshold() {
    #expect(JumpReLU(width: 3, l0Coefficient: 0.25).thresholds == [0.5, 0.5, 0.5])
    #expect(JumpReLU(width: 2, l0Coefficient: 0).thresholds.allSatisfy { abs($0 - JumpReLU.minimumThreshold) < 1e-9 })
    let saeLens = ActivationKind.jumpReLU(l0: 1, bandwidth: 0.001, initialThreshold: 0.001).make(width: 2) as? JumpReLU
    #expect(saeLens?.thresholds.allSatisfy { abs($0 - 0.001) < 1e-9 } == true)
  }
}
