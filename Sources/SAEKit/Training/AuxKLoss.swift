/// The auxiliary loss that revives dead latents (Gao et al. 2024, §A.2):
///
/// ```
/// e      = s·x − x̂                              residual of the main reconstruction (detached)
/// z_aux  = ReLU(top-k_aux of pre over dead latents)   (by value; AbsTopK: top-k_aux of |pre|, signed)
/// ê      = z_aux · W_dec                         no b_dec
/// L_aux  = α · min(n_dead / k_aux, 1) · Σ_r ‖e_r − ê_r‖² / B
/// ```
/// Its gradients reach only the dead latents' encoder and decoder rows.
/// ``AuxiliaryLatents`` generalises the dead set (aux_zipf_loss) and weights
/// each latent's codes.
struct AuxKLoss {
  /// The aux codes: top `k` of `pre` among `dead` latents (ascending ids), ReLU;
  /// or, ranked by magnitude, the top `k` of `|pre|` with their signs. The dead
  /// latents' columns are gathered and go through the one selection kernel.
  static func codes(_ pre: Matrix, dead: [Int32], k: Int, ranking: SelectionRanking = .value) -> SparseCodes {
    let b = pre.rows, m = pre.cols, n = dead.count
    var gathered = Matrix(rows: b, cols: n)
    pre.storage.withUnsafeBufferPointer { pb in
      gathered.storage.withUnsafeMutableBufferPointer { gb in
        let (pp, gp) = (pb.baseAddress!, gb.baseAddress)
        Parallel.forEachRange(count: b) { rows in
          for r in rows {
            for t in 0..<n { gp![r * n + t] = pp[r * m + Int(dead[t])] }
          }
        }
      }
    }
    let picked = SparseCodes.topK(of: gathered, k: min(k, n), rankedBy: ranking)
    return SparseCodes(
      unchecked: b, width: m, rowStart: picked.rowStart, indices: picked.indices.map { dead[Int($0)] },
      values: picked.values)
  }

  /// Per latent, its weight in `set` (1 outside it, unused), or nil when every weight is 1.
  static func latentWeights(_ set: AuxiliarySet, width m: Int) -> [Float]? {
    guard set.weights.contains(where: { $0 != 1 }) else { return nil }
    var w = [Float](repeating: 1, count: m)
    for (j, weight) in zip(set.latents, set.weights) { w[Int(j)] = weight }
    return w
  }

  /// `entries[e] *= weight[latent of e]` for every stored entry of `codes`.
  static func scale(_ entries: inout [Float], of codes: SparseCodes, by weight: [Float]?) {
    guard let weight else { return }
    for e in 0..<entries.count { entries[e] *= weight[Int(codes.indices[e])] }
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
