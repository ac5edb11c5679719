import Foundation
import Testing

@testable import SAEKit

/// `ActivationKind`: each activation reports the kind it was made from, kinds survive
/// JSON bit for bit, and bad hyper-parameters are named before training starts.
@Suite struct ActivationKindTests {
  static let kinds: [ActivationKind] = [
    .relu(l1: 0.3), .topK(k: 4), .batchTopK(k: 2), .absTopK(k: 3),
    .featureChoice(k: 2, zipf: 1.1, inference: .batch), .mutualChoice(k: 3), .jumpReLU(l0: 0.2, bandwidth: 0.05, initialThreshold: 0.01),
    .jumpReLUTargetL0(targetL0: 3, bandwidth: 0.1), .topAFA, .vsae(k: 3, sigma: 0.5),
  ]

  @Test(arguments: kinds)
  func anActivationKnowsItsKind(kind: ActivationKind) throws {
    let back = kind.make(width: 8).kind
    // JumpReLU keeps log θ, so its threshold comes back through exp(log θ): within an ulp or two.
    if case .jumpReLU(let l0, let bw, let theta) = kind, case .jumpReLU(let l0b, let bwb, let thetab) = back {
      let (t, tb) = (try #require(theta), try #require(thetab))
      #expect(l0 == l0b && bw == bwb && abs(t - tb) <= 4 * t.ulp)
    } else {
      #expect(back == kind)
    }
  }

  @Test(arguments: kinds)
  func kindsRoundTripThroughJSONExactly(kind: ActivationKind) throws {
    let data = try JSONEncoder().encode(kind)
    #expect(try JSONDecoder().decode(ActivationKind.self, from: data) == kind)
  }

  @Test func batchTopKStateCarriesTheThreshold() {
    var a: any SparseActivation = BatchTopK(k: 2)
    #expect(a.state.isEmpty)
    a.state = [0.25]
    #expect((a as? BatchTopK)?.threshold == 0.25 && a.state == [0.25])
    var plain: any SparseActivation = TopK(k: 2)
    plain.state = [1]
    #expect(plain.state.isEmpty, "activations without state ignore it")
  }

  @Test func validationNamesTheValueAtFault() throws {
    try ActivationKind.topK(k: 8).validate(width: 8)
    #expect(throws: SAEKitError.invalidArgument("k = 9 exceeds the width 8")) {
      try ActivationKind.topK(k: 9).validate(width: 8)
    }
    #expect(throws: SAEKitError.invalidArgument("k must be positive, got 0")) {
      try ActivationKind.batchTopK(k: 0).validate(width: 8)
    }
    #expect(throws: SAEKitError.invalidArgument("l1 must be a finite number ≥ 0, got -1.0")) {
      try ActivationKind.relu(l1: -1).validate(width: 8)
    }
    #expect(throws: SAEKitError.invalidArgument("bandwidth must be a finite number > 0, got 0.0")) {
      try ActivationKind.jumpReLU(l0: 1, bandwidth: 0).validate(width: 8)
    }
    var rng = RandomSource(seed: 1)
    #expect(throws: SAEKitError.self) {
      try SparseAutoencoder(dimension: 4, width: 3, activation: .topK(k: 4), random: &rng)
    }
  }
}
