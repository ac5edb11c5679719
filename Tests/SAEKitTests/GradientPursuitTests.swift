import Foundation
import Testing
@testable import SAEKit

/// The pursuit of papers-1.md §1a, written out per token in Double as an
/// independent reference: returns the support (in order of selection), the
/// weights, `‖r‖²` before and after every iteration, and how often the
/// non-negative clamp changed a weight.
func referencePursuit(signal s: [Double], dictionary: [[Double]], sparsity: Int)
  -> (support: [Int], weights: [Double], history: [Double], clamps: Int)
{
  var clamps = 0
  let f = dictionary.count, d = s.count
  var support = [Int](), w = [Double]()
  func residual() -> [Double] {
    var r = s
    for (k, i) in support.enumerated() { for j in 0..<d { r[j] -= w[k] * dictionary[i][j] } }
    return r
  }
  var history = [residual().reduce(0) { $0 + $1 * $1 }]
  for _ in 0..<sparsity {
    let r = residual()
    let g = (0..<f).map { i in (0..<d).reduce(0.0) { $0 + r[$1] * dictionary[i][$1] } }
    let best = g.indices.max { g[$0] < g[$1] || (g[$0] == g[$1] && $0 > $1) }!
    if !support.contains(best) { support.append(best); w.append(0) }
    var c = [Double](repeating: 0, count: d)
    for i in support { for j in 0..<d { c[j] += g[i] * dictionary[i][j] } }
    let cc = c.reduce(0) { $0 + $1 * $1 }
    if cc > 0 {
      let eta = zip(c, r).reduce(0) { $0 + $1.0 * $1.1 } / cc
      for (k, i) in support.enumerated() {
        if w[k] + eta * g[i] < 0 { clamps += 1 }
        w[k] = max(0, w[k] + eta * g[i])
      }
    }
    history.append(residual().reduce(0) { $0 + $1 * $1 })
  }
  return (support, w, history, clamps)
}

@Suite struct GradientPursuitTests {
  /// `F` random unit atoms in `d` dimensions.
  static func dictionary(atoms f: Int, dimension d: Int, seed: UInt64) -> Matrix {
    var rng = RandomSource(seed: seed)
    var m = Matrix.gaussian(rows: f, cols: d, using: &rng)
    m.normalizeRows()
    return m
  }

  /// `d` orthonormal rows by Gram–Schmidt in Double.
  static func orthonormal(_ d: Int, seed: UInt64) -> Matrix {
    var rng = RandomSource(seed: seed)
    var rows = [[Double]]()
    while rows.count < d {
      var v = (0..<d).map { _ in rng.gaussian() }
      for q in rows {
        let p = zip(v, q).reduce(0) { $0 + $1.0 * $1.1 }
        for j in 0..<d { v[j] -= p * q[j] }
      }
      let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
      rows.append(v.map { $0 / norm })
    }
    return Matrix(rows: d, cols: d) { i, j in Float(rows[i][j]) }
  }

  @Test func recoversAnExactlySparseSignalInAnOrthonormalDictionary() throws {
    let d = 16, tokens = 40
    let q = Self.orthonormal(d, seed: 2)
    var rng = RandomSource(seed: 3)
    var truth = [[Double]](repeating: [Double](repeating: 0, count: d), count: tokens)
    for t in 0..<tokens { for i in rng.sample(4, from: d) { truth[t][i] = rng.uniform(0.5, 2) } }
    let signals = Matrix(rows: tokens, cols: d) { t, j in
      Float((0..<d).reduce(0.0) { $0 + truth[t][$1] * Double(q[$1, j]) })
    }
    let result = try GradientPursuit.run(signals: signals, dictionary: q, sparsity: [Int](repeating: 4, count: tokens))
    #expect(try result.reconstructions.subtracting(signals).frobeniusNorm < 1e-4)
    let w = result.codes.dense()
    for t in 0..<tokens {
      #expect(result.supportSizes[t] == 4)
      for i in 0..<d { #expect(abs(Double(w[t, i]) - truth[t][i]) < 1e-4, "token \(t) atom \(i)") }
    }
  }

  @Test func matchesThePerTokenReferenceAndNeverRaisesTheError() throws {
    let d = 12, f = 40, tokens = 60
    let dict = Self.dictionary(atoms: f, dimension: d, seed: 4)
    var rng = RandomSource(seed: 5)
    let signals = Matrix.gaussian(rows: tokens, cols: d, using: &rng)  // signed: the clamp is exercised
    let sparsity = (0..<tokens).map { $0 % 9 }  // includes L0 = 0
    let result = try GradientPursuit.run(signals: signals, dictionary: dict, sparsity: sparsity, recordHistory: true)
    let rows = (0..<f).map { i in dict.row(i).map(Double.init) }
    let history = try #require(result.squaredErrorHistory)
    for t in 0..<tokens {
      let ref = referencePursuit(signal: signals.row(t).map(Double.init), dictionary: rows, sparsity: sparsity[t])
      let entries = result.codes.entries(row: t)
      #expect(entries.map { Int(result.codes.indices[$0]) } == ref.support, "token \(t)")
      for (k, e) in entries.enumerated() where k < ref.weights.count {
        #expect(abs(Double(result.codes.values[e]) - ref.weights[k]) < 1e-4)
      }
      #expect(history[t].count == sparsity[t] + 1)
      for (a, b) in zip(history[t], ref.history) { #expect(abs(a - b) <= 1e-4 * max(1, b)) }
      for k in 1..<history[t].count { #expect(history[t][k] <= history[t][k - 1] * (1 + 1e-6) + 1e-9) }
      #expect(result.supportSizes[t] <= sparsity[t])
      #expect(result.codes.l0(row: t) <= sparsity[t])
    }
    #expect(result.codes.values.allSatisfy { $0 >= 0 })
    // The reconstruction is w·D, and a token with L0 = 0 gets nothing.
    var decoded = Matrix(rows: tokens, cols: d)
    SparseKernels.decode(result.codes, weights: dict, bias: [], into: &decoded)
    #expect(try decoded.subtracting(result.reconstructions).frobeniusNorm < 1e-4)
    #expect(result.reconstructions.row(0).allSatisfy { $0 == 0 })
  }

  @Test func nonNegativeClampMatchesTheReference() throws {
    // With few atoms (5 in 8 dims) a signed residual can be anti-correlated with
    // every atom, so the signed argmax picks g_i < 0 and the clamp
    // w = max(0, w + η·grad) fires; the batched code must do the same.
    let d = 8, f = 5, tokens = 400
    let dict = Self.dictionary(atoms: f, dimension: d, seed: 11)
    var rng = RandomSource(seed: 12)
    let signals = Matrix.gaussian(rows: tokens, cols: d, using: &rng)
    let result = try GradientPursuit.run(
      signals: signals, dictionary: dict, sparsity: [Int](repeating: 6, count: tokens), recordHistory: true)
    let rows = (0..<f).map { i in dict.row(i).map(Double.init) }
    var clamps = 0
    for h in try #require(result.squaredErrorHistory) {
      for k in 1..<h.count { #expect(h[k] <= h[k - 1] * (1 + 1e-6) + 1e-9) }
    }
    for t in 0..<tokens {
      let ref = referencePursuit(signal: signals.row(t).map(Double.init), dictionary: rows, sparsity: 6)
      clamps += ref.clamps
      let entries = result.codes.entries(row: t)
      #expect(entries.map { Int(result.codes.indices[$0]) } == ref.support, "token \(t)")
      for (k, e) in entries.enumerated() where k < ref.weights.count {
        #expect(abs(Double(result.codes.values[e]) - ref.weights[k]) < 1e-4, "token \(t)")
      }
    }
    #expect(clamps > 10)
    #expect(result.codes.values.allSatisfy { $0 >= 0 } && result.codes.values.contains(0))
  }

  @Test func errorFallsMonotonicallyOnOvercompleteSparseData() throws {
    let d = 24, f = 96, tokens = 400
    let dict = Self.dictionary(atoms: f, dimension: d, seed: 6)
    var rng = RandomSource(seed: 7)
    let config = SyntheticSuperposition.Config(
      featureCount: f, dimension: d, sampleCount: tokens, support: .exactly(5),
      magnitude: .uniform(low: 0.5, high: 1.5), noiseStd: 0.02)
    let data = try SyntheticSuperposition(config, features: dict, using: &rng)
    let result = try GradientPursuit.run(
      signals: data.x, dictionary: dict, sparsity: [Int](repeating: 8, count: tokens), recordHistory: true)
    for h in try #require(result.squaredErrorHistory) {
      for k in 1..<h.count { #expect(h[k] <= h[k - 1] * (1 + 1e-6) + 1e-9) }
      #expect(h.last! < 0.25 * h[0])
    }
    #expect(result.supportSizes.allSatisfy { $0 <= 8 })
    let fvu = try ReconstructionMetrics.fractionOfVarianceUnexplained(x: data.x, reconstruction: result.reconstructions)
    #expect(fvu < 0.1)
  }

  @Test func saeWrapperUsesEachTokensL0AndTheSAEsUnits() throws {
    let d = 10, m = 30, tokens = 50
    var rng = RandomSource(seed: 8)
    var sae = try SparseAutoencoder(dimension: d, width: m, activation: .topK(k: 3), random: &rng)
    sae.inputScale = 2
    sae.decoderBias = (0..<d).map { Float($0) * 0.1 - 0.3 }
    sae.encoderBias = (0..<m).map { Float($0 % 5) * 0.2 - 0.5 }  // some tokens get L0 < 3
    let x = Matrix.gaussian(rows: tokens, cols: d, using: &rng)
    let l0 = ReconstructionMetrics.l0(try sae.encode(x))
    let result = try GradientPursuit.reconstruct(x, sae: sae, recordHistory: true)
    for t in 0..<tokens { #expect(result.supportSizes[t] <= l0[t] && result.squaredErrorHistory![t].count == l0[t] + 1) }
    // Same as the raw pursuit on s = σ·x − b_dec, mapped back by (· + b_dec)/σ.
    var signals = x.scaled(by: 2)
    try signals.addRowVector(sae.decoderBias, scale: -1)
    let raw = try GradientPursuit.run(signals: signals, dictionary: sae.decoderWeights, sparsity: l0)
    let expected = try raw.reconstructions.addingRowVector(sae.decoderBias).scaled(by: 0.5)
    #expect(try expected.subtracting(result.reconstructions).frobeniusNorm < 1e-5)
    // The history is in input units: ‖x − x̂‖² at the end.
    let final = try x.subtracting(result.reconstructions).rowSquaredNorms()
    for t in 0..<tokens { #expect(abs(result.squaredErrorHistory![t].last! - final[t]) < 1e-4 * max(1, final[t])) }
    // Pursuit at the same L0 beats an untrained encoder.
    let saeFVU = try ReconstructionMetrics.fractionOfVarianceUnexplained(x: x, reconstruction: sae.reconstruct(x))
    let pursuitFVU = try ReconstructionMetrics.fractionOfVarianceUnexplained(x: x, reconstruction: result.reconstructions)
    #expect(pursuitFVU < saeFVU)
    // An explicit sparsity overrides the SAE's.
    let zero = try GradientPursuit.reconstruct(x, sae: sae, sparsity: [Int](repeating: 0, count: tokens))
    #expect(zero.reconstructions.row(3) == sae.decoderBias.map { $0 / 2 })
  }

  @Test func rejectsBadInputs() throws {
    let dict = Self.dictionary(atoms: 5, dimension: 4, seed: 1)
    let x = Matrix(rows: 2, cols: 3)
    #expect(throws: SAEKitError.self) { try GradientPursuit.run(signals: x, dictionary: dict, sparsity: [1, 1]) }
    let y = Matrix(rows: 2, cols: 4)
    #expect(throws: SAEKitError.self) { try GradientPursuit.run(signals: y, dictionary: dict, sparsity: [1]) }
    #expect(throws: SAEKitError.self) { try GradientPursuit.run(signals: y, dictionary: dict, sparsity: [1, -1]) }
  }
}
