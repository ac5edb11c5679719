/// Where an SAE came from, as the file that held it says: the model and hook whose activations it
/// reads, and who wrote the file. Empty for an SAE trained here and never saved.
public struct SAEProvenance: Sendable, Equatable, Codable {
  /// E.g. `gpt2-small` (SAELens `metadata.model_name`).
  public var modelName: String?
  /// E.g. `blocks.8.hook_resid_pre` (SAELens `metadata.hook_name`; a sparsify SAE's hookpoint folder).
  public var hookName: String?
  /// E.g. `SAELens 6.54.0`, `sparsify`, `SAEKit`.
  public var writtenBy: String?
  /// The file's precision of `W_dec` (`float32`, `bfloat16`, `float16`, …): SAEKit computes in
  /// float32 whatever it is (see ``SparseAutoencoder/mappedWeights``).
  public var filePrecision: String?

  public init(modelName: String? = nil, hookName: String? = nil, writtenBy: String? = nil, filePrecision: String? = nil) {
    self.modelName = modelName
    self.hookName = hookName
    self.writtenBy = writtenBy
    self.filePrecision = filePrecision
  }

  public var isEmpty: Bool { modelName == nil && hookName == nil && writtenBy == nil && filePrecision == nil }
}
