import Foundation

/// Where a loaded SAE keeps `W_enc` and `W_dec`.
public enum SAEWeightResidence: String, Sendable, CaseIterable {
  /// In memory as Float32, unless the file's weights are 16-bit and their Float32 copy would take
  /// more than half of the machine's memory: then left in the file (``mapped``).
  case auto
  /// Widened to Float32 in memory (every analysis can use them).
  case float32
  /// Left in the file in its precision and widened a block of latents at a time as products need
  /// them (``MappedSAEWeights``): encoding, decoding and evaluation work; what needs the whole
  /// matrices (training, saving, decoder geometry) asks for ``float32``.
  case mapped

  /// Whether weights of `dtype`, `d × m` each, stay in the file; `memory` is the machine's.
  func keepsMapped(_ dtype: DType, dimension d: Int, width m: Int,
                   memory: UInt64 = ProcessInfo.processInfo.physicalMemory) -> Bool {
    switch self {
    case .float32: return false
    case .mapped: return true
    case .auto:
      let (elements, overflow) = d.multipliedReportingOverflow(by: m)
      guard dtype == .bfloat16 || dtype == .float16 else { return false }
      return overflow || Double(elements) * 2 * 4 > Double(memory) / 2
    }
  }
}

extension InterchangeWeights {
  /// `encoder` and `decoder` (shapes checked by the caller) left in the file when `residence` says
  /// so for their dtype (nil: read them as matrices). `folds` names the loader's steps that would rewrite the weights, which a
  /// mapped file cannot take: an error says which, and how to load the SAE instead.
  func mappedIfWanted(
    _ residence: SAEWeightResidence, encoder: String, encoderIsLatentMajor: Bool, decoder: String,
    dimension d: Int, width m: Int, folds: [String]
  ) throws -> MappedSAEWeights? {
    let dtype = try file.info(decoder).dtype
    guard residence.keepsMapped(dtype, dimension: d, width: m) else { return nil }
    if let fold = folds.first {
      throw SAEKitError.file(
        path: path, reason: "its weights cannot stay in the file: \(fold) rewrites them; load it with its weights in float32")
    }
    return try MappedSAEWeights(file: file, encoder: encoder, encoderIsLatentMajor: encoderIsLatentMajor, decoder: decoder,
                                dimension: d, width: m)
  }
}
