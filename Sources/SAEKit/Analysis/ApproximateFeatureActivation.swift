/// The AFA evaluation of an SAE (Lee et al. 2025, "Evaluating and Designing
/// SAEs by Approximating Quasi-Orthogonality"): how the norm of the feature
/// activations compares with the norm of the input they explain.
///
/// If the `h` unit decoder directions are ε-quasi-orthogonal (`|w_i·w_j| ≤ ε`),
/// then for `z = Σ f_i w_i`
///
/// ```
/// (1 − ε(h−1))·‖f‖² ≤ ‖z‖² ≤ (1 + ε(h−1))·‖f‖²
/// ```
/// so the input norm `‖z‖` approximates the feature norm ("Linear-AFA"). For
/// an SAE with decoder rows of any norm and a decoder bias, the reference code
/// writes `ẑ = W̃ᵀf̃` with unit columns by rescaling each activation by its
/// row norm and appending the bias as one more unit "feature":
///
/// ```
/// f̃      = ( f_1‖W_dec[1]‖, …, f_h‖W_dec[h]‖, ‖b_dec‖ )     with the bias column
/// f̃₀     = ( f_1‖W_dec[1]‖, …, f_h‖W_dec[h]‖ )              without it
/// εLBO(x) = | ‖z‖² − ‖f̃‖² | / ( (h − 1)·‖f̃‖² )              h = the SAE's width
/// ```
/// `εLBO` is the smallest ε consistent with one token; `h` is the number of
/// latents in both forms, as in the code (the bias column is not counted;
/// with it, `h + 1` would shrink every value by `(h−1)/h`). A token with
/// `‖f̃‖ = 0` has `εLBO = +∞`.
///
/// Norms are reported in input units: `z` is the input `x` (the SAE's
/// `s·x` divided by its input scale `s`), `f̃` is divided by `s` as well, so
/// ratios and `εLBO` do not depend on the scale.
public struct ApproximateFeatureActivation: Sendable, Equatable {
  /// `h`, the number of latents.
  public let width: Int
  /// `‖z‖` per token.
  public let inputNorm: [Double]
  /// `‖f̃‖` per token, with the decoder-bias column.
  public let featureNorm: [Double]
  /// `‖f̃₀‖` per token, without it.
  public let featureNormWithoutBias: [Double]
  /// `‖z − ẑ‖² / ‖z‖²` per token (0 when `z = 0`).
  public let relativeError: [Double]

  /// Evaluates `sae` on the rows of `x (N × d)`, in input units.
  /// - Throws: when `x` does not have the SAE's dimension.
  /// - Complexity: one encode and one decode of `x`, plus `O(N·d + nnz)`.
  public init(sae: SparseAutoencoder, x: Matrix) throws {
    let codes = try sae.encode(x)
    let reconstruction = try sae.decode(codes)
    let biasNorm = sae.decoderBias.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    try self.init(
      inputs: x, codes: codes, decoderNorms: sae.decoderNorms, decoderBiasNorm: biasNorm / Double(sae.inputScale),
      reconstruction: reconstruction, codeScale: 1 / Double(sae.inputScale))
  }

  /// The same from parts: inputs `z (N × d)`, codes `f (N × h)`, `‖W_dec[j]‖ (h)`,
  /// `‖b_dec‖` and `ẑ (N × d)`, all in one unit except the codes, which are
  /// multiplied by `codeScale` (an SAE's `1/s`).
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` when the sizes disagree.
  public init(
    inputs z: Matrix, codes: SparseCodes, decoderNorms: [Float], decoderBiasNorm: Double,
    reconstruction: Matrix, codeScale: Double = 1
  ) throws {
    try require(codes.rows == z.rows && reconstruction.shape == z.shape,
                "AFA needs one code row and one reconstruction per input: \(z.shape) inputs, \(codes.rows) code rows, \(reconstruction.shape) reconstructions")
    try require(decoderNorms.count == codes.width, "\(decoderNorms.count) decoder norms for \(codes.width) latents")
    try require(codes.width >= 2, "εLBO needs at least 2 latents, got \(codes.width)")
    width = codes.width
    inputNorm = z.rowNorms()
    let error = try z.subtracting(reconstruction).rowSquaredNorms()
    relativeError = zip(error, inputNorm).map { e, n in n > 0 ? e / (n * n) : 0 }
    let squares = codes.rowSquaredNorms(latentScales: decoderNorms, scale: codeScale)
    featureNormWithoutBias = squares.map { $0.squareRoot() }
    featureNorm = squares.map { ($0 + decoderBiasNorm * decoderBiasNorm).squareRoot() }
  }

  /// `εLBO` per token, with or without the decoder-bias column in `f̃`.
  public func epsilonLowerBound(biasColumn: Bool = true) -> [Double] {
    let f = biasColumn ? featureNorm : featureNormWithoutBias
    return zip(inputNorm, f).map { z, f in
      f > 0 ? abs(z * z - f * f) / (Double(width - 1) * f * f) : .infinity
    }
  }

  /// `‖f̃‖ / ‖z‖` per token (the ZF plot's slope; < 1 is under-activated), nan when `z = 0`.
  public func normRatio(biasColumn: Bool = true) -> [Double] {
    zip(biasColumn ? featureNorm : featureNormWithoutBias, inputNorm).map { f, z in z > 0 ? f / z : .nan }
  }

  /// The interval the theorem puts `‖f‖` in, given `‖z‖`, `ε` and `h`:
  /// `[‖z‖/√(1 + ε(h−1)), ‖z‖/√(1 − ε(h−1))]`, with an infinite upper end
  /// when `ε(h−1) ≥ 1` (the bound is vacuous there).
  public static func featureNormBounds(inputNorm: Double, epsilon: Double, width h: Int) -> ClosedRange<Double> {
    let (lower, upper) = coneSlopes(spread: epsilon * Double(h - 1))
    return (inputNorm * lower)...(inputNorm * upper)
  }

  /// The ZF plot's cone for `c = ε(h−1)`: the lines `y = x·√(1/(1 + c))` and
  /// `y = x·√(1/(1 − c))` (infinite slope for `c ≥ 1`).
  public static func coneSlopes(spread c: Double) -> (lower: Double, upper: Double) {
    ((1 / (1 + c)).squareRoot(), c < 1 ? (1 / (1 - c)).squareRoot() : .infinity)
  }
}
