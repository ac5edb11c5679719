import Foundation
@testable import SAEKit

/// A naive, dense, Double-precision SAE forward pass and loss, written
/// independently of the library's sparse kernels: the reference the gradient
/// checks and encode/decode tests compare against.
struct ReferenceSAE {
  var d: Int, m: Int
  var encoderT: [Double]     // (m × d)
  var encoderBias: [Double]  // (m)
  var decoder: [Double]      // (m × d)
  var decoderBias: [Double]  // (d)
  var activationParameters: [Double]
  /// JumpReLU's λ as the activation holds it (the target form adapts it); 0 for the others.
  var l0Coefficient: Double
  var scale: Double
  var kind: ActivationKind
  /// `ε (B × m)` of a sampling activation (vSAE), nil for none.
  var noise: [[Double]]? = nil

  init(_ sae: SparseAutoencoder, kind: ActivationKind) {
    d = sae.dimension; m = sae.width
    encoderT = sae.encoderWeights.transposed.storage.map(Double.init)
    encoderBias = sae.encoderBias.map(Double.init)
    decoder = sae.decoderWeights.storage.map(Double.init)
    decoderBias = sae.decoderBias.map(Double.init)
    activationParameters = sae.activation.parameters.map(Double.init)
    l0Coefficient = Double((sae.activation as? JumpReLU)?.l0Coefficient ?? 0)
    scale = Double(sae.inputScale)
    self.kind = kind
  }

  func preActivations(_ x: Matrix) -> [[Double]] {
    (0..<x.rows).map { r in
      (0..<m).map { j in
        var s = encoderBias[j]
        for t in 0..<d { s += (scale * Double(x[r, t]) - decoderBias[t]) * encoderT[j * d + t] }
        return s
      }
    }
  }

  /// Indices of the `k` largest values by full sort, ties to the lower index.
  static func naiveTopK(_ v: [Double], _ k: Int) -> [Int] {
    Array(v.indices.sorted { v[$0] > v[$1] || (v[$0] == v[$1] && $0 < $1) }.prefix(k))
  }

  /// `‖s·x − b_dec‖` per row, or `‖s·x‖` without the bias.
  func inputNorms(_ x: Matrix, centered: Bool = true) -> [Double] {
    (0..<x.rows).map { r in
      (0..<d).map { t in
        let v = scale * Double(x[r, t]) - (centered ? decoderBias[t] : 0)
        return v * v
      }.reduce(0, +).squareRoot()
    }
  }

  /// Top-AFA's `k*` for one row, as the reference code computes it: sort the
  /// squared contributions, cumulate, force the last to 1e8, first argmin.
  func normMatchedCount(_ row: [Double], target: Double) -> Int {
    let s = (0..<m).map { j in pow(max(row[j], 0) * rowNorm(j), 2) }.sorted(by: >)
    var c = [Double](), sum = 0.0
    for v in s { sum += v; c.append(sum.squareRoot()) }
    c[m - 1] = 1e8
    var best = 0
    for t in 1..<m where abs(c[t] - target) < abs(c[best] - target) { best = t }
    return best + 1
  }

  /// Dense codes `(B × m)` under the activation's training rule (exhaustive: no
  /// `default:`); `inputNorms` are Top-AFA's targets.
  func codes(_ pre: [[Double]], inputNorms: [Double] = []) -> [[Double]] {
    let b = pre.count
    switch kind {
    case .relu:
      return pre.map { $0.map { max($0, 0) } }
    case .topK(let k):
      return pre.map { row in
        var z = [Double](repeating: 0, count: m)
        for j in Self.naiveTopK(row, k) { z[j] = max(row[j], 0) }
        return z
      }
    case .absTopK(let k):
      return pre.map { row in
        var z = [Double](repeating: 0, count: m)
        for j in Self.naiveTopK(row.map(abs), k) { z[j] = row[j] }
        return z
      }
    case .batchTopK(let k), .mutualChoice(let k, _):
      // The b·k largest positive values of the batch, ties to the lower row-major position.
      let flat = pre.flatMap { $0 }
      var z = pre.map { $0.map { _ in 0.0 } }
      for p in Self.naiveTopK(flat, b * k) where flat[p] > 0 { z[p / m][p % m] = flat[p] }
      return z
    case .featureChoice(let k, let zipf, _):
      let capacities = FeatureCapacities.make(width: m, batch: b, k: k, zipfExponent: zipf)
      var z = pre.map { $0.map { _ in 0.0 } }
      for j in 0..<m {
        let column = pre.map { $0[j] }
        for r in Self.naiveTopK(column, capacities[j]) { z[r][j] = max(column[r], 0) }
      }
      return z
    case .jumpReLU, .jumpReLUTargetL0:
      return pre.map { row in (0..<m).map { j in row[j] > exp(activationParameters[j]) ? row[j] : 0 } }
    case .topAFA:
      return pre.indices.map { r in
        let row = pre[r]
        let weighted = (0..<m).map { max(row[$0], 0) * rowNorm($0) }
        var z = [Double](repeating: 0, count: m)
        for j in Self.naiveTopK(weighted, normMatchedCount(row, target: inputNorms[r])) { z[j] = max(row[j], 0) }
        return z
      }
    case .vsae(let k, let sigma):
      return pre.indices.map { r in
        let sampled = (0..<m).map { max(pre[r][$0], 0) + Double(sigma) * (noise?[r][$0] ?? 0) }
        var z = [Double](repeating: 0, count: m)
        for j in Self.naiveTopK(sampled.map(abs), k) { z[j] = sampled[j] }
        return z
      }
    }
  }

  func decode(_ z: [Double], bias: Bool = true) -> [Double] {
    (0..<d).map { t in
      var s = bias ? decoderBias[t] : 0
      for j in 0..<m where z[j] != 0 { s += z[j] * decoder[j * d + t] }
      return s
    }
  }

  func rowNorm(_ j: Int) -> Double {
    (0..<d).map { decoder[j * d + $0] * decoder[j * d + $0] }.reduce(0, +).squareRoot()
  }

  /// The training loss; `residual` (s·x − x̂ per row) is held fixed for AuxK
  /// when given, as the library detaches it.
  /// `auxWeights` (aligned with `dead`) scale each aux latent's code (aux_zipf_loss); nil is all 1.
  /// `afa` adds `λ·Σ(‖z‖ − T)²/B` (`T = ‖s·x − b_dec‖` when centred, else `‖s·x‖`);
  /// `kl` adds `β·Σ ½(min(μ, 10)² + σ² − 1 − log σ²)/B` over all latents or the kept ones.
  func loss(
    _ x: Matrix, dead: [Int], auxK: Int, auxCoefficient: Double, residual fixed: [[Double]]? = nil,
    auxWeights: [Double]? = nil, afa: (coefficient: Double, centered: Bool)? = nil,
    kl: (beta: Double, selected: Bool)? = nil
  ) -> Double {
    let b = x.rows
    let pre = preActivations(x)
    let z = codes(pre, inputNorms: inputNorms(x))
    var total = 0.0
    var residuals = [[Double]]()
    for r in 0..<b {
      let xhat = decode(z[r])
      let e = (0..<d).map { scale * Double(x[r, $0]) - xhat[$0] }
      residuals.append(e)
      total += e.map { $0 * $0 }.reduce(0, +) / Double(b)
    }
    // Exhaustive on purpose: a new activation must say what it adds to the loss.
    let usesAux: Bool
    var auxByMagnitude = false
    switch kind {
    case .relu(let l1):
      for r in 0..<b { for j in 0..<m { total += Double(l1) / Double(b) * z[r][j] * rowNorm(j) } }
      usesAux = false
    case .jumpReLU, .jumpReLUTargetL0:
      total += l0Coefficient / Double(b) * Double(z.flatMap { $0 }.filter { $0 != 0 }.count)
      usesAux = false
    case .topK, .batchTopK, .featureChoice, .mutualChoice, .topAFA, .vsae:
      usesAux = true
    case .absTopK:
      usesAux = true
      auxByMagnitude = true
    }
    if let afa {
      let targets = inputNorms(x, centered: afa.centered)
      for r in 0..<b {
        let norm = z[r].map { $0 * $0 }.reduce(0, +).squareRoot()
        total += afa.coefficient * (norm - targets[r]) * (norm - targets[r]) / Double(b)
      }
    }
    if let kl {
      var sigma = 1.0
      if case .vsae(_, let s) = kind { sigma = Double(s) }
      let kappa = sigma > 0 ? sigma * sigma - 1 - log(sigma * sigma) : 0
      for r in 0..<b {
        for j in 0..<m where !kl.selected || z[r][j] != 0 {
          let mu = min(max(pre[r][j], 0), 10)
          total += kl.beta * 0.5 * (mu * mu + kappa) / Double(b)
        }
      }
    }
    if usesAux && !dead.isEmpty && auxCoefficient > 0 {
      let c = auxCoefficient * min(Double(dead.count) / Double(auxK), 1)
      let e = fixed ?? residuals
      for r in 0..<b {
        let deadPre = dead.map { pre[r][$0] }
        var za = [Double](repeating: 0, count: m)
        let ranked = auxByMagnitude ? deadPre.map(abs) : deadPre
        for i in Self.naiveTopK(ranked, min(auxK, dead.count)) {
          za[dead[i]] = (auxByMagnitude ? deadPre[i] : max(deadPre[i], 0)) * (auxWeights?[i] ?? 1)
        }
        let ehat = decode(za, bias: false)
        total += c * (0..<d).map { (e[r][$0] - ehat[$0]) * (e[r][$0] - ehat[$0]) }.reduce(0, +) / Double(b)
      }
    }
    return total
  }

  /// `s·x − x̂` per row at the current parameters.
  func residuals(_ x: Matrix) -> [[Double]] {
    let z = codes(preActivations(x), inputNorms: inputNorms(x))
    return (0..<x.rows).map { r in
      let xhat = decode(z[r])
      return (0..<d).map { scale * Double(x[r, $0]) - xhat[$0] }
    }
  }
}
