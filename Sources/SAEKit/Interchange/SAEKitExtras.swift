import Foundation

/// What our savers add to `cfg.json` under the key `"saekit"`, so our own SAEs
/// come back exactly as they were saved:
///
/// ```json
/// "saekit": {"activation": "batchtopk", "input_scale": 0.25, "k": 32}
/// ```
///
/// `activation` is `relu` (with `l1_coefficient`), `topk` (`k`), `batchtopk`
/// (`k`; the file itself holds a uniform JumpReLU threshold, as SAELens saves
/// BatchTopK SAEs) or `jumprelu` (`l0_coefficient`, `bandwidth`). `input_scale`
/// is the scale `s` folded into the weights on save; the loaders unfold it.
/// Both tools ignore the key: SAELens keeps only its config dataclass fields
/// (`filter_valid_dataclass_fields`), sparsify loads with
/// `SparseCoderConfig.from_dict(..., drop_extra_fields=True)` (and prints
/// "Dropping extra args", so the sparsify saver writes the key only when `s ≠ 1`).
struct SAEKitExtras {
  static let key = "saekit"
  let config: InterchangeConfig?

  init(_ cfg: InterchangeConfig) throws { config = try cfg.object(Self.key) }

  var activation: String? { (try? config?.string("activation")) ?? nil }
  func float(_ name: String) throws -> Float? { try config?.number(name).map(Float.init) }
  func int(_ name: String) throws -> Int? { try config?.int(name) }

  /// The `saekit` object describing `sae` (before its input scale is folded).
  static func describing(_ sae: SparseAutoencoder) -> JSONValue {
    var fields: [String: JSONValue] = ["input_scale": .float(sae.inputScale)]
    switch sae.activation {
    case let a as ReLUL1:
      fields["activation"] = .string("relu")
      fields["l1_coefficient"] = .float(a.coefficient)
    case let a as TopK:
      fields["activation"] = .string("topk")
      fields["k"] = .int(a.k)
    case let a as BatchTopK:
      fields["activation"] = .string("batchtopk")
      fields["k"] = .int(a.k)
    case let a as JumpReLU:
      fields["activation"] = .string("jumprelu")
      fields["l0_coefficient"] = .float(a.l0Coefficient)
      fields["bandwidth"] = .float(a.bandwidth)
    default:
      break
    }
    return .object(fields)
  }

  /// `sae` with the input scale recorded in `cfg` unfolded again (the inverse of
  /// ``SparseAutoencoder/foldingInputScale()``: `W_enc/s`, `W_dec·s`, `b_dec·s`),
  /// or `sae` itself when there is none or `sae` already has a scale.
  static func restoringInputScale(_ sae: SparseAutoencoder, _ cfg: InterchangeConfig) throws -> SparseAutoencoder {
    guard let s = try SAEKitExtras(cfg).float("input_scale"), s != 1, sae.inputScale == 1 else { return sae }
    guard s.isFinite, s > 0 else { throw cfg.fail("saekit.input_scale must be positive and finite, got \(s)") }
    return try SparseAutoencoder(
      encoderWeights: sae.encoderWeights.map { $0 / s }, encoderBias: sae.encoderBias,
      decoderWeights: sae.decoderWeights.scaled(by: s), decoderBias: sae.decoderBias.map { $0 * s },
      activation: sae.activation, inputScale: s)
  }
}
