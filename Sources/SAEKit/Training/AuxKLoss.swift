/// The auxiliary loss that revives dead latents (Gao et al. 2024, §A.2):
///
/// ```
/// e      = s·x − x̂                              residual of the main reconstruction (detached)
/// z_aux  = ReLU(top-k_aux of pre over dead latents)   (by value; AbsTopK: top-k_aux of |pre|, signed)
/// ê      = z_aux · W_dec                         no b_dec
/// L_aux  = α · min(n_dead / k_aux, 1) · Σ_r ‖e_r − ê_r‖² / B
/// ```
/// Its gradients reach only the dead latents' encoder and decoder rows.
struct AuxKLoss {
  /// The aux codes: top `k` of `pre` among `dead` latents (ascending ids), ReLU;
  /// or, ranked by magnitude, the top `k` of `|pre|` with their signs.
  static func codes(_ pre: Matrix, dead: [Int32], k: Int, ranking: SelectionRanking = .value) -> SparseCodes {
    let byMagnitude = ranking == .magnitude
    let b = pre.rows, m = pre.cols, n = dead.count, kk = min(k, n)
    var idx = [Int32](repeating: 0, count: b * kk)
    var val = [Float](repeating: 0, count: b * kk)
    var counts = [Int](repeating: 0, count: b)
    pre.storage.withUnsafeBufferPointer { pb in
      dead.withUnsafeBufferPointer { db in
        idx.withUnsafeMutableBufferPointer { ib in
          val.withUnsafeMutableBufferPointer { vb in
            counts.withUnsafeMutableBufferPointer { cb in
              let (pp, dp, ip, vp, cp) = (pb.baseAddress!, db.baseAddress!, ib.baseAddress!, vb.baseAddress!, cb.baseAddress!)
              Parallel.forEachChunk(count: b) { _, rows in
                // Per chunk: the dead latents' pre-activations of a row, and selection scratch.
                let gathered = UnsafeMutablePointer<Float>.allocate(capacity: 2 * n)
                let scratchIndices = UnsafeMutablePointer<Int32>.allocate(capacity: n)
                defer { gathered.deallocate(); scratchIndices.deallocate() }
                for r in rows {
                  for t in 0..<n { gathered[t] = pp[r * m + Int(dp[t])] }
                  let got = TopKSelection.select(
                    gathered, count: n, k: kk, indices: ip + r * kk, values: vp + r * kk,
                    byMagnitude: byMagnitude, scratchValues: gathered + n, scratchIndices: scratchIndices)
                  var kept = 0
                  for e in 0..<got where byMagnitude ? vp[r * kk + e] != 0 : vp[r * kk + e] > 0 {
                    ip[r * kk + kept] = dp[Int(ip[r * kk + e])]
                    vp[r * kk + kept] = vp[r * kk + e]
                    kept += 1
                  }
                  cp[r] = kept
                }
              }
            }
          }
        }
      }
    }
    return SparseCodes.compacted(rows: b, width: m, stride: kk, counts: counts, indices: idx, values: val)
  }

  /// The loss value and `∂L_aux/∂ê` for aux reconstruction `ê` and residual `e`.
  /// - Returns: `(loss, gradient)` with gradient `2·c·(ê − e)/B`, `c = α·min(n_dead/k_aux, 1)`.
  static func lossAndGradient(auxReconstruction: Matrix, residual: Matrix, coefficient c: Float) -> (Double, Matrix) {
    let b = max(1, residual.rows)
    var grad = auxReconstruction
    var sum = 0.0
    grad.storage.withUnsafeMutableBufferPointer { gb in
      residual.storage.withUnsafeBufferPointer { eb in
        for i in 0..<gb.count {
          let diff = gb[i] - eb[i]
          sum += Double(diff) * Double(diff)
          gb[i] = 2 * c * diff / Float(b)
        }
      }
    }
    return (Double(c) * sum / Double(b), grad)
  }
}
