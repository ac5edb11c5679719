import CBLAS

/// Thin, typed wrappers over OpenBLAS (CBLAS) and LAPACKE.
///
/// This is the only file in the project that imports `CBLAS`. Everything here
/// works on raw buffers; shape checking lives one level up (`Matrix+Products`,
/// `LeastSquares`, `SymmetricEigen`).
///
/// OpenBLAS runs single-threaded in SAEKit: its thread count is one global
/// setting, its results differ in the last bits between thread counts, and its
/// idle worker threads spin while our own workers run. SAEKit splits large
/// products over cores itself (`Parallel`), so results do not depend on the
/// machine or on what else runs concurrently. Only a caller that sets
/// ``threads`` (the benchmark's sgemm probe) changes this.
public enum BLAS {
  /// Sets OpenBLAS to one thread, once, before SAEKit's first BLAS call.
  static let singleThreaded: Void = { openblas_set_num_threads(1) }()

  /// The number of threads OpenBLAS uses for one call.
  public static var threads: Int {
    get { _ = singleThreaded; return Int(openblas_get_num_threads()) }
    set { _ = singleThreaded; openblas_set_num_threads(Int32(max(1, newValue))) }
  }

  /// OpenBLAS's build configuration and the kernel family it chose for this
  /// CPU, e.g. `"OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64"`.
  public static var configuration: String {
    guard let config = openblas_get_config() else { return "OpenBLAS (unknown configuration)" }
    return String(cString: config)
  }

  /// Runs `body` with OpenBLAS limited to `count` threads, then restores the
  /// previous setting. Use it around `concurrentPerform` regions whose workers
  /// call BLAS, so BLAS threads do not oversubscribe the cores.
  public static func withThreads<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
    let saved = threads
    if saved == max(1, count) { return try body() }  // nothing to change (the usual case: one thread)
    threads = count
    defer { threads = saved }
    return try body()
  }

  /// `C ← α·op(A)·op(B) + β·C` for row-major single-precision buffers.
  ///
  /// `op(A)` is `(m × k)`, `op(B)` is `(k × n)`, `C` is `(m × n)`.
  /// - Complexity: 2·m·n·k floating-point operations.
  @inline(__always)
  public static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    _ = singleThreaded
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
      transposeB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// Double-precision `C ← α·op(A)·op(B) + β·C` (row-major).
  @inline(__always)
  public static func dgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Double, a: UnsafePointer<Double>, lda: Int,
    b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    _ = singleThreaded
    cblas_dgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
      transposeB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// `Σ x[i]·y[i]` over `n` contiguous elements.
  @inline(__always)
  public static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
    cblas_sdot(Int32(n), x, 1, y, 1)
  }

  /// `x ← α·x` over `n` contiguous elements.
  @inline(__always)
  public static func scale(_ n: Int, _ alpha: Float, _ x: UnsafeMutablePointer<Float>) {
    cblas_sscal(Int32(n), alpha, x, 1)
  }

  /// `y ← α·x + y` over `n` contiguous elements.
  @inline(__always)
  public static func axpy(_ n: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    cblas_saxpy(Int32(n), alpha, x, 1, y, 1)
  }
}

/// Wrappers over the LAPACKE routines SAEKit uses, all in double precision and
/// row-major layout. They return LAPACK's `info`; callers turn it into errors.
public enum LAPACK {
  /// Least squares `min ‖A·X − B‖` by QR (`dgels`). `a` is `(m × n)`, `b` is
  /// `(max(m, n) × nrhs)`; on return the first `n` rows of `b` hold `X`.
  public static func gels(
    m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int,
    b: UnsafeMutablePointer<Double>, ldb: Int
  ) -> Int {
    _ = BLAS.singleThreaded
    return Int(LAPACKE_dgels(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), Int32(m), Int32(n), Int32(nrhs),
                      a, Int32(lda), b, Int32(ldb)))
  }

  /// Solves `A·X = B` for a symmetric positive-definite `(n × n)` `A` by Cholesky (`dposv`,
  /// upper triangle); `b` is `(n × nrhs)` and holds `X` on return. `info > 0`: `A` is not
  /// positive definite.
  public static func posv(n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                          b: UnsafeMutablePointer<Double>, ldb: Int) -> Int {
    _ = BLAS.singleThreaded
    return Int(LAPACKE_dposv(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), Int32(n), Int32(nrhs), a, Int32(lda),
                             b, Int32(ldb)))
  }

  /// Cholesky factorisation `A = UᵀU` of a symmetric positive-definite `(n × n)` matrix
  /// (`dpotrf`, upper triangle, in place). `info > 0`: not positive definite.
  public static func potrf(n: Int, a: UnsafeMutablePointer<Double>, lda: Int) -> Int {
    _ = BLAS.singleThreaded
    return Int(LAPACKE_dpotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), Int32(n), a, Int32(lda)))
  }

  /// Solves `A·X = B` with the factor from ``potrf(n:a:lda:)``; `b` is `(n × nrhs)`.
  public static func potrs(n: Int, nrhs: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafeMutablePointer<Double>, ldb: Int) -> Int {
    _ = BLAS.singleThreaded
    return Int(LAPACKE_dpotrs(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), Int32(n), Int32(nrhs), a, Int32(lda), b, Int32(ldb)))
  }

  /// The reciprocal condition number (1-norm) of `A` from its Cholesky factor and `‖A‖₁` (`dpocon`).
  public static func pocon(n: Int, a: UnsafePointer<Double>, lda: Int, norm: Double) -> Double {
    _ = BLAS.singleThreaded
    var rcond = 0.0
    _ = LAPACKE_dpocon(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), Int32(n), a, Int32(lda), norm, &rcond)
    return rcond
  }

  /// Eigen-decomposition of a symmetric `(n × n)` matrix (`dsyevd`, upper
  /// triangle). On return `a` holds eigenvectors as columns and `w` the
  /// eigenvalues in ascending order.
  public static func syevd(n: Int, a: UnsafeMutablePointer<Double>, lda: Int, w: UnsafeMutablePointer<Double>) -> Int {
    _ = BLAS.singleThreaded
    return Int(LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
                       Int32(n), a, Int32(lda), w))
  }

  /// Thin singular value decomposition `A = U·diag(s)·Vᵀ` (`dgesdd`, job "S").
  /// `a` is `(m × n)`; `u` is `(m × min)`, `s` has `min` entries in descending
  /// order, `vt` is `(min × n)`.
  public static func gesdd(
    m: Int, n: Int, a: UnsafeMutablePointer<Double>, lda: Int, s: UnsafeMutablePointer<Double>,
    u: UnsafeMutablePointer<Double>, ldu: Int, vt: UnsafeMutablePointer<Double>, ldvt: Int
  ) -> Int {
    _ = BLAS.singleThreaded
    return Int(LAPACKE_dgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), Int32(m), Int32(n), a, Int32(lda),
                       s, u, Int32(ldu), vt, Int32(ldvt)))
  }
}
