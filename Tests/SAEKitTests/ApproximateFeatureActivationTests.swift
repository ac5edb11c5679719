import Foundation
import Testing
@testable import SAEKit

/// The AFA evaluation against a naive dense reference on small hand-built SAEs.
@Suite struct ApproximateFeatureActivationTests {
  /// d = 2, h = 3: decoder rows (1, 2), (3, 4), (5, 6) (not unit), b_dec = (0.3, −0.4).
  func handBuiltSAE(inputScale: Float = 1) throws -> SparseAutoencoder {
    try SparseAutoencoder(
      encoderWeights: try Matrix([[0.5, -0.2, 0.1], [0.3, 0.4, -0.6]]), encoderBias: [0.1, -0.2, 0.05],
      decoderWeights: try Matrix([[1, 2], [3, 4], [5, 6]]), decoderBias: [0.3, -0.4],
      activation: ReLUL1(coefficient: 0), inputScale: inputScale)
  }

  let x: Matrix = try! Matrix([[1, 2], [-1, 0.5], [0.2, -3], [0, 0]])

  /// Every per-token quantity, in Double, by dense loops over the definition.
  func reference(_ sae: SparseAutoencoder, _ x: Matrix) -> (z: [Double], f: [Double], f0: [Double], err: [Double]) {
    let (d, h, s) = (sae.dimension, sae.width, Double(sae.inputScale))
    let biasNorm = sae.decoderBias.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
    var out: (z: [Double], f: [Double], f0: [Double], err: [Double]) = ([], [], [], [])
    for r in 0..<x.rows {
      var code = [Double](repeating: 0, count: h)
      for j in 0..<h {
        var pre = Double(sae.encoderBias[j])
        for t in 0..<d { pre += (s * Double(x[r, t]) - Double(sae.decoderBias[t])) * Double(sae.encoderWeights[t, j]) }
        code[j] = max(pre, 0)
      }
      var f0 = 0.0, xhat = sae.decoderBias.map(Double.init)
      for j in 0..<h {
        let norm = (0..<d).map { Double(sae.decoderWeights[j, $0]) * Double(sae.decoderWeights[j, $0]) }.reduce(0, +).squareRoot()
        f0 += (code[j] * norm) * (code[j] * norm)
        for t in 0..<d { xhat[t] += code[j] * Double(sae.decoderWeights[j, t]) }
      }
      let z2 = (0..<d).map { Double(x[r, $0]) * Double(x[r, $0]) }.reduce(0, +)
      let e2 = (0..<d).map { (Double(x[r, $0]) - xhat[$0] / s) * (Double(x[r, $0]) - xhat[$0] / s) }.reduce(0, +)
      out.z.append(z2.squareRoot())
      out.f0.append(f0.squareRoot() / s)
      out.f.append((f0 + biasNorm * biasNorm).squareRoot() / s)
      out.err.append(z2 > 0 ? e2 / z2 : 0)
    }
    return out
  }

  func expectClose(_ a: [Double], _ b: [Double], _ what: String, tolerance: Double = 1e-5) {
    #expect(a.count == b.count, "\(what): count")
    for (i, (u, v)) in zip(a, b).enumerated() where !(u.isInfinite && v.isInfinite) {
      #expect(abs(u - v) <= tolerance * (1 + abs(v)), "\(what)[\(i)]: \(u) vs reference \(v)")
    }
  }

  @Test(arguments: [Float(1), 2.5]) func matchesTheNaiveReference(inputScale: Float) throws {
    let sae = try handBuiltSAE(inputScale: inputScale)
    let afa = try ApproximateFeatureActivation(sae: sae, x: x)
    let ref = reference(sae, x)
    expectClose(afa.inputNorm, ref.z, "‖z‖")
    expectClose(afa.featureNorm, ref.f, "‖f̃‖")
    expectClose(afa.featureNormWithoutBias, ref.f0, "‖f̃₀‖")
    expectClose(afa.relativeError, ref.err, "‖z − ẑ‖²/‖z‖²")
    let h = Double(sae.width)
    for (bias, f) in [(true, ref.f), (false, ref.f0)] {
      let lbo = zip(ref.z, f).map { z, f in f > 0 ? abs(z * z - f * f) / ((h - 1) * f * f) : .infinity }
      expectClose(afa.epsilonLowerBound(biasColumn: bias), lbo, "εLBO (bias column: \(bias))")
    }
  }

  /// Orthonormal dictionary, no biases, non-negative inputs: f = z exactly, so
  /// ‖f̃‖ = ‖z‖, εLBO = 0, ratio 1 and no reconstruction error.
  @Test func orthonormalDictionaryIsExact() throws {
    let sae = try SparseAutoencoder(
      encoderWeights: .identity(3), encoderBias: [0, 0, 0], decoderWeights: .identity(3), decoderBias: [0, 0, 0],
      activation: ReLUL1(coefficient: 0))
    let afa = try ApproximateFeatureActivation(sae: sae, x: try Matrix([[1, 2, 2], [0, 3, 4]]))
    #expect(afa.inputNorm == [3, 5] && afa.featureNorm == [3, 5] && afa.featureNormWithoutBias == [3, 5])
    #expect(afa.epsilonLowerBound() == [0, 0] && afa.normRatio() == [1, 1] && afa.relativeError == [0, 0])
    #expect(afa.summary == .init(normRatio: 1, normRatioWithoutBias: 1, epsilonLowerBound: 0,
                                 epsilonLowerBoundWithoutBias: 0, relativeError: 0))
  }

  @Test func coneAndBoundsFollowTheTheorem() {
    let (lower, upper) = ApproximateFeatureActivation.coneSlopes(spread: 0.25)
    #expect(abs(lower - (1 / 1.25).squareRoot()) < 1e-12 && abs(upper - (1 / 0.75).squareRoot()) < 1e-12)
    #expect(ApproximateFeatureActivation.coneSlopes(spread: 1).upper == .infinity)
    let bounds = ApproximateFeatureActivation.featureNormBounds(inputNorm: 2, epsilon: 0.01, width: 51)
    #expect(abs(bounds.lowerBound - 2 / 1.5.squareRoot()) < 1e-12 && abs(bounds.upperBound - 2 / 0.5.squareRoot()) < 1e-12)
  }

  /// On a random unit dictionary with its true ε, ‖f‖ of random sparse codes
  /// lies inside the bounds whenever they are not vacuous.
  @Test func boundsHoldOnARandomDictionary() throws {
    var rng = RandomSource(seed: 8)
    let (h, d) = (5, 1_024)
    var w = Matrix.gaussian(rows: h, cols: d, using: &rng)
    w.normalizeRows()
    let gram = try w.matmulTransposed(w)
    var epsilon = 0.0
    for i in 0..<h { for j in 0..<h where i != j { epsilon = max(epsilon, Double(abs(gram[i, j]))) } }
    #expect(epsilon * Double(h - 1) < 1, "the bound is informative for this dictionary")
    for _ in 0..<50 {
      let f = (0..<h).map { _ in rng.uniform() < 0.4 ? rng.uniform(0.1, 2) : 0 }
      let z = (0..<d).map { t in (0..<h).reduce(0.0) { $0 + f[$1] * Double(w[$1, t]) } }
      let zNorm = z.map { $0 * $0 }.reduce(0, +).squareRoot(), fNorm = f.map { $0 * $0 }.reduce(0, +).squareRoot()
      let bounds = ApproximateFeatureActivation.featureNormBounds(inputNorm: zNorm, epsilon: epsilon, width: h)
      #expect(bounds.contains(fNorm) || fNorm == 0, "‖f‖ = \(fNorm) outside \(bounds)")
    }
  }

  @Test func medianSkipsNaNAndHandlesEvenCounts() {
    #expect(ApproximateFeatureActivation.median([3, .nan, 1, 2, 10]) == 2.5)
    #expect(ApproximateFeatureActivation.median([5, 1, 3]) == 3)
    #expect(ApproximateFeatureActivation.median([.nan]).isNaN)
  }

  /// An SAE written as SAELens or sparsify files and read back evaluates the same.
  @Test(arguments: SAEFile.Format.allCases) func loadedSAEEvaluatesTheSame(format: SAEFile.Format) throws {
    var rng = RandomSource(seed: 4)
    var sae = try SparseAutoencoder(dimension: 6, width: 16, activation: .topK(k: 3), random: &rng)
    sae.decoderBias = (0..<6).map { _ in Float(rng.gaussian(mean: 0, std: 0.3)) }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("afa-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try SAEFile.save(sae, format: format, to: folder)
    let loaded = try SAEFile.load(directory: folder)
    let data = Matrix.gaussian(rows: 20, cols: 6, mean: 0.1, std: 1, using: &rng)
    let (a, b) = (try ApproximateFeatureActivation(sae: sae, x: data), try ApproximateFeatureActivation(sae: loaded, x: data))
    expectClose(b.featureNorm, a.featureNorm, "\(format) ‖f̃‖")
    expectClose(b.epsilonLowerBound(), a.epsilonLowerBound(), "\(format) εLBO", tolerance: 1e-4)
    expectClose(b.relativeError, a.relativeError, "\(format) relative error", tolerance: 1e-4)
  }

  @Test func mismatchedPartsAreRejected() throws {
    let sae = try handBuiltSAE()
    #expect(throws: SAEKitError.self) { try ApproximateFeatureActivation(sae: sae, x: Matrix(rows: 2, cols: 3)) }
    let codes = try sae.encode(x)
    #expect(throws: SAEKitError.invalidArgument("2 decoder norms for 3 latents")) {
      try ApproximateFeatureActivation(inputs: x, codes: codes, decoderNorms: [1, 1], decoderBiasNorm: 0, reconstruction: x)
    }
    #expect(throws: SAEKitError.self) {
      try ApproximateFeatureActivation(
        inputs: x, codes: codes, decoderNorms: [1, 1, 1], decoderBiasNorm: 0, reconstruction: Matrix(rows: 1, cols: 2))
    }
  }
}

/// The dictionary's own ε against pairwise cosines by loops.
@Suite struct DecoderCoherenceTests {
  @Test func matchesPairwiseCosines() throws {
    var rng = RandomSource(seed: 5)
    // 300 rows: more than one Gram block; row 7 is zero and left out.
    var w = Matrix.gaussian(rows: 300, cols: 6, using: &rng)
    for t in 0..<6 { w[7, t] = 0 }
    let c = try DecoderCoherence(decoder: w)
    let rows = (0..<300).filter { $0 != 7 }.map { i -> [Double] in
      let r = w.row(i).map(Double.init)
      let n = r.map { $0 * $0 }.reduce(0, +).squareRoot()
      return r.map { $0 / n }
    }
    var (maxAbs, sumAbs, maxSigned, sumSigned) = (0.0, 0.0, -2.0, 0.0)
    for i in rows.indices {
      for j in rows.indices where i != j {
        let v = zip(rows[i], rows[j]).map(*).reduce(0, +)
        (maxAbs, sumAbs, maxSigned, sumSigned) = (max(maxAbs, abs(v)), sumAbs + abs(v), max(maxSigned, v), sumSigned + v)
      }
    }
    let pairs = Double(rows.count * (rows.count - 1))
    #expect(abs(c.maxAbsolute - maxAbs) < 1e-5 && abs(c.maxSigned - maxSigned) < 1e-5)
    #expect(abs(c.meanAbsolute - sumAbs / pairs) < 1e-5 && abs(c.meanSigned - sumSigned / pairs) < 1e-5)
  }

  @Test func sameBitsForAnyNumberOfWorkers() throws {
    var rng = RandomSource(seed: 6)
    // 700 rows: two full Gram blocks and a partial one, shared out over 1, 2 and 3 workers.
    let w = Matrix.gaussian(rows: 700, cols: 16, using: &rng)
    let one = try Parallel.withWorkers(1) { try DecoderCoherence(decoder: w) }
    for workers in [2, 3] {
      #expect(try Parallel.withWorkers(workers) { try DecoderCoherence(decoder: w) } == one, "\(workers) workers")
    }
  }

  @Test func orthonormalRowsHaveNoCoherenceAndOneRowIsAnError() throws {
    let c = try DecoderCoherence(decoder: .identity(4))
    #expect(c.maxAbsolute == 0 && c.meanAbsolute == 0 && c.maxSigned == 0)
    #expect(throws: SAEKitError.invalidArgument("coherence needs at least 2 non-zero decoder rows, got 1")) {
      try DecoderCoherence(decoder: try Matrix([[1, 0], [0, 0]]))
    }
  }
}
