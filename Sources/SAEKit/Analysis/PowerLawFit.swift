import Foundation

/// Least-squares fit of a saturating power law in the dictionary width,
///
/// ```
/// FVU(W) ≈ c + a · W^(−m),        c ≥ 0,  a > 0,  m > 0
/// ```
/// (papers-1.md §1a "Scaling law in width", §1f: "do it by nonlinear least
/// squares, e.g. Gauss–Newton/LM on c, a, m, not Adam" — the paper's script
/// used Adam on `|a|, |c|, |m|`).
///
/// Method, minimising `S = Σ_i (y_i − c − a·(W_i/W₀)^(−m))²`:
/// 1. Reference width `W₀ = geometric mean of the W_i`, so the internal
///    amplitude `α = a·W₀^(−m)` and `m` are of comparable scale.
/// 2. Initialisation by variable projection: for each `m` on a log-spaced grid
///    in `[10⁻³, 10]` the model is linear in `(c, α)`; solve that 2×2 least
///    squares problem under `c ≥ 0, α ≥ 0` (unconstrained solution, else the
///    best of the two faces) and keep the `m` with the smallest `S`.
/// 3. Levenberg–Marquardt on `(c, α, m)` with Jacobian
///    `∂/∂c = 1, ∂/∂α = u, ∂/∂m = −α·u·ln(W/W₀)`, `u = (W/W₀)^(−m)`,
///    damping `(JᵀJ + λ·diag(JᵀJ)) δ = Jᵀr`, steps projected onto the bounds
///    (`c ≥ 0`, `α ≥ 10⁻³⁰⁰`, `m ≥ 10⁻⁶`), accepted only when `S` falls
///    (λ ÷ 3), else λ × 4; stops on a relative change of `S` below 10⁻¹⁵ or
///    after `maxIterations`.
/// Unweighted, as in the paper (MSE on FVU itself).
public struct PowerLawFit: Sendable, Equatable {
  /// The asymptote `c` (the FVU an infinitely wide SAE would keep).
  public let c: Double
  /// The amplitude `a`.
  public let a: Double
  /// The exponent `m`.
  public let m: Double
  /// `y_i − (c + a·W_i^(−m))` for every input point.
  public let residuals: [Double]
  /// Levenberg–Marquardt iterations taken.
  public let iterations: Int

  /// `Σ residual²`.
  public var sumOfSquaredResiduals: Double { residuals.reduce(0) { $0 + $1 * $1 } }

  /// `c + a·W^(−m)`.
  public func predict(_ width: Double) -> Double { c + a * pow(width, -m) }

  /// Fits the law to `(widths[i], values[i])`.
  /// - Throws: unless there are ≥ 3 points, all finite, with positive widths
  ///   of at least two distinct values.
  public init(widths: [Double], values: [Double], maxIterations: Int = 500) throws {
    try require(widths.count == values.count, "power-law fit: \(widths.count) widths but \(values.count) values")
    try require(widths.count >= 3, "power-law fit needs at least 3 points for c, a, m, got \(widths.count)")
    try require(widths.allSatisfy { $0.isFinite && $0 > 0 }, "power-law fit needs finite positive widths")
    try require(values.allSatisfy(\.isFinite), "power-law fit needs finite values")
    try require(Set(widths).count >= 2, "power-law fit needs at least two distinct widths")
    let logs = widths.map { log($0) }
    let logW0 = logs.reduce(0, +) / Double(logs.count)
    let problem = Problem(logRatio: logs.map { $0 - logW0 }, y: values)

    var p = problem.initialGuess()
    var s = problem.sse(p)
    var lambda = 1e-3
    var taken = 0
    for _ in 0..<maxIterations {
      taken += 1
      guard let step = problem.dampedStep(p, lambda: lambda) else { break }
      let candidate = Problem.project(step)
      let sCandidate = problem.sse(candidate)
      if sCandidate < s {
        let done = s - sCandidate <= 1e-15 * max(s, 1e-300)
        p = candidate
        s = sCandidate
        lambda = max(lambda / 3, 1e-12)
        if done { break }
      } else {
        lambda *= 4
        if lambda > 1e12 { break }
      }
    }
    c = p.c
    m = p.m
    a = p.alpha * exp(p.m * logW0)
    residuals = problem.residuals(p)
    iterations = taken
  }
}

/// The fit in internal units: `y ≈ c + α·exp(−m·ℓ)`, `ℓ = ln(W/W₀)`.
private struct Problem {
  struct Point { var c: Double; var alpha: Double; var m: Double }
  let logRatio: [Double]
  let y: [Double]

  static func project(_ p: Point) -> Point {
    Point(c: max(p.c, 0), alpha: max(p.alpha, 1e-300), m: max(p.m, 1e-6))
  }

  func residuals(_ p: Point) -> [Double] {
    zip(logRatio, y).map { l, v in v - p.c - p.alpha * exp(-p.m * l) }
  }

  func sse(_ p: Point) -> Double { residuals(p).reduce(0) { $0 + $1 * $1 } }

  /// Step 2 of the method: grid over `m`, constrained linear fit of `(c, α)`.
  func initialGuess() -> Point {
    var best = Point(c: max(0, y.min() ?? 0), alpha: 1e-300, m: 1)
    var bestS = sse(Problem.project(best))
    for g in 0...200 {
      let m = pow(10, -3 + 4 * Double(g) / 200)
      let u = logRatio.map { exp(-m * $0) }
      for candidate in linearCandidates(u: u, m: m) {
        let s = sse(candidate)
        if s < bestS { best = candidate; bestS = s }
      }
    }
    return best
  }

  /// Feasible least-squares `(c, α)` for fixed `u_i`: the interior solution if
  /// feasible, and the two boundary solutions `c = 0` and `α = 0`.
  private func linearCandidates(u: [Double], m: Double) -> [Point] {
    let n = Double(y.count)
    var su = 0.0, suu = 0.0, sy = 0.0, suy = 0.0
    for i in y.indices { su += u[i]; suu += u[i] * u[i]; sy += y[i]; suy += u[i] * y[i] }
    var out = [Point]()
    let det = n * suu - su * su
    if det > 1e-12 * n * suu {
      let alpha = (n * suy - su * sy) / det
      let c = (sy - alpha * su) / n
      if c >= 0 && alpha > 0 { out.append(Point(c: c, alpha: alpha, m: m)) }
    }
    if suu > 0, suy > 0 { out.append(Point(c: 0, alpha: suy / suu, m: m)) }
    out.append(Problem.project(Point(c: max(0, sy / n), alpha: 0, m: m)))
    return out
  }

  /// Solves `(JᵀJ + λ·diag(JᵀJ))·δ = Jᵀr` and returns `p + δ`, or nil when singular.
  func dampedStep(_ p: Point, lambda: Double) -> Point? {
    var jtj = [[Double]](repeating: [0, 0, 0], count: 3)
    var jtr = [0.0, 0.0, 0.0]
    let r = residuals(p)
    for i in y.indices {
      let u = exp(-p.m * logRatio[i])
      let row = [1, u, -p.alpha * u * logRatio[i]]
      for a in 0..<3 {
        jtr[a] += row[a] * r[i]
        for b in 0..<3 { jtj[a][b] += row[a] * row[b] }
      }
    }
    for a in 0..<3 { jtj[a][a] += lambda * max(jtj[a][a], 1e-300) }
    guard let delta = Problem.solve3(jtj, jtr) else { return nil }
    return Point(c: p.c + delta[0], alpha: p.alpha + delta[1], m: p.m + delta[2])
  }

  /// Gaussian elimination with partial pivoting for a 3×3 system.
  static func solve3(_ matrix: [[Double]], _ rhs: [Double]) -> [Double]? {
    var a = matrix, b = rhs
    for col in 0..<3 {
      let pivot = (col..<3).max { abs(a[$0][col]) < abs(a[$1][col]) }!
      guard abs(a[pivot][col]) > 0, a[pivot][col].isFinite else { return nil }
      a.swapAt(col, pivot)
      b.swapAt(col, pivot)
      for row in (col + 1)..<3 {
        let f = a[row][col] / a[col][col]
        for k in col..<3 { a[row][k] -= f * a[col][k] }
        b[row] -= f * b[col]
      }
    }
    var x = [0.0, 0.0, 0.0]
    for row in stride(from: 2, through: 0, by: -1) {
      var s = b[row]
      for k in (row + 1)..<3 { s -= a[row][k] * x[k] }
      x[row] = s / a[row][row]
    }
    return x.allSatisfy(\.isFinite) ? x : nil
  }
}
