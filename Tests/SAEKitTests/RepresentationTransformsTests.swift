import Foundation
import Testing
@testable import SAEKit

/// The transforms of the invariance experiment: orthogonal draws, a map of
/// condition number κ, and relative noise.
@Suite struct RepresentationTransformsTests {
  /// max |(A·Bᵀ)_ij − δ_ij|.
  func deviationFromIdentity(_ a: Matrix, _ b: Matrix) throws -> Double {
    let p = try a.matmulTransposed(b)
    var worst = 0.0
    for i in 0..<p.rows { for j in 0..<p.cols { worst = max(worst, abs(Double(p[i, j]) - (i == j ? 1 : 0))) } }
    return worst
  }

  @Test func randomOrthogonalIsOrthogonalAndSeeded() throws {
    let q = try RepresentationTransforms.randomOrthogonal(24, seed: 5)
    #expect(try deviationFromIdentity(q, q) < 1e-5)
    #expect(q == (try RepresentationTransforms.randomOrthogonal(24, seed: 5)))
    #expect(q != (try RepresentationTransforms.randomOrthogonal(24, seed: 6)))
    #expect(throws: SAEKitError.self) { try RepresentationTransforms.randomOrthogonal(0, seed: 1) }
  }

  @Test func conditionedMapHasTheRequestedSingularValueRange() throws {
    let w1 = try RepresentationTransforms.conditioned(12, condition: 1, seed: 2)
    #expect(try deviationFromIdentity(w1, w1) < 1e-5)
    // W·Wᵀ = U·diag(s²)·Uᵀ: its trace is Σ s², and ‖W·v‖ stays within [1/κ, 1] for unit v.
    let kappa = 50.0
    let w = try RepresentationTransforms.conditioned(12, condition: kappa, seed: 2)
    let expected = (0..<12).map { exp(-2 * log(kappa) * Double($0) / 11) }.reduce(0, +)
    let trace = (0..<12).map { i in w.row(i).map { Double($0 * $0) }.reduce(0, +) }.reduce(0, +)
    #expect(abs(trace - expected) < 1e-4 * expected)
    var rng = RandomSource(seed: 3)
    let v = Matrix.gaussian(rows: 50, cols: 12, using: &rng)
    let mapped = try RepresentationTransforms.apply(w, to: v)
    for (before, after) in zip(v.rowNorms(), mapped.rowNorms()) {
      #expect(after <= before * 1.0001 && after >= before / kappa * 0.9999)
    }
    #expect(throws: SAEKitError.self) { try RepresentationTransforms.conditioned(4, condition: 0.5, seed: 1) }
  }

  @Test func noiseIsRelativeToTheDataAndZeroNoiseIsTheIdentity() throws {
    var rng = RandomSource(seed: 4)
    let x = Matrix.gaussian(rows: 2_000, cols: 16, std: 3, using: &rng)
    #expect(try RepresentationTransforms.addingNoise(to: x, relative: 0, seed: 1) == x)
    let noisy = try RepresentationTransforms.addingNoise(to: x, relative: 0.5, seed: 1)
    let rms = (try noisy.subtracting(x).sumOfSquares() / Double(x.count)).squareRoot()
    #expect(abs(rms - 0.5 * 3) < 0.05 * 1.5)
  }
}
