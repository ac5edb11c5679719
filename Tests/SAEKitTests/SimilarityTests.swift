import Foundation
import Testing
@testable import SAEKit

/// Hand-made centred columns (n = 6), pairwise orthogonal: ‖u‖² = 6, ‖v‖² = 12, ‖w‖² = 4.
private let u: [Float] = [1, -1, 1, -1, 1, -1]
private let v: [Float] = [1, 1, -2, 1, 1, -2]
private let w: [Float] = [1, 1, 0, -1, -1, 0]

private func columns(_ cols: [[Float]], scales: [Float]? = nil) -> Matrix {
  let s = scales ?? [Float](repeating: 1, count: cols.count)
  return Matrix(rows: cols[0].count, cols: cols.count) { i, j in cols[j][i] * s[j] }
}

private func gaussian(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
  var rng = RandomSource(seed: seed)
  return Matrix.gaussian(rows: rows, cols: cols, mean: 0.5, std: 1, using: &rng)
}

private func near(_ a: Double, _ b: Double, _ tol: Double = 1e-9) -> Bool { abs(a - b) <= tol }

@Suite struct LabelJaccardTests {
  @Test func jaccardOfLabelSetsPerLayerAndPerModel() throws {
    func occ(_ pairs: [(Int, Int)]) -> Set<TokenOccurrence> { Set(pairs.map { TokenOccurrence(document: $0.0, position: $0.1) }) }
    #expect(LabelJaccard.similarity(occ([(0, 1), (0, 2), (1, 0)]), occ([(0, 2), (1, 0), (3, 3)])) == 0.5)
    #expect(LabelJaccard.similarity(occ([(0, 1)]), occ([(1, 0)])) == 0)
    #expect(LabelJaccard.similarity(occ([]), occ([])) == 1)

    func dict(_ labels: [(Int, Int, Int)]) throws -> ITDADictionary {
      try ITDADictionary(
        atoms: Matrix(rows: labels.count, cols: 2, repeating: 1),
        labels: labels.map { ITDADictionary.Label(document: $0.0, position: $0.1, tokenId: $0.2) }, threshold: 0.1, l0: 1)
    }
    // The token id is not part of the identity; duplicates collapse.
    let a1 = try dict([(0, 0, 5), (0, 1, 6), (0, 1, 6)]), a2 = try dict([(2, 2, 1)])
    let b1 = try dict([(0, 0, 9)]), b2 = try dict([(2, 2, 1), (4, 4, 4)])
    #expect(LabelJaccard.similarity(a1, b1) == 0.5)
    // Model level: {00, 01, 22} vs {00, 22, 44} → 2 / 4.
    #expect(LabelJaccard.modelSimilarity([a1, a2], [b1, b2]) == 0.5)
  }
}

@Suite struct LinearCKATests {
  @Test func identicalInputsAndOrthogonalOrIsotropicTransformsGiveOne() throws {
    let x = gaussian(60, 5, seed: 1)
    let q = try randomOrthogonal(5, seed: 2)
    #expect(near(try LinearCKA.similarity(x, x), 1, 1e-12))
    #expect(near(try LinearCKA.similarity(x, try x.matmul(q).scaled(by: 3)), 1, 1e-6))
    #expect(near(try LinearCKA.columnNormalised(x, x), 1, 1e-12))
    let y = gaussian(60, 4, seed: 3)
    let base = try LinearCKA.similarity(x, y)
    #expect(base > 0.01 && base < 0.5)
    #expect(near(try LinearCKA.similarity(try x.matmul(q), y.scaled(by: 0.25)), base, 1e-6))
    // A mean shift changes nothing (centring); the column-normalised variant is not rotation invariant.
    #expect(near(try LinearCKA.similarity(try x.addingRowVector([5, -3, 2, 0, 1]), y), base, 1e-6))
    let normalised = try LinearCKA.columnNormalised(x, y)
    #expect(abs(try LinearCKA.columnNormalised(try x.matmul(q), y) - normalised) > 1e-3)
  }

  @Test func knownValues() throws {
    // One column each: CKA = Pearson r². x = u + v/2 with u ⊥ v: r² = 6 / (6 + 3).
    let x = columns([zip(u, v).map { $0 + $1 / 2 }]), y = columns([u])
    #expect(near(try LinearCKA.similarity(x, y), 6.0 / 9.0))
    // X = [a·u, b·v] (orthogonal centred columns), Y = [u]: a²‖u‖² / sqrt(a⁴‖u‖⁴ + b⁴‖v‖⁴).
    let x2 = columns([u, v], scales: [1, 2])
    let a2 = 6.0, b2 = 4.0 * 12
    #expect(near(try LinearCKA.similarity(x2, y), a2 / (a2 * a2 + b2 * b2).squareRoot()))
    // The column-normalised variant sees unit columns: 1 / √2.
    #expect(near(try LinearCKA.columnNormalised(x2, y), 0.5.squareRoot()))
    #expect(throws: SAEKitError.self) { try LinearCKA.similarity(x2, gaussian(5, 1, seed: 1)) }
  }
}

@Suite struct SVCCATests {
  @Test func identicalAndInvertiblyTransformedInputsGiveOne() throws {
    let x = gaussian(80, 6, seed: 4)
    let mixing = gaussian(6, 6, seed: 5)
    #expect(near(try SVCCA.similarity(x, x), 1, 1e-9))
    #expect(near(try SVCCA.similarity(x, try x.matmul(mixing)), 1, 1e-5))
    let y = gaussian(80, 6, seed: 6)
    let value = try SVCCA.similarity(x, y)
    #expect(value > 0.05 && value < 0.6)
  }

  @Test func knownValueAndTheReferenceVariant() throws {
    // X = [u, v/√2] (equal norms), Y = [u, w]: canonical correlations 1 and 0 → mean 0.5.
    let x = columns([u, v], scales: [1, Float(0.5).squareRoot()]), y = columns([u, w])
    #expect(near(try SVCCA.similarity(x, y), 0.5, 1e-7))
    // Equal singular values make the reference's M symmetric: the same answer.
    #expect(near(try SVCCA.similarity(x, y, variant: .referenceCode), 0.5, 1e-6))
    // With unequal singular values the reference's lower-triangle eigh differs from the true CCA.
    let x3 = gaussian(50, 3, seed: 7), y3 = try x3.matmul(gaussian(3, 3, seed: 8)).adding(gaussian(50, 3, seed: 9))
    let exact = try SVCCA.similarity(x3, y3), reference = try SVCCA.similarity(x3, y3, variant: .referenceCode)
    #expect(exact > 0 && exact < 1 && abs(exact - reference) > 1e-4)
  }
}

@Suite struct RelativeRepresentationTests {
  @Test func invariantToRotationAndScaleAndOneForIdenticalInputs() throws {
    let x = gaussian(120, 7, seed: 10)
    let q = try randomOrthogonal(7, seed: 11)
    #expect(near(try RelativeRepresentationSimilarity.similarity(x, x), 1, 1e-6))
    #expect(near(try RelativeRepresentationSimilarity.similarity(x, try x.matmul(q).scaled(by: 4)), 1, 1e-5))
    let anchors = RelativeRepresentationSimilarity.anchorIndices(count: 300, tokens: 1000, seed: 42)
    #expect(anchors.count == 300 && Set(anchors).count == 300 && anchors == anchors.sorted())
    #expect(RelativeRepresentationSimilarity.anchorIndices(tokens: 120).count == 120)
  }

  @Test func knownValue() throws {
    // X: (1,0), (0,1), (1,1); Y: (1,0), (0,1), (1,−1); all three are anchors.
    // Per-token cosines of the relative vectors: 1, 1/3, 1/2 → mean 11/18.
    let x = try Matrix([[1, 0], [0, 1], [1, 1]]), y = try Matrix([[1, 0], [0, 1], [1, -1]])
    let value = try RelativeRepresentationSimilarity.similarity(x, y, anchorIndices: [0, 1, 2])
    #expect(near(value, 11.0 / 18.0, 1e-6))
  }
}

@Suite struct LinearRegressionSimilarityTests {
  @Test func exactLinearMapsGiveOneAndKnownValues() throws {
    let x = gaussian(40, 4, seed: 12)
    #expect(near(try LinearRegressionSimilarity.rSquared(predicting: try x.matmul(gaussian(4, 3, seed: 13)), from: x), 1, 1e-9))
    // One column, no intercept: ŷ = x·(xᵀy / xᵀx).
    let xs: [Float] = [1, 2, 3, 4, 5], ys: [Float] = [2, 1, 4, 3, 7]
    let xy = zip(xs, ys).reduce(0.0) { $0 + Double($1.0 * $1.1) }, xx = xs.reduce(0.0) { $0 + Double($1 * $1) }
    let sse = zip(xs, ys).reduce(0.0) { $0 + pow(Double($1.1) - Double($1.0) * xy / xx, 2) }
    let tss = ys.reduce(0.0) { $0 + pow(Double($1) - 3.4, 2) }
    let value = try LinearRegressionSimilarity.rSquared(predicting: columns([ys]), from: columns([xs]))
    #expect(near(value, 1 - sse / tss, 1e-9))
    // A duplicated input column (rank deficient) changes nothing with the pseudo-inverse.
    let twice = try LinearRegressionSimilarity.rSquared(predicting: columns([ys]), from: columns([xs, xs]))
    #expect(near(twice, value, 1e-6))
  }
}

@Suite struct LayerMatchingTests {
  @Test func argmaxAccuracyWithAndWithoutSelfPairs() throws {
    // 2 models × 3 layers. Self-pairs: identity-like. Cross pairs: layer 2 of
    // model 0 matches layer 1 of model 1 best; otherwise correct.
    let tensor = try LayerSimilarityTensor(models: 2, layers: 3) { m, m2, i, j in
      if m == m2 { return i == j ? 1 : 0.2 }
      if m == 0 && i == 2 { return j == 1 ? 0.9 : 0.1 }
      return i == j ? 0.8 : 0.3
    }
    // 4 pairs × 3 layers = 12 rows, one wrong → 11/12; without self-pairs 5/6.
    #expect(near(tensor.matchingAccuracy(), 11.0 / 12.0))
    #expect(near(tensor.matchingAccuracy(includeSelfPairs: false), 5.0 / 6.0))
    // Ties go to the first layer.
    let ties = try LayerSimilarityTensor(models: 1, layers: 2) { _, _, _, _ in 0.5 }
    #expect(ties.matchingAccuracy() == 0.5)
    #expect(tensor.meanHeatmap()[2][1] == (0.2 + 0.9 + 0.3 + 0.2) / 4)
  }

  @Test func itdaJaccardMatchesLayersOfRotatedCopies() throws {
    // Three "layers" with different tokens; model B is model A rotated per layer.
    let options = ITDABuilder.Options(threshold: ITDAAddRule.threshold(forCosine: 0.85, dimension: 8), l0: 2)
    var dictionaries = [[ITDADictionary]](repeating: [], count: 2)
    for layer in 0..<3 {
      let x = try mixtureTokens(150, d: 8, seed: 60 + UInt64(layer))
      let q = try randomOrthogonal(8, seed: 70 + UInt64(layer))
      dictionaries[0].append(try ITDABuilder.build(from: labelled(x), tokensPerBatch: 50, options: options))
      dictionaries[1].append(try ITDABuilder.build(from: labelled(try x.matmul(q)), tokensPerBatch: 50, options: options))
    }
    let tensor = try LayerSimilarityTensor(models: 2, layers: 3) { m, m2, i, j in
      LabelJaccard.similarity(dictionaries[m][i], dictionaries[m2][j])
    }
    #expect(tensor.matchingAccuracy(includeSelfPairs: false) == 1)
    #expect(tensor[0, 1, 1, 1] == 1 && tensor[0, 1, 0, 2] < 1)
  }
}
