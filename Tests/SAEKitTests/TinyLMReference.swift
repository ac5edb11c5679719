import Foundation
import SAEKit

/// A naive GPT-2 in Double precision: plain loops over one sequence at a time, no BLAS, no
/// caching, written to be read against the definition rather than to be fast. It is the
/// yardstick of the TinyLM tests: checked against PyTorch (`Fixtures/tinylm/`), then used to
/// check the fast float32 model, and its ``loss(config:weights:tokens:targets:batch:length:)``
/// takes a Double copy of the weights so finite differences can perturb one weight at a time.
///
/// Per sequence, for positions `t < length` (`tokens` and `targets` are `batch × length`, row-major):
///
///     x_t = wte[token_t] + wpe[t]
///     for each block:
///       h = LN₁(x);  q, k, v = split(h·W_qkvᵀ + b_qkv)         (heads contiguous in each)
///       a_t = Σ_{s ≤ t} softmax_s(q_t·k_s / √headSize) v_s       (per head)
///       x += a·W_projᵀ + b_proj
///       x += GELU(LN₂(x)·W_fcᵀ + b_fc)·W_fcprojᵀ + b_fcproj
///     logits_t = LN_f(x_t)·wteᵀ
///
/// LayerNorm uses the biased variance and the configuration's ε; GELU is the tanh form
/// `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`. The loss is the mean cross-entropy over the
/// positions whose target is ≥ 0 (negative targets, e.g. -100, are ignored).
enum TinyLMReference {
  // MARK: - Float parameters

  /// Logits, `batch × length × vocabularySize`, row-major.
  static func logits(_ p: TinyLMParameters, tokens: [Int], batch: Int, length: Int) -> [Double] {
    logits(config: p.config, weights: p.storage.map(Double.init), tokens: tokens, batch: batch, length: length)
  }

  /// Mean cross-entropy over the targets ≥ 0 (NaN when all are ignored, as in PyTorch).
  static func loss(_ p: TinyLMParameters, tokens: [Int], targets: [Int], batch: Int, length: Int) -> Double {
    loss(config: p.config, weights: p.storage.map(Double.init), tokens: tokens, targets: targets, batch: batch, length: length)
  }

  // MARK: - Double weights (for finite differences)

  /// Logits from `weights`, a Double copy of a ``TinyLMParameters/storage`` of `config`.
  static func logits(config: TinyLMConfig, weights: [Double], tokens: [Int], batch: Int, length: Int) -> [Double] {
    precondition(tokens.count == batch * length && length <= config.context)
    let model = Weights(config: config, values: weights)
    var out: [Double] = []
    out.reserveCapacity(batch * length * config.vocabularySize)
    for b in 0..<batch {
      out += model.sequenceLogits(Array(tokens[(b * length)..<((b + 1) * length)]))
    }
    return out
  }

  /// Mean cross-entropy from `weights` (see ``logits(config:weights:tokens:batch:length:)``).
  static func loss(
    config: TinyLMConfig, weights: [Double], tokens: [Int], targets: [Int], batch: Int, length: Int
  ) -> Double {
    precondition(targets.count == batch * length)
    let V = config.vocabularySize
    let all = logits(config: config, weights: weights, tokens: tokens, batch: batch, length: length)
    var total = 0.0
    var counted = 0
    for (position, target) in targets.enumerated() where target >= 0 {
      let row = all[(position * V)..<((position + 1) * V)]
      let top = row.max()!
      let logSumExp = top + log(row.reduce(0) { $0 + exp($1 - top) })
      total += logSumExp - row[row.startIndex + target]
      counted += 1
    }
    return total / Double(counted)
  }

  /// `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
  static func gelu(_ x: Double) -> Double {
    0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
  }
}

/// The weights of ``TinyLMReference``, read through ``TinyLMParameters``'s layout.
private struct Weights {
  let config: TinyLMConfig
  let values: [Double]
  /// Only for its offsets.
  let layout: TinyLMParameters

  init(config: TinyLMConfig, values: [Double]) {
    layout = TinyLMParameters(zeros: config)
    precondition(values.count == layout.storage.count, "\(values.count) weights for a model of \(layout.storage.count)")
    self.config = config
    self.values = values
  }

  /// A whole tensor, or one block's slice of a per-layer tensor.
  func slice(_ tensor: TinyLMParameters.Tensor, layer: Int? = nil) -> ArraySlice<Double> {
    values[layer.map { layout.range(tensor, layer: $0) } ?? layout.range(tensor)]
  }

  /// The logits of one sequence, `length × V`.
  func sequenceLogits(_ tokens: [Int]) -> [Double] {
    let C = config.width, T = tokens.count
    let wte = slice(.tokenEmbedding), wpe = slice(.positionEmbedding)
    var x = (0..<T).map { t in (0..<C).map { c in wte[wte.startIndex + tokens[t] * C + c] + wpe[wpe.startIndex + t * C + c] } }

    for l in 0..<config.layerCount {
      let h = x.map { layerNorm($0, slice(.ln1Weight, layer: l), slice(.ln1Bias, layer: l)) }
      let qkv = h.map { linear($0, slice(.qkvWeight, layer: l), slice(.qkvBias, layer: l)) }
      let attended = attention(qkv)
      for t in 0..<T {
        let y = linear(attended[t], slice(.attentionProjectionWeight, layer: l), slice(.attentionProjectionBias, layer: l))
        for c in 0..<C { x[t][c] += y[c] }
      }
      for t in 0..<T {
        let h2 = layerNorm(x[t], slice(.ln2Weight, layer: l), slice(.ln2Bias, layer: l))
        let hidden = linear(h2, slice(.fcWeight, layer: l), slice(.fcBias, layer: l)).map(TinyLMReference.gelu)
        let y = linear(hidden, slice(.fcProjectionWeight, layer: l), slice(.fcProjectionBias, layer: l))
        for c in 0..<C { x[t][c] += y[c] }
      }
    }

    var logits: [Double] = []
    for t in 0..<T {
      let final = layerNorm(x[t], slice(.finalNormWeight), slice(.finalNormBias))
      // The output head is the token embedding: logit_v = wte[v]·final.
      for v in 0..<config.vocabularySize {
        var sum = 0.0
        for c in 0..<C { sum += wte[wte.startIndex + v * C + c] * final[c] }
        logits.append(sum)
      }
    }
    return logits
  }

  /// Causal multi-head attention over rows `[q | k | v]` (each `C` wide, heads contiguous).
  func attention(_ qkv: [[Double]]) -> [[Double]] {
    let C = config.width, H = config.headCount, D = config.headSize, T = qkv.count
    let scale = 1 / Double(D).squareRoot()
    var out = [[Double]](repeating: [Double](repeating: 0, count: C), count: T)
    for head in 0..<H {
      let base = head * D
      for t in 0..<T {
        var scores = (0...t).map { s in
          (0..<D).reduce(0.0) { $0 + qkv[t][base + $1] * qkv[s][C + base + $1] } * scale
        }
        let top = scores.max()!
        scores = scores.map { exp($0 - top) }
        let total = scores.reduce(0, +)
        for s in 0...t {
          for d in 0..<D { out[t][base + d] += scores[s] / total * qkv[s][2 * C + base + d] }
        }
      }
    }
    return out
  }

  /// `W·x + b` for `W` stored `(out × in)`, row-major.
  func linear(_ x: [Double], _ w: ArraySlice<Double>, _ b: ArraySlice<Double>) -> [Double] {
    let inputs = x.count, outputs = b.count
    precondition(w.count == inputs * outputs)
    return (0..<outputs).map { o in
      var sum = b[b.startIndex + o]
      for i in 0..<inputs { sum += w[w.startIndex + o * inputs + i] * x[i] }
      return sum
    }
  }

  /// `(x − mean)/√(var + ε)·gain + bias`, with the biased variance.
  func layerNorm(_ x: [Double], _ gain: ArraySlice<Double>, _ bias: ArraySlice<Double>) -> [Double] {
    let n = Double(x.count)
    let mean = x.reduce(0, +) / n
    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
    let inverse = 1 / (variance + Double(config.layerNormEpsilon)).squareRoot()
    return x.indices.map { (x[$0] - mean) * inverse * gain[gain.startIndex + $0] + bias[bias.startIndex + $0] }
  }
}
