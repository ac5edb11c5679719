import Foundation

/// Feature Choice capacities: how many tokens of a batch each latent may take.
///
/// The batch budget `M = k·B` is shared in proportion to a Zipf law over the
/// latent index, `w_j = (j + 1)^{−α}` (latent `j` has rank `j + 1`, a fixed
/// order: papers-1.md §4g leaves the order open; `α = 0` is uniform). Each
/// capacity is kept in `1...B` (every latent gets at least one token, none
/// more than the batch has), the shares of the others are renormalised until
/// they fit (water-filling), and the shares are rounded by largest remainder
/// (ties to the lower index), so `Σ m_j = M` exactly.
///
/// When `M < m` not every latent can have a token: the first `M` latents get
/// one each and the rest none (training batches are large enough to avoid
/// this: `B ≥ m/k`).
public enum FeatureCapacities {
  /// The capacities of `width` latents for a batch of `batch` tokens.
  /// - Complexity: `O(m log m)` (the rounding sorts the fractional parts).
  public static func make(width m: Int, batch b: Int, k: Int, zipfExponent alpha: Float) -> [Int] {
    let total = max(0, k) * max(0, b)
    guard m > 0, b > 0 else { return [Int](repeating: 0, count: max(m, 0)) }
    guard total > m else { return (0..<m).map { $0 < total ? 1 : 0 } }
    guard total < m * b else { return [Int](repeating: b, count: m) }
    let weights = (0..<m).map { Foundation.pow(Double($0 + 1), -Double(alpha)) }
    let shares = waterFill(weights, total: total, low: 1, high: b)
    var capacities = shares.map { Int($0.rounded(.down)) }
    let order = (0..<m).sorted {
      let (a, c) = (shares[$0] - Double(capacities[$0]), shares[$1] - Double(capacities[$1]))
      return a > c || (a == c && $0 < $1)
    }
    var missing = total - capacities.reduce(0, +)
    // Largest remainders first; a second round only when rounding in floating point lost a unit.
    while missing != 0 {
      for j in order where missing != 0 {
        if missing > 0 && capacities[j] < b { capacities[j] += 1; missing -= 1 }
        else if missing < 0 && capacities[j] > 1 { capacities[j] -= 1; missing += 1 }
      }
    }
    return capacities
  }

  /// Real shares `s_j ∝ w_j` with `Σ s_j = total`, each clamped to `low...high`:
  /// latents whose share falls outside are pinned to the bound and the rest
  /// re-shared, high bounds first (pinning those only raises the others).
  static func waterFill(_ weights: [Double], total: Int, low: Int, high: Int) -> [Double] {
    let m = weights.count
    var pinned = [Double?](repeating: nil, count: m)
    while true {
      let fixed = pinned.reduce(0.0) { $0 + ($1 ?? 0) }
      let free = (0..<m).filter { pinned[$0] == nil }
      let weight = free.reduce(0.0) { $0 + weights[$1] }
      guard !free.isEmpty, weight > 0 else { break }
      let scale = (Double(total) - fixed) / weight
      let over = free.filter { weights[$0] * scale > Double(high) }
      let under = free.filter { weights[$0] * scale < Double(low) }
      if !over.isEmpty {
        for j in over { pinned[j] = Double(high) }
      } else if !under.isEmpty {
        for j in under { pinned[j] = Double(low) }
      } else {
        for j in free { pinned[j] = weights[j] * scale }
        break
      }
    }
    return pinned.map { $0 ?? Double(low) }
  }
}
