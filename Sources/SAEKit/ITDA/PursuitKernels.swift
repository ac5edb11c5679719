/// The block kernels of ``MatchingPursuit`` (papers-2.md §2a). Each handles
/// `rows` tokens starting at `x`, writes supports and coefficients to `out`,
/// and parallelises per-token work with `Parallel.forEachRange` (level-1 BLAS
/// on `d`-vectors only). The correlations `corr = X·Dᵀ` or `R·Dᵀ` are one
/// ``Matrix/blockedGemm`` each, split over the workers in fixed row blocks.
enum PursuitKernels {
  /// MP with the Gram-matrix update: `corr = X·Dᵀ`, then per
  /// token and step `j = argmax |corr|`, `c_j += corr_j`,
  /// `corr ← corr − corr_j·G[j, :]` (`G[j, j] = 1` zeroes `corr_j`).
  static func gramBlock(
    _ x: UnsafePointer<Float>, rows b: Int, gram: UnsafePointer<Float>, ld: Int,
    correlations corr: UnsafeMutablePointer<Float>, out: PursuitOutput, firstToken: Int
  ) {
    let (m, d, k) = (out.m, out.d, out.l0)
    Matrix.blockedGemm(transposeB: true, m: b, n: m, k: d, a: x, lda: d, b: out.atoms, ldb: d, c: corr, ldc: m)
    Parallel.forEachRange(count: b) { rows in
      for t in rows {
        let c = corr + t * m, token = firstToken + t
        let ip = out.indices + token * k, vp = out.values + token * k
        var count = 0
        var j = ArgmaxMagnitude.first(c, m)
        while count < k {
          let a = c[j]
          if a == 0 { break }
          ip[count] = Int32(j)
          vp[count] = a
          count += 1
          if count == k { break }
          j = ArgmaxMagnitude.subtractScaledAndFind(c, a, gram + j * ld, m)
        }
        out.counts[token] = count
      }
    }
  }

  /// MP with products, as the reference: per step `corr = R·Dᵀ`,
  /// then per token `j = argmax |corr|`, `c_j += corr_j`, `r ← r − corr_j·D_j`.
  static func productBlock(
    _ x: UnsafePointer<Float>, rows b: Int, residual r: UnsafeMutablePointer<Float>,
    correlations corr: UnsafeMutablePointer<Float>, out: PursuitOutput, firstToken: Int
  ) {
    let (m, d, k) = (out.m, out.d, out.l0)
    r.update(from: x, count: b * d)
    let active = UnsafeMutablePointer<Bool>.allocate(capacity: b)
    defer { active.deallocate() }
    active.initialize(repeating: true, count: b)
    for _ in 0..<k {
      Matrix.blockedGemm(transposeB: true, m: b, n: m, k: d, a: r, lda: d, b: out.atoms, ldb: d, c: corr, ldc: m)
      Parallel.forEachRange(count: b) { rows in
        for t in rows where active[t] {
          let c = corr + t * m, token = firstToken + t
          let j = ArgmaxMagnitude.first(c, m)
          let a = c[j]
          if a == 0 { active[t] = false; continue }
          let count = out.counts[token]
          out.indices[token * k + count] = Int32(j)
          out.values[token * k + count] = a
          out.counts[token] = count + 1
          BLAS.axpy(d, -a, out.atoms + j * d, r + t * d)
        }
      }
      if !(0..<b).contains(where: { active[$0] }) { break }
    }
  }

  /// OMP: per step `corr = R·Dᵀ`; per token the best atom not yet
  /// in the support `S` joins it, the Cholesky factor `L` of `G_SS = D_S·D_Sᵀ`
  /// gains a row, `c_S = G_SS⁻¹·(D_S·x)` (two triangular solves, Double), and
  /// `r = x − c_S·D_S`. A token stops when its best correlation is 0 or the new
  /// atom is (numerically) in the span of the support.
  static func orthogonalBlock(
    _ x: UnsafePointer<Float>, rows b: Int, residual r: UnsafeMutablePointer<Float>,
    correlations corr: UnsafeMutablePointer<Float>, out: PursuitOutput, firstToken: Int
  ) {
    let (m, d, k) = (out.m, out.d, out.l0)
    r.update(from: x, count: b * d)
    let active = UnsafeMutablePointer<Bool>.allocate(capacity: b)
    let factor = UnsafeMutablePointer<Double>.allocate(capacity: b * k * k)
    let rhs = UnsafeMutablePointer<Double>.allocate(capacity: b * k)
    defer { active.deallocate(); factor.deallocate(); rhs.deallocate() }
    active.initialize(repeating: true, count: b)
    for _ in 0..<k {
      Matrix.blockedGemm(transposeB: true, m: b, n: m, k: d, a: r, lda: d, b: out.atoms, ldb: d, c: corr, ldc: m)
      Parallel.forEachRange(count: b) { rows in
        var w = [Double](repeating: 0, count: k)
        for t in rows where active[t] {
          let c = corr + t * m, token = firstToken + t
          let support = out.indices + token * k, coef = out.values + token * k
          let s = out.counts[token]
          for q in 0..<s { c[Int(support[q])] = 0 }
          let j = ArgmaxMagnitude.first(c, m)
          let atom = out.atoms + j * d
          let norm2 = Double(BLAS.dot(d, atom, atom))
          if c[j] == 0 || norm2 == 0 { active[t] = false; continue }
          // New row of L: solve L·w = D_S·D_j, then L_ss = sqrt(‖D_j‖² − ‖w‖²).
          let l = factor + t * k * k, y = rhs + t * k
          var diagonal = norm2
          for q in 0..<s {
            var v = Double(BLAS.dot(d, out.atoms + Int(support[q]) * d, atom))
            for p in 0..<q { v -= l[q * k + p] * w[p] }
            w[q] = v / l[q * k + q]
            diagonal -= w[q] * w[q]
          }
          if diagonal <= 1e-10 * norm2 { active[t] = false; continue }
          for q in 0..<s { l[s * k + q] = w[q] }
          l[s * k + s] = diagonal.squareRoot()
          y[s] = Double(BLAS.dot(d, x + t * d, atom))
          support[s] = Int32(j)
          out.counts[token] = s + 1
          // c = L⁻ᵀ·L⁻¹·y, then r = x − Σ c_q·D_q.
          for q in 0...s {
            var v = y[q]
            for p in 0..<q { v -= l[q * k + p] * w[p] }
            w[q] = v / l[q * k + q]
          }
          for q in stride(from: s, through: 0, by: -1) {
            var v = w[q]
            for p in (q + 1)..<(s + 1) { v -= l[p * k + q] * w[p] }
            w[q] = v / l[q * k + q]
          }
          let rt = r + t * d
          rt.update(from: x + t * d, count: d)
          for q in 0...s {
            coef[q] = Float(w[q])
            BLAS.axpy(d, -coef[q], out.atoms + Int(support[q]) * d, rt)
          }
        }
      }
      if !(0..<b).contains(where: { active[$0] }) { break }
    }
  }

  /// Per token: sorts the support by atom index, merges repeated atoms (MP may
  /// pick one again; their coefficients add), and writes `x̂ = Σ c_j·D_j`.
  static func finish(
    indices: inout [Int32], values: inout [Float], counts: inout [Int], l0 k: Int, atoms: Matrix,
    reconstruction: inout Matrix
  ) {
    let d = atoms.cols, n = counts.count
    indices.withUnsafeMutableBufferPointer { ib in
    values.withUnsafeMutableBufferPointer { vb in
    counts.withUnsafeMutableBufferPointer { cb in
    atoms.storage.withUnsafeBufferPointer { ab in
    reconstruction.storage.withUnsafeMutableBufferPointer { ob in
      let (ip, vp, cp, ap, op) = (ib.baseAddress!, vb.baseAddress!, cb.baseAddress!, ab.baseAddress!, ob.baseAddress!)
      Parallel.forEachRange(count: n) { rows in
        for t in rows {
          let idx = ip + t * k, val = vp + t * k
          var count = cp[t]
          // Insertion sort by index (count ≤ L0), then merge equal indices.
          for a in 1..<max(count, 1) {
            let (ki, kv) = (idx[a], val[a])
            var b = a - 1
            while b >= 0 && idx[b] > ki {
              idx[b + 1] = idx[b]; val[b + 1] = val[b]; b -= 1
            }
            idx[b + 1] = ki; val[b + 1] = kv
          }
          var merged = 0
          for e in 0..<count {
            if merged > 0 && idx[merged - 1] == idx[e] {
              val[merged - 1] += val[e]
            } else {
              idx[merged] = idx[e]; val[merged] = val[e]; merged += 1
            }
          }
          count = merged
          cp[t] = count
          let o = op + t * d
          for e in 0..<count where val[e] != 0 { BLAS.axpy(d, val[e], ap + Int(idx[e]) * d, o) }
        }
      }
    }}}}}
  }
}
