import CVectorKernels
import Foundation
import Testing
@testable import SAEKit

/// TinyLM's fast kernels (OpenBLAS products in fixed chunks, the C kernels of
/// `gpt2_kernels.c`) against naive references: plain loops in Double, one formula per line, as
/// llm.c keeps `matmul_forward_naive` beside its fast path.
@Suite struct TinyLMKernelTests {
  typealias Out = UnsafeMutablePointer<Float>

  static func random(_ count: Int, seed: UInt64, std: Double = 1) -> [Float] {
    var r = RandomSource(seed: seed)
    return (0..<count).map { _ in Float(r.gaussian(mean: 0, std: std)) }
  }

  static func expectClose(_ fast: [Float], _ naive: [Double], tolerance: Double, _ what: String,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(fast.count == naive.count, sourceLocation: sourceLocation)
    var worst = 0.0, at = 0
    for (i, (a, b)) in zip(fast, naive).enumerated() {
      let error = abs(Double(a) - b) / max(1, abs(b))
      if error > worst { worst = error; at = i }
    }
    #expect(worst <= tolerance, "\(what): max error \(worst) at \(at) (\(fast[at]) vs \(naive[at]))",
            sourceLocation: sourceLocation)
  }

  // MARK: matmul

  /// `out (N × O) = inp (N × I) · Wᵀ + b`, naively.
  static func matmulNaive(_ inp: [Float], _ w: [Float], _ b: [Float]?, n: Int, i: Int, o: Int) -> [Double] {
    var out = [Double](repeating: 0, count: n * o)
    for r in 0..<n {
      for j in 0..<o {
        var sum = b.map { Double($0[j]) } ?? 0
        for k in 0..<i { sum += Double(inp[r * i + k]) * Double(w[j * i + k]) }
        out[r * o + j] = sum
      }
    }
    return out
  }

  @Test(arguments: [(37, 20, 13), (8, 5, 3), (300, 16, 48)])
  func matmulForwardAndBackwardMatchNaiveLoops(shape: (Int, Int, Int)) {
    let (n, i, o) = shape
    let inp = Self.random(n * i, seed: 1), w = Self.random(o * i, seed: 2), b = Self.random(o, seed: 3)
    let dout = Self.random(n * o, seed: 4)
    var out = [Float](repeating: 0, count: n * o)
    var dinp = [Float](repeating: 0, count: n * i), dw = Self.random(o * i, seed: 5), db = Self.random(o, seed: 6)
    let dw0 = dw, db0 = db
    var scratch = [Float](repeating: 0, count: TinyLMKernels.matmulBackwardScratchCount(inputs: i, outputs: o))
    out.withUnsafeMutableBufferPointer { TinyLMKernels.matmulForward($0.baseAddress!, inp, w, b, rows: n, inputs: i, outputs: o) }
    Self.expectClose(out, Self.matmulNaive(inp, w, b, n: n, i: i, o: o), tolerance: 1e-5, "forward")
    dinp.withUnsafeMutableBufferPointer { di in
      dw.withUnsafeMutableBufferPointer { dwp in
        db.withUnsafeMutableBufferPointer { dbp in
          scratch.withUnsafeMutableBufferPointer { s in
            TinyLMKernels.matmulBackward(dinp: di.baseAddress!, dw: dwp.baseAddress!, db: dbp.baseAddress!, dout: dout,
                                         inp: inp, w: w, rows: n, inputs: i, outputs: o, scratch: s.baseAddress!)
          }
        }
      }
    }
    // dinp = dout·W, dW = dW₀ + doutᵀ·inp, db = db₀ + Σ_rows dout.
    var dinpNaive = [Double](repeating: 0, count: n * i)
    var dwNaive = dw0.map(Double.init), dbNaive = db0.map(Double.init)
    for r in 0..<n {
      for j in 0..<o {
        let g = Double(dout[r * o + j])
        dbNaive[j] += g
        for k in 0..<i {
          dinpNaive[r * i + k] += g * Double(w[j * i + k])
          dwNaive[j * i + k] += g * Double(inp[r * i + k])
        }
      }
    }
    Self.expectClose(dinp, dinpNaive, tolerance: 1e-5, "dinp")
    Self.expectClose(dw, dwNaive, tolerance: 1e-5, "dW")
    Self.expectClose(db, dbNaive, tolerance: 1e-5, "db")
    #expect(scratch.allSatisfy { $0 == 0 }, "matmulBackward leaves its partials zero for the next call")
  }

  // MARK: LayerNorm

  @Test(arguments: [1, 7, 16, 128, 131])
  func layerNormForwardAndBackwardMatchNaiveLoops(cols c: Int) {
    let n = 45
    let x = Self.random(n * c, seed: 7, std: 3).map { $0 + 1 }, weight = Self.random(c, seed: 8), bias = Self.random(c, seed: 9)
    let dout = Self.random(n * c, seed: 10)
    var out = [Float](repeating: 0, count: n * c), mean = [Float](repeating: 0, count: n), rstd = mean
    var dx = Self.random(n * c, seed: 11), dweight = Self.random(c, seed: 12), dbias = Self.random(c, seed: 13)
    let dx0 = dx, dweight0 = dweight, dbias0 = dbias
    out.withUnsafeMutableBufferPointer { o in
      mean.withUnsafeMutableBufferPointer { m in
        rstd.withUnsafeMutableBufferPointer { s in
          TinyLMKernels.layerNormForward(o.baseAddress!, mean: m.baseAddress!, rstd: s.baseAddress!, x, weight: weight,
                                         bias: bias, rows: n, cols: c, epsilon: 1e-5)
        }
      }
    }
    dx.withUnsafeMutableBufferPointer { d in
      dweight.withUnsafeMutableBufferPointer { dw in
        dbias.withUnsafeMutableBufferPointer { db in
          TinyLMKernels.layerNormBackward(dx: d.baseAddress!, dweight: dw.baseAddress!, dbias: db.baseAddress!, dout: dout,
                                          x: x, weight: weight, mean: mean, rstd: rstd, rows: n, cols: c)
        }
      }
    }
    var outNaive = [Double](), meanNaive = [Double](), rstdNaive = [Double]()
    var dxNaive = dx0.map(Double.init), dweightNaive = dweight0.map(Double.init), dbiasNaive = dbias0.map(Double.init)
    for r in 0..<n {
      let row = (0..<c).map { Double(x[r * c + $0]) }
      let mu = row.reduce(0, +) / Double(c)
      let variance = row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(c)
      let s = 1 / (variance + 1e-5).squareRoot()
      meanNaive.append(mu)
      rstdNaive.append(s)
      let xhat = row.map { ($0 - mu) * s }
      outNaive += (0..<c).map { xhat[$0] * Double(weight[$0]) + Double(bias[$0]) }
      // dx = s·(g − mean(g) − x̂·mean(g·x̂)), g = dout·γ.
      let g = (0..<c).map { Double(dout[r * c + $0]) * Double(weight[$0]) }
      let gMean = g.reduce(0, +) / Double(c)
      let gxMean = zip(g, xhat).map(*).reduce(0, +) / Double(c)
      for j in 0..<c {
        dxNaive[r * c + j] += s * (g[j] - gMean - xhat[j] * gxMean)
        dweightNaive[j] += Double(dout[r * c + j]) * xhat[j]
        dbiasNaive[j] += Double(dout[r * c + j])
      }
    }
    Self.expectClose(out, outNaive, tolerance: 1e-5, "out")
    Self.expectClose(mean, meanNaive, tolerance: 1e-6, "mean")
    Self.expectClose(rstd, rstdNaive, tolerance: 1e-6, "rstd")
    Self.expectClose(dx, dxNaive, tolerance: 1e-4, "dx")
    Self.expectClose(dweight, dweightNaive, tolerance: 1e-4, "dweight")
    Self.expectClose(dbias, dbiasNaive, tolerance: 1e-5, "dbias")
  }

  // MARK: GELU

  @Test func geluForwardAndBackwardMatchTheTanhFormula() {
    var values = (0...24_000).map { Float(-12 + Double($0) * 1e-3) }
    values += [0, -0, 1e-30, -1e-30, 40, -40, 88, -88, 1e4, -1e4]
    let count = values.count
    let scale = (2 / Double.pi).squareRoot()
    var out = [Float](repeating: 0, count: count)
    var grad = Self.random(count, seed: 14)
    let dout = grad
    out.withUnsafeMutableBufferPointer { TinyLMKernels.geluForward($0.baseAddress!, values, count: count) }
    grad.withUnsafeMutableBufferPointer { TinyLMKernels.geluBackward(grad: $0.baseAddress!, x: values, count: count) }
    var outNaive = [Double](), gradNaive = [Double]()
    for (v, g) in zip(values.map(Double.init), dout.map(Double.init)) {
      // ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³); d/dx = ½(1 + tanh u) + ½x·sech²u·u'.
      let u = scale * (v + 0.044715 * v * v * v), t = tanh(u)
      outNaive.append(0.5 * v * (1 + t))
      gradNaive.append(g * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * scale * (1 + 3 * 0.044715 * v * v)))
    }
    Self.expectClose(out, outNaive, tolerance: 1e-6, "GELU")
    // σ(1 − σ) (like 1 − tanh² in the tanhf form, 1.2e-6) cancels in float near |x| ≈ 5.
    Self.expectClose(grad, gradNaive, tolerance: 5e-6, "GELU'")
  }

  // MARK: attention

  /// `P = softmax(mask(Q·Kᵀ/√hs))`, `Y = P·V` per (sequence, head), and the backward, naively.
  @Test(arguments: [(2, 5, 8, 2), (3, 33, 12, 3)])
  func attentionForwardAndBackwardMatchNaiveLoops(shape: (Int, Int, Int, Int)) {
    let (batch, t, c, heads) = shape
    let hs = c / heads, stride = 3 * c
    let qkv = Self.random(batch * t * stride, seed: 15, std: 2), dout = Self.random(batch * t * c, seed: 16)
    var out = [Float](repeating: 0, count: batch * t * c), att = [Float](repeating: .nan, count: batch * heads * t * t)
    var dqkv = [Float](repeating: .nan, count: batch * t * stride)
    out.withUnsafeMutableBufferPointer { o in
      att.withUnsafeMutableBufferPointer { a in
        TinyLMAttention.forward(out: o.baseAddress!, att: a.baseAddress!, qkv: qkv, batch: batch, length: t, width: c, heads: heads)
      }
    }
    dqkv.withUnsafeMutableBufferPointer { d in
      TinyLMAttention.backward(dqkv: d.baseAddress!, dout: dout, att: att, qkv: qkv, batch: batch, length: t, width: c, heads: heads)
    }
    var outNaive = [Double](repeating: 0, count: out.count), attNaive = [Double](repeating: 0, count: att.count)
    var dqkvNaive = [Double](repeating: 0, count: dqkv.count)
    let scale = 1 / Double(hs).squareRoot()
    func at(_ b: Int, _ i: Int, _ part: Int, _ h: Int, _ e: Int) -> Int { (b * t + i) * stride + part * c + h * hs + e }
    for b in 0..<batch {
      for h in 0..<heads {
        let pBase = (b * heads + h) * t * t
        for i in 0..<t {
          let scores = (0...i).map { j in (0..<hs).map { Double(qkv[at(b, i, 0, h, $0)]) * Double(qkv[at(b, j, 1, h, $0)]) }.reduce(0, +) * scale }
          let m = scores.max()!, e = scores.map { Foundation.exp($0 - m) }, sum = e.reduce(0, +)
          for j in 0...i { attNaive[pBase + i * t + j] = e[j] / sum }
          for d in 0..<hs {
            outNaive[(b * t + i) * c + h * hs + d] = (0...i).map { attNaive[pBase + i * t + $0] * Double(qkv[at(b, $0, 2, h, d)]) }.reduce(0, +)
          }
        }
        for i in 0..<t {
          let dy = (0..<hs).map { Double(dout[(b * t + i) * c + h * hs + $0]) }
          // dP_ij = dY_i·V_j, dS_ij = P_ij(dP_ij − Σ_k P_ik dP_ik); dV_j += P_ij dY_i.
          let dp = (0...i).map { j in (0..<hs).map { dy[$0] * Double(qkv[at(b, j, 2, h, $0)]) }.reduce(0, +) }
          let p = (0...i).map { attNaive[pBase + i * t + $0] }
          let dot = zip(p, dp).map(*).reduce(0, +)
          for j in 0...i {
            let ds = p[j] * (dp[j] - dot) * scale
            for e in 0..<hs {
              dqkvNaive[at(b, i, 0, h, e)] += ds * Double(qkv[at(b, j, 1, h, e)])
              dqkvNaive[at(b, j, 1, h, e)] += ds * Double(qkv[at(b, i, 0, h, e)])
              dqkvNaive[at(b, j, 2, h, e)] += p[j] * dy[e]
            }
          }
        }
      }
    }
    Self.expectClose(out, outNaive, tolerance: 1e-5, "Y")
    Self.expectClose(att, attNaive, tolerance: 1e-6, "P")
    Self.expectClose(dqkv, dqkvNaive, tolerance: 1e-5, "dqkv")
    var added = [Float](repeating: 0, count: dqkv.count)
    added.withUnsafeMutableBufferPointer { d in
      TinyLMAttention.backward(dqkv: d.baseAddress!, dout: dout, att: att, qkv: qkv, batch: batch, length: t, width: c, heads: heads,
                               accumulate: true)
    }
    #expect(added == dqkv, "adding into a zero dqkv gives the bits of writing it")
  }

  // MARK: cross-entropy

  @Test(arguments: [1, 7, 8, 257])
  func softmaxLogSumMatchesADoubleReference(cols: Int) {
    for seed in 0..<5 {
      let z = Self.random(cols, seed: 30 + UInt64(seed), std: 6)
      var p = [Float](repeating: .nan, count: cols)
      let logSum = p.withUnsafeMutableBufferPointer { sae_softmax_log_sum($0.baseAddress!, z, cols) }
      let m = Double(z.max()!)
      let total = z.map { Foundation.exp(Double($0) - m) }.reduce(0, +)
      #expect(abs(logSum - (m + Foundation.log(total))) < 1e-6 * max(1, abs(logSum)))
      Self.expectClose(p, z.map { Foundation.exp(Double($0) - m) / total }, tolerance: 1e-6, "p")
    }
  }

  // MARK: AdamW

  @Test func adamWMatchesTheFloatFormulaBitForBit() {
    let config = TinyLMConfig(vocabularySize: 11, context: 6, width: 8, layerCount: 2, headCount: 2)
    var settings = TinyLMOptimizer.Settings()
    settings.warmupSteps = 2
    settings.totalSteps = 10
    settings.clipNorm = 0.5
    var parameters = TinyLMParameters(initialising: config, seed: 4)
    var naive = parameters.storage
    var optimizer = TinyLMOptimizer(settings: settings, config: config)
    let count = naive.count
    var m = [Float](repeating: 0, count: count), v = m
    for step in 0..<3 {
      let gradients = try! TinyLMParameters(config: config, storage: Self.random(count, seed: 20 + UInt64(step)))
      let (norm, lr) = optimizer.update(&parameters, with: gradients)
      let scale = Float(norm > 0.5 ? 0.5 / norm : 1)
      let b1: Float = 0.9, b2: Float = 0.95
      let c1 = Float(1 - pow(0.9, Double(step + 1))), c2 = Float(1 - pow(0.95, Double(step + 1)))
      for tensor in TinyLMParameters.Tensor.allCases {
        let decay = tensor.isMatrix ? Float(lr * settings.weightDecay) : 0
        for i in parameters.range(tensor) {
          let g = gradients.storage[i] * scale
          m[i] = b1 * m[i] + (1 - b1) * g
          v[i] = b2 * v[i] + (1 - b2) * g * g
          naive[i] -= Float(lr) * ((m[i] / c1) / ((v[i] / c2).squareRoot() + Float(settings.epsilon))) + decay * naive[i]
        }
      }
      #expect(parameters.storage == naive, "step \(step)")
    }
  }
}
