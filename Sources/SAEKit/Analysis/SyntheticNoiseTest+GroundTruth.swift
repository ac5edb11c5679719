extension SyntheticNoiseTest {
  /// An exactly sparse clean signal with its codes and dictionary:
  /// `x' = (z·D + b) / s` (`s` an input scale, 1 for synthetic data).
  ///
  /// Two sources (papers-1.md §1a "Synthetic validation" and §1f(i)1):
  /// - ``sae(_:activations:)``: the paper's construction, `x' = Sae(x)` for
  ///   real activations, `z = Sae.encode(x')`, `D = W_dec`, `b = b_dec`;
  /// - ``oracle(_:)``: the generative version, `x' = H·V` from
  ///   ``SyntheticSuperposition`` (its noise left out), with the true
  ///   coefficients as codes — an "oracle SAE" that knows every feature.
  public struct GroundTruth: Sendable {
    /// `x'`, `(N × d)`.
    public let clean: Matrix
    /// `z`, `(N × F)`.
    public let codes: SparseCodes
    /// `D`, `(F × d)`.
    public let dictionary: Matrix
    /// `b`, `(d)` (empty for none).
    public let bias: [Float]
    /// `s`.
    public let inputScale: Float

    /// The paper's ground truth from an SAE and real activations `x (N × d)`.
    /// - Throws: when `x` does not fit the SAE.
    public static func sae(_ sae: SparseAutoencoder, activations x: Matrix) throws -> GroundTruth {
      try sae.requireWeightsInMemory(for: "a ground truth made of an SAE's decoder")
      let clean = try sae.reconstruct(x)
      return GroundTruth(
        clean: clean, codes: try sae.encode(clean), dictionary: sae.decoderWeights, bias: sae.decoderBias,
        inputScale: sae.inputScale)
    }

    /// The oracle ground truth of synthetic data: `x' = H·V` without the
    /// data's additive noise.
    public static func oracle(_ data: SyntheticSuperposition) -> GroundTruth {
      var clean = Matrix(rows: data.x.rows, cols: data.x.cols)
      SparseKernels.decode(data.coefficients, weights: data.features, bias: [], into: &clean)
      return GroundTruth(clean: clean, codes: data.coefficients, dictionary: data.features, bias: [], inputScale: 1)
    }

    /// RMS of the clean signal's entries, `sqrt(Σ x'² / (N·d))` — a natural `noiseUnit`.
    public var signalRMS: Double {
      clean.count == 0 ? 0 : (clean.sumOfSquares() / Double(clean.count)).squareRoot()
    }

    /// Latent ids sorted by mean activation `(1/N) Σ_t z_tj` (zeros included),
    /// lowest first; ties by id.
    func latentsByMeanActivation() -> [Int] {
      var sums = [Double](repeating: 0, count: codes.width)
      for e in 0..<codes.indices.count { sums[Int(codes.indices[e])] += Double(codes.values[e]) }
      return sums.indices.sorted { sums[$0] != sums[$1] ? sums[$0] < sums[$1] : $0 < $1 }
    }

    /// `(z ⊙ mask · D + b) / s` with the given latents set to zero.
    func decode(dropping dropped: [Int]) throws -> Matrix {
      var keep = [Bool](repeating: true, count: codes.width)
      for j in dropped { keep[j] = false }
      let values = codes.values.indices.map { keep[Int(codes.indices[$0])] ? codes.values[$0] : 0 }
      var out = Matrix(rows: codes.rows, cols: dictionary.cols)
      SparseKernels.decode(codes, values: values, weights: dictionary, bias: bias, into: &out)
      return inputScale == 1 ? out : out.scaled(by: 1 / inputScale)
    }
  }
}
