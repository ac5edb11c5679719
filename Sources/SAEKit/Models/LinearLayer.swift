import CVectorKernels

/// A dense layer of the encoder, `y = x·Wᵀ + b`, with `W (out × in)` stored as in PyTorch.
///
/// On a CPU with AVX-512 or AVX2 + FMA the weight is also packed once into the column panels of the C kernel
/// `sae_packed_linear`, which adds the bias, a residual and GELU in the same pass; elsewhere
/// (or with `packing: false`) a layer is an OpenBLAS sgemm, whose bits for a row may depend on
/// the other rows of the call (its edge tiles round differently), so only the packed path makes
/// ``EncoderBlockPass``'s grouping invisible. Both are single-threaded: callers
/// run layers on several row groups at once (``EncoderBlockPass``).
struct LinearLayer: Sendable {
  let weight: Matrix
  let bias: [Float]
  /// The packed weight, or nil where the CPU lacks both AVX-512 and AVX2 + FMA (or packing was turned off).
  let packed: PackedWeight?

  init(weight: Matrix, bias: [Float], packing: Bool = PackedWeight.isSupported) {
    precondition(bias.count == weight.rows, "bias of \(bias.count) for \(weight.rows) outputs")
    self.weight = weight
    self.bias = bias
    packed = packing ? PackedWeight(weight) : nil
  }

  var inputCount: Int { weight.cols }
  var outputCount: Int { weight.rows }

  /// `y = x·Wᵀ + b (+ r)`, then `y·Φ(y)` with `gelu`, for the `rows × in` rows at `x`, into
  /// `y (rows × out)`; `r (rows × out)` may be `y` itself. Single-threaded.
  ///
  /// OpenBLAS path: `y ← r + b` (or `b`), then one sgemm `y ← x·Wᵀ + y`, then GELU.
  func apply(rows: Int, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
             adding residual: UnsafePointer<Float>? = nil, gelu: Bool = false) {
    let out = outputCount, k = inputCount
    guard rows > 0 else { return }
    bias.withUnsafeBufferPointer { bb in
      let bp = bb.baseAddress!
      if let packed {
        sae_packed_linear(x, rows, k, packed.floats, out, bp, residual, gelu ? 1 : 0, y)
        return
      }
      for i in 0..<rows {  // every element is written before the product reads it
        let row = y + i * out
        if let residual {
          let r = residual + i * out
          for j in 0..<out { row[j] = r[j] + bp[j] }
        } else {
          row.update(from: bp, count: out)
        }
      }
      weight.storage.withUnsafeBufferPointer { wb in
        BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: out, k: k, alpha: 1,
                  a: x, lda: k, b: wb.baseAddress!, ldb: k, beta: 1, c: y, ldc: out)
      }
      if gelu { sae_gelu(y, rows * out) }
    }
  }
}

/// A weight packed for `sae_packed_linear`: 64-byte aligned, immutable once built.
final class PackedWeight: @unchecked Sendable {
  /// The vector width in bits of the packed kernel this CPU runs: 512 (AVX-512F), 256 (AVX2 +
  /// FMA; the same bits), or 0 where it runs none.
  static let vectorBits = VectorKernels.bits
  /// Whether this CPU runs the packed kernel.
  static let isSupported = vectorBits > 0

  let floats: UnsafeMutablePointer<Float>

  init(_ weight: Matrix) {
    let count = sae_packed_weight_count(weight.rows, weight.cols)
    let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
    floats = raw.bindMemory(to: Float.self, capacity: count)
    weight.storage.withUnsafeBufferPointer { sae_pack_weight($0.baseAddress!, weight.rows, weight.cols, floats) }
  }

  deinit { UnsafeMutableRawPointer(floats).deallocate() }
}
