import Foundation

/// JumpReLU codes with an L0 penalty (Rajamanoharan et al. 2024):
///
/// ```
/// z_j      = pre_j · H(pre_j − θ_j),           θ_j = exp(logθ_j) > 0
/// penalty  = (λ/B) · Σ_r Σ_j H(pre_rj − θ_j)    (the batch-mean L0, times λ)
/// ```
///
/// `H` has no useful derivative, so the threshold gets a straight-through
/// estimate with a rectangle kernel `K(u) = 1[|u| ≤ ½]` of bandwidth `ε`:
///
/// ```
/// ∂z/∂θ  ≈ −(θ/ε) · K((pre − θ)/ε)        ∂H/∂θ ≈ −(1/ε) · K((pre − θ)/ε)
/// ∂L/∂θ_j = Σ_r [ ∂L/∂z_rj · ∂z_rj/∂θ_j + (λ/B) · ∂H_rj/∂θ_j ]
/// ∂L/∂logθ_j = θ_j · ∂L/∂θ_j,      ∂L/∂pre = ∂L/∂z on the kept entries
/// ```
///
/// `∂L/∂z` at an entry inside the band but below the threshold (not stored in
/// the codes) is computed on the spot as `⟨∂L/∂x̂_r, W_dec[j]⟩`.
///
/// **Scale of λ.** The trainer's loss is `Σ_r‖x̂_r − s·x_r‖²/B + λ·L0` with inputs
/// scaled so that `E‖s·x‖² = d`, so λ is the squared error (in those units) one
/// latent must save on a token to be worth firing there. For a unit-norm decoder
/// row, firing at value `v` against a residual `v` along it saves `v²`, so the
/// break-even threshold is `θ = √λ` (the hard threshold of the L0 proximal
/// operator for `‖·‖²`; it is also where the straight-through gradient above
/// balances for a latent that explains its residual). When about `n` features of
/// similar size are active, a typical one has `v² ≈ d/n`: λ well below `d/n` keeps
/// them, λ above the largest `v²` switches every latent off.
///
/// **Where this differs from SAELens's `JumpReLUTrainingSAE`.** SAELens starts
/// every threshold at 0.001 with `ε = 0.001` (`jumprelu_init_threshold`,
/// `jumprelu_bandwidth`), as the paper does. With our scaling
/// the pre-activations are of order 1, and Adam moves `logθ` by at most about the
/// learning rate per step (under 1 in 1,000 steps at width 1,024), so a threshold
/// started at 0.001 stays far below every pre-activation and L0 does not depend
/// on λ. By default we therefore start at `θ = √λ` and use ``defaultBandwidth``;
/// `initialThreshold: 0.001, bandwidth: 0.001` is SAELens's start.
///
/// **Target form.** With ``targetL0`` set, the first training batch sets each
/// `θ_j` to the value its latent exceeds on a share `targetL0/m` of the batch (so
/// the batch's L0 is the target) and λ to the mean `θ_j²` (the break-even above).
/// The thresholds then learn as in the coefficient form, and an integral
/// controller holds the L0: after each training batch every `logθ_j` moves by
/// `gain · log(L0_batch/target)` (applied before the next batch's codes), up
/// while the codes are too dense, down while too sparse. The shift is common to
/// all latents, so the straight-through learning still sets their relative
/// thresholds. (A controller on λ alone is too slow: Adam moves `logθ` by at most
/// the learning rate per step whatever λ is, and the reconstruction term alone
/// raises the thresholds of a dense SAE, so no λ ≥ 0 holds a large target.)
public struct JumpReLU: SparseActivation {
  /// `logθ_j` for every latent (the trainable parameters).
  public var parameters: [Float]
  /// `λ`; the target form sets it from the first batch (the mean `θ_j²`).
  public var l0Coefficient: Float
  public var bandwidth: Float
  /// The mean L0 the training aims for, or nil for a fixed ``l0Coefficient``.
  public var targetL0: Float?
  /// True until a training batch has set the thresholds (target form only).
  public var thresholdsPending: Bool
  /// The shift of every `logθ_j` the next training batch applies first (target form only).
  public var thresholdShift: Float = 0
  public var usesAuxiliaryLoss: Bool { false }

  /// `ε` in units where `E‖s·x‖² = d` (pre-activations of order 1).
  public static let defaultBandwidth: Float = 0.05
  /// The floor of the initial threshold (`λ = 0`, a latent whose quantile is ≤ 0).
  public static let minimumThreshold: Float = 0.001
  /// The target form's shift of `logθ` per unit of `log(L0_batch/target)`. A batch's L0 is
  /// noisy (±15% at L0 = 2 over 256 tokens) and the shift passes that noise on: the data's
  /// L0 wandered by a standard deviation of 3.3%, 3.9%, 5.1% and 12% around the target at
  /// gains 0.03, 0.05, 0.1 and 0.3 (256 latents, d = 32, target 2); the thresholds start on
  /// target, so a small gain only has to follow the slow drift of training.
  public static let controllerGain: Float = 0.05

  /// A JumpReLU whose thresholds all start at `initialThreshold` (nil: `√λ`, at least ``minimumThreshold``).
  public init(width: Int, l0Coefficient: Float, bandwidth: Float = defaultBandwidth, initialThreshold: Float? = nil) {
    let theta = initialThreshold ?? max(l0Coefficient.squareRoot(), Self.minimumThreshold)
    self.parameters = [Float](repeating: Foundation.log(theta), count: width)
    self.l0Coefficient = l0Coefficient
    self.bandwidth = bandwidth
    self.targetL0 = nil
    self.thresholdsPending = false
  }

  /// The target form: thresholds and λ are set from the first training batch.
  public init(width: Int, targetL0: Float, bandwidth: Float = defaultBandwidth) {
    self.init(width: width, l0Coefficient: 0, bandwidth: bandwidth)
    self.targetL0 = targetL0
    self.thresholdsPending = true
  }

  /// The kind; the coefficient form reports the mean learnt threshold as the initial one.
  public var kind: ActivationKind {
    if let target = targetL0 { return .jumpReLUTargetL0(targetL0: target, bandwidth: bandwidth) }
    let theta = thresholds
    let mean = theta.reduce(0, +) / Float(max(1, theta.count))
    return .jumpReLU(l0: l0Coefficient, bandwidth: bandwidth, initialThreshold: mean)
  }

  /// The target form's `[λ, 1 if the thresholds are still pending else 0, the pending shift]`;
  /// empty otherwise.
  public var state: [Float] {
    get { targetL0 == nil ? [] : [l0Coefficient, thresholdsPending ? 1 : 0, thresholdShift] }
    set {
      guard targetL0 != nil, newValue.count == 3 else { return }
      l0Coefficient = newValue[0]
      thresholdsPending = newValue[1] != 0
      thresholdShift = newValue[2]
    }
  }

  /// `θ_j = exp(logθ_j)`.
  public var thresholds: [Float] { parameters.map { Foundation.exp($0) } }

  public var description: String {
    if let target = targetL0 {
      return "JumpReLU(targetL0: \(target), bandwidth: \(bandwidth)" + (thresholdsPending ? ")" : ", λ: \(formatCompact(l0Coefficient)))")
    }
    return "JumpReLU(l0: \(l0Coefficient), bandwidth: \(bandwidth))"
  }

  public var inferenceIsPerRow: Bool { true }

  public func inferenceCodes(_ pre: Matrix) -> SparseCodes {
    SparseCodes.above(pre, thresholds: thresholds)
  }

  /// The codes by the current thresholds. The target form first sets the thresholds from
  /// the first batch; afterwards it shifts every `logθ_j` by the correction the previous
  /// batch's L0 asked for, then computes that correction from this batch's L0.
  public mutating func trainingCodes(_ pre: Matrix) -> SparseCodes {
    guard let target = targetL0 else { return inferenceCodes(pre) }
    if thresholdsPending {
      parameters = Self.quantileThresholds(pre, share: target / Float(max(1, pre.cols))).map { Foundation.log($0) }
      let theta = thresholds
      l0Coefficient = theta.map { $0 * $0 }.reduce(0, +) / Float(max(1, theta.count))
      thresholdsPending = false
    } else if thresholdShift != 0 {
      for j in parameters.indices { parameters[j] += thresholdShift }
    }
    let codes = inferenceCodes(pre)
    let ratio = max(codes.meanL0, 0.01 * Double(target)) / Double(target)
    thresholdShift = Self.controllerGain * Float(Foundation.log(ratio))
    return codes
  }

  /// Per column of `pre`, the value its `round(share·B)` largest entries exceed
  /// (at least one entry, at least ``minimumThreshold``): thresholds under which each
  /// latent fires on that share of the batch. Columns in parallel; deterministic.
  static func quantileThresholds(_ pre: Matrix, share: Float) -> [Float] {
    let b = pre.rows, m = pre.cols
    let kept = min(b - 1, max(1, Int((Double(share) * Double(b)).rounded())))
    var theta = [Float](repeating: minimumThreshold, count: m)
    guard b >= 2 else { return theta }
    pre.storage.withUnsafeBufferPointer { pb in
      theta.withUnsafeMutableBufferPointer { tb in
        let (pp, tp) = (pb.baseAddress!, tb.baseAddress!)
        Parallel.forEachRange(count: m) { latents in
          var column = [Float](repeating: 0, count: b)
          for j in latents {
            for r in 0..<b { column[r] = pp[r * m + j] }
            column.sort(by: >)
            tp[j] = max(column[kept], minimumThreshold)
          }
        }
      }
    }
    return theta
  }

  public func backward(_ input: ActivationBackwardInput) -> ActivationGradients {
    let b = input.pre.rows, m = input.pre.cols, d = input.decoder.cols
    let theta = thresholds
    let eps = bandwidth, penaltyScale = l0Coefficient / Float(max(1, b))
    let chunks = Parallel.defaultChunks
    // Per-chunk partial sums of ∂L/∂θ_j, combined in chunk order (deterministic).
    var partial = [Float](repeating: 0, count: chunks * m)
    partial.withUnsafeMutableBufferPointer { pb in
      input.pre.storage.withUnsafeBufferPointer { preB in
        input.reconstructionGradient.storage.withUnsafeBufferPointer { gB in
          input.decoder.storage.withUnsafeBufferPointer { wB in
            theta.withUnsafeBufferPointer { tB in
              input.codes.rowStart.withUnsafeBufferPointer { startB in
                input.codes.indices.withUnsafeBufferPointer { idB in
                  input.codeGradients.withUnsafeBufferPointer { dzB in
                    let (pp, prep, gp, wp, tp) = (pb.baseAddress!, preB.baseAddress!, gB.baseAddress!, wB.baseAddress!, tB.baseAddress!)
                    let (start, ids, dzp) = (startB.baseAddress!, idB.baseAddress, dzB.baseAddress)
                    Parallel.forEachChunk(count: b, chunks: chunks) { c, rows in
                      let acc = pp + c * m
                      for r in rows {
                        var e = start[r]
                        let end = start[r + 1]
                        for j in 0..<m {
                          let v = prep[r * m + j]
                          let stored = e < end && Int(ids![e]) == j
                          if abs((v - tp[j]) / eps) <= 0.5 {
                            let dz = stored ? dzp![e] : BLAS.dot(d, gp + r * d, wp + j * d)
                            acc[j] += -(tp[j] / eps) * dz - penaltyScale / eps
                          }
                          if stored { e += 1 }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    var grad = [Float](repeating: 0, count: m)
    for c in 0..<chunks {
      for j in 0..<m { grad[j] += partial[c * m + j] }
    }
    for j in 0..<m { grad[j] *= theta[j] }
    let penalty = Double(penaltyScale) * Double(input.codes.values.count)
    return ActivationGradients(preGradients: input.codeGradients, parameterGradients: grad, penalty: penalty)
  }
}
