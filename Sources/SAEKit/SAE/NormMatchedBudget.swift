/// Top-AFA's per-token budget `k*(x)` (Lee et al. 2025, the reference code's
/// `TopAFASAE.forward`): the number of latents whose squared contributions,
/// taken largest first, give a norm closest to the target norm.
///
/// ```
/// s_j  = (a_j·‖W_dec[j]‖)²  for a_j = max(pre_j, 0)          squared contribution of latent j
/// C_t  = √(Σ_{u ≤ t} s_(u))  with s_(1) ≥ s_(2) ≥ …           norm of the t largest
/// k*   = argmin_t |C_t − T| (1-based, the first minimum)      T = the token's target norm
/// ```
/// `C_t` grows until the positive contributions run out, so the minimum is
/// where `C_t` crosses `T`: the first `t0` with `C_t0 ≥ T`, or `t0 − 1` when
/// that is as close (the earlier index wins a tie, as `argmin` does). When
/// every positive contribution together stays below `T`, `k*` is their count.
/// The code forces the last entry `C_m` to 10⁸: past the positive entries
/// that only adds zero codes, but when all `m` latents are positive it hides
/// `C_m`, so `k*` is then `m − 1` unless `T` is nearer 10⁸ (followed here).
/// A row without positive scores gets `k* = 1`, which stores nothing.
///
/// The crossing is found by a weighted quickselect on the contributions
/// (partition around a pivot, keep the side whose sum reaches `T²`), so a row
/// costs `O(m)` expected, not a sort; sums are in Double.
enum NormMatchedBudget {
  /// `k*` for every row of `scores (B × m)` (the decoder-weighted activations
  /// `a_j·‖W_dec[j]‖`; entries `≤ 0` contribute nothing) against `targets (B)`.
  static func counts(_ scores: Matrix, targets: [Float]) -> [Int] {
    let b = scores.rows, m = scores.cols
    precondition(targets.count == b, "one target norm per row")
    var counts = [Int](repeating: 1, count: b)
    guard m > 0 else { return counts }
    scores.storage.withUnsafeBufferPointer { sb in
      counts.withUnsafeMutableBufferPointer { cb in
        let (sp, cp) = (sb.baseAddress!, cb.baseAddress!)
        Parallel.forEachRange(count: b) { rows in
          let scratch = UnsafeMutablePointer<Double>.allocate(capacity: m)
          defer { scratch.deallocate() }
          for r in rows {
            var n = 0
            for j in 0..<m where sp[r * m + j] > 0 {
              let v = Double(sp[r * m + j])
              scratch[n] = v * v
              n += 1
            }
            cp[r] = count(scratch, n, width: m, target: Double(targets[r]))
          }
        }
      }
    }
    return counts
  }

  /// The code's forced last cumulative norm.
  static let forcedLastNorm = 1e8

  /// `k*` for the `n` positive squared contributions in `buffer` (reordered in
  /// place) of a row of `width` latents.
  static func count(_ buffer: UnsafeMutablePointer<Double>, _ n: Int, width: Int, target: Double) -> Int {
    guard n > 0 else { return 1 }
    var total = 0.0, smallest = Double.infinity
    for i in 0..<n { total += buffer[i]; smallest = min(smallest, buffer[i]) }
    let k = crossing(buffer, n, total: total, target: target)
    guard k == width else { return k }
    // All latents positive and k* = m: C_m is the forced 10⁸, so compare C_{m−1} with it.
    guard width > 1 else { return 1 }
    let previous = max(total - smallest, 0).squareRoot()
    return abs(forcedLastNorm - target) < abs(previous - target) ? width : width - 1
  }

  /// `k*` without the forced last entry: where `√(prefix sum)` crosses `target`.
  static func crossing(_ buffer: UnsafeMutablePointer<Double>, _ n: Int, total: Double, target: Double) -> Int {
    let t2 = target * target
    guard total > t2 else { return n }
    // Invariant: the `before` largest contributions (sum `sumBefore < T²`) are
    // settled; the crossing lies in buffer[lo..<hi], whose sum takes it past T².
    var lo = 0, hi = n, before = 0, sumBefore = 0.0
    while true {
      let mid = lo + (hi - lo) / 2
      let (a, c, e) = (buffer[lo], buffer[mid], buffer[hi - 1])
      let pivot = max(min(a, c), min(max(a, c), e))
      // Three-way partition: > pivot | == pivot | < pivot.
      var gt = lo, i = lo, lt = hi
      while i < lt {
        let v = buffer[i]
        if v > pivot {
          buffer[i] = buffer[gt]; buffer[gt] = v; gt += 1; i += 1
        } else if v < pivot {
          lt -= 1; buffer[i] = buffer[lt]; buffer[lt] = v
        } else {
          i += 1
        }
      }
      var sumGreater = 0.0
      for u in lo..<gt { sumGreater += buffer[u] }
      if sumBefore + sumGreater >= t2 {
        hi = gt
        continue
      }
      let base = sumBefore + sumGreater, settled = before + gt - lo, equal = lt - gt
      if base + Double(equal) * pivot >= t2 {
        // The crossing is inside the block of ties: the j-th of them.
        var j = 1
        while base + Double(j) * pivot < t2 { j += 1 }
        let crossing = settled + j
        let above = (base + Double(j) * pivot).squareRoot() - target
        let below = target - (base + Double(j - 1) * pivot).squareRoot()
        return crossing > 1 && below <= above ? crossing - 1 : crossing
      }
      sumBefore = base + Double(equal) * pivot
      before = settled + equal
      lo = lt
    }
  }
}
