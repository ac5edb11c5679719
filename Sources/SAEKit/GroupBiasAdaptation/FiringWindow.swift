/// The firing statistics of an adaptation window: per neuron, on how many of
/// the buffered tokens its pre-activation was positive and its largest
/// positive pre-activation.
///
/// ```
/// count_m = Σ_{y∈B} 1[y_m > 0]            p_m = count_m / |B|
/// r_m     = max(0, max_{y∈B} y_m)
/// ```
/// These are all the bias-adaptation rule reads from the buffer `B` of
/// pre-activation vectors, so the window keeps them instead of the vectors.
/// Rows are split over fixed chunks; counts are integers and maxima do not
/// depend on order, so the result is the same for any thread count.
public struct FiringWindow: Sendable, Equatable {
  /// `m`, the number of neurons.
  public let width: Int
  /// `|B|`, the tokens recorded since the last ``clear()``.
  public private(set) var tokens = 0
  /// `count_m`, `(m)`.
  public private(set) var counts: [Int]
  /// `r_m`, `(m)`.
  public private(set) var largest: [Float]

  public init(width: Int) {
    self.width = width
    counts = [Int](repeating: 0, count: width)
    largest = [Float](repeating: 0, count: width)
  }

  /// `p_m = count_m / |B|` (zeros for an empty window).
  public var frequencies: [Double] {
    counts.map { tokens > 0 ? Double($0) / Double(tokens) : 0 }
  }

  /// Adds the pre-activations `pre (B × m)` of a batch.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` when `pre` does not have `m` columns.
  /// - Complexity: `O(B·m)`.
  public mutating func record(_ pre: Matrix) throws {
    try require(pre.cols == width, "pre-activations have \(pre.cols) columns, the window tracks \(width) neurons")
    let m = width, chunks = min(Parallel.defaultChunks, max(1, pre.rows))
    var partialCounts = [Int](repeating: 0, count: chunks * m)
    var partialLargest = [Float](repeating: 0, count: chunks * m)
    pre.storage.withUnsafeBufferPointer { pb in
      partialCounts.withUnsafeMutableBufferPointer { cb in
        partialLargest.withUnsafeMutableBufferPointer { lb in
          let (pp, cp, lp) = (pb.baseAddress!, cb.baseAddress!, lb.baseAddress!)
          Parallel.forEachChunk(count: pre.rows, chunks: chunks) { c, rows in
            let count = cp + c * m, top = lp + c * m
            // Branch-free, so the loop vectorises: `top` starts at 0 and only grows, so `v > top`
            // implies `v > 0` (a NaN passes neither test, and −0 is not counted).
            for r in rows {
              let y = pp + r * m
              for j in 0..<m {
                let v = y[j]
                count[j] &+= v > 0 ? 1 : 0
                top[j] = v > top[j] ? v : top[j]
              }
            }
          }
        }
      }
    }
    for c in 0..<chunks {
      for j in 0..<m {
        counts[j] += partialCounts[c * m + j]
        largest[j] = max(largest[j], partialLargest[c * m + j])
      }
    }
    tokens += pre.rows
  }

  /// Empties the window.
  public mutating func clear() {
    tokens = 0
    counts = [Int](repeating: 0, count: width)
    largest = [Float](repeating: 0, count: width)
  }
}
