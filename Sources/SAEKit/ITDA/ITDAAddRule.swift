/// ITDA's rule for adding an activation to the dictionary (papers-2.md §2a,
/// "Dictionary construction"; the reference code's `ITDATrainer.update`).
///
/// The paper writes the loss as `‖x − x̂‖²`; the reference code instead
/// thresholds the per-dimension mean squared difference of the **unit-normalised**
/// vectors,
///
/// ```
/// err(x, x̂) = (1/d)·Σ_j (x/‖x‖ − x̂/‖x̂‖)_j² = (2 − 2·cos(x, x̂)) / d
/// add x  ⇔  err > τ  ⇔  cos(x, x̂) < 1 − τ·d/2
/// ```
///
/// so `τ` is a cosine threshold that scales with `d` (τ = 0.0004 at d = 768 is
/// cos < 0.846). SAEKit follows the code, not the paper's formula, and decides
/// by the cosine form. Degenerate norms follow the code's `clamp_min(1e-9)`:
/// with `ν = max(‖·‖, 10⁻⁹)`,
/// `err = (‖x‖²/ν_x² + ‖x̂‖²/ν_x̂² − 2·x·x̂/(ν_x·ν_x̂)) / d`, so a zero `x` is
/// never added (err = 0) and a non-zero `x` with `x̂ = 0` is added iff `1/d > τ`.
public struct ITDAAddRule: Sendable, Equatable {
  /// `τ`, the reference's `loss_threshold`.
  public let threshold: Double
  /// `d`, the activation dimension.
  public let dimension: Int

  /// The norm floor of the reference (`clamp_min(1e-9)`).
  public static let normFloor = 1e-9

  public init(threshold: Double, dimension: Int) {
    self.threshold = threshold
    self.dimension = dimension
  }

  /// `1 − τ·d/2`: an activation is added iff `cos(x, x̂)` is below it.
  public var cosineThreshold: Double { 1 - threshold * Double(dimension) / 2 }

  /// The `τ` whose cosine threshold is `cosine` in dimension `d`: `τ = 2(1 − cos)/d`.
  public static func threshold(forCosine cosine: Double, dimension: Int) -> Double {
    2 * (1 - cosine) / Double(dimension)
  }

  /// The reference's error `err(x, x̂)` from `x·x̂`, `‖x‖²` and `‖x̂‖²`.
  public func error(dot: Double, squaredNorm xx: Double, reconstructionSquaredNorm rr: Double) -> Double {
    let nx = max(xx.squareRoot(), Self.normFloor), nr = max(rr.squareRoot(), Self.normFloor)
    return (xx / (nx * nx) + rr / (nr * nr) - 2 * dot / (nx * nr)) / Double(dimension)
  }

  /// Whether `x` is added: `cos(x, x̂) < 1 − τ·d/2` when both norms exceed the
  /// floor, otherwise the reference's `err > τ`.
  public func adds(dot: Double, squaredNorm xx: Double, reconstructionSquaredNorm rr: Double) -> Bool {
    let nx = xx.squareRoot(), nr = rr.squareRoot()
    if nx >= Self.normFloor && nr >= Self.normFloor { return dot / (nx * nr) < cosineThreshold }
    return error(dot: dot, squaredNorm: xx, reconstructionSquaredNorm: rr) > threshold
  }

  /// Per row of `x (N × d)` and its reconstruction: the decision and the error
  /// (in Double, in parallel over rows).
  func evaluate(_ x: Matrix, reconstruction: Matrix) -> (adds: [Bool], errors: [Double]) {
    let n = x.rows, d = x.cols
    var decisions = [Bool](repeating: false, count: n)
    var errors = [Double](repeating: 0, count: n)
    x.storage.withUnsafeBufferPointer { xb in
    reconstruction.storage.withUnsafeBufferPointer { rb in
    decisions.withUnsafeMutableBufferPointer { ab in
    errors.withUnsafeMutableBufferPointer { eb in
      let (xp, rp, ap, ep) = (xb.baseAddress, rb.baseAddress, ab.baseAddress, eb.baseAddress)
      Parallel.forEachRange(count: n) { rows in
        for i in rows {
          var xx = 0.0, rr = 0.0, xr = 0.0
          for j in 0..<d {
            let a = Double(xp![i * d + j]), b = Double(rp![i * d + j])
            xx += a * a; rr += b * b; xr += a * b
          }
          ap![i] = adds(dot: xr, squaredNorm: xx, reconstructionSquaredNorm: rr)
          ep![i] = error(dot: xr, squaredNorm: xx, reconstructionSquaredNorm: rr)
        }
      }
    }}}}
    return (decisions, errors)
  }
}
