/// Per-token supports, weights and error history of a running
/// ``GradientPursuit``; token `t`'s support lives at `t·L ..< t·L + counts[t]`
/// of the flat arrays (`L` = the largest sparsity).
struct PursuitState {
  let capacity: Int
  let record: Bool
  var indices: [Int32]
  var weights: [Float]
  var counts: [Int]
  /// `N × (L + 1)` squared residual norms, when recorded.
  var historyFlat: [Double]
  var sparsity: [Int]

  init(tokens n: Int, capacity: Int, record: Bool) {
    self.capacity = capacity
    self.record = record
    indices = [Int32](repeating: 0, count: n * capacity)
    weights = [Float](repeating: 0, count: n * capacity)
    counts = [Int](repeating: 0, count: n)
    historyFlat = record ? [Double](repeating: 0, count: n * (capacity + 1)) : []
    sparsity = [Int](repeating: 0, count: n)
  }

  /// Records each token's sparsity and initial `‖s‖²` at the start of its block.
  mutating func begin(signals s: Matrix, sparsity block: [Int], firstToken: Int) {
    for (i, l) in block.enumerated() { sparsity[firstToken + i] = l }
    guard record else { return }
    let norms = s.rowSquaredNorms()
    for i in 0..<s.rows { historyFlat[(firstToken + i) * (capacity + 1)] = norms[i] }
  }

  /// Iteration `t` for every token of a block whose sparsity exceeds `t`
  /// (see ``GradientPursuit`` for the update), in parallel over tokens.
  mutating func step(
    iteration t: Int, signals s: Matrix, residual: inout Matrix, correlations g: Matrix, dictionary: Matrix,
    sparsity: [Int], firstToken: Int
  ) {
    let d = s.cols, f = dictionary.rows, cap = capacity, record = record
    s.storage.withUnsafeBufferPointer { sb in
    g.storage.withUnsafeBufferPointer { gb in
    dictionary.storage.withUnsafeBufferPointer { db in
    residual.storage.withUnsafeMutableBufferPointer { rb in
    indices.withUnsafeMutableBufferPointer { ib in
    weights.withUnsafeMutableBufferPointer { wb in
    counts.withUnsafeMutableBufferPointer { cb in
    historyFlat.withUnsafeMutableBufferPointer { hb in
      let (sp, gp, dp, rp) = (sb.baseAddress!, gb.baseAddress!, db.baseAddress!, rb.baseAddress!)
      let (ip, wp, cp, hp) = (ib.baseAddress!, wb.baseAddress!, cb.baseAddress!, hb.baseAddress)
      Parallel.forEachRange(count: s.rows) { rows in
        var c = [Float](repeating: 0, count: d)
        c.withUnsafeMutableBufferPointer { cbuf in
          let cv = cbuf.baseAddress!
          for i in rows where t < sparsity[i] {
            let token = firstToken + i
            let corr = gp + i * f, r = rp + i * d, signal = sp + i * d
            let support = ip + token * cap, w = wp + token * cap
            // Signed argmax of g; ties go to the lowest index.
            var best = 0
            var bestValue = corr[0]
            for j in 1..<f where corr[j] > bestValue { best = j; bestValue = corr[j] }
            var size = cp[token]
            if !(0..<size).contains(where: { support[$0] == Int32(best) }) {
              support[size] = Int32(best)
              w[size] = 0
              size += 1
              cp[token] = size
            }
            // c = grad·D with grad = g on the support.
            cv.update(repeating: 0, count: d)
            for k in 0..<size { BLAS.axpy(d, corr[Int(support[k])], dp + Int(support[k]) * d, cv) }
            let cc = BLAS.dot(d, cv, cv)
            if cc > 0 {
              let eta = BLAS.dot(d, cv, r) / cc
              for k in 0..<size { w[k] = max(0, w[k] + eta * corr[Int(support[k])]) }
            }
            // r = s − w·D, recomputed from the support.
            r.update(from: signal, count: d)
            for k in 0..<size where w[k] != 0 { BLAS.axpy(d, -w[k], dp + Int(support[k]) * d, r) }
            if record, let hp {
              var norm = 0.0
              for j in 0..<d { norm += Double(r[j]) * Double(r[j]) }
              hp[token * (cap + 1) + t + 1] = norm
            }
          }
        }
      }
    }}}}}}}}
  }

  /// The supports as CSR codes of width `f`.
  func codes(width f: Int) -> SparseCodes {
    SparseCodes.compacted(rows: counts.count, width: f, stride: capacity, counts: counts, indices: indices, values: weights)
  }

  /// Per token, the `L_t + 1` recorded squared residual norms.
  var history: [[Double]] {
    counts.indices.map { t in
      Array(historyFlat[(t * (capacity + 1))..<(t * (capacity + 1) + sparsity[t] + 1)])
    }
  }
}
