import Foundation

/// An SAE's `W_enc` and `W_dec` left in its weights file, in the file's precision (usually
/// bfloat16 or float16), and widened to Float32 a block of latents at a time as the products need
/// them: an SAE whose Float32 copy would not fit in memory still encodes, decodes and evaluates,
/// in `O(file)` mapped pages that the kernel can drop plus `O(block·d)` per worker.
///
/// ```
/// pre[:, J] = input · W_enc[:, J]     J: latent blocks of `latentBlock`, widened about once per worker
/// x̂[r]     = Σ_e z_e · W_dec[j_e]     each row of W_dec widened as a code uses it
/// ```
/// The decoder sums exactly as the Float32 path does. The encoder's sgemm calls cover latent
/// blocks rather than whole rows, and OpenBLAS rounds a column block differently from one call
/// over all columns, so pre-activations agree with the widened SAE's to Float32 rounding, not bit
/// for bit. Blocks are fixed, so results do not depend on the number of threads.
public struct MappedSAEWeights: Sendable {
  /// The weights file.
  public var path: String { file.path }
  /// Precision of `W_enc` and `W_dec` in the file.
  public let dtype: DType
  /// `d`.
  public let dimension: Int
  /// `m`.
  public let width: Int
  /// True for files that store the encoder as `(m × d)` (sparsify's `encoder.weight`), false for
  /// `(d × m)` (SAELens's `W_enc`).
  public let encoderIsLatentMajor: Bool
  private let file: SafeTensorsFile
  private let encoder: SafeTensors.TensorInfo
  private let decoder: SafeTensors.TensorInfo

  /// Latents per encoder block: sgemm calls on `(rows × d)·(d × 1024)`, the widened block
  /// `d × 1024` floats (9.4 MB at d = 2,304) per worker. (Measured: blocks of 256 latents took
  /// 2.5× the CPU time of blocks of 1,024, at d = 768, m = 16,384, all of it inside OpenBLAS's sgemm.)
  static let latentBlock = 1024

  /// Maps `encoder` (`(d × m)`, or `(m × d)` when `encoderIsLatentMajor`) and `decoder` (`(m × d)`)
  /// of `file`, whose shapes the caller has checked.
  init(file: SafeTensorsFile, encoder: String, encoderIsLatentMajor: Bool, decoder: String, dimension d: Int, width m: Int) throws {
    let (e, w) = (try file.info(encoder), try file.info(decoder))
    guard e.dtype.isFloatingPoint, e.dtype == w.dtype else {
      throw SAEKitError.file(path: file.path, reason: "'\(encoder)' is \(e.dtype) and '\(decoder)' is \(w.dtype): weights kept in the file need one floating-point type")
    }
    guard e.count == d * m, w.count == d * m else {
      throw SAEKitError.file(path: file.path, reason: "'\(encoder)' and '\(decoder)' need \(d) × \(m) elements each")
    }
    self.file = file
    self.encoder = e
    self.decoder = w
    self.encoderIsLatentMajor = encoderIsLatentMajor
    self.dtype = e.dtype
    self.dimension = d
    self.width = m
    self.decoderNorms = Self.rowNorms(of: w, in: file, dimension: d, width: m)
  }

  /// `input · W_enc`, `(B × m)` for `input (B × d)`: one sgemm call per latent block and row block
  /// of `rowBlocks` (nil: ``Matrix/productBlocks(rows:)``), so rows encoded in chunks of whole
  /// blocks get the bits of the whole input; the calls are split over the cores, each latent block
  /// widened into a worker's scratch about once per worker.
  func encoderProduct(_ input: Matrix, rowBlocks: [Range<Int>]? = nil) throws -> Matrix {
    let (d, m, b) = (dimension, width, input.rows)
    guard input.cols == d else {
      throw SAEKitError.shapeMismatch(operation: "SAE encode (x vs W_enc)", lhs: input.shape, rhs: Shape(d, m))
    }
    var pre = Matrix(uninitializedRows: b, cols: m)
    guard b > 0, m > 0 else { return pre }
    let block = Self.latentBlock, blocks = (m + block - 1) / block
    let latentMajor = encoderIsLatentMajor
    let rows = rowBlocks ?? Matrix.productBlocks(rows: b)
    file.withTensorBytes(encoder) { weights in
      input.storage.withUnsafeBufferPointer { a in
        pre.storage.withUnsafeMutableBufferPointer { c in
          let (ap, cp) = (a.baseAddress!, c.baseAddress!)
          // Work items: (latent block, row block) in that order, claimed by the next free worker;
          // a worker widens a latent block only when its previous item held another one.
          let items = blocks * rows.count
          let workers = min(items, ProcessInfo.processInfo.activeProcessorCount)
          let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * d * block)
          defer { scratch.deallocate() }
          var held = [Int](repeating: -1, count: workers)
          held.withUnsafeMutableBufferPointer { heldBlock in
            Parallel.forEachItem(count: items, workers: workers) { worker, item in
              let (j, r) = (item / rows.count, rows[item % rows.count])
              let latents = (j * block)..<min(m, (j + 1) * block)
              let n = latents.count, w = scratch + worker * d * block
              if heldBlock[worker] != j {
                // The block as sgemm reads it: (n × d) rows when latent-major (multiplied transposed), else (d × n).
                if latentMajor {
                  dtype.widen(weights + latents.lowerBound * d * dtype.size, count: n * d, into: w)
                } else {
                  for i in 0..<d { dtype.widen(weights + (i * m + latents.lowerBound) * dtype.size, count: n, into: w + i * n) }
                }
                heldBlock[worker] = j
              }
              BLAS.gemm(transposeA: false, transposeB: latentMajor, m: r.count, n: n, k: d, alpha: 1, a: ap + r.lowerBound * d, lda: d,
                        b: w, ldb: latentMajor ? d : n, beta: 0, c: cp + r.lowerBound * m + latents.lowerBound, ldc: m)
            }
          }
        }
      }
    }
    return pre
  }

  /// Calls `body` with a function that widens row `j` of `W_dec` into `d` floats at `into`
  /// (valid only inside `body`).
  func withDecoderRows<R>(_ body: (_ widenRow: (_ j: Int, _ into: UnsafeMutablePointer<Float>) -> Void) throws -> R) rethrows -> R {
    let (d, dtype) = (dimension, dtype)
    return try file.withTensorBytes(decoder) { weights in
      try body { j, out in dtype.widen(weights + j * d * dtype.size, count: d, into: out) }
    }
  }

  /// `‖W_dec[j]‖` for every latent (read once, when the weights are mapped: every encode needs them).
  public let decoderNorms: [Float]

  private static func rowNorms(of decoder: SafeTensors.TensorInfo, in file: SafeTensorsFile, dimension: Int, width: Int) -> [Float] {
    let (d, dtype) = (dimension, decoder.dtype)
    var norms = [Float](repeating: 0, count: width)
    file.withTensorBytes(decoder) { weights in
      norms.withUnsafeMutableBufferPointer { out in
        let np = out.baseAddress!
        Parallel.forEachRange(count: width) { rows in
          let row = UnsafeMutablePointer<Float>.allocate(capacity: d)
          defer { row.deallocate() }
          for j in rows {
            dtype.widen(weights + j * d * dtype.size, count: d, into: row)
            var sum = 0.0
            for i in 0..<d { sum += Double(row[i]) * Double(row[i]) }
            np[j] = Float(sum.squareRoot())
          }
        }
      }
    }
    return norms
  }
}
