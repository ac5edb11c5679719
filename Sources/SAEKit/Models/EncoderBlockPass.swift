import CVectorKernels
import Foundation

/// The transformer blocks of one forward pass over a packed batch, a group of whole sequences at a time.
///
/// Each worker thread takes the next unclaimed sequence group (about ``rowsPerGroup`` token
/// rows) and carries it through the whole block — QKV product, attention, output projection,
/// LayerNorm, FFN with GELU, LayerNorm — in its own scratch rows, so the large intermediates
/// (`[Q|K|V]`, the FFN's hidden layer) stay in that core's caches and no core waits for another
/// between the block's steps. Attention stays within a sequence, so a group's rows depend on
/// nothing outside the group and the block can overwrite `h` in place.
///
/// Every step on a group is single-threaded (``LinearLayer``, attention, the C row kernels), and
/// a row's result does not depend on the group it is in or the thread that ran it, so the
/// same batch gives the same bits on every run.
final class EncoderBlockPass {
  /// Token rows per group: sequences are added to a group while it stays within this many rows
  /// (a longer sequence forms a group of its own).
  static let rowsPerGroup = 256

  let heads: Int, epsilon: Float
  let groups: [SequenceGroup]
  private let d: Int, f: Int, workers: Int
  /// Per worker: region 1 holds [Q|K|V] (3d) and the context (d), later the FFN's hidden layer
  /// (f); region 2 the LayerNorm-ed attention sum a; then the attention's scratch. Allocated once
  /// for all blocks of a forward pass.
  private let region1: Int, region2: Int, perWorker: Int
  private let scratch: UnsafeMutablePointer<Float>

  /// The groups of `batch` and every worker's scratch for blocks of width `d`, FFN width `f`.
  init(batch: TokenizedBatch, hiddenSize d: Int, intermediateSize f: Int, heads: Int, epsilon: Float) {
    self.heads = heads
    self.epsilon = epsilon
    self.d = d
    self.f = f
    groups = Self.groups(batch)
    workers = max(1, min(groups.count, ProcessInfo.processInfo.activeProcessorCount))
    let widest = groups.map(\.rowCount).max() ?? 0
    region1 = widest * max(4 * d, f)
    region2 = widest * d
    let attention = TransformerKernels.attentionScratchCount(longest: batch.maxLength, dimension: d, heads: heads)
    perWorker = (region1 + region2 + attention + 15) / 16 * 16  // 64-byte aligned parts
    scratch = UnsafeMutableRawPointer.allocate(byteCount: max(1, workers * perWorker) * MemoryLayout<Float>.stride, alignment: 64)
      .bindMemory(to: Float.self, capacity: workers * perWorker)
  }

  deinit { UnsafeMutableRawPointer(scratch).deallocate() }

  /// Runs `block` on `h (n × d)` in place. With `capturingSums`, also returns the
  /// pre-LayerNorm sums `s₁ = h + attention` and `s₂ = a + FFN(a)`.
  @discardableResult
  func run(_ block: MiniLMWeights.Block, on h: inout Matrix, capturingSums capture: Bool = false) -> MiniLM.BlockSums? {
    precondition(h.cols == d && block.intermediate.outputCount == f)
    // s₁, Attn(h), s₂, FFN(a): four (n × d) captures in one buffer, split into matrices at the end.
    let plane = h.rows * d
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: capture ? 4 * plane : 1)
    defer { buffer.deallocate() }
    h.storage.withUnsafeMutableBufferPointer { hb in
      let hp = hb.baseAddress
      BLAS.withThreads(1) {
        Parallel.forEachItem(count: groups.count, workers: workers) { worker, index in
          let base = scratch + worker * perWorker, group = groups[index], start = group.rows.lowerBound * d
          run(block, group, h: hp! + start,
              Scratch(wide: base, attention: base + region1, forAttention: base + region1 + region2),
              captures: capture ? Captures(attentionSum: buffer + start, attentionOutput: buffer + plane + start,
                                           feedForwardSum: buffer + 2 * plane + start, feedForwardOutput: buffer + 3 * plane + start) : nil)
        }
      }
    }
    guard capture else { return nil }
    func part(_ k: Int) -> Matrix {
      var m = Matrix(uninitializedRows: h.rows, cols: d)
      m.storage.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: buffer + k * plane, count: plane) }
      return m
    }
    return MiniLM.BlockSums(attention: part(0), attentionOutput: part(1), feedForward: part(2), feedForwardOutput: part(3))
  }

  /// Where one group writes the block's internals (each pointing at the group's first row).
  struct Captures {
    let attentionSum, attentionOutput, feedForwardSum, feedForwardOutput: UnsafeMutablePointer<Float>
  }

  /// A worker's scratch: `wide` ≥ rows × max(4d, f), `attention` ≥ rows × d, `forAttention` the attention kernel's.
  struct Scratch {
    let wide: UnsafeMutablePointer<Float>, attention: UnsafeMutablePointer<Float>,
        forAttention: UnsafeMutablePointer<Float>
  }

  /// `block` on one group (`h` points at its first row), single-threaded.
  /// The component outputs are the sums minus their residual inputs, `Attn(h) = s₁ − h` and
  /// `FFN(a) = s₂ − a` (the sums are computed fused with the residual, so these differ from a
  /// separately computed output by the rounding of the sum, ≈ 1 ulp of `s`).
  private func run(_ block: MiniLMWeights.Block, _ group: SequenceGroup, h: UnsafeMutablePointer<Float>, _ s: Scratch,
                   captures: Captures?) {
    let n = group.rowCount
    let qkv = s.wide, context = s.wide + n * 3 * d, hidden = s.wide, a = s.attention
    block.qkv.apply(rows: n, h, into: qkv)
    TransformerKernels.attention(qkv, lengths: group.lengths, dimension: d, heads: heads, into: context,
                                 scratch: s.forAttention, packed: block.qkv.packed != nil)
    block.attentionOutput.apply(rows: n, context, into: a, adding: h)
    if let c = captures {
      c.attentionSum.update(from: a, count: n * d)
      for e in 0..<(n * d) { c.attentionOutput[e] = a[e] - h[e] }
    }
    sae_layer_norm_rows(a, n, d, block.attentionNormScale, block.attentionNormShift, epsilon)
    block.intermediate.apply(rows: n, a, into: hidden, gelu: true)
    block.output.apply(rows: n, hidden, into: h, adding: a)
    if let c = captures {
      c.feedForwardSum.update(from: h, count: n * d)
      for e in 0..<(n * d) { c.feedForwardOutput[e] = h[e] - a[e] }
    }
    sae_layer_norm_rows(h, n, d, block.outputNormScale, block.outputNormShift, epsilon)
  }

  /// Consecutive sequences of `batch`, packed into groups of at most ``rowsPerGroup`` rows.
  static func groups(_ batch: TokenizedBatch) -> [SequenceGroup] {
    var groups = [SequenceGroup]()
    var start = 0
    for i in 0..<batch.count {
      let firstRow = batch.offsets[start], endRow = batch.offsets[i + 1]  // the group if sequence i joins it
      if i > start && endRow - firstRow > rowsPerGroup {
        groups.append(SequenceGroup(batch, start..<i))
        start = i
      }
    }
    if batch.count > start { groups.append(SequenceGroup(batch, start..<batch.count)) }
    return groups
  }
}

/// Whole sequences `sequences` of a batch and their token rows.
struct SequenceGroup {
  let rows: Range<Int>
  /// The length of each sequence, in order.
  let lengths: [Int]
  var rowCount: Int { rows.count }

  init(_ batch: TokenizedBatch, _ sequences: Range<Int>) {
    rows = batch.offsets[sequences.lowerBound]..<batch.offsets[sequences.upperBound]
    lengths = sequences.map(batch.length)
  }
}
