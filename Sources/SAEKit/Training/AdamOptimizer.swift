/// Adam (Kingma & Ba 2015) in PyTorch's form, for one parameter tensor:
///
/// ```
/// m ← β₁m + (1−β₁)g          v ← β₂v + (1−β₂)g²
/// p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
/// ```
/// Updates run over the flat buffer in parallel chunks (elementwise, so the
/// result does not depend on the thread count).
public struct AdamState: Sendable {
  var firstMoment: [Float]
  var secondMoment: [Float]

  public init(count: Int) {
    firstMoment = [Float](repeating: 0, count: count)
    secondMoment = [Float](repeating: 0, count: count)
  }

  /// Applies step `t` (1-based) with gradient `g` to `parameters`.
  mutating func update(
    _ parameters: inout [Float], gradient g: [Float], learningRate lr: Float, step t: Int,
    beta1: Float, beta2: Float, epsilon: Float
  ) {
    precondition(parameters.count == g.count && g.count == firstMoment.count)
    let c1 = 1 - Double(beta1).power(t), c2 = 1 - Double(beta2).power(t)
    let stepSize = Float(Double(lr) / c1), rootC2 = Float(c2.squareRoot())
    parameters.withUnsafeMutableBufferPointer { pb in
      g.withUnsafeBufferPointer { gb in
        firstMoment.withUnsafeMutableBufferPointer { mb in
          secondMoment.withUnsafeMutableBufferPointer { vb in
            let (p, gp, m, v) = (pb.baseAddress!, gb.baseAddress!, mb.baseAddress!, vb.baseAddress!)
            Parallel.forEachChunk(count: g.count, chunks: 8) { _, range in
              for i in range {
                let gi = gp[i]
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                p[i] -= stepSize * m[i] / (v[i].squareRoot() / rootC2 + epsilon)
              }
            }
          }
        }
      }
    }
  }
}

extension Double {
  /// `self` raised to a non-negative integer power.
  func power(_ n: Int) -> Double {
    var result = 1.0, base = self, e = n
    while e > 0 {
      if e & 1 == 1 { result *= base }
      base *= base
      e >>= 1
    }
    return result
  }
}
