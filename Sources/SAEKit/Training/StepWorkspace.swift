import Dispatch

/// The buffers of one training step. Allocating the `(B × m)` pre-activation
/// matrix afresh every step would cost as much as a third of the encoder GEMM
/// in page faults, so the trainer keeps them and only reallocates when the
/// batch shape changes.
struct StepWorkspace {
  /// `s·x` and `s·x − b_dec`, `(B × d)`.
  var xs = Matrix(rows: 0, cols: 0), xin = Matrix(rows: 0, cols: 0)
  /// Pre-activations, `(B × m)`.
  var pre = Matrix(rows: 0, cols: 0)
  /// `x̂`, `s·x − x̂` and `∂L/∂x̂`, `(B × d)`.
  var xhat = Matrix(rows: 0, cols: 0), residual = Matrix(rows: 0, cols: 0), dxhat = Matrix(rows: 0, cols: 0)
  /// Gradients: `W_encᵀ` and `W_dec` `(m × d)`, biases, activation parameters.
  var gradEncoderT = Matrix(rows: 0, cols: 0), gradDecoder = Matrix(rows: 0, cols: 0)
  var gradEncoderBias: [Float] = [], gradDecoderBias: [Float] = [], gradActivation: [Float] = []

  /// Shapes the buffers for a batch and zeroes the gradient accumulators.
  mutating func prepare(batch b: Int, dimension d: Int, width m: Int, activationParameters p: Int) {
    if xs.shape != Shape(b, d) {
      for keyPath in [\StepWorkspace.xs, \.xin, \.xhat, \.residual, \.dxhat] { self[keyPath: keyPath] = Matrix(rows: b, cols: d) }
    }
    if pre.shape != Shape(b, m) { pre = Matrix(rows: b, cols: m) }
    if gradDecoder.shape != Shape(m, d) {
      gradDecoder = Matrix(rows: m, cols: d)
      gradEncoderT = Matrix(rows: m, cols: d)
    } else {
      // 2·m·d floats: zeroed on the workers (one core alone does not saturate the memory bus).
      for keyPath in [\StepWorkspace.gradDecoder, \.gradEncoderT] {
        self[keyPath: keyPath].updateElements { base, range in (base + range.lowerBound).update(repeating: 0, count: range.count) }
      }
    }
    gradEncoderBias = [Float](repeating: 0, count: m)
    gradActivation = [Float](repeating: 0, count: p)
  }

  /// `xs = s·x`, `xin = s·x − b_dec`.
  mutating func setInputs(_ x: Matrix, scale s: Float, decoderBias: [Float]) {
    let d = x.cols
    x.storage.withUnsafeBufferPointer { xb in
      decoderBias.withUnsafeBufferPointer { bb in
        xs.storage.withUnsafeMutableBufferPointer { sb in
          xin.storage.withUnsafeMutableBufferPointer { ib in
            let (xp, bp, sp, ip) = (xb.baseAddress!, bb.baseAddress!, sb.baseAddress!, ib.baseAddress!)
            Parallel.forEachRange(count: x.rows) { rows in
              for r in rows {
                let o = r * d
                for t in 0..<d {
                  let v = s * xp[o + t]
                  sp[o + t] = v
                  ip[o + t] = v - bp[t]
                }
              }
            }
          }
        }
      }
    }
  }

  /// `pre = xin·W_encᵀᵀ + b_enc`: rows filled with the bias, then one GEMM
  /// with β = 1 per row block, each a single-threaded sgemm call, the blocks
  /// shared out over the workers. Splitting the rows ourselves (instead of letting
  /// OpenBLAS thread the call) leaves no OpenBLAS worker threads spinning in
  /// `sched_yield` while the sparse phases that follow use the cores: on the
  /// 2-core AMD VM one 2-thread call took 56–69 ms against the split's 52–58 ms,
  /// but made the whole step 105–114 ms against 82–100 ms (alternated runs).
  /// Determinism: the blocks are ``Matrix/productBlocks(rows:)`` (``Matrix/blockedGemm``),
  /// which depend on the batch size only, never on the thread count (with one block per
  /// thread, training on an AVX2 CPU changed with the thread count).
  /// - Complexity: 2·B·d·m FLOPs.
  mutating func encode(_ encoderT: Matrix, bias: [Float]) {
    let (b, m, d) = (pre.rows, pre.cols, xin.cols)
    xin.storage.withUnsafeBufferPointer { xb in
      encoderT.storage.withUnsafeBufferPointer { wb in
        bias.withUnsafeBufferPointer { bb in
          pre.storage.withUnsafeMutableBufferPointer { pb in
            let (bp, pp) = (bb.baseAddress!, pb.baseAddress!)
            Matrix.blockedGemm(
              transposeB: true, m: b, n: m, k: d, a: xb.baseAddress!, lda: d, b: wb.baseAddress!, ldb: d,
              beta: 1, c: pp, ldc: m
            ) { rows in
              for r in rows { (pp + r * m).update(from: bp, count: m) }
            }
          }
        }
      }
    }
  }
}

/// Wall-clock seconds per phase of the training step, summed over steps
/// (set ``SAETrainer/timings`` to a value to collect them).
public struct StepTimings: Sendable, Equatable {
  public enum Phase: String, CaseIterable, Sendable {
    case encoder = "encoder GEMM", selection = "selection", decoder = "decode + loss"
    case backward = "backward (sparse)", auxiliary = "AuxK", update = "Adam + renorm"
  }
  public var seconds: [Phase: Double] = [:]
  public init() {}
}

/// Lap timer feeding ``StepTimings``; free when disabled.
struct PhaseClock {
  let enabled: Bool
  var last: UInt64

  init(enabled: Bool) {
    self.enabled = enabled
    last = enabled ? DispatchTime.now().uptimeNanoseconds : 0
  }

  mutating func lap(_ timings: inout StepTimings?, _ phase: StepTimings.Phase) {
    guard enabled else { return }
    let now = DispatchTime.now().uptimeNanoseconds
    timings?.seconds[phase, default: 0] += Double(now - last) / 1e9
    last = now
  }
}
