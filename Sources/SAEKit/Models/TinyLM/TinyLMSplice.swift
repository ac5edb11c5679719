import Foundation

/// How much of a TinyLM's next-token loss survives when the residual stream of one layer
/// is replaced by a reconstruction (an SAE's, an ITDA dictionary's), with SAELens's
/// conventions (`sae_lens/evals.py`: `get_recons_loss`, `ce_loss_score`).
///
/// On the given windows (every target ≥ 0 scored once), four passes: clean; the layer
/// replaced by the reconstruction; by zeros (zero ablation, SAELens's baseline); by the
/// mean of the layer over the same tokens (mean ablation). CE loss recovered is
/// `(CE_zero − CE_recon) / (CE_zero − CE_clean)` (SAELens's `ce_loss_score`), and with the
/// mean ablation as the baseline as well; KL is `KL(p_clean ‖ p_recon)` per scored token.
public enum TinyLMSplice {
  public struct Result: Sendable, Equatable {
    public var layer: Int
    public var scoredTokens: Int
    /// Mean next-token cross-entropy, nats per scored token.
    public var cleanLoss: Double
    public var reconstructionLoss: Double
    public var zeroAblationLoss: Double
    public var meanAblationLoss: Double
    /// `KL(p_clean ‖ p_reconstruction)`, nats per scored token.
    public var klDivergence: Double
    /// Fraction of variance of the layer unexplained by the reconstruction on these tokens.
    public var fvu: Double

    /// SAELens's `ce_loss_score`: `(CE_zero − CE_recon) / (CE_zero − CE_clean)`.
    public var lossRecovered: Double { (zeroAblationLoss - reconstructionLoss) / (zeroAblationLoss - cleanLoss) }
    /// The same with the mean ablation as the baseline.
    public var lossRecoveredMeanAblation: Double { (meanAblationLoss - reconstructionLoss) / (meanAblationLoss - cleanLoss) }
  }

  /// - Parameters:
  ///   - tokens, targets: windows of `length` tokens, one after the other (targets < 0 are not scored).
  ///   - batchSize: windows per pass.
  ///   - patched: per token, whether the patches replace its row (nil: every row). Rows left
  ///     out (end-of-text, padding) keep their clean state in all three patched passes and
  ///     count in neither the mean nor the FVU, as MiniLM's fidelity leaves `[CLS]`/`[SEP]`.
  public static func evaluate(
    model: TinyLM, layer: Int, tokens: [Int], targets: [Int], length: Int, batchSize: Int = 16,
    patched: [Bool]? = nil, reconstruct: @escaping @Sendable (Matrix) throws -> Matrix
  ) throws -> Result {
    guard (0...model.config.layerCount).contains(layer) else {
      throw SAEKitError.invalidArgument("layer must be in 0...\(model.config.layerCount), got \(layer)")
    }
    guard length > 0, !tokens.isEmpty, tokens.count % length == 0, targets.count == tokens.count, batchSize > 0 else {
      throw SAEKitError.invalidArgument("splice: tokens must be whole windows of \(length) with one target each")
    }
    let patched = patched ?? [Bool](repeating: true, count: tokens.count)
    guard patched.count == tokens.count else {
      throw SAEKitError.invalidArgument("splice: \(patched.count) patched flags for \(tokens.count) tokens")
    }
    let windows = tokens.count / length
    let d = model.config.width
    func batches(_ body: (Int, [Int], [Int], ArraySlice<Bool>) throws -> Void) throws {
      var first = 0
      while first < windows {
        let count = min(batchSize, windows - first)
        let range = (first * length)..<((first + count) * length)
        try body(count, Array(tokens[range]), Array(targets[range]), patched[range])
        first += count
      }
    }
    /// `replacement` on the patched rows of a batch, the input elsewhere.
    func onPatchedRows(_ keep: ArraySlice<Bool>, _ replacement: @escaping @Sendable (Matrix) throws -> Matrix) -> TinyLMPatch {
      let flags = Array(keep)
      return TinyLMPatch(forward: { x in
        var out = try replacement(x)
        for r in 0..<x.rows where !flags[r] {
          for j in 0..<x.cols { out.storage[r * x.cols + j] = x.storage[r * x.cols + j] }
        }
        return out
      })
    }
    // Pass 1: clean losses and the layer's mean.
    var mean = [Double](repeating: 0, count: d)
    var rows = 0
    try batches { count, t, y, keep in
      let pass = try TinyLMPass(config: model.config, batch: count, length: length)
      try pass.forward(model.parameters, tokens: t, targets: y, hooks: TinyLMHooks(capture: [layer]))
      let x = pass.captured[layer]!
      for (r, flag) in keep.enumerated() where flag {
        for j in 0..<d { mean[j] += Double(x.storage[r * d + j]) }
        rows += 1
      }
    }
    guard rows > 0 else { throw SAEKitError.invalidArgument("splice: no row is patched") }
    let meanRow = mean.map { Float($0 / Double(rows)) }
    let meanRows: @Sendable (Matrix) -> Matrix = { x in
      var out = Matrix(rows: x.rows, cols: x.cols)
      for r in 0..<x.rows { for j in 0..<x.cols { out.storage[r * x.cols + j] = meanRow[j] } }
      return out
    }
    var sums = (clean: 0.0, recon: 0.0, zero: 0.0, mean: 0.0, kl: 0.0, scored: 0)
    var residual = 0.0, centred = 0.0
    try batches { count, t, y, keep in
      func run(_ patch: TinyLMPatch?) throws -> TinyLMPass {
        let pass = try TinyLMPass(config: model.config, batch: count, length: length)
        try pass.forward(model.parameters, tokens: t, targets: y,
                         hooks: TinyLMHooks(capture: patch == nil ? [layer] : [], patches: patch.map { [layer: $0] } ?? [:]))
        return pass
      }
      let clean = try run(nil)
      let x = clean.captured[layer]!
      let reconstruction = try reconstruct(x)
      guard reconstruction.rows == x.rows, reconstruction.cols == d else {
        throw SAEKitError.invalidArgument("the reconstruction is \(reconstruction.rows) × \(reconstruction.cols), not \(x.rows) × \(d)")
      }
      for (r, flag) in keep.enumerated() where flag {
        for j in 0..<d {
          let v = Double(x.storage[r * d + j])
          let e = v - Double(reconstruction.storage[r * d + j])
          residual += e * e
          let c = v - Double(meanRow[j])
          centred += c * c
        }
      }
      let recon = try run(onPatchedRows(keep) { _ in reconstruction })
      let zero = try run(onPatchedRows(keep) { Matrix(rows: $0.rows, cols: $0.cols) })
      let meaned = try run(onPatchedRows(keep, meanRows))
      let scored = clean.scoredCount
      sums.clean += Double(clean.loss) * Double(scored)
      sums.recon += Double(recon.loss) * Double(scored)
      sums.zero += Double(zero.loss) * Double(scored)
      sums.mean += Double(meaned.loss) * Double(scored)
      sums.kl += klSum(clean.logitMatrix, recon.logitMatrix, targets: y)
      sums.scored += scored
    }
    guard sums.scored > 0 else { throw SAEKitError.invalidArgument("splice: no target is scored") }
    let n = Double(sums.scored)
    return Result(layer: layer, scoredTokens: sums.scored, cleanLoss: sums.clean / n, reconstructionLoss: sums.recon / n,
                  zeroAblationLoss: sums.zero / n, meanAblationLoss: sums.mean / n, klDivergence: sums.kl / n,
                  fvu: centred > 0 ? residual / centred : .nan)
  }

  /// `Σ_scored rows KL(softmax(p) ‖ softmax(q))` in Double.
  static func klSum(_ p: Matrix, _ q: Matrix, targets: [Int]) -> Double {
    let v = p.cols
    return Parallel.sum(count: p.rows) { range in
      var total = 0.0
      for r in range where targets[r] >= 0 {
        let lp = logSoftmax(p.storage[(r * v)..<((r + 1) * v)]), lq = logSoftmax(q.storage[(r * v)..<((r + 1) * v)])
        for j in 0..<v { total += exp(lp[j]) * (lp[j] - lq[j]) }
      }
      return total
    }
  }

  static func logSoftmax(_ z: ArraySlice<Float>) -> [Double] {
    let maximum = Double(z.max() ?? 0)
    let logSum = log(z.reduce(0.0) { $0 + exp(Double($1) - maximum) }) + maximum
    return z.map { Double($0) - logSum }
  }
}
