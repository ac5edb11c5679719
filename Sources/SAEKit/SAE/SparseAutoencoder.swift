import Foundation

/// A sparse autoencoder over `d`-dimensional activations with `m` latents.
///
/// ```
/// x' = s·x                                   input scaling (s = 1 unless trained with it)
/// pre = (x' − b_dec)·W_enc + b_enc           W_enc (d × m), b_enc (m)
/// z   = activation(pre)                      sparse (B × m)
/// x̂'  = z·W_dec + b_dec                      W_dec (m × d), unit-norm rows; b_dec (d)
/// x̂   = x̂' / s                               back in input units
/// ```
///
/// The scale `s` is chosen at training time so that E‖s·x‖² = d, remembered
/// here and undone by ``decode(_:)``, so callers always see input units.
public struct SparseAutoencoder: Sendable {
  /// `W_enc`, `(d × m)`.
  public var encoderWeights: Matrix
  /// `b_enc`, `(m)`.
  public var encoderBias: [Float]
  /// `W_dec`, `(m × d)`; rows are unit-norm after training.
  public var decoderWeights: Matrix
  /// `b_dec`, `(d)`, in scaled units.
  public var decoderBias: [Float]
  /// The sparsifying rule.
  public var activation: any SparseActivation
  /// `s`, multiplied into inputs before encoding and divided out after decoding.
  public var inputScale: Float
  /// The model, hook and writer a loaded SAE's file names (empty when trained here).
  public var provenance = SAEProvenance()
  /// Set when `W_enc` and `W_dec` stay in their file, in its precision, widened per block of
  /// latents as products need them (``init(mapped:encoderBias:decoderBias:activation:inputScale:)``);
  /// ``encoderWeights`` and ``decoderWeights`` are then empty, and what needs them in memory says
  /// so (``requireWeightsInMemory(for:)``).
  public private(set) var mappedWeights: MappedSAEWeights?

  /// Model dimension `d`.
  public var dimension: Int { mappedWeights?.dimension ?? decoderWeights.cols }
  /// Number of latents `m`.
  public var width: Int { mappedWeights?.width ?? decoderWeights.rows }

  /// A freshly initialised SAE: decoder rows are random unit vectors, the
  /// encoder is the decoder's transpose, biases are zero (Gao et al. 2024).
  public init(dimension d: Int, width m: Int, activation: ActivationKind, random: inout RandomSource) throws {
    try require(d > 0 && m > 0, "an SAE needs dimension > 0 and width > 0, got d = \(d), m = \(m)")
    try requireAllocatable("an SAE of dimension \(d) and width \(m)", [(m, d), (d, m)], sizes: [("width", m), ("dim", d)])
    try activation.validate(width: m)
    var dec = Matrix.gaussian(rows: m, cols: d, mean: 0, std: 1, using: &random)
    dec.normalizeRows()
    self.decoderWeights = dec
    self.encoderWeights = dec.transposed
    self.encoderBias = [Float](repeating: 0, count: m)
    self.decoderBias = [Float](repeating: 0, count: d)
    self.activation = activation.make(width: m)
    self.inputScale = 1
  }

  /// Wraps existing parameters (e.g. loaded from a file), checking their shapes.
  public init(
    encoderWeights: Matrix, encoderBias: [Float], decoderWeights: Matrix, decoderBias: [Float],
    activation: any SparseActivation, inputScale: Float = 1
  ) throws {
    let d = decoderWeights.cols, m = decoderWeights.rows
    guard encoderWeights.shape == Shape(d, m) else {
      throw SAEKitError.shapeMismatch(
        operation: "SAE parameters (W_enc vs W_dec)", lhs: encoderWeights.shape, rhs: decoderWeights.shape)
    }
    try require(encoderBias.count == m, "b_enc has \(encoderBias.count) entries, expected m = \(m)")
    try require(decoderBias.count == d, "b_dec has \(decoderBias.count) entries, expected d = \(d)")
    try require(inputScale.isFinite && inputScale > 0, "input scale must be positive and finite, got \(inputScale)")
    self.encoderWeights = encoderWeights
    self.encoderBias = encoderBias
    self.decoderWeights = decoderWeights
    self.decoderBias = decoderBias
    self.activation = activation
    self.inputScale = inputScale
  }

  /// An SAE that computes from `weights` left in their file (see ``mappedWeights``).
  public init(mapped weights: MappedSAEWeights, encoderBias: [Float], decoderBias: [Float],
              activation: any SparseActivation, inputScale: Float = 1) throws {
    try self.init(encoderWeights: Matrix(rows: weights.dimension, cols: 0), encoderBias: [],
                  decoderWeights: Matrix(rows: 0, cols: weights.dimension), decoderBias: decoderBias,
                  activation: activation, inputScale: inputScale)
    let m = weights.width
    try require(encoderBias.count == m, "b_enc has \(encoderBias.count) entries, expected m = \(m)")
    self.encoderBias = encoderBias
    self.mappedWeights = weights
  }

  /// Throws unless `W_enc` and `W_dec` are in memory as Float32, as they are for every SAE but one
  /// loaded with its weights kept in the file: `operation` names what needs them.
  public func requireWeightsInMemory(for operation: String) throws {
    guard let mapped = mappedWeights else { return }
    let bytes = 2 * mapped.dimension * mapped.width * MemoryLayout<Float>.size
    throw SAEKitError.invalidArgument(
      "\(operation) needs this SAE's weights in memory as float32 (\(formatBytes(Double(bytes)))), but they were left "
        + "in \(mapped.path) as \(mapped.dtype); load it with its weights in float32 to use it here")
  }

  /// `W_dec`, after ``requireWeightsInMemory(for:)``.
  public func decoderInMemory(for operation: String) throws -> Matrix {
    try requireWeightsInMemory(for: operation)
    return decoderWeights
  }

  /// `pre = (s·x − b_dec)·W_enc + b_enc`, `(B × m)`.
  public func preActivations(_ x: Matrix) throws -> Matrix { try encoderPass(x).pre }

  /// The encoder input `s·x − b_dec` and `pre`, both `(B × …)`, the product computed over
  /// `rowBlocks` (nil: the product's own split).
  func encoderPass(_ x: Matrix, rowBlocks: [Range<Int>]? = nil) throws -> (input: Matrix, pre: Matrix) {
    guard x.cols == dimension else {
      throw SAEKitError.shapeMismatch(operation: "SAE encode (x vs W_enc)", lhs: x.shape, rhs: Shape(dimension, width))
    }
    var input = x.scaled(by: inputScale)
    try input.addRowVector(decoderBias, scale: -1)
    var pre = try mappedWeights.map { try $0.encoderProduct(input, rowBlocks: rowBlocks) }
      ?? rowBlocks.map { try input.matmul(encoderWeights, rowBlocks: $0) } ?? input.matmul(encoderWeights)
    try pre.addRowVector(encoderBias)
    return (input, pre)
  }

  /// The most pre-activations (`B·m` floats) ``encode(_:denseLimit:)`` computes at once: 64 M
  /// floats, 256 MB. A larger input is encoded in row chunks of at most 16 M floats, or one
  /// product block per core if that is more (and fits in an eighth of the machine's memory), so
  /// memory stays `O(chunk·m + nnz)` (100k tokens × 65,536 latents would need 26 GB at once).
  public static let denseEncodingLimit = 1 << 26

  /// The sparse codes of `x (B × d)`, inference rule (given the input and decoder norms, which
  /// Top-AFA's rule reads). Inputs whose `B × m` pre-activations exceed `denseLimit` floats are
  /// encoded in chunks of whole product blocks (``Matrix/productBlocks(rows:)``) when the rule
  /// decides each row alone (``SparseActivation/inferenceIsPerRow``): the same bits as the dense
  /// path, in `O(chunk·m + nnz)` memory. A batch rule always sees the whole input.
  public func encode(_ x: Matrix, denseLimit: Int = denseEncodingLimit) throws -> SparseCodes {
    let norms = decoderNorms
    func codes(_ rows: Matrix, _ blocks: [Range<Int>]?) throws -> SparseCodes {
      let (input, pre) = try encoderPass(rows, rowBlocks: blocks)
      return activation.inferenceCodes(pre, context: ActivationContext(inputNorms: input.rowNorms().map(Float.init), decoderNorms: norms))
    }
    guard x.rows > denseLimit / max(width, 1), activation.inferenceIsPerRow else { return try codes(x, nil) }
    // At least one product block per core when memory allows (a wide SAE would otherwise
    // leave one block, one core, per chunk); blocks are whole, so the bits do not change.
    let memoryRows = Int(ProcessInfo.processInfo.physicalMemory / 8) / (4 * max(width, 1))
    let chunkRows = max(max(denseLimit / 4, 1) / max(width, 1),
                        min(ProcessInfo.processInfo.activeProcessorCount * Matrix.productBlockRows, memoryRows))
    var parts: [SparseCodes] = []
    var group: [Range<Int>] = []
    func flush() throws {
      guard let lo = group.first?.lowerBound, let hi = group.last?.upperBound else { return }
      parts.append(try codes(try x.rows(in: lo..<hi), group.map { ($0.lowerBound - lo)..<($0.upperBound - lo) }))
      group.removeAll(keepingCapacity: true)
    }
    for block in Matrix.productBlocks(rows: x.rows) {
      if let lo = group.first?.lowerBound, block.upperBound - lo > chunkRows { try flush() }
      group.append(block)
    }
    try flush()
    return try SparseCodes.stacking(parts)
  }

  /// `x̂ = (z·W_dec + b_dec) / s`, `(B × d)` in input units.
  public func decode(_ codes: SparseCodes) throws -> Matrix {
    guard codes.width == width else {
      throw SAEKitError.invalidArgument("codes have \(codes.width) latents but the SAE has \(width)")
    }
    var out = Matrix(rows: codes.rows, cols: dimension)
    if let mapped = mappedWeights {
      mapped.withDecoderRows { widen in
        SparseKernels.decode(codes, dimension: dimension, bias: decoderBias, into: &out) { j, scratch in
          widen(j, scratch)
          return UnsafePointer(scratch)
        }
      }
    } else {
      SparseKernels.decode(codes, weights: decoderWeights, bias: decoderBias, into: &out)
    }
    return inputScale == 1 ? out : out.scaled(by: 1 / inputScale)
  }

  /// `decode(encode(x))`.
  public func reconstruct(_ x: Matrix) throws -> Matrix { try decode(try encode(x)) }

  /// `‖W_dec[j]‖` for every latent.
  public var decoderNorms: [Float] { mappedWeights?.decoderNorms ?? decoderWeights.rowNorms().map(Float.init) }
}

extension SparseAutoencoder: CustomStringConvertible {
  public var description: String {
    "SparseAutoencoder(d: \(dimension), m: \(width), \(activation)"
      + (inputScale == 1 ? "" : ", input scale: \(formatCompact(inputScale))") + ")"
  }
}
