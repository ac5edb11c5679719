/// Similarities of every layer of every model with every layer of every model,
/// `S[m, m′, i, j]`, and the layer-matching benchmark on it (Kornblith et al.
/// 2019; papers-2.md §2c, paper eq. 9; the reference code's
/// `compute_or_load_measure` array `models × models × layers × layers`):
///
/// ```
/// acc(S) = 1 / (|P|·L) · Σ_{(m, m′) ∈ P} Σ_i 1[ argmax_j S[m, m′, i, j] = i ]
/// ```
///
/// `P` is every **ordered** pair of models, including the self-pairs `m = m′`
/// as in the paper and code (those are trivially correct for any measure, so
/// ``matchingAccuracy(includeSelfPairs:)`` also reports the score without
/// them). The argmax runs over the second model's layers `j`, first index on
/// ties (NumPy's `argmax`).
public struct LayerSimilarityTensor: Sendable, Equatable {
  public let models: Int
  public let layers: Int
  /// `S[m, m′, i, j]` at `((m·models + m′)·layers + i)·layers + j`.
  public var values: [Double]

  /// Fills `S[m, m′, i, j] = measure(m, m′, i, j)` in index order.
  public init(models: Int, layers: Int, measure: (Int, Int, Int, Int) throws -> Double) throws {
    try require(models >= 1 && layers >= 1, "a layer-similarity tensor needs ≥ 1 model and ≥ 1 layer")
    self.models = models
    self.layers = layers
    var v = [Double]()
    v.reserveCapacity(models * models * layers * layers)
    for m in 0..<models {
      for m2 in 0..<models {
        for i in 0..<layers {
          for j in 0..<layers { v.append(try measure(m, m2, i, j)) }
        }
      }
    }
    values = v
  }

  public subscript(m: Int, m2: Int, i: Int, j: Int) -> Double {
    get { values[((m * models + m2) * layers + i) * layers + j] }
    set { values[((m * models + m2) * layers + i) * layers + j] = newValue }
  }

  /// The fraction of `(m, m′, i)` whose most similar layer of `m′` is `i`.
  /// Without self-pairs and only one model there is nothing to score: NaN.
  public func matchingAccuracy(includeSelfPairs: Bool = true) -> Double {
    var correct = 0, total = 0
    for m in 0..<models {
      for m2 in 0..<models where includeSelfPairs || m != m2 {
        for i in 0..<layers {
          var best = 0
          for j in 1..<max(layers, 1) where self[m, m2, i, j] > self[m, m2, i, best] { best = j }
          if best == i { correct += 1 }
          total += 1
        }
      }
    }
    return total == 0 ? .nan : Double(correct) / Double(total)
  }

  /// The `layers × layers` heat map averaged over model pairs (the reference's
  /// plotted `mean(axis=(0, 1))`), row `i` = layer of the first model.
  public func meanHeatmap(includeSelfPairs: Bool = true) -> [[Double]] {
    var out = [[Double]](repeating: [Double](repeating: 0, count: layers), count: layers)
    var pairs = 0
    for m in 0..<models {
      for m2 in 0..<models where includeSelfPairs || m != m2 {
        pairs += 1
        for i in 0..<layers { for j in 0..<layers { out[i][j] += self[m, m2, i, j] } }
      }
    }
    guard pairs > 0 else { return out }
    return out.map { $0.map { $0 / Double(pairs) } }
  }
}
