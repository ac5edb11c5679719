import CVectorKernels

/// `argmax_i |p[i]|` with the first index on ties (PyTorch's `argmax`, which
/// the reference `mp_encode` uses; papers-2.md §2a). One pass finds the
/// largest magnitude with four independent running maxima (written as selects,
/// which the optimiser turns into packed `maxps`; measured faster here than
/// Swift's `SIMD` types on the baseline x86-64 target), a second pass with an
/// early exit finds the first index holding it. Inputs are finite (the callers
/// validate them); an all-zero row gives index 0, as in PyTorch.
///
/// On CPUs with AVX-512 or AVX2 (``kernelsAvailable``) both scans run in the C
/// kernels of `pursuit_scan.c`, 16 or 8 lanes wide, with the same results: the
/// update rounds the product and then the difference, as here, and a maximum does
/// not depend on the order it is taken in. The Swift loops serve every other CPU
/// and are the kernels' reference in the tests.
enum ArgmaxMagnitude {
  /// Whether this CPU runs the C scans vectorised (AVX-512 or AVX2).
  static let kernelsAvailable = VectorKernels.bits > 0

  /// The first index of the largest `|p[i]|`, `0 ≤ i < n` (`n ≥ 1`).
  @inline(__always)
  static func first(_ p: UnsafePointer<Float>, _ n: Int, kernels: Bool = kernelsAvailable) -> Int {
    if kernels { return sae_argmax_magnitude(p, n) }
    return firstIndex(p, n, ofMagnitude: largestMagnitude(p, n))
  }

  /// `max_i |p[i]|`.
  @inline(__always)
  static func largestMagnitude(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var m0: Float = 0, m1: Float = 0, m2: Float = 0, m3: Float = 0
    var i = 0
    while i + 4 <= n {
      let a0 = abs(p[i]), a1 = abs(p[i + 1]), a2 = abs(p[i + 2]), a3 = abs(p[i + 3])
      m0 = a0 > m0 ? a0 : m0
      m1 = a1 > m1 ? a1 : m1
      m2 = a2 > m2 ? a2 : m2
      m3 = a3 > m3 ? a3 : m3
      i += 4
    }
    while i < n {
      let a = abs(p[i])
      m0 = a > m0 ? a : m0
      i += 1
    }
    return max(max(m0, m1), max(m2, m3))
  }

  /// The first `i` with `|p[i]| == magnitude`, or 0 when there is none.
  @inline(__always)
  static func firstIndex(_ p: UnsafePointer<Float>, _ n: Int, ofMagnitude magnitude: Float) -> Int {
    for i in 0..<n where abs(p[i]) == magnitude { return i }
    return 0
  }

  /// `c ← c − a·g` over `n` entries, then the first index of the largest
  /// `|c[i]|`: MP's Gram-matrix correlation update fused with the next argmax.
  @inline(__always)
  static func subtractScaledAndFind(
    _ c: UnsafeMutablePointer<Float>, _ a: Float, _ g: UnsafePointer<Float>, _ n: Int, kernels: Bool = kernelsAvailable
  ) -> Int {
    if kernels { return sae_subtract_scaled_argmax(c, a, g, n) }
    var m0: Float = 0, m1: Float = 0, m2: Float = 0, m3: Float = 0
    var i = 0
    while i + 4 <= n {
      c[i] -= a * g[i]
      c[i + 1] -= a * g[i + 1]
      c[i + 2] -= a * g[i + 2]
      c[i + 3] -= a * g[i + 3]
      let a0 = abs(c[i]), a1 = abs(c[i + 1]), a2 = abs(c[i + 2]), a3 = abs(c[i + 3])
      m0 = a0 > m0 ? a0 : m0
      m1 = a1 > m1 ? a1 : m1
      m2 = a2 > m2 ? a2 : m2
      m3 = a3 > m3 ? a3 : m3
      i += 4
    }
    while i < n {
      c[i] -= a * g[i]
      let a0 = abs(c[i])
      m0 = a0 > m0 ? a0 : m0
      i += 1
    }
    return firstIndex(UnsafePointer(c), n, ofMagnitude: max(max(m0, m1), max(m2, m3)))
  }
}
