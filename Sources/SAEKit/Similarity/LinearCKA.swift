/// Linear centred kernel alignment (Kornblith et al. 2019), one of ITDA's
/// baselines (papers-2.md §2c "Baselines"), for activations `X (n × p)` and
/// `Y (n × q)` of the same `n` tokens:
///
/// ```
/// X̃, Ỹ = column-centred X, Y
/// CKA(X, Y) = ‖X̃ᵀỸ‖²_F / (‖X̃ᵀX̃‖_F · ‖ỸᵀỸ‖_F)
/// ```
///
/// Standard linear CKA is invariant to orthogonal transforms and isotropic
/// scaling of either side, and is 1 for identical inputs. The reference code
/// (`linear_cka_torch`) additionally scales every centred **column** to unit
/// norm, `X̃_:j / (‖X̃_:j‖ + 10⁻¹²)`, before the same formula, and guards the
/// denominator by `max(·, 10⁻¹²)` — ``columnNormalised(_:_:)``. That variant is
/// invariant to per-column scaling but *not* to rotations.
///
/// Products are accumulated in Double (`CrossProducts`): three `dgemm`s of
/// `2·n·p·q`-type cost.
public enum LinearCKA {
  /// Standard linear CKA; 0 when either side is constant.
  /// - Throws: when the row counts differ or an input is empty or non-finite.
  public static func similarity(_ x: Matrix, _ y: Matrix) throws -> Double {
    try check(x, y)
    let kxy = CrossProducts.product(x, y, center: true)
    let kxx = CrossProducts.product(x, center: true), kyy = CrossProducts.product(y, center: true)
    let denominator = CrossProducts.squaredFrobenius(kxx).squareRoot() * CrossProducts.squaredFrobenius(kyy).squareRoot()
    return denominator > 0 ? CrossProducts.squaredFrobenius(kxy) / denominator : 0
  }

  /// The reference code's variant: centred columns scaled to unit norm first.
  /// - Throws: when the row counts differ or an input is empty or non-finite.
  public static func columnNormalised(_ x: Matrix, _ y: Matrix) throws -> Double {
    try check(x, y)
    let eps = 1e-12
    let p = x.cols, q = y.cols
    var kxy = CrossProducts.product(x, y, center: true)
    var kxx = CrossProducts.product(x, center: true), kyy = CrossProducts.product(y, center: true)
    let sx = (0..<p).map { kxx[$0 * p + $0].squareRoot() + eps }
    let sy = (0..<q).map { kyy[$0 * q + $0].squareRoot() + eps }
    for i in 0..<p { for j in 0..<q { kxy[i * q + j] /= sx[i] * sy[j] } }
    for i in 0..<p { for j in 0..<p { kxx[i * p + j] /= sx[i] * sx[j] } }
    for i in 0..<q { for j in 0..<q { kyy[i * q + j] /= sy[i] * sy[j] } }
    let denominator = CrossProducts.squaredFrobenius(kxx).squareRoot() * CrossProducts.squaredFrobenius(kyy).squareRoot()
    return CrossProducts.squaredFrobenius(kxy) / max(denominator, eps)
  }

  static func check(_ x: Matrix, _ y: Matrix, _ name: String = "linear CKA") throws {
    guard x.rows == y.rows else {
      throw SAEKitError.shapeMismatch(operation: "\(name) (the same tokens on both sides)", lhs: x.shape, rhs: y.shape)
    }
    try require(x.rows >= 1 && x.cols >= 1 && y.cols >= 1, "\(name) needs non-empty inputs, got \(x.shape) and \(y.shape)")
    guard x.isFinite, y.isFinite else { throw SAEKitError.nonFinite("\(name) inputs contain NaN or infinity") }
  }
}
