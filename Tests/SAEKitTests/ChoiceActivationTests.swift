import Testing
@testable import SAEKit

/// Feature Choice and Mutual Choice: their batch rules, the thresholds they
/// learn for inference, and the choice of rule at inference.
@Suite struct ChoiceActivationTests {
  @Test func featureChoiceGivesEveryLatentItsCapacity() {
    var rng = RandomSource(seed: 3)
    let pre = Matrix.gaussian(rows: 64, cols: 32, mean: 6, std: 1, using: &rng)
    var act = FeatureChoice(k: 4, zipfExponent: 1)
    let codes = act.trainingCodes(pre)
    let capacities = FeatureCapacities.make(width: 32, batch: 64, k: 4, zipfExponent: 1)
    #expect(codes.firingCounts() == capacities, "every affinity is positive, so each latent fills its capacity")
    #expect(codes.meanL0 == 4)
    let perToken = (0..<64).map { codes.l0(row: $0) }
    #expect(perToken.min()! < perToken.max()!, "tokens get different numbers of latents")
    #expect(act.thresholds.count == 32 && act.state == act.thresholds)
  }

  @Test func featureChoiceThresholdsFollowTheCuts() throws {
    var act = FeatureChoice(k: 1)
    let pre = try Matrix([[3, 1], [2, 4], [1, -1]])  // capacities [2, 1]: cuts 2 and 4
    _ = act.trainingCodes(pre)
    #expect(act.thresholds == [2, 4])
    _ = act.trainingCodes(try Matrix([[0, 0], [1, 0], [0, 2]]))  // cuts 0 and 2
    let beta: Float = 0.99
    let expected: [Float] = [beta * 2 + (1 - beta) * 0, beta * 4 + (1 - beta) * 2]
    #expect(act.thresholds == expected)
    // Inference: each token against the thresholds, strictly above.
    let one = try Matrix([[2.5, 3.9]])
    #expect(act.inferenceCodes(one).dense() == (try Matrix([[2.5, 0]])))
    act.inference = .batch
    #expect(act.inferenceCodes(one).dense() == (try Matrix([[2.5, 0]])),
            "a one-token batch has budget 1: the first latent takes it (k·B < m)")
  }

  @Test func mutualChoiceIsBatchTopKWithASelectableInferenceRule() throws {
    var rng = RandomSource(seed: 8)
    let pre = Matrix.gaussian(rows: 40, cols: 24, mean: 0, std: 1, using: &rng)
    var mc = MutualChoice(k: 3)
    var batch = BatchTopK(k: 3)
    #expect(mc.trainingCodes(pre) == batch.trainingCodes(pre))
    #expect(mc.threshold == batch.threshold && mc.state == batch.state)
    #expect(mc.inferenceCodes(pre) == batch.inferenceCodes(pre), "threshold rule by default")
    let sae = try SparseAutoencoder(
      encoderWeights: Matrix(rows: 2, cols: 24), encoderBias: [Float](repeating: 0, count: 24),
      decoderWeights: Matrix(rows: 24, cols: 2), decoderBias: [0, 0], activation: mc)
    let batchRule = try sae.choosingInference(.batch)
    #expect(batchRule.activation.kind == .mutualChoice(k: 3, inference: .batch))
    mc.inference = .batch
    #expect(mc.inferenceCodes(pre).values.count == 120, "the batch rule keeps k·B codes")
    #expect(throws: SAEKitError.self) {
      _ = try SparseAutoencoder(
        encoderWeights: Matrix(rows: 2, cols: 24), encoderBias: [Float](repeating: 0, count: 24),
        decoderWeights: Matrix(rows: 24, cols: 2), decoderBias: [0, 0], activation: TopK(k: 2)
      ).choosingInference(.batch)
    }
  }
}
