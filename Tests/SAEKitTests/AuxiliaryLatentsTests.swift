import Foundation
import Testing
@testable import SAEKit

/// The auxiliary-loss family: AuxK's dead set and aux_zipf_loss's
/// under-utilised set with its weights, and the Zipf fit it relies on.
@Suite struct AuxiliaryLatentsTests {
  /// A tracker whose latent `j` fired on `counts[j]` of `tokens` tokens.
  func tracker(counts: [Int], tokens: Int, window: Int = 1_000_000) throws -> LatentFiringTracker {
    var t = try LatentFiringTracker(width: counts.count, window: window)
    var start = [0], ids = [Int32](), values = [Float]()
    for r in 0..<tokens {
      for (j, c) in counts.enumerated() where r < c { ids.append(Int32(j)); values.append(1) }
      start.append(ids.count)
    }
    try t.record(try SparseCodes(rows: tokens, width: counts.count, rowStart: start, indices: ids, values: values))
    return t
  }

  @Test func zipfFitRecoversTheExponentOfAnExactLaw() throws {
    let densities = (1...200).map { 0.3 * pow(Double($0), -1.2) }.reversed()
    let fit = try ZipfFit(densities: Array(densities), headShare: 1)
    #expect(abs(fit.exponent - 1.2) < 1e-9 && abs(fit.scale - 0.3) < 1e-9 && abs(fit.r2 - 1) < 1e-9)
    #expect(fit.points == 200)
    #expect(abs(fit.expected(rank: 10) - 0.3 * pow(10, -1.2)) < 1e-12)
    #expect(throws: SAEKitError.self) { try ZipfFit(densities: [0.5, 0, 0, 0]) }
    #expect(DensityRank.ranks([0.1, 0.5, 0.1, 0]) == [2, 1, 3, 4])
    #expect(DensityRank.curve([0.1, 0.5, 0]).densities == [0.5, 0.1, 0])
  }

  @Test func deadSetIsAuxKWithUnitWeights() throws {
    let t = try tracker(counts: [8, 0, 3, 0], tokens: 10, window: 4)
    // Latent 2 last fired at token 2 (7 tokens ago ≥ 4), latents 1 and 3 never fired.
    #expect(AuxiliaryLatents.dead.select(t) == AuxiliarySet(latents: [1, 2, 3], weights: [1, 1, 1]))
  }

  @Test func underusedLatentsFallBelowTheirZipfExpectation() throws {
    // A Zipf head (α = 1) over 8 latents, then a tail that falls short of it.
    let counts = [800, 400, 267, 200, 160, 20, 0, 100]
    let t = try tracker(counts: counts, tokens: 1_000)
    let fit = try ZipfFit(densities: t.firingFrequencies)
    let set = AuxiliaryLatents.underused(slack: 1, weighting: .shortfall).select(t)
    let ranks = DensityRank.ranks(t.firingFrequencies)
    let expected = (0..<8).filter { t.firingFrequencies[$0] < fit.expected(rank: ranks[$0]) }
    #expect(set.latents == expected.map(Int32.init))
    #expect(set.latents.contains(5) && set.latents.contains(6), "the short tail is under-utilised")
    #expect(set.weights[set.latents.firstIndex(of: 6)!] == 1, "a latent that never fired has full shortfall")
    #expect(set.weights.allSatisfy { $0 > 0 && $0 <= 1 })
    let uniform = AuxiliaryLatents.underused(slack: 1, weighting: .uniform).select(t)
    #expect(uniform.latents == set.latents && uniform.weights.allSatisfy { $0 == 1 })
    #expect(AuxiliaryLatents.underused().select(try tracker(counts: [0, 0, 3], tokens: 5)).latents.isEmpty,
            "no fit (one latent fired): no latents")
  }

  @Test func zipfAuxiliaryLossChangesTrainingAndRejectsABadSlack() throws {
    var rng = RandomSource(seed: 5)
    let x = Matrix.gaussian(rows: 256, cols: 8, mean: 0, std: 1, using: &rng)
    func losses(_ latents: AuxiliaryLatents) throws -> [Double] {
      var config = TrainingConfig()
      (config.steps, config.batchSize, config.auxiliaryLatents) = (5, 64, latents)
      let random = RandomSource(seed: 1)
      return try SAETrainer.train(x, width: 32, activation: .mutualChoice(k: 2), config: config, random: random).history.loss
    }
    let zipf = try losses(.underused(slack: 2)), dead = try losses(.dead)
    #expect(zipf.first == dead.first, "nothing has fired before the first step")
    #expect(zipf.last != dead.last, "after it, under-utilised latents add a term that AuxK (nothing dead yet) does not")
    #expect(throws: SAEKitError.self) { try losses(.underused(slack: 0)) }
  }
}
