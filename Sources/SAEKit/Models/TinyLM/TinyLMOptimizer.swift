import CVectorKernels
import Foundation

/// AdamW for a TinyLM (decoupled weight decay on matrices only: embeddings and the four
/// block matrices; biases and LayerNorm gains are not decayed), with global-norm gradient
/// clipping and a learning rate that warms up linearly and then decays along a cosine.
///
/// Updates are split over fixed parameter chunks; the gradient norm is summed per chunk in
/// Double and added in chunk order, so the same steps give the same bits on any core count.
public struct TinyLMOptimizer: Sendable {
  public struct Settings: Sendable, Equatable, Codable {
    public var learningRate: Double = 3e-3
    /// The schedule's floor, as a fraction of ``learningRate``.
    public var minimumLearningRateFraction: Double = 0.1
    public var warmupSteps: Int = 100
    public var totalSteps: Int = 2000
    public var beta1: Double = 0.9
    public var beta2: Double = 0.95
    public var epsilon: Double = 1e-8
    public var weightDecay: Double = 0.1
    /// Gradients whose global L2 norm exceeds this are scaled down to it (≤ 0: no clipping).
    public var clipNorm: Double = 1.0

    public init() {}

    /// The learning rate of `step` (0-based): linear warm-up over ``warmupSteps`` to
    /// ``learningRate``, then a cosine to `minimumLearningRateFraction · learningRate` at
    /// ``totalSteps``.
    public func learningRate(step: Int) -> Double {
      if step < warmupSteps { return learningRate * Double(step + 1) / Double(warmupSteps) }
      let span = max(1, totalSteps - warmupSteps)
      let progress = min(1, Double(step - warmupSteps) / Double(span))
      let floor = learningRate * minimumLearningRateFraction
      return floor + 0.5 * (learningRate - floor) * (1 + cos(Double.pi * progress))
    }
  }

  public var settings: Settings
  /// Steps taken so far.
  public private(set) var step = 0
  var m: [Float]
  var v: [Float]

  public init(settings: Settings, config: TinyLMConfig) {
    self.settings = settings
    let count = TinyLMParameters.count(config)
    m = [Float](repeating: 0, count: count)
    v = [Float](repeating: 0, count: count)
  }

  /// The global L2 norm of `gradients`.
  public static func norm(_ gradients: TinyLMParameters) -> Double {
    gradients.storage.withUnsafeBufferPointer { g in
      Parallel.sum(count: g.count) { range in
        var s = 0.0
        for i in range { s += Double(g[i]) * Double(g[i]) }
        return s
      }.squareRoot()
    }
  }

  /// One AdamW step; returns the gradient norm before clipping and the learning rate used.
  @discardableResult
  public mutating func update(_ parameters: inout TinyLMParameters, with gradients: TinyLMParameters) -> (gradientNorm: Double, learningRate: Double) {
    let norm = Self.norm(gradients)
    let clip = settings.clipNorm > 0 && norm > settings.clipNorm ? settings.clipNorm / norm : 1
    let lr = settings.learningRate(step: step)
    step += 1
    let b1 = settings.beta1, b2 = settings.beta2
    let correction1 = 1 - pow(b1, Double(step)), correction2 = 1 - pow(b2, Double(step))
    let eps = Float(settings.epsilon), scale = Float(clip)
    let fb1 = Float(b1), fb2 = Float(b2), fc1 = Float(correction1), fc2 = Float(correction2), flr = Float(lr)
    for tensor in TinyLMParameters.Tensor.allCases {
      let range = parameters.range(tensor)
      let decay = tensor.isMatrix ? Float(lr * settings.weightDecay) : 0
      parameters.storage.withUnsafeMutableBufferPointer { pp in
        gradients.storage.withUnsafeBufferPointer { gp in
          m.withUnsafeMutableBufferPointer { mp in
            v.withUnsafeMutableBufferPointer { vp in
              let p = pp.baseAddress! + range.lowerBound, g = gp.baseAddress! + range.lowerBound
              let mm = mp.baseAddress! + range.lowerBound, vv = vp.baseAddress! + range.lowerBound
              Parallel.forEachRange(count: range.count) { chunk in
                let k = chunk.lowerBound
                sae_adamw(p + k, g + k, mm + k, vv + k, chunk.count, scale, fb1, fb2, fc1, fc2, flr, eps, decay)
              }
            }
          }
        }
      }
    }
    return (norm, lr)
  }
}
