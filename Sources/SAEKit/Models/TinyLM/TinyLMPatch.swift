/// A replacement for the residual stream of a TinyLM after a layer (an SAE's
/// reconstruction, an ablation): `forward` receives the `(batch·length × C)` state and
/// returns one of the same shape, which the following blocks then read.
///
/// `backward` (the vector–Jacobian product: given the input and the loss gradient with
/// respect to the output, the gradient with respect to the input) lets gradients flow
/// through the patch; a pass that needs them and meets a patch without one fails.
public struct TinyLMPatch: Sendable {
  public var forward: @Sendable (Matrix) throws -> Matrix
  public var backward: (@Sendable (_ input: Matrix, _ outputGradient: Matrix) throws -> Matrix)?

  public init(
    forward: @escaping @Sendable (Matrix) throws -> Matrix,
    backward: (@Sendable (_ input: Matrix, _ outputGradient: Matrix) throws -> Matrix)? = nil
  ) {
    self.forward = forward
    self.backward = backward
  }

  /// Replaces every row by zero (zero ablation); its gradient is zero.
  public static let zero = TinyLMPatch(
    forward: { Matrix(rows: $0.rows, cols: $0.cols) },
    backward: { input, _ in Matrix(rows: input.rows, cols: input.cols) })
}

/// What a TinyLM pass records and changes.
///
/// Layers are numbered like Hugging Face's `hidden_states`: 0 is the embedding sum (token +
/// position), `l = 1…L` the residual stream after block `l` (before the final LayerNorm).
public struct TinyLMHooks: Sendable {
  /// Layers whose residual stream to return (after any patch of that layer).
  public var capture: Set<Int>
  /// Layer → replacement of its residual stream.
  public var patches: [Int: TinyLMPatch]
  /// Layers at which the backward pass records `∂loss/∂residual` (the gradient with respect
  /// to the stream the later blocks read, i.e. after any patch there).
  public var gradients: Set<Int>

  public init(capture: Set<Int> = [], patches: [Int: TinyLMPatch] = [:], gradients: Set<Int> = []) {
    self.capture = capture
    self.patches = patches
    self.gradients = gradients
  }

  /// All layers named by the hooks must exist in a model of `layerCount` blocks.
  func validate(layerCount: Int) throws {
    for layer in capture.union(patches.keys).union(gradients) where !(0...layerCount).contains(layer) {
      throw SAEKitError.invalidArgument("layer \(layer) does not exist: a TinyLM of \(layerCount) blocks has layers 0…\(layerCount)")
    }
  }
}
