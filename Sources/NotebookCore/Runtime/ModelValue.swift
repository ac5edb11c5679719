import SAEKit

/// A loaded model, MiniLM (a sentence encoder) or a TinyLM seed (a causal byte-level LM),
/// with where it came from: the cell cache stores it by that reference and loads it again.
public struct ModelValue: Sendable {
  /// Which model, as `minilm()` or `tinylm(seed:from:)` was asked for it.
  public enum Source: Sendable, Equatable {
    case miniLM
    /// `folder` as written in the cell ("" for the committed models in `assets/tinylm`).
    case tinyLM(seed: Int, folder: String)
  }

  public let source: Source
  public let model: any ResidualStreamModel

  public init(miniLM: MiniLM) {
    source = .miniLM
    model = miniLM
  }

  public init(tinyLM: TinyLM, seed: Int, folder: String) {
    source = .tinyLM(seed: seed, folder: folder)
    model = tinyLM
  }

  public var miniLM: MiniLM? { model as? MiniLM }
  public var tinyLM: TinyLM? { model as? TinyLM }
  public var vocabulary: any TokenVocabulary { model.vocabulary }

  /// `MiniLM(layers: 6, d: 384)`, `TinyLM(seed: 1, layers: 4, d: 128)`.
  public var brief: String {
    switch source {
    case .miniLM: "MiniLM(layers: \(model.layerCount), d: \(model.hiddenSize))"
    case .tinyLM(let seed, _): "TinyLM(seed: \(seed), layers: \(model.layerCount), d: \(model.hiddenSize))"
    }
  }
}

extension CallArguments {
  /// The model argument `name`.
  public func model(_ name: String) throws -> ModelValue {
    guard case .model(let m) = try value(name) else { throw RuntimeError("'\(name)' must be a Model", argument: name) }
    return m
  }

  /// The model argument `name`, which must be MiniLM (the builtins that score sentence embeddings).
  public func miniLM(_ name: String, for purpose: String) throws -> MiniLM {
    let m = try model(name)
    guard let miniLM = m.miniLM else {
      throw RuntimeError("\(purpose) needs MiniLM (a sentence encoder) and this is \(m.brief); for TinyLM use lm.splice", argument: name)
    }
    return miniLM
  }

  /// The model argument `name`, which must be TinyLM (the builtins of a next-token loss).
  public func tinyLM(_ name: String, for purpose: String) throws -> TinyLM {
    let m = try model(name)
    guard let tinyLM = m.tinyLM else {
      throw RuntimeError("\(purpose) needs a causal language model and this is \(m.brief); load one with tinylm(seed:)", argument: name)
    }
    return tinyLM
  }
}
