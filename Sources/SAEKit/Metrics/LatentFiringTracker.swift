import Foundation

/// Tracks when each of an SAE's `m` latents last fired, for dead-latent
/// detection (and the dead mask of an auxiliary loss) and firing densities.
///
/// A latent **fires** on a token when its code value is `≠ 0` (stored zeros
/// of TopK codes do not count; negative values of signed codes do). Tokens
/// are numbered in the order their batches are recorded.
///
/// ```
/// sinceFired_j = (tokens seen) − 1 − (index of the last token where j fired)
///              = tokens seen, if j never fired
/// dead_j       ⇔ sinceFired_j ≥ window        (no firing in the last `window` tokens)
/// frequency_j  = (#counted tokens where j fired) / (#counted tokens)
/// dense_j      ⇔ frequency_j > threshold
/// ```
///
/// Because `sinceFired_j ≤ tokens seen`, no latent counts as dead before
/// `window` tokens have been seen. Frequencies are over the **counted**
/// tokens: every token since creation or the last ``resetCounts()``
/// (which leaves the dead-latent clock running), e.g. one logging interval.
/// A latent listed twice in one token's codes fires once.
public struct LatentFiringTracker: Sendable {
  /// `m`, the number of latents.
  public let width: Int
  /// Dead-latent window, in tokens.
  public let window: Int
  /// Tokens recorded since creation.
  public private(set) var tokensSeen = 0
  /// Tokens recorded since creation or the last ``resetCounts()``.
  public private(set) var countedTokens = 0
  /// Per latent, the counted tokens on which it fired, `(m)`.
  public private(set) var firingCounts: [Int]
  /// Per latent, the index of the last token on which it fired (−1: never).
  private var lastFired: [Int]

  /// - Throws: unless `width ≥ 1` and `window ≥ 1`.
  public init(width: Int, window: Int) throws {
    try require(width >= 1, "latent firing tracker needs width ≥ 1, got \(width)")
    try require(window >= 1, "latent firing tracker needs a window ≥ 1 token, got \(window)")
    self.width = width
    self.window = window
    firingCounts = [Int](repeating: 0, count: width)
    lastFired = [Int](repeating: -1, count: width)
  }

  /// Records one batch of codes, its tokens in order.
  /// - Throws: ``SAEKitError/shapeMismatch(operation:lhs:rhs:)`` when the codes'
  ///   width is not ``width``.
  /// - Complexity: `O(rows + stored entries + width)`, split over the workers.
  public mutating func record(_ codes: SparseCodes) throws {
    try record(codes, columns: ColumnIndex(codes))
  }

  /// ``record(_:)`` through the batch's column view (which the trainer builds anyway): the
  /// latents are split over the workers, each visiting its entries in row order.
  mutating func record(_ codes: SparseCodes, columns: ColumnIndex) throws {
    guard codes.width == width, columns.width == width else {
      throw SAEKitError.shapeMismatch(
        operation: "latent firing tracker (codes width vs tracker width)",
        lhs: Shape(codes.rows, codes.width), rhs: Shape(1, width))
    }
    let first = tokensSeen
    columns.entry.withUnsafeBufferPointer { eb in
      columns.row.withUnsafeBufferPointer { rb in
        codes.values.withUnsafeBufferPointer { vals in
          lastFired.withUnsafeMutableBufferPointer { last in
            firingCounts.withUnsafeMutableBufferPointer { counts in
              guard let ep = eb.baseAddress, let rp = rb.baseAddress, let vp = vals.baseAddress,
                    let lp = last.baseAddress, let cp = counts.baseAddress else { return }
              Parallel.forEachRange(count: width) { latents in
                for j in latents {
                  // The latent's last token and count stay in registers across its entries.
                  var last = lp[j], count = cp[j]
                  for t in columns.colStart[j]..<columns.colStart[j + 1] where vp[Int(ep[t])] != 0 {
                    let token = first + Int(rp[t])
                    if last != token {
                      last = token
                      count += 1
                    }
                  }
                  lp[j] = last
                  cp[j] = count
                }
              }
            }
          }
        }
      }
    }
    tokensSeen += codes.rows
    countedTokens += codes.rows
  }

  /// Per latent, tokens since it last fired, `(m)` (see the type's formula).
  public var tokensSinceFired: [Int] { lastFired.map { tokensSeen - 1 - $0 } }

  /// Per latent, whether it did not fire in the last ``window`` tokens, `(m)`.
  public var deadMask: [Bool] { lastFired.map { tokensSeen - 1 - $0 >= window } }

  /// Ids of the dead latents, ascending.
  public var deadLatents: [Int] {
    let mask = deadMask
    return mask.indices.filter { mask[$0] }
  }

  /// Share of latents that are dead, in `[0, 1]`.
  public var deadFraction: Double {
    Double(deadMask.lazy.filter { $0 }.count) / Double(width)
  }

  /// Per latent, `firing count / counted tokens`, `(m)`; zeros before any token.
  public var firingFrequencies: [Double] {
    guard countedTokens > 0 else { return [Double](repeating: 0, count: width) }
    let n = Double(countedTokens)
    return firingCounts.map { Double($0) / n }
  }

  /// Share of latents whose firing frequency is strictly above `threshold`.
  public func denseFraction(threshold: Double = 0.1) -> Double {
    Double(firingFrequencies.lazy.filter { $0 > threshold }.count) / Double(width)
  }

  /// Histogram of `log10(frequency + 1e-10)` over the latents; see ``DensityHistogram``.
  public func densityHistogram(bins: Int = 50, lower: Double = -10, upper: Double = 0) throws -> DensityHistogram {
    try DensityHistogram(frequencies: firingFrequencies, bins: bins, lower: lower, upper: upper)
  }

  /// Starts a new counting interval: zeroes ``firingCounts`` and
  /// ``countedTokens``; the dead-latent clock is kept.
  public mutating func resetCounts() {
    countedTokens = 0
    for j in 0..<width { firingCounts[j] = 0 }
  }
}

/// The latent density histogram used to judge an SAE at a glance: how many
/// latents fire at each order of magnitude of frequency.
///
/// Each latent contributes `u = log10(f + ε)` with `ε = 1e-10`, so a latent
/// that never fired sits at `−10`. `bins` equal-width bins span
/// `[lower, upper]`; bin `b` is `[edges[b], edges[b+1])`, the last also
/// includes `upper`, and values outside the range are clamped into the first
/// or last bin so every latent is counted.
public struct DensityHistogram: Sendable, Equatable {
  /// The `ε` added before the logarithm.
  public static let epsilon = 1e-10
  /// `bins + 1` ascending edges, in log10 units.
  public let edges: [Double]
  /// Latents per bin, `(bins)`; sums to the number of latents.
  public let counts: [Int]
  /// `log10(f_j + ε)` per latent, for custom binning.
  public let logDensities: [Double]

  /// - Throws: unless `bins ≥ 1` and `lower < upper` are finite.
  public init(frequencies: [Double], bins: Int = 50, lower: Double = -10, upper: Double = 0) throws {
    try require(bins >= 1, "density histogram needs bins ≥ 1, got \(bins)")
    try require(lower.isFinite && upper.isFinite && lower < upper,
                "density histogram needs finite lower < upper, got [\(lower), \(upper)]")
    let width = (upper - lower) / Double(bins)
    edges = (0...bins).map { $0 == bins ? upper : lower + Double($0) * width }
    logDensities = frequencies.map { log10($0 + DensityHistogram.epsilon) }
    var counts = [Int](repeating: 0, count: bins)
    for u in logDensities {
      let position = ((u - lower) / width).rounded(.down)
      let b = position.isNaN ? 0 : Int(min(max(position, 0), Double(bins - 1)))
      counts[b] += 1
    }
    self.counts = counts
  }

  /// Bin midpoints, `(bins)`, e.g. for a bar plot.
  public var centers: [Double] { (0..<counts.count).map { 0.5 * (edges[$0] + edges[$0 + 1]) } }
}
