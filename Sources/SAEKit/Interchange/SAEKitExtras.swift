import Foundation

/// What our savers add to `cfg.json` under the key `"saekit"`, so our own SAEs
/// come back exactly as they were saved:
///
/// ```json
/// "saekit": {"activation": "batchtopk", "input_scale": 0.25, "k": 32}
/// ```
///
/// `activation` is `relu` (with `l1_coefficient`), `topk` (`k`), `abstopk`
/// (`k`), `batchtopk` (`k`; the file itself holds a uniform JumpReLU threshold,
/// as SAELens saves BatchTopK SAEs), `mutual_choice` (`k`, `inference`; a
/// uniform threshold too), `feature_choice` (`k`, `zipf`, `inference`; the
/// file holds its per-latent thresholds) or `jumprelu` (`l0_coefficient`,
/// `bandwidth`, and `target_l0` for the target form) or `vsae` (`k`, `sigma`; the file is a `topk` SAE, its
/// inference rule); any other name is an error on load. `input_scale`
/// is the scale `s` folded into the weights on save; the loaders unfold it.
/// Both tools ignore the key: SAELens keeps only its config dataclass fields
/// (`filter_valid_dataclass_fields`), sparsify loads with
/// `SparseCoderConfig.from_dict(..., drop_extra_fields=True)` (and prints
/// "Dropping extra args", so the sparsify saver writes the key only when `s ≠ 1`).
struct SAEKitExtras {
  static let key = "saekit"
  let config: InterchangeConfig?

  /// - Throws: when `saekit.activation` names a kind we do not know.
  init(_ cfg: InterchangeConfig) throws {
    config = try cfg.object(Self.key)
    if let name = try config?.string("activation"), !Self.knownActivations.contains(name) {
      throw cfg.fail(
        "unknown saekit activation '\(name)' (known: \(Self.knownActivations.joined(separator: ", ")))")
    }
  }

  /// The `activation` names our savers write.
  static let knownActivations = [
    "relu", "topk", "abstopk", "batchtopk", "mutual_choice", "feature_choice", "jumprelu", "vsae",
  ]

  var activation: String? { (try? config?.string("activation")) ?? nil }

  /// An error naming the `cfg.json` file.
  func fail(_ reason: String) -> SAEKitError { config?.fail(reason) ?? .invalidArgument(reason) }

  /// The inference rule recorded for a Feature or Mutual Choice SAE (threshold when absent).
  func inference() throws -> ChoiceInference {
    guard let text = try config?.string("inference") else { return .threshold }
    guard let rule = ChoiceInference(rawValue: text) else {
      throw fail("saekit.inference must be \"threshold\" or \"batch\", got \"\(text)\"")
    }
    return rule
  }
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
    case let a as AbsTopK:
      fields["activation"] = .string("abstopk")
      fields["k"] = .int(a.k)
    case let a as VariationalTopK:
      fields["activation"] = .string("vsae")
      fields["k"] = .int(a.k)
      fields["sigma"] = .float(a.sigma)
    case let a as BatchTopK:
      fields["activation"] = .string("batchtopk")
      fields["k"] = .int(a.k)
    case let a as MutualChoice:
      fields["activation"] = .string("mutual_choice")
      fields["k"] = .int(a.k)
      fields["inference"] = .string(a.inference.rawValue)
    case let a as FeatureChoice:
      fields["activation"] = .string("feature_choice")
      fields["k"] = .int(a.k)
      fields["zipf"] = .float(a.zipfExponent)
      fields["inference"] = .string(a.inference.rawValue)
    case let a as JumpReLU:
      fields["activation"] = .string("jumprelu")
      fields["l0_coefficient"] = .float(a.l0Coefficient)
      fields["bandwidth"] = .float(a.bandwidth)
      if let target = a.targetL0 { fields["target_l0"] = .float(target) }
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
    var restored = try SparseAutoencoder(
      encoderWeights: sae.encoderWeights.map { $0 / s }, encoderBias: sae.encoderBias,
      decoderWeights: sae.decoderWeights.scaled(by: s), decoderBias: sae.decoderBias.map { $0 * s },
      activation: sae.activation, inputScale: s)
    restored.provenance = sae.provenance
    return restored
  }
}

extension SAEKitExtras {
  /// The batch rule a `jumprelu` file with thresholds `theta` was saved from
  /// (BatchTopK, Mutual Choice, Feature Choice), or nil for a plain JumpReLU.
  /// - Throws: when the recorded kind lacks its `k`, is invalid for `width`
  ///   latents, or (BatchTopK, Mutual Choice) its thresholds are not uniform.
  func thresholdActivation(thresholds theta: [Float], width m: Int) throws -> (any SparseActivation)? {
    guard let name = activation, ["batchtopk", "mutual_choice", "feature_choice"].contains(name) else { return nil }
    guard let k = try int("k") else { throw fail("saekit.k is missing for a \(name) SAE") }
    let kind: ActivationKind
    switch name {
    case "feature_choice":
      kind = .featureChoice(k: k, zipf: try float("zipf") ?? 0, inference: try inference())
    case "mutual_choice":
      kind = .mutualChoice(k: k, inference: try inference())
    default:
      kind = .batchTopK(k: k)
    }
    do { try kind.validate(width: m) } catch let error as SAEKitError { throw fail("saekit: \(error)") }
    var activation = kind.make(width: m)
    if name == "feature_choice" {
      activation.state = theta
    } else {
      guard let first = theta.first, theta.allSatisfy({ $0 == first }) else {
        throw fail("a \(name) SAE needs the same threshold for every latent")
      }
      activation.state = [first]
    }
    return activation
  }
}
