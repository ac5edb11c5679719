import Foundation
import Testing
@testable import SAEKit

@Suite struct SyntheticTests {
  typealias Synthetic = SyntheticSuperposition

  static func make(
    _ config: Synthetic.Config, seed: UInt64 = 1, workers: Int = 2, features: Matrix? = nil
  ) throws -> Synthetic {
    var rng = RandomSource(seed: seed)
    return try Synthetic(config, features: features, using: &rng, workers: workers)
  }

  @Test func shapesAndUnitFeatures() throws {
    let config = Synthetic.Config(featureCount: 40, dimension: 12, sampleCount: 300, support: .exactly(3))
    let data = try Self.make(config)
    #expect(data.x.shape == Shape(300, 12))
    #expect(data.features.shape == Shape(40, 12))
    #expect(data.coefficients.rows == 300 && data.coefficients.width == 40)
    #expect(data.features.rowNorms().allSatisfy { abs($0 - 1) < 1e-5 })
    #expect(data.config == config)
  }

  @Test func exactlySupportGivesExactlySNonzerosPerRow() throws {
    let config = Synthetic.Config(
      featureCount: 20, dimension: 8, sampleCount: 600, support: .exactly(4),
      magnitude: .uniform(low: 0.5, high: 2), signed: true)
    let codes = try Self.make(config).coefficients
    for i in 0..<codes.rows {
      #expect(codes.l0(row: i) == 4)
      let ids = codes.entries(row: i).map { codes.indices[$0] }
      #expect(ids == ids.sorted() && Set(ids).count == 4)
    }
    #expect(codes.values.contains { $0 < 0 } && codes.values.contains { $0 > 0 })
    #expect(codes.values.allSatisfy { abs($0) >= 0.5 && abs($0) <= 2 })
  }

  @Test func zipfFrequenciesDecreaseAndSumToMeanActive() throws {
    let f = try Synthetic.zipfFrequencies(count: 100, exponent: 1.1, meanActive: 5)
    for i in 1..<100 { #expect(f[i] < f[i - 1]) }
    #expect(abs(f.reduce(0, +) - 5) < 1e-9)
    #expect(f[0] == 1)  // the head is clipped at 1 here
    #expect(abs(f[1] / f[10] - pow(5.5, 1.1)) < 1e-9)
    // Water filling: the head is clipped at 1 and the sum is kept.
    let clipped = try Synthetic.zipfFrequencies(count: 10, exponent: 2, meanActive: 4)
    #expect(clipped[0] == 1 && clipped.allSatisfy { $0 <= 1 })
    #expect(abs(clipped.reduce(0, +) - 4) < 1e-9)
    #expect(throws: SAEKitError.self) { try Synthetic.zipfFrequencies(count: 3, exponent: 1, meanActive: 4) }
    let geometric = try Synthetic.geometricFrequencies(count: 6, ratio: 0.5, meanActive: 1)
    #expect(abs(geometric[1] / geometric[0] - 0.5) < 1e-12)
  }

  @Test func empiricalFrequenciesMatchTheSpectrum() throws {
    let given: [Double] = [1, 0.9, 0.5, 0.3, 0.1, 0.05, 0.01, 0]
    let n = 20_000
    let config = Synthetic.Config(
      featureCount: given.count, dimension: 4, sampleCount: n, support: .bernoulli(frequencies: given),
      magnitude: .constant(1))
    let counts = try Self.make(config, seed: 77).coefficients.firingCounts()
    for (i, f) in given.enumerated() {
      let sd = (f * (1 - f) / Double(n)).squareRoot()
      #expect(abs(Double(counts[i]) / Double(n) - f) <= 5 * sd + 1e-12, "feature \(i)")
    }
    let zipf = Synthetic.Config(
      featureCount: 200, dimension: 4, sampleCount: 4000, support: .zipf(exponent: 1, meanActive: 6))
    let z = try Self.make(zipf, seed: 3).coefficients
    let zc = z.firingCounts()
    #expect(zc[0..<10].reduce(0, +) > 5 * zc[190..<200].reduce(0, +))
    #expect(abs(Double(z.values.count) / 4000 - 6) < 0.2)
  }

  @Test func sameSeedGivesIdenticalBitsAndDifferentSeedsDiffer() throws {
    let config = Synthetic.Config(
      featureCount: 30, dimension: 10, sampleCount: 700, support: .zipf(exponent: 0.8, meanActive: 3),
      magnitude: .logNormal(mu: 0, sigma: 0.5), signed: true, noiseStd: 0.1)
    let a = try Self.make(config, seed: 123), b = try Self.make(config, seed: 123)
    #expect(a.x.storage.map(\.bitPattern) == b.x.storage.map(\.bitPattern))
    #expect(a.coefficients == b.coefficients && a.features == b.features)
    #expect(try Self.make(config, seed: 124).x != a.x)
    // The public initialiser (all cores) agrees too.
    var rng = RandomSource(seed: 123)
    #expect(try Synthetic(config, using: &rng).x == a.x)
  }

  @Test func resultDoesNotDependOnWorkerCount() throws {
    let config = Synthetic.Config(
      featureCount: 50, dimension: 6, sampleCount: 1000,
      support: .mixture([(weight: 1, support: .exactly(2)), (weight: 2, support: .geometric(ratio: 0.9, meanActive: 4))]),
      magnitude: .foldedNormal(mean: 1, std: 0.3), noiseStd: 0.05)
    let one = try Self.make(config, seed: 8, workers: 1)
    for workers in [2, 3, 8] {
      let other = try Self.make(config, seed: 8, workers: workers)
      #expect(other.x.storage.map(\.bitPattern) == one.x.storage.map(\.bitPattern), "workers \(workers)")
      #expect(other.coefficients == one.coefficients)
    }
  }

  @Test func xEqualsCoefficientsTimesFeaturesWithoutNoise() throws {
    let config = Synthetic.Config(
      featureCount: 25, dimension: 9, sampleCount: 400, support: .zipf(exponent: 1, meanActive: 4),
      magnitude: .uniform(low: 0, high: 3), signed: true)
    let data = try Self.make(config, seed: 5)
    let hv = try data.coefficients.dense().matmul(data.features)
    #expect(Naive.maxError(hv, data.x.storage.chunked(9)) < 1e-5)

    // With noise, X − H·V is N(0, σ²) noise.
    var noisy = config
    noisy.noiseStd = 0.2
    let withNoise = try Self.make(noisy, seed: 5)
    let residual = try withNoise.x.subtracting(withNoise.coefficients.dense().matmul(withNoise.features))
    let std = (residual.sumOfSquares() / Double(residual.count)).squareRoot()
    #expect(abs(std - 0.2) < 0.01)
  }

  @Test func reusesGivenFeaturesAndValidates() throws {
    let config = Synthetic.Config(featureCount: 3, dimension: 2, sampleCount: 10, support: .exactly(1))
    let v = try Matrix([[1, 0], [0, 1], [0.6, 0.8]])
    #expect(try Self.make(config, features: v).features == v)
    let error = try #require(throws: SAEKitError.self) { try Self.make(config, features: Matrix(rows: 3, cols: 3)) }
    #expect(error.description.contains("(3×3)") && error.description.contains("(3×2)"))
    var bad = config
    bad.support = .exactly(4)
    #expect(throws: SAEKitError.self) { try Self.make(bad) }
    bad.support = .bernoulli(frequencies: [0.5, 1.5, 0])
    #expect(throws: SAEKitError.self) { try Self.make(bad) }
    bad.support = .exactly(1)
    bad.noiseStd = -1
    #expect(throws: SAEKitError.self) { try Self.make(bad) }
    #expect(try Self.make(Synthetic.Config(featureCount: 3, dimension: 2, sampleCount: 0, support: .exactly(1))).x.rows == 0)
  }
}
