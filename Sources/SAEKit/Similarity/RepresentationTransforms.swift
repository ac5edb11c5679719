import Foundation

/// Controlled transformations of a representation `X (n × d)` for the
/// invariance experiment of papers-2.md §2f: "model B" sees the same tokens as
/// "model A" but its activations are `X·Wᵀ` for a chosen `W (d × d)`, or `X`
/// plus noise. With an orthogonal `W` every measure that only uses inner
/// products of the rows (ITDA's matching pursuit, linear CKA, relative
/// representations) must be unchanged; a non-orthogonal `W` with condition
/// number `κ` distorts the geometry by a controlled amount.
///
/// All draws are seeded (``RandomSource``), so the same seed gives the same
/// transform on any machine.
public enum RepresentationTransforms {
  /// A random orthogonal `(d × d)` matrix: modified Gram–Schmidt (twice, in
  /// Double) on the rows of a Gaussian matrix, with signs fixed so that the
  /// draw is Haar-distributed (QR with a positive diagonal of R).
  /// - Throws: for `d < 1`.
  public static func randomOrthogonal(_ d: Int, seed: UInt64) throws -> Matrix {
    try require(d >= 1, "a random orthogonal matrix needs d ≥ 1, got \(d)")
    var rng = RandomSource(seed: seed)
    var q = (0..<d * d).map { _ in rng.gaussian() }
    for i in 0..<d {
      for _ in 0..<2 {
        for k in 0..<i {
          var dot = 0.0
          for j in 0..<d { dot += q[i * d + j] * q[k * d + j] }
          for j in 0..<d { q[i * d + j] -= dot * q[k * d + j] }
        }
      }
      var norm = 0.0
      for j in 0..<d { norm += q[i * d + j] * q[i * d + j] }
      norm = norm.squareRoot()
      for j in 0..<d { q[i * d + j] /= norm }
    }
    return try Matrix(rows: d, cols: d, storage: q.map(Float.init))
  }

  /// `W = U·diag(s)·Vᵀ (d × d)` with random orthogonal `U`, `V` and singular
  /// values log-evenly spaced from 1 down to `1/κ`: a linear map whose
  /// condition number is exactly `κ` (κ = 1 gives an orthogonal matrix).
  /// - Throws: for `d < 1` or `κ < 1`.
  public static func conditioned(_ d: Int, condition kappa: Double, seed: UInt64) throws -> Matrix {
    try require(kappa.isFinite && kappa >= 1, "the condition number κ must be ≥ 1, got \(kappa)")
    let u = try randomOrthogonal(d, seed: seed)
    let v = try randomOrthogonal(d, seed: seed &+ 0x9E37_79B9_7F4A_7C15)
    var us = u
    for j in 0..<d {
      let s = Float(d == 1 ? 1 : exp(-log(kappa) * Double(j) / Double(d - 1)))
      for i in 0..<d { us.storage[i * d + j] *= s }
    }
    return try us.matmul(v)
  }

  /// `X·Wᵀ`: every row mapped by `W`.
  /// - Throws: when `W` is not `(d × d)` for `X (n × d)`.
  public static func apply(_ w: Matrix, to x: Matrix) throws -> Matrix {
    guard w.rows == x.cols && w.cols == x.cols else {
      throw SAEKitError.shapeMismatch(operation: "X·Wᵀ (W must be d × d)", lhs: x.shape, rhs: w.shape)
    }
    return try x.matmulTransposed(w)
  }

  /// `X + σ·ρ·E` with `E` i.i.d. standard normal and `ρ = ‖X‖_F / √(n·d)` the
  /// root-mean-square entry of `X`, so `σ` is the noise level relative to the
  /// data (σ = 0 returns `X`).
  /// - Throws: for a negative or non-finite `σ`.
  public static func addingNoise(to x: Matrix, relative sigma: Double, seed: UInt64) throws -> Matrix {
    try require(sigma.isFinite && sigma >= 0, "the noise level σ must be finite and ≥ 0, got \(sigma)")
    guard sigma > 0, x.count > 0 else { return x }
    let rms = (x.sumOfSquares() / Double(x.count)).squareRoot()
    var rng = RandomSource(seed: seed)
    var out = x
    let scale = sigma * rms
    for i in 0..<out.count { out.storage[i] += Float(scale * rng.gaussian()) }
    return out
  }
}
