import CVectorKernels

/// Adam (Kingma & Ba 2015) in PyTorch's form, for one parameter tensor:
///
/// ```
/// m ← β₁m + (1−β₁)g          v ← β₂v + (1−β₂)g²
/// p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
/// ```
/// Updates run over the flat buffer in parallel chunks through the vectorised C kernel
/// `sae_adam` (elementwise, so the result does not depend on the thread count; the kernel
/// rounds every operation as the scalar reference ``AdamStep/reference(_:_:_:_:count:)`` does).
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
    update(&parameters, gradient: g, AdamStep(learningRate: lr, step: t, beta1: beta1, beta2: beta2, epsilon: epsilon))
  }

  /// Applies `step` with gradient `g` to `parameters`.
  mutating func update(_ parameters: inout [Float], gradient g: [Float], _ step: AdamStep) {
    precondition(parameters.count == g.count && g.count == firstMoment.count)
    parameters.withUnsafeMutableBufferPointer { pb in
      g.withUnsafeBufferPointer { gb in
        withMoments { m, v in
          guard let p = pb.baseAddress, let gp = gb.baseAddress else { return }
          Parallel.forEachRange(count: g.count) { range in step.apply(p, gp, m, v, range) }
        }
      }
    }
  }

  /// Runs `body` with the first and second moments' storage (for updates fused with other
  /// per-row work); does nothing for an empty state.
  mutating func withMoments(_ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
    firstMoment.withUnsafeMutableBufferPointer { mb in
      secondMoment.withUnsafeMutableBufferPointer { vb in
        guard let m = mb.baseAddress, let v = vb.baseAddress else { return }
        body(m, v)
      }
    }
  }
}

/// The scalars of one Adam step: `stepSize = lr/(1−β₁ᵗ)`, `rootC2 = √(1−β₂ᵗ)` (bias corrections
/// in Double, then rounded once).
struct AdamStep: Sendable {
  let beta1, beta2, stepSize, rootC2, epsilon: Float

  init(learningRate lr: Float, step t: Int, beta1: Float, beta2: Float, epsilon: Float) {
    let c1 = 1 - Double(beta1).power(t), c2 = 1 - Double(beta2).power(t)
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    stepSize = Float(Double(lr) / c1)
    rootC2 = Float(c2.squareRoot())
  }

  /// Updates elements `range` of the flat parameter, gradient and moment buffers.
  @inline(__always)
  func apply(
    _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
    _ v: UnsafeMutablePointer<Float>, _ range: Range<Int>
  ) {
    guard !range.isEmpty else { return }
    let i = range.lowerBound
    sae_adam(p + i, g + i, m + i, v + i, range.count, beta1, beta2, stepSize, rootC2, epsilon)
  }

  /// The scalar loop the C kernel must match bit for bit (the tests' reference).
  func reference(
    _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
    _ v: UnsafeMutablePointer<Float>, count: Int
  ) {
    for i in 0..<count {
      let gi = g[i]
      m[i] = beta1 * m[i] + (1 - beta1) * gi
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
      p[i] -= stepSize * m[i] / (v[i].squareRoot() / rootC2 + epsilon)
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
