import Testing
@testable import SAEKit

/// Lemma 1 of the AbsTopK paper: every activation's codes are the brute-force
/// argmin of ½‖u − z‖² + λR(z) for its regulariser.
@Suite struct ProximalCheckTests {
  @Test func everyActivationIsTheBruteForceProx() throws {
    let outcomes = try ProximalCheck.run(dim: 7, k: 3, lambda: 0.3, trials: 200, seed: 5)
    #expect(outcomes.map(\.regulariser) == ProximalCheck.Regulariser.allCases)
    for o in outcomes {
      #expect(o.agreeing == o.trials, "\(o.regulariser.rawValue): \(o.agreeing) of \(o.trials)")
      #expect(o.maxObjectiveGap <= 1e-5, "\(o.regulariser.rawValue)")
    }
    #expect(outcomes[0].maxDifference <= 1e-3)
    #expect(outcomes[1...].allSatisfy { $0.maxDifference <= 1e-5 })
  }

  @Test func handWorkedCase() throws {
    let u = [2.0, -3.0, 0.5, -0.1]
    #expect(ProximalCheck.bruteForce(.absTopK, u: u, lambda: 1, k: 2) == [2, -3, 0, 0])
    #expect(ProximalCheck.bruteForce(.topK, u: u, lambda: 1, k: 2) == [2, 0, 0.5, 0])
    // θ = √(2·0.5) = 1: only 2 survives.
    #expect(ProximalCheck.bruteForce(.l0NonNegative, u: u, lambda: 0.5, k: 2) == [2, 0, 0, 0])
    let l1 = ProximalCheck.bruteForce(.l1NonNegative, u: u, lambda: 0.25, k: 2)
    #expect(abs(l1[0] - 1.75) < 1e-9 && abs(l1[2] - 0.25) < 1e-9 && l1[1] == 0 && l1[3] == 0)
    #expect(try ProximalCheck.library(.absTopK, u: u, lambda: 1, k: 2) == [2, -3, 0, 0])
    #expect(try ProximalCheck.library(.topK, u: u, lambda: 1, k: 2) == [2, 0, 0.5, 0])
  }

  @Test func refusesSizesItCannotEnumerate() {
    #expect(throws: SAEKitError.self) { try ProximalCheck.run(dim: 20, k: 3, lambda: 0.3, trials: 1, seed: 1) }
    #expect(throws: SAEKitError.self) { try ProximalCheck.run(dim: 5, k: 6, lambda: 0.3, trials: 1, seed: 1) }
    #expect(throws: SAEKitError.self) { try ProximalCheck.run(dim: 5, k: 2, lambda: 0, trials: 1, seed: 1) }
  }
}
