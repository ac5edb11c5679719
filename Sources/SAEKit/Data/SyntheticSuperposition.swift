import Foundation

/// Synthetic activations in sparse superposition, `X = H·V + ε`, with known
/// ground-truth features, for testing whether an SAE recovers them.
///
/// Dimension legend: `N` samples, `n` ground-truth features, `d` dimensions.
/// - `V (n × d)`: feature directions; rows i.i.d. `N(0, I_d)` normalised to
///   unit norm (or given by the caller, used as is).
/// - `H (N × n)`: sparse coefficients; each sample's support comes from
///   ``Support``, each active coefficient's magnitude from ``Magnitude``,
///   with an independent random sign when `signed`.
/// - `ε (N × d)`: i.i.d. `N(0, σ²)` noise (none when `σ = 0`).
///
/// Determinism: the output depends only on the config, the features and the
/// state of the `RandomSource`, never on the number of threads. Rows are cut
/// into fixed streams of ``rowsPerStream`` rows, stream `b` draws from
/// `base.fork(b + 1)` (features from `base.fork(0)`, with `base` seeded from
/// one draw of the caller's source), and workers only decide which streams
/// they compute. Within a row the draws are: support, then per active feature
/// (ascending id) magnitude and sign, then the `d` noise values.
///
/// `X` is built row by row as a sparse sum of rows of `V` (no dense `H`), in
/// parallel over streams with `DispatchQueue.concurrentPerform`.
public struct SyntheticSuperposition: Sendable {
  /// What to generate.
  public struct Config: Sendable, Equatable {
    /// `n`, the number of ground-truth features.
    public var featureCount: Int
    /// `d`, the dimension of a sample.
    public var dimension: Int
    /// `N`, the number of samples.
    public var sampleCount: Int
    /// Which features are active in a sample.
    public var support: Support
    /// Magnitude of an active coefficient.
    public var magnitude: Magnitude
    /// Multiply each coefficient by an independent random sign (±1, p = ½).
    public var signed: Bool
    /// `σ`, the standard deviation of the additive Gaussian noise.
    public var noiseStd: Double

    public init(
      featureCount: Int, dimension: Int, sampleCount: Int, support: Support,
      magnitude: Magnitude = .uniform(low: 0, high: 1), signed: Bool = false, noiseStd: Double = 0
    ) {
      self.featureCount = featureCount
      self.dimension = dimension
      self.sampleCount = sampleCount
      self.support = support
      self.magnitude = magnitude
      self.signed = signed
      self.noiseStd = noiseStd
    }
  }

  /// Rows per random stream; fixed so the output does not depend on threading.
  public static let rowsPerStream = 256

  /// `X`, `(N × d)`.
  public let x: Matrix
  /// `V`, `(n × d)`, the ground-truth feature directions.
  public let features: Matrix
  /// `H`, `(N × n)` sparse; latent ids are feature ids, ascending within a
  /// row. Every drawn coefficient is stored, even one whose magnitude is 0.
  public let coefficients: SparseCodes
  /// The config this data was generated from.
  public let config: Config

  /// Generates a data set.
  ///
  /// - Parameters:
  ///   - config: sizes and distributions.
  ///   - features: `V (n × d)` to reuse (e.g. to draw a held-out set with the
  ///     same features); nil draws new unit-norm Gaussian directions.
  ///   - rng: advanced by one draw.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` for invalid sizes or
  ///   distribution parameters; ``SAEKitError/shapeMismatch(operation:lhs:rhs:)``
  ///   when `features` is not `(n × d)`.
  /// - Complexity: `O(N·(s̄·d + d + c))` with `s̄` the mean number of active
  ///   features and `c` the number of frequency classes (Bernoulli supports).
  public init(_ config: Config, features: Matrix? = nil, using rng: inout RandomSource) throws {
    try self.init(config, features: features, using: &rng, workers: ProcessInfo.processInfo.activeProcessorCount)
  }

  /// As the public initialiser, with an explicit number of parallel workers
  /// (the output is the same for every `workers ≥ 1`).
  init(_ config: Config, features given: Matrix?, using rng: inout RandomSource, workers: Int) throws {
    let n = config.featureCount, d = config.dimension, total = config.sampleCount
    try require(n >= 1, "featureCount must be ≥ 1, got \(n)")
    try require(d >= 1, "dimension must be ≥ 1, got \(d)")
    try require(total >= 0, "sampleCount must be ≥ 0, got \(total)")
    try require(n <= Int(Int32.max), "featureCount \(n) does not fit latent ids (Int32)")
    try requireAllocatable(
      "\(total) samples of \(n) features in \(d) dimensions", [(n, d), (total, d)],
      sizes: [("samples", total), ("features", n), ("dim", d)])
    try require(config.noiseStd.isFinite && config.noiseStd >= 0, "noiseStd must be finite and ≥ 0, got \(config.noiseStd)")
    try config.magnitude.validate()
    let sampler = try SupportSampler(config.support, featureCount: n)

    let base = RandomSource(seed: rng.next())
    let v: Matrix
    if let given {
      guard given.rows == n, given.cols == d else {
        throw SAEKitError.shapeMismatch(operation: "synthetic features (expected n × d)", lhs: given.shape, rhs: Shape(n, d))
      }
      guard given.isFinite else { throw SAEKitError.nonFinite("synthetic features contain NaN or infinity") }
      v = given
    } else {
      var featureRng = base.fork(0)
      var drawn = Matrix.gaussian(rows: n, cols: d, using: &featureRng)
      drawn.normalizeRows()
      v = drawn
    }

    let streams = (total + Self.rowsPerStream - 1) / Self.rowsPerStream
    let workerCount = max(1, min(workers, streams))
    var out = Matrix(rows: total, cols: d)
    var parts = [StreamCodes](repeating: StreamCodes(), count: streams)
    let task = StreamTask(
      sampler: sampler, magnitude: config.magnitude, signed: config.signed,
      noiseStd: config.noiseStd, featureCount: n, dimension: d, sampleCount: total, base: base)
    out.storage.withUnsafeMutableBufferPointer { xb in
      v.storage.withUnsafeBufferPointer { vb in
        parts.withUnsafeMutableBufferPointer { pb in
          guard let xb = xb.baseAddress, let vb = vb.baseAddress, let pb = pb.baseAddress else { return }
          // Workers write disjoint rows of `x` and disjoint elements of `parts`.
          let xBase = SharedPointer(xb), vBase = SharedPointer(UnsafeMutablePointer(mutating: vb))
          let partBase = SharedPointer(pb)
          DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
            var stamps = SubsetStamps(count: n)
            var active = [Int32](repeating: 0, count: max(1, sampler.maxActive))
            active.withUnsafeMutableBufferPointer { scratch in
              guard let scratchBase = scratch.baseAddress else { return }
              var stream = worker
              while stream < streams {
                partBase.pointer[stream] = task.run(
                  stream: stream, x: xBase.pointer, v: vBase.pointer, active: scratchBase, stamps: &stamps)
                stream += workerCount
              }
            }
          }
        }
      }
    }

    var rowStart = [Int]()
    rowStart.reserveCapacity(total + 1)
    rowStart.append(0)
    let entries = parts.reduce(0) { $0 + $1.indices.count }
    var indices = [Int32]()
    var values = [Float]()
    indices.reserveCapacity(entries)
    values.reserveCapacity(entries)
    for part in parts {
      for count in part.rowCounts { rowStart.append(rowStart[rowStart.count - 1] + count) }
      indices.append(contentsOf: part.indices)
      values.append(contentsOf: part.values)
    }
    x = out
    features = v
    coefficients = try SparseCodes(rows: total, width: n, rowStart: rowStart, indices: indices, values: values)
    self.config = config
  }
}

/// The sparse coefficients of one stream of rows.
private struct StreamCodes {
  var rowCounts: [Int] = []
  var indices: [Int32] = []
  var values: [Float] = []
}

/// A pointer handed to parallel workers that touch disjoint parts of its memory.
private struct SharedPointer<Element>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Element>
  init(_ pointer: UnsafeMutablePointer<Element>) { self.pointer = pointer }
}

/// Everything a worker needs to generate one stream of rows.
private struct StreamTask: Sendable {
  let sampler: SupportSampler
  let magnitude: SyntheticSuperposition.Magnitude
  let signed: Bool
  let noiseStd: Double
  let featureCount: Int
  let dimension: Int
  let sampleCount: Int
  let base: RandomSource

  /// Fills rows `stream·R ..< min((stream+1)·R, N)` of `x (N × d)` (zeros on
  /// entry) and returns their coefficients.
  func run(
    stream: Int, x: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
    active: UnsafeMutablePointer<Int32>, stamps: inout SubsetStamps
  ) -> StreamCodes {
    var rng = base.fork(UInt64(stream) + 1)
    let first = stream * SyntheticSuperposition.rowsPerStream
    let last = min(first + SyntheticSuperposition.rowsPerStream, sampleCount)
    let d = dimension
    var codes = StreamCodes()
    codes.rowCounts.reserveCapacity(last - first)
    for i in first..<last {
      let k = sampler.sample(into: active, stamps: &stamps, rng: &rng)
      var selected = UnsafeMutableBufferPointer(start: active, count: k)
      selected.sort()
      let row = x + i * d
      for e in 0..<k {
        var h = magnitude.sample(&rng)
        if signed && rng.next() & 1 == 1 { h = -h }
        let coefficient = Float(h)
        let feature = active[e]
        codes.indices.append(feature)
        codes.values.append(coefficient)
        let direction = v + Int(feature) * d
        for j in 0..<d { row[j] += coefficient * direction[j] }
      }
      if noiseStd > 0 {
        for j in 0..<d { row[j] += Float(noiseStd * rng.gaussian()) }
      }
      codes.rowCounts.append(k)
    }
    return codes
  }
}
