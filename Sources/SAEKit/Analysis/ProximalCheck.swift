/// Lemma 1 of the AbsTopK paper (Zhu, Khalili & Zhu 2025; papers-1.md §3a),
/// checked numerically: each SAE activation is the proximal operator of a
/// regulariser,
///
/// ```
/// prox_{λR}(u) = argmin_z ½‖u − z‖² + λ·R(z)
///
/// R                         prox                       library activation
/// ‖z‖₁ + ι{z ≥ 0}           max(u − λ, 0)              ReLU of u − λ (the bias shift)
/// ‖z‖₀ + ι{z ≥ 0}           u·1[u > √(2λ)]             JumpReLU, θ = √(2λ)
/// ι{‖z‖₀ ≤ k, z ≥ 0}        k largest, negatives → 0   TopK(k)
/// ι{‖z‖₀ ≤ k}               k largest |u|, signs kept  AbsTopK(k)
/// ```
///
/// The library side runs the activations' own `inferenceCodes` (what an SAE's
/// forward pass computes). The brute-force side knows no formula: for the three
/// ℓ₀-type regularisers it enumerates every support `S ⊆ {1…n}`, fits
/// `z_S` by least squares under the sign constraint (`z_S = u_S`, or its
/// projection `max(u_S, 0)`) and keeps the support of least objective; for the
/// ℓ₁ one, whose minimiser is not sparse by support alone, it searches a grid of
/// step `h` on every coordinate (the objective is separable, so the per-coordinate
/// grid minima are the minimum over the whole grid).
public enum ProximalCheck {
  /// The four regularisers of Lemma 1.
  public enum Regulariser: String, Sendable, CaseIterable {
    case l1NonNegative = "‖z‖₁ + ι{z ≥ 0}"
    case l0NonNegative = "‖z‖₀ + ι{z ≥ 0}"
    case topK = "ι{‖z‖₀ ≤ k, z ≥ 0}"
    case absTopK = "ι{‖z‖₀ ≤ k}"

    /// The SAE activation whose codes are this prox.
    public var activationName: String {
      switch self {
      case .l1NonNegative: return "ReLU (shifted by −λ)"
      case .l0NonNegative: return "JumpReLU (θ = √(2λ))"
      case .topK: return "TopK"
      case .absTopK: return "AbsTopK"
      }
    }
  }

  /// One regulariser's agreement over random `u`.
  public struct Outcome: Sendable, Equatable {
    public let regulariser: Regulariser
    public let trials: Int
    /// Largest `|z_library − z_bruteforce|` over all entries and trials.
    public let maxDifference: Double
    /// Largest `F(z_library) − F(z_bruteforce)` (negative: the library is lower).
    public let maxObjectiveGap: Double
    /// Trials whose two answers agree within the tolerance (grid step for ℓ₁, 1e-5 otherwise).
    public let agreeing: Int
  }

  /// `½‖u − z‖² + λ·R(z)`; `.infinity` where `z` violates the constraint.
  public static func objective(_ r: Regulariser, u: [Double], z: [Double], lambda: Double, k: Int) -> Double {
    var fit = 0.0, l1 = 0.0, l0 = 0, negative = false
    for i in u.indices {
      fit += 0.5 * (u[i] - z[i]) * (u[i] - z[i])
      l1 += abs(z[i])
      if z[i] != 0 { l0 += 1 }
      if z[i] < 0 { negative = true }
    }
    switch r {
    case .l1NonNegative: return negative ? .infinity : fit + lambda * l1
    case .l0NonNegative: return negative ? .infinity : fit + lambda * Double(l0)
    case .topK: return negative || l0 > k ? .infinity : fit
    case .absTopK: return l0 > k ? .infinity : fit
    }
  }

  /// The library's activation applied to `u` (one row): the prox it computes.
  public static func library(_ r: Regulariser, u: [Double], lambda: Double, k: Int) throws -> [Double] {
    let n = u.count
    let codes: SparseCodes
    switch r {
    case .l1NonNegative:
      codes = ReLUL1(coefficient: Float(lambda)).inferenceCodes(try Matrix([u.map { Float($0 - lambda) }]))
    case .l0NonNegative:
      let theta = Float((2 * lambda).squareRoot())
      codes = JumpReLU(width: n, l0Coefficient: Float(lambda), initialThreshold: theta).inferenceCodes(try Matrix([u.map { Float($0) }]))
    case .topK:
      codes = TopK(k: k).inferenceCodes(try Matrix([u.map { Float($0) }]))
    case .absTopK:
      codes = AbsTopK(k: k).inferenceCodes(try Matrix([u.map { Float($0) }]))
    }
    return codes.dense().row(0).map { Double($0) }
  }

  /// The argmin by enumeration (supports) or grid search (ℓ₁), knowing no prox formula.
  public static func bruteForce(_ r: Regulariser, u: [Double], lambda: Double, k: Int, gridStep: Double = 1e-3) -> [Double] {
    let n = u.count
    if r == .l1NonNegative {
      // Separable: minimise each coordinate's ½(u_i − z)² + λz over the grid 0, h, 2h, … ≥ u_i.
      return u.map { ui in
        var best = 0.0, bestValue = 0.5 * ui * ui
        let steps = Int((max(ui, 0) / gridStep).rounded(.up)) + 1
        for s in 0...steps {
          let z = Double(s) * gridStep
          let value = 0.5 * (ui - z) * (ui - z) + lambda * z
          if value < bestValue { best = z; bestValue = value }
        }
        return best
      }
    }
    var best = [Double](repeating: 0, count: n)
    var bestValue = objective(r, u: u, z: best, lambda: lambda, k: k)
    for mask in 1..<(1 << n) {
      var z = [Double](repeating: 0, count: n)
      for i in 0..<n where mask & (1 << i) != 0 { z[i] = r == .absTopK ? u[i] : max(u[i], 0) }
      let value = objective(r, u: u, z: z, lambda: lambda, k: k)
      if value < bestValue { best = z; bestValue = value }
    }
    return best
  }

  /// Compares library and brute force on `trials` Gaussian `u` of dimension `n`.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` unless `1 ≤ n ≤ 16`, `1 ≤ k ≤ n`,
  ///   `λ > 0` and `trials ≥ 1`.
  /// - Complexity: `trials · 2ⁿ · n` per ℓ₀-type regulariser.
  public static func run(
    dim n: Int, k: Int, lambda: Double, trials: Int, gridStep: Double = 1e-3, seed: UInt64
  ) throws -> [Outcome] {
    try require(n >= 1 && n <= 16, "dim must be in 1…16 (2^dim supports are enumerated), got \(n)")
    try require(k >= 1 && k <= n, "k must be in 1…dim, got \(k)")
    try require(lambda > 0 && lambda.isFinite, "λ must be a positive finite number, got \(lambda)")
    try require(trials >= 1, "trials must be ≥ 1, got \(trials)")
    try require(gridStep > 0 && gridStep.isFinite, "the grid step must be positive, got \(gridStep)")
    var outcomes = [Outcome]()
    for r in Regulariser.allCases {
      var rng = RandomSource(seed: seed)
      var maxDiff = 0.0, maxGap = -Double.infinity, agreeing = 0
      let tolerance = r == .l1NonNegative ? gridStep : 1e-5
      for _ in 0..<trials {
        let u = (0..<n).map { _ in rng.gaussian() }
        let lib = try library(r, u: u, lambda: lambda, k: k)
        let brute = bruteForce(r, u: u, lambda: lambda, k: k, gridStep: gridStep)
        let diff = zip(lib, brute).map { abs($0 - $1) }.max() ?? 0
        maxDiff = max(maxDiff, diff)
        maxGap = max(maxGap, objective(r, u: u, z: lib, lambda: lambda, k: k) - objective(r, u: u, z: brute, lambda: lambda, k: k))
        if diff <= tolerance { agreeing += 1 }
      }
      outcomes.append(Outcome(regulariser: r, trials: trials, maxDifference: maxDiff, maxObjectiveGap: maxGap, agreeing: agreeing))
    }
    return outcomes
  }
}
