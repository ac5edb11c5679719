/// Inference-time sparse coding with a fixed dictionary by gradient pursuit,
/// exactly as Dark Matter's `encoder_pursuit.py` (papers-1.md §1a "Gradient
/// pursuit", §6.1 of the paper; §1f(ii)6):
///
/// ```
/// per token:  D (F × d) dictionary (the SAE's decoder rows), s the signal,
///             target sparsity L = that token's own SAE L0, w = 0, S = ∅
/// repeat L times:
///   r    = s − w·D                     residual
///   g    = r·Dᵀ                        inner products with every atom
///   S    = S ∪ {argmax_i g_i}          signed argmax (not |g|); ties → lowest index
///   grad = g ⊙ 1[S]
///   c    = grad·D
///   η    = ⟨c, r⟩ / ⟨c, c⟩             exact line search along c
///   w    = max(0, w + η·grad)          non-negative clamp
/// reconstruction = w·D (+ b_dec for an SAE)
/// ```
/// `|S| ≤ L` since each iteration adds at most one atom (an argmax already in
/// `S` adds none). `⟨c, r⟩ = Σ_{i∈S} g_i² ≥ 0`, so `η ≥ 0`; before the clamp
/// the step is an exact line search and cannot raise `‖r‖²`. The clamp (the
/// reference code's) is not covered by that argument; on random dictionaries
/// and signed signals — including cases where the clamp fires — no increase
/// beyond Float rounding was seen, and the tests check the recorded history.
///
/// Cost: `2·N·L·F·d` FLOPs in `sgemm` (`L` the largest sparsity) plus
/// `O(N·L·(F + L·d))` per-token work; correlations are held for one block of
/// at most `max(16, min(1024, 2²³ / F))` tokens at a time.
///
/// Batched: tokens are processed in blocks; each iteration computes the block's
/// correlations `G = R·Dᵀ` with one `sgemm`, then updates every token of the
/// block in parallel (`Parallel.forEachChunk`, level-1 BLAS on `d`-vectors).
/// Tokens whose L0 is already reached are left unchanged.
public enum GradientPursuit {
  /// The outcome of a pursuit over `N` tokens.
  public struct Result: Sendable, Equatable {
    /// `w (N × F)`: each row stores its whole support `S` (ascending order of
    /// selection), including weights the clamp set to 0; `l0(row:)` counts `≠ 0`.
    public let codes: SparseCodes
    /// `w·D` (+ bias for an SAE), `(N × d)`, in the units of the input.
    public let reconstructions: Matrix
    /// `|S|` per token.
    public let supportSizes: [Int]
    /// Per token, `‖s − ŵD‖²` before the first iteration and after each of
    /// the `L` iterations (`L + 1` values, input units), when recorded.
    public let squaredErrorHistory: [[Double]]?
  }

  /// Runs the pursuit on raw signals `s (N × d)` with dictionary `D (F × d)`.
  /// - Parameters:
  ///   - sparsity: `L_t ≥ 0` per token (the number of iterations).
  ///   - recordHistory: keep `‖r‖²` after every iteration.
  /// - Throws: on shape mismatches or a negative sparsity.
  public static func run(signals: Matrix, dictionary: Matrix, sparsity: [Int], recordHistory: Bool = false) throws -> Result {
    guard signals.cols == dictionary.cols else {
      throw SAEKitError.shapeMismatch(operation: "gradient pursuit (signals vs dictionary D (F × d))", lhs: signals.shape, rhs: dictionary.shape)
    }
    try require(sparsity.count == signals.rows, "gradient pursuit: \(sparsity.count) sparsities for \(signals.rows) tokens")
    try require(sparsity.allSatisfy { $0 >= 0 }, "gradient pursuit: sparsities must be ≥ 0")
    try require(dictionary.rows >= 1, "gradient pursuit needs a non-empty dictionary")
    guard signals.isFinite, dictionary.isFinite else {
      throw SAEKitError.nonFinite("gradient pursuit inputs contain NaN or infinity")
    }
    let n = signals.rows, d = signals.cols, f = dictionary.rows
    let block = max(16, min(1024, (8 << 20) / f))
    var state = PursuitState(tokens: n, capacity: sparsity.max() ?? 0, record: recordHistory)
    var out = Matrix(rows: n, cols: d)
    var start = 0
    while start < n {
      let rows = start..<min(n, start + block)
      let part = try pursueBlock(
        signals.rows(rows), dictionary: dictionary, sparsity: Array(sparsity[rows]), firstToken: start, state: &state)
      out.storage.replaceSubrange((rows.lowerBound * d)..<(rows.upperBound * d), with: part.storage)
      start = rows.upperBound
    }
    return Result(
      codes: state.codes(width: f), reconstructions: out, supportSizes: state.counts,
      squaredErrorHistory: recordHistory ? state.history : nil)
  }

  /// Pursuit with an SAE's decoder as the dictionary at each token's own L0
  /// (`#{i : z_i ≠ 0}` of `sae.encode(x)`, papers-1.md §0), on the signal
  /// `s = σ·x − b_dec` in the SAE's scaled units (`σ` = ``SparseAutoencoder/inputScale``);
  /// the reconstruction `(w·W_dec + b_dec)/σ` is returned in input units.
  /// - Parameter sparsity: per-token L0 to use instead of the SAE's own.
  /// - Throws: on shape mismatches.
  public static func reconstruct(
    _ x: Matrix, sae: SparseAutoencoder, sparsity: [Int]? = nil, recordHistory: Bool = false
  ) throws -> Result {
    try sae.requireWeightsInMemory(for: "gradient pursuit over an SAE's decoder")
    let l0 = try sparsity ?? ReconstructionMetrics.l0(sae.encode(x))
    var signals = x.scaled(by: sae.inputScale)
    try signals.addRowVector(sae.decoderBias, scale: -1)
    let raw = try run(signals: signals, dictionary: sae.decoderWeights, sparsity: l0, recordHistory: recordHistory)
    var recon = try raw.reconstructions.addingRowVector(sae.decoderBias)
    if sae.inputScale != 1 { recon = recon.scaled(by: 1 / sae.inputScale) }
    let unit = 1 / (Double(sae.inputScale) * Double(sae.inputScale))
    return Result(
      codes: raw.codes, reconstructions: recon, supportSizes: raw.supportSizes,
      squaredErrorHistory: raw.squaredErrorHistory?.map { $0.map { $0 * unit } })
  }

  /// All iterations for one block of tokens; returns the block's `w·D`.
  private static func pursueBlock(
    _ s: Matrix, dictionary: Matrix, sparsity: [Int], firstToken: Int, state: inout PursuitState
  ) throws -> Matrix {
    let b = s.rows, d = s.cols, f = dictionary.rows
    state.begin(signals: s, sparsity: sparsity, firstToken: firstToken)
    var residual = s
    var correlations = Matrix(rows: b, cols: f)
    for t in 0..<(sparsity.max() ?? 0) {
      // G = R·Dᵀ, one multi-threaded GEMM for the whole block.
      residual.storage.withUnsafeBufferPointer { rb in
        dictionary.storage.withUnsafeBufferPointer { db in
          correlations.storage.withUnsafeMutableBufferPointer { gb in
            BLAS.gemm(
              transposeA: false, transposeB: true, m: b, n: f, k: d, alpha: 1, a: rb.baseAddress!, lda: d,
              b: db.baseAddress!, ldb: d, beta: 0, c: gb.baseAddress!, ldc: f)
          }
        }
      }
      state.step(
        iteration: t, signals: s, residual: &residual, correlations: correlations, dictionary: dictionary,
        sparsity: sparsity, firstToken: firstToken)
    }
    return try s.subtracting(residual)
  }
}
