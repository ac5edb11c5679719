/// Sparse coding over a dictionary of unit-norm atoms: the ITDA encoder.
///
/// **Matching pursuit** (default; papers-2.md §2a "Encoder", the reference
/// code's `mp_encode`, paper §3.2). The input is the raw activation (no
/// centring, no bias):
///
/// ```
/// r ← x ;  c ← 0 ∈ R^m
/// repeat L0 times:
///     corr ← r·Dᵀ                     correlations with the unit atoms
///     j    ← argmax_j |corr_j|        first index on ties (PyTorch argmax)
///     c_j  ← c_j + corr_j             an atom may be chosen again: it accumulates
///     r    ← r − corr_j·D_j
/// decode:  x̂ = c·D
/// ```
/// Coefficients are signed. A token whose best correlation is exactly 0 stops
/// early (the reference would keep adding 0, which changes nothing).
///
/// **Orthogonal matching pursuit** (`.orthogonal`; Alg. 1 of the paper says
/// "OMP", the older `ito.py` used batched OMP via least squares, §2a/§2e):
/// the same selection (atoms already in the support are excluded), then the
/// coefficients are the least-squares fit of `x` on the support, by an
/// incrementally updated Cholesky factor of the support's Gram matrix.
///
/// ## Cost
/// Tokens are processed in blocks. MP uses one of two residual updates:
/// - **Gram** (when `m²·4 ≤ gramLimitBytes` and `m ≤ N·L0`): `corr = X·Dᵀ`
///   once per block (one `sgemm`), then `corr ← corr − c_j·G[j, :]` with
///   `G = D·Dᵀ`: `O(m)` per token and step, fused with the next argmax;
/// - **products**: `corr = R·Dᵀ` by one `sgemm` per block and step (the
///   reference's scheme), `r ← r − c_j·D_j` per token.
///
/// OMP always uses products. ``prepare(atoms:)`` computes `G` once for many
/// batches. Per-token work runs in parallel
/// (`Parallel.forEachChunk`), so results do not depend on the core count.
public struct MatchingPursuit: Sendable, Equatable {
  /// The pursuit algorithm.
  public enum Algorithm: String, Sendable, CaseIterable {
    /// Plain matching pursuit (the reference code, and ITDA's default).
    case matchingPursuit = "mp"
    /// Orthogonal matching pursuit (least-squares coefficients on the support).
    case orthogonal = "omp"
  }

  /// The number of pursuit steps `L0` (the reference's `k`, default 40).
  public var l0: Int
  public var algorithm: Algorithm
  /// The largest `G = D·Dᵀ` (in bytes) that MP may hold; above it MP uses products.
  public var gramLimitBytes: Int

  public init(l0: Int = 40, algorithm: Algorithm = .matchingPursuit, gramLimitBytes: Int = 2 << 30) {
    self.l0 = l0
    self.algorithm = algorithm
    self.gramLimitBytes = gramLimitBytes
  }

  /// Codes and reconstructions of a batch.
  public struct Result: Sendable, Equatable {
    /// `c (N × m)`: per token, its distinct atoms in ascending index order with
    /// their summed coefficients (at most `L0` entries).
    public let codes: SparseCodes
    /// `x̂ = c·D`, `(N × d)`.
    public let reconstruction: Matrix
  }

  /// The codes of `x (N × d)` over `atoms (m × d)` (unit-norm rows, or zero rows).
  public func encode(_ x: Matrix, atoms: Matrix) throws -> SparseCodes {
    try run(x, atoms: atoms).codes
  }

  /// Codes and reconstructions of `x (N × d)` over `atoms (m × d)`.
  /// - Throws: on a shape mismatch, `L0 < 0`, non-finite input, or atoms that
  ///   are neither unit-norm nor zero (`|‖D_j‖² − 1| > 10⁻³`).
  public func run(_ x: Matrix, atoms: Matrix) throws -> Result {
    try validate(x, atoms: atoms)
    let m = atoms.rows
    // (x.rows · L0 may overflow an Int for a huge L0: then it is certainly ≥ m.)
    let (steps, overflow) = x.rows.multipliedReportingOverflow(by: l0)
    let useGram = algorithm == .matchingPursuit && m > 0 && (overflow || m <= steps)
      && GramMatrix.bytes(atoms: m) <= gramLimitBytes
    return try pursue(x, atoms: atoms, gram: useGram ? GramMatrix(atoms: atoms) : nil)
  }

  /// Checks `atoms` once and, for MP within ``gramLimitBytes``, computes
  /// `G = D·Dᵀ` once, for encoding many batches with the same dictionary.
  public func prepare(atoms: Matrix) throws -> Prepared {
    try validate(Matrix(rows: 0, cols: atoms.cols), atoms: atoms)
    let useGram = algorithm == .matchingPursuit && atoms.rows > 0
      && GramMatrix.bytes(atoms: atoms.rows) <= gramLimitBytes
    return Prepared(pursuit: self, atoms: atoms, gram: useGram ? GramMatrix(atoms: atoms) : nil)
  }

  /// A pursuit bound to one dictionary (see ``prepare(atoms:)``).
  public struct Prepared: Sendable {
    public let pursuit: MatchingPursuit
    public let atoms: Matrix
    let gram: GramMatrix?

    /// Codes and reconstructions of `x (N × d)`, as ``MatchingPursuit/run(_:atoms:)``.
    public func run(_ x: Matrix) throws -> Result {
      guard x.cols == atoms.cols else {
        throw SAEKitError.shapeMismatch(operation: "matching pursuit (inputs vs atoms D (m × d))", lhs: x.shape, rhs: atoms.shape)
      }
      guard x.isFinite else { throw SAEKitError.nonFinite("matching pursuit inputs contain NaN or infinity") }
      return try pursuit.pursue(x, atoms: atoms, gram: gram)
    }
  }

  /// `x̂ = c·D` for codes over `atoms (m × d)`.
  public static func decode(_ codes: SparseCodes, atoms: Matrix) throws -> Matrix {
    guard codes.width == atoms.rows else {
      throw SAEKitError.shapeMismatch(
        operation: "decode c·D (code width vs atoms)", lhs: Shape(codes.rows, codes.width), rhs: atoms.shape)
    }
    var out = Matrix(rows: codes.rows, cols: atoms.cols)
    SparseKernels.decode(codes, weights: atoms, bias: [], into: &out)
    return out
  }

  func validate(_ x: Matrix, atoms: Matrix) throws {
    guard x.cols == atoms.cols else {
      throw SAEKitError.shapeMismatch(operation: "matching pursuit (inputs vs atoms D (m × d))", lhs: x.shape, rhs: atoms.shape)
    }
    try require(l0 >= 0, "matching pursuit needs L0 ≥ 0, got \(l0)")
    try require(x.cols >= 1, "matching pursuit needs a dimension d ≥ 1")
    guard x.isFinite, atoms.isFinite else { throw SAEKitError.nonFinite("matching pursuit inputs contain NaN or infinity") }
    for (j, s) in atoms.rowSquaredNorms().enumerated() where s != 0 && abs(s - 1) > 1e-3 {
      throw SAEKitError.invalidArgument("matching pursuit needs unit-norm atoms; atom \(j) has norm \(s.squareRoot())")
    }
  }

  /// The pursuit proper; `gram`, when given, must be `D·Dᵀ` of exactly `atoms`.
  func pursue(_ x: Matrix, atoms: Matrix, gram: GramMatrix?) throws -> Result {
    let n = x.rows, d = x.cols, m = atoms.rows, k = l0
    precondition(gram == nil || gram!.count == m, "Gram matrix is out of date with the atoms")
    // The codes (an index and a value per token and step) grow with the batch and L0.
    try requireAllocatable(
      "matching-pursuit codes of \(n) tokens with L0 = \(k)", [(n, k), (n, k), (n, d)], sizes: [("l0", k), ("batch", n)])
    var indices = [Int32](repeating: 0, count: n * k)
    var values = [Float](repeating: 0, count: n * k)
    var counts = [Int](repeating: 0, count: n)
    var reconstruction = Matrix(rows: n, cols: d)
    if m > 0 && k > 0 && n > 0 {
      // Correlations ≤ 64 MiB for MP; OMP also holds L0² Doubles per token (none past L0 = 2896, where k·k > 2²³).
      let block = algorithm == .orthogonal
        ? max(1, min(1024, (1 << 23) / m, k > 2896 ? 0 : (1 << 23) / (k * k))) : max(64, min(4096, (1 << 24) / m))
      var correlations = [Float](repeating: 0, count: min(block, n) * m)
      let needsResidual = gram == nil || algorithm == .orthogonal
      var residual = [Float](repeating: 0, count: needsResidual ? min(block, n) * d : 0)
      x.storage.withUnsafeBufferPointer { xb in
      atoms.storage.withUnsafeBufferPointer { ab in
      indices.withUnsafeMutableBufferPointer { ib in
      values.withUnsafeMutableBufferPointer { vb in
      counts.withUnsafeMutableBufferPointer { cb in
      correlations.withUnsafeMutableBufferPointer { corr in
      residual.withUnsafeMutableBufferPointer { rb in
        let out = PursuitOutput(
          atoms: ab.baseAddress!, m: m, d: d, l0: k,
          indices: ib.baseAddress!, values: vb.baseAddress!, counts: cb.baseAddress!)
        var start = 0
        while start < n {
          let rows = min(block, n - start)
          let xs = xb.baseAddress! + start * d
          switch (algorithm, gram) {
          case (.matchingPursuit, .some(let g)):
            g.storage.withUnsafeBufferPointer { gb in
              PursuitKernels.gramBlock(
                xs, rows: rows, gram: gb.baseAddress!, ld: g.stride, correlations: corr.baseAddress!,
                out: out, firstToken: start)
            }
          case (.matchingPursuit, .none):
            PursuitKernels.productBlock(
              xs, rows: rows, residual: rb.baseAddress!, correlations: corr.baseAddress!, out: out, firstToken: start)
          case (.orthogonal, _):
            PursuitKernels.orthogonalBlock(
              xs, rows: rows, residual: rb.baseAddress!, correlations: corr.baseAddress!, out: out, firstToken: start)
          }
          start += rows
        }
      }}}}}}}
      PursuitKernels.finish(
        indices: &indices, values: &values, counts: &counts, l0: k, atoms: atoms, reconstruction: &reconstruction)
    }
    let codes = SparseCodes.compacted(rows: n, width: m, stride: k, counts: counts, indices: indices, values: values)
    return Result(codes: codes, reconstruction: reconstruction)
  }
}

/// Where the pursuit kernels write: token `t`'s support lives at
/// `indices/values[t·l0 ..< t·l0 + counts[t]]`.
struct PursuitOutput {
  let atoms: UnsafePointer<Float>
  let m: Int
  let d: Int
  let l0: Int
  let indices: UnsafeMutablePointer<Int32>
  let values: UnsafeMutablePointer<Float>
  let counts: UnsafeMutablePointer<Int>
}
