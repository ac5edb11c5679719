import CVectorKernels
import Foundation

/// The activations of one TinyLM forward pass over `batch` sequences of `length` tokens,
/// kept for its backward pass (llm.c's `ActivationTensors`). Reusable: a training loop
/// allocates one pass and runs it every step.
///
/// Shapes (`N = batch·length`, `C` width, `L` blocks, `H` heads, `T = length`, `V` vocabulary):
/// residual `(L+1) × N × C` (layer 0 the embedding sum), ln1/ln2/attentionOut `L × N × C`,
/// their means and reciprocal deviations `L × N`, qkv `L × N × 3C`, attention
/// probabilities `L × B × H × T × T`, afterAttention `L × N × C`, fc/fcGelu `L × N × 4C`,
/// final norm `N × C`, logits and probabilities `N × V`, per-token losses `N`.
public final class TinyLMPass: @unchecked Sendable {
  typealias Buffer = UnsafeMutablePointer<Float>

  public let config: TinyLMConfig
  public let batch: Int
  public let length: Int
  public var rows: Int { batch * length }

  let residual, ln1, ln1Mean, ln1Rstd, qkv, attentionOut, attention, afterAttention: Buffer
  let ln2, ln2Mean, ln2Rstd, fc, fcGelu, finalNorm, finalMean, finalRstd, logits, probabilities: Buffer
  let scratch: Buffer
  private var allocations: [Buffer] = []

  /// The tokens and targets of the last forward pass (targets < 0 are not scored).
  public private(set) var tokens: [Int] = []
  public private(set) var targets: [Int]? = nil
  /// Per-token cross-entropy in nats of the last pass with targets (0 where not scored).
  public private(set) var losses: [Float] = []
  /// The mean over scored tokens.
  public private(set) var loss: Float = .nan
  public private(set) var scoredCount = 0
  /// Residual streams captured by the hooks of the last pass.
  public private(set) var captured: [Int: Matrix] = [:]
  var hooks = TinyLMHooks()
  var patchInputs: [Int: Matrix] = [:]

  public init(config: TinyLMConfig, batch: Int, length: Int) throws {
    _ = try config.validated()
    guard batch > 0, (1...config.context).contains(length) else {
      throw SAEKitError.invalidArgument("TinyLM pass: batch \(batch) and length \(length) must be positive, length ≤ context \(config.context)")
    }
    self.config = config
    self.batch = batch
    self.length = length
    let n = batch * length, c = config.width, l = config.layerCount
    var made: [Buffer] = []
    func make(_ count: Int) -> Buffer {
      let p = Buffer.allocate(capacity: max(count, 1))
      Self.zero(p, count: max(count, 1))
      made.append(p)
      return p
    }
    residual = make((l + 1) * n * c)
    ln1 = make(l * n * c); ln1Mean = make(l * n); ln1Rstd = make(l * n)
    qkv = make(l * n * 3 * c)
    attentionOut = make(l * n * c)
    attention = make(l * batch * config.headCount * length * length)
    afterAttention = make(l * n * c)
    ln2 = make(l * n * c); ln2Mean = make(l * n); ln2Rstd = make(l * n)
    fc = make(l * n * 4 * c); fcGelu = make(l * n * 4 * c)
    finalNorm = make(n * c); finalMean = make(n); finalRstd = make(n)
    logits = make(n * config.vocabularySize)
    probabilities = make(n * config.vocabularySize)
    scratch = make(n * c)
    allocations = made
  }

  deinit { for p in allocations { p.deallocate() } }

  /// Initialises `count` floats at `p` to zero, on every worker from ``parallelZeroing`` floats
  /// on: a pass of a 32 × 128 batch holds about 180 MB, whose first touch (the kernel's page
  /// zeroing) would otherwise take one core, while generation makes a small pass per token.
  static func zero(_ p: Buffer, count: Int) {
    guard count >= parallelZeroing else { return p.initialize(repeating: 0, count: count) }
    Parallel.forEachRange(count: count) { r in (p + r.lowerBound).initialize(repeating: 0, count: r.count) }
  }

  /// Buffers from this many floats (4 MB) on are zeroed over the workers.
  static let parallelZeroing = 1 << 20

  /// The backward pass's working memory, made by its first call and reused: gradients of the
  /// residual stream and of a normalised input `N × C` (`dres`, `dln`), of the MLP's hidden layer
  /// `N × 4C` (`dbig`) and of `qkv` `N × 3C`, and the products' partial weight gradients.
  var backwardBuffers: (dres: Buffer, dln: Buffer, dbig: Buffer, dqkv: Buffer, products: Buffer) {
    let n = rows, c = config.width, v = config.vocabularySize
    let products = [(c, 3 * c), (c, c), (c, 4 * c), (4 * c, c), (c, v)]
      .map { TinyLMKernels.matmulBackwardScratchCount(inputs: $0.0, outputs: $0.1) }.max()!
    if backwardStorage == nil {
      let count = 9 * n * c + products
      let p = Buffer.allocate(capacity: count)
      Self.zero(p, count: count)
      allocations.append(p)
      backwardStorage = p
    }
    let base = backwardStorage!
    return (base, base + n * c, base + 2 * n * c, base + 6 * n * c, base + 9 * n * c)
  }
  private var backwardStorage: Buffer?

  // MARK: forward

  /// Runs the model on `tokens (batch × length)`; with `targets` (same shape, < 0 = not
  /// scored) also the softmax, per-token losses and their mean. Returns the mean loss
  /// (NaN without targets).
  @discardableResult
  public func forward(_ parameters: TinyLMParameters, tokens: [Int], targets: [Int]? = nil, hooks: TinyLMHooks = TinyLMHooks()) throws -> Float {
    precondition(parameters.config == config)
    let n = rows, c = config.width, v = config.vocabularySize
    guard tokens.count == n else { throw SAEKitError.invalidArgument("TinyLM: \(tokens.count) tokens for a pass of \(batch) × \(length)") }
    if let bad = tokens.first(where: { !(0..<v).contains($0) }) {
      throw SAEKitError.invalidArgument("TinyLM: token \(bad) is outside the vocabulary 0..<\(v)")
    }
    if let targets {
      guard targets.count == n else { throw SAEKitError.invalidArgument("TinyLM: \(targets.count) targets for \(n) tokens") }
      if let bad = targets.first(where: { $0 >= v }) { throw SAEKitError.invalidArgument("TinyLM: target \(bad) is outside the vocabulary 0..<\(v)") }
    }
    try hooks.validate(layerCount: config.layerCount)
    self.tokens = tokens
    self.targets = targets
    self.hooks = hooks
    captured = [:]
    patchInputs = [:]
    try parameters.storage.withUnsafeBufferPointer { pp in
      let p = pp.baseAddress!
      func w(_ t: TinyLMParameters.Tensor) -> UnsafePointer<Float> { p + parameters.range(t).lowerBound }
      func w(_ t: TinyLMParameters.Tensor, _ layer: Int) -> UnsafePointer<Float> { p + parameters.range(t, layer: layer).lowerBound }
      embed(wte: w(.tokenEmbedding), wpe: w(.positionEmbedding))
      try applyHooks(layer: 0)
      for l in 0..<config.layerCount {
        let x = residual + l * n * c, y = residual + (l + 1) * n * c
        let ln1 = self.ln1 + l * n * c, ln2 = self.ln2 + l * n * c
        let qkv = self.qkv + l * n * 3 * c, out = attentionOut + l * n * c, mid = afterAttention + l * n * c
        let fc = self.fc + l * n * 4 * c, gelu = fcGelu + l * n * 4 * c
        TinyLMKernels.layerNormForward(ln1, mean: ln1Mean + l * n, rstd: ln1Rstd + l * n, x, weight: w(.ln1Weight, l),
                                       bias: w(.ln1Bias, l), rows: n, cols: c, epsilon: config.layerNormEpsilon)
        TinyLMKernels.matmulForward(qkv, ln1, w(.qkvWeight, l), w(.qkvBias, l), rows: n, inputs: c, outputs: 3 * c)
        TinyLMAttention.forward(out: out, att: attention + l * batch * config.headCount * length * length, qkv: qkv,
                                batch: batch, length: length, width: c, heads: config.headCount)
        TinyLMKernels.matmulForward(scratch, out, w(.attentionProjectionWeight, l), w(.attentionProjectionBias, l),
                                    rows: n, inputs: c, outputs: c)
        TinyLMKernels.add(mid, x, scratch, count: n * c)
        TinyLMKernels.layerNormForward(ln2, mean: ln2Mean + l * n, rstd: ln2Rstd + l * n, mid, weight: w(.ln2Weight, l),
                                       bias: w(.ln2Bias, l), rows: n, cols: c, epsilon: config.layerNormEpsilon)
        TinyLMKernels.matmulForward(fc, ln2, w(.fcWeight, l), w(.fcBias, l), rows: n, inputs: c, outputs: 4 * c)
        TinyLMKernels.geluForward(gelu, fc, count: n * 4 * c)
        TinyLMKernels.matmulForward(scratch, gelu, w(.fcProjectionWeight, l), w(.fcProjectionBias, l),
                                    rows: n, inputs: 4 * c, outputs: c)
        TinyLMKernels.add(y, mid, scratch, count: n * c)
        try applyHooks(layer: l + 1)
      }
      let last = residual + config.layerCount * n * c
      TinyLMKernels.layerNormForward(finalNorm, mean: finalMean, rstd: finalRstd, last, weight: w(.finalNormWeight),
                                     bias: w(.finalNormBias), rows: n, cols: c, epsilon: config.layerNormEpsilon)
      TinyLMKernels.matmulForward(logits, finalNorm, w(.tokenEmbedding), nil, rows: n, inputs: c, outputs: v)
    }
    guard let targets else {
      losses = []; loss = .nan; scoredCount = 0
      return .nan
    }
    return crossEntropy(targets)
  }

  /// `residual[0] = wte[token] + wpe[position]`.
  private func embed(wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>) {
    let c = config.width, t = length
    tokens.withUnsafeBufferPointer { tk in
      Parallel.forEachRange(count: rows) { range in
        for r in range {
          let dst = residual + r * c, e = wte + tk[r] * c, p = wpe + (r % t) * c
          for j in 0..<c { dst[j] = e[j] + p[j] }
        }
      }
    }
  }

  /// Captures and patches the residual stream of `layer`.
  private func applyHooks(layer: Int) throws {
    let n = rows, c = config.width
    let stream = residual + layer * n * c
    if let patch = hooks.patches[layer] {
      let input = try Matrix(rows: n, cols: c, storage: Array(UnsafeBufferPointer(start: stream, count: n * c)))
      let output = try patch.forward(input)
      guard output.rows == n, output.cols == c else {
        throw SAEKitError.invalidArgument("the patch of layer \(layer) returned \(output.rows) × \(output.cols) for a \(n) × \(c) residual stream")
      }
      patchInputs[layer] = input
      output.storage.withUnsafeBufferPointer { stream.update(from: $0.baseAddress!, count: n * c) }
    }
    if hooks.capture.contains(layer) { captured[layer] = residualStream(layer) }
  }

  /// The residual stream of `layer` (after its patch) as a `(N × C)` matrix.
  public func residualStream(_ layer: Int) -> Matrix {
    let n = rows, c = config.width
    return try! Matrix(rows: n, cols: c, storage: Array(UnsafeBufferPointer(start: residual + layer * n * c, count: n * c)))
  }

  /// The logits of the last pass, `(N × V)`.
  public var logitMatrix: Matrix {
    let count = rows * config.vocabularySize
    return try! Matrix(rows: rows, cols: config.vocabularySize, storage: Array(UnsafeBufferPointer(start: logits, count: count)))
  }

  /// Softmax of the logits (C kernel `sae_softmax_log_sum`), per-token `−log p(target)` and
  /// their mean over scored tokens.
  private func crossEntropy(_ targets: [Int]) -> Float {
    let v = config.vocabularySize, n = rows
    var perToken = [Float](repeating: 0, count: n)
    let total = perToken.withUnsafeMutableBufferPointer { out in
      targets.withUnsafeBufferPointer { tg in
        Parallel.sum(count: n) { range in
          var sum = 0.0
          for r in range {
            let z = logits + r * v
            let logSum = sae_softmax_log_sum(probabilities + r * v, z, v)
            let target = tg[r]
            guard target >= 0 else { continue }
            let value = logSum - Double(z[target])
            out[r] = Float(value)
            sum += value
          }
          return sum
        }
      }
    }
    scoredCount = targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
    losses = perToken
    loss = scoredCount > 0 ? Float(total / Double(scoredCount)) : .nan
    return loss
  }
}
