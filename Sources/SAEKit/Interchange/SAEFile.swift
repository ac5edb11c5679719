import Foundation

/// SAE folders written by other tools, behind one entry point: the format is
/// recognised from the weights file the folder holds.
///
/// ```swift
/// let sae = try SAEFile.load(directory: "gpt2-small-res-jb/blocks.8.hook_resid_pre")
/// try SAEFile.save(ours, format: .sparsify, to: "checkpoints/minilm/layers.3")
/// ```
///
/// See ``SAELensFormat`` and ``SparsifyFormat`` for the file layouts, the
/// architecture mapping and the exact conversions.
public enum SAEFile {
  /// A folder layout.
  public enum Format: String, Sendable, CaseIterable, CustomStringConvertible {
    /// `cfg.json` + `sae_weights.safetensors` (SAELens).
    case saeLens = "SAELens"
    /// `cfg.json` + `sae.safetensors` per hookpoint (EleutherAI sparsify).
    case sparsify

    /// The weights file that identifies the format.
    public var weightsFileName: String {
      switch self {
      case .saeLens: return SAELensFormat.weightsFileName
      case .sparsify: return SparsifyFormat.weightsFileName
      }
    }

    public var description: String { rawValue }
  }

  /// The format of the SAE folder `directory`.
  /// - Throws: ``SAEKitError/file(path:reason:)`` when the folder does not exist,
  ///   holds both weights files or neither (a sparsify checkpoint with one folder
  ///   per hookpoint gets an error listing them).
  public static func detect(directory: String) throws -> Format {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
      throw SAEKitError.file(path: directory, reason: "no such folder")
    }
    guard isDirectory.boolValue else {
      let hint = directory.lowercased().hasSuffix(".npy") ? " (a .npy file is a matrix: read it with loadMatrix)" : ""
      throw SAEKitError.file(
        path: directory,
        reason: "is a file, not an SAE folder: expected a folder with cfg.json and \(SAELensFormat.weightsFileName) (SAELens) or \(SparsifyFormat.weightsFileName) (sparsify)\(hint)")
    }
    let found = Format.allCases.filter { InterchangePaths.exists(InterchangePaths.join(directory, $0.weightsFileName)) }
    if found.count == 1 { return found[0] }
    if found.count > 1 {
      throw SAEKitError.file(
        path: directory, reason: "holds both \(SAELensFormat.weightsFileName) and \(SparsifyFormat.weightsFileName); load it with SAELensFormat or SparsifyFormat")
    }
    let hooks = SparsifyFormat.hookpoints(in: directory)
    if !hooks.isEmpty {
      throw SAEKitError.file(
        path: directory, reason: "holds one sparsify SAE per hookpoint; load one of: \(hooks.joined(separator: ", "))")
    }
    throw SAEKitError.file(
      path: directory,
      reason: "not an SAE folder: expected cfg.json with \(SAELensFormat.weightsFileName) (SAELens) or \(SparsifyFormat.weightsFileName) (sparsify)")
  }

  /// Loads the SAE in `directory`, whichever format it is in.
  /// - Parameter normScalingFactor: the factor of a SAELens SAE trained with
  ///   `expected_average_only_in` (``SAELensFormat/load(directory:normScalingFactor:)``); an error
  ///   for sparsify folders, which have no such setting.
  /// - Parameter residence: whether the weights are widened to Float32 or left in the file (``SAEWeightResidence``).
  public static func load(directory: String, normScalingFactor: Float? = nil, weights residence: SAEWeightResidence = .auto) throws -> SparseAutoencoder {
    switch try detect(directory: directory) {
    case .saeLens: return try SAELensFormat.load(directory: directory, normScalingFactor: normScalingFactor, weights: residence)
    case .sparsify:
      if let s = normScalingFactor {
        throw SAEKitError.invalidArgument("a norm scaling factor (\(s)) applies to SAELens SAEs trained with expected_average_only_in; \(directory) is a sparsify SAE")
      }
      return try SparsifyFormat.load(directory: directory, weights: residence)
    }
  }

  /// Saves `sae` to `directory` in `format` (`hookName` and `modelName` are recorded by SAELens only).
  public static func save(
    _ sae: SparseAutoencoder, format: Format, to directory: String, hookName: String? = nil, modelName: String? = nil
  ) throws {
    try sae.requireWeightsInMemory(for: "saving an SAE")
    // Both formats write cfg.json: a second format in the same folder would replace the first's
    // and leave a folder neither reader accepts.
    for other in Format.allCases where other != format {
      let path = InterchangePaths.join(directory, other.weightsFileName)
      if InterchangePaths.exists(path) {
        throw SAEKitError.file(
          path: directory, reason: "already holds a \(other) SAE (\(other.weightsFileName)); save the \(format) copy to its own folder")
      }
    }
    switch format {
    case .saeLens: try SAELensFormat.save(sae, to: directory, hookName: hookName, modelName: modelName)
    case .sparsify: try SparsifyFormat.save(sae, to: directory)
    }
  }
}
