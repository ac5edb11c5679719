import Foundation
import SAEKit

/// How each value shows itself in the report, and what the JSON record keeps
/// of it (numbers at full precision).
extension Value {
  /// The report block: a matrix shows its shape and a corner, a record a
  /// small key–value table, an SAE its configuration, a table itself.
  public var display: DisplayBlock {
    switch self {
    case .matrix(let m):
      return .text(m.description)
    case .record(let r):
      return .keyValue(r.fields.map { DisplayField($0.name, $0.value.brief) })
    case .sae(let s):
      let m = s.model
      let shape = [
        DisplayField("type", "sparse autoencoder"), DisplayField("dim (d)", "\(m.dimension)"),
        DisplayField("width (m)", "\(m.width)"), DisplayField("activation", s.activation.literal),
      ]
      let inputScale = DisplayField("input scale", Value.double(Double(m.inputScale)).brief)
      if let precision = m.provenance.filePrecision {  // loaded: no training record to show
        return .keyValue(shape + [
          inputScale,
          DisplayField("weights", m.mappedWeights == nil
            ? (precision == "float32" ? "float32" : "float32 in memory (\(precision) in the file)")
            : "\(precision), left in the file; computed in float32 a block of latents at a time"),
        ] + s.provenanceFields)
      }
      return .keyValue(shape + [
        DisplayField("steps", "\(s.history.step.count)"), DisplayField("batch", "\(s.config.batchSize)"),
        DisplayField("learning rate", Value.double(Double(s.config.peakLearningRate(width: m.width))).brief),
        inputScale,
        DisplayField("final training FVU", s.history.fvu.last.map { Value.double($0).brief } ?? "–"),
      ] + s.provenanceFields)
    case .table(let t):
      return .table(headers: t.headers, rows: t.rows.map { $0.map(\.brief) })
    case .model(let value):
      if let m = value.miniLM {
        return .keyValue([
          DisplayField("model", "sentence-transformers/all-MiniLM-L6-v2 (native)"), DisplayField("layers", "\(m.layerCount)"),
          DisplayField("hidden size", "\(m.hiddenSize)"), DisplayField("vocabulary", "\(m.config.vocabularySize)"),
          DisplayField("weights SHA-256", String(MiniLMFiles.modelSHA256.prefix(16)) + "…"),
        ])
      }
      let m = value.model
      return .keyValue([
        DisplayField("model", m.modelName + " (byte-level GPT-2, trained here)"), DisplayField("layers", "\(m.layerCount)"),
        DisplayField("hidden size", "\(m.hiddenSize)"), DisplayField("context", "\(m.maximumLength)"),
        DisplayField("parameters", "\(value.tinyLM.map { TinyLMParameters.count($0.config) } ?? 0)"),
        DisplayField("weights SHA-256", String((value.tinyLM?.weightsSHA256 ?? "").prefix(16)) + "…"),
      ])
    case .dictionary(let d) where d.count > 0:
      return .keyValue(zip(d.keys, d.values).map { DisplayField($0.value.text, $1.brief) })
    case .tuple(let t) where t.labels.allSatisfy({ $0 != nil }):
      return .keyValue(zip(t.labels, t.values).map { DisplayField($0!, $1.brief) })
    case .activations(let a):
      return .keyValue([
        DisplayField("layer", "\(a.layer)"), DisplayField("tokens", "\(a.set.count)"), DisplayField("dim", "\(a.set.x.cols)"),
        DisplayField("documents", "\(Set(a.set.documents).count)"), DisplayField("corpus", a.corpus.name),
        DisplayField("from cache", a.cached ? "yes" : "no"),
      ])
    default:
      return .text(text)
    }
  }

  /// A short rendering for table cells: Doubles with 4 significant digits,
  /// long arrays abbreviated.
  public var brief: String {
    switch self {
    case .double(let d):
      if d.isNaN { return "n/a" }
      if d == d.rounded() && abs(d) < 1e15 { return String(Int(d)) }
      let magnitude = abs(d)
      return magnitude >= 1e-3 && magnitude < 1e6 ? String(format: "%.4g", d) : String(format: "%.3e", d)
    case .array(let items) where items.count > 8:
      return "[" + items.prefix(3).map(\.brief).joined(separator: ", ") + ", … (\(items.count) values)]"
    case .array(let items):
      return "[" + items.map(\.brief).joined(separator: ", ") + "]"
    case .tuple(let t):
      return "(" + zip(t.values, t.labels).map { ($1.map { "\($0): " } ?? "") + $0.brief }.joined(separator: ", ") + ")"
    case .matrix(let m):
      return "Matrix\(m.shape)"
    default:
      return text
    }
  }


  /// The JSON kept in the record: numbers at full precision, arrays, fields.
  public var json: ReportJSON {
    switch self {
    case .int(let i): return .int(i)
    case .double(let d): return .double(d)
    case .bool(let b): return .bool(b)
    case .string(let s): return .string(s)
    case .array(let items): return .array(items.map(\.json))
    case .range(let lo, let hi, let closed): return .object(["lower": .int(lo), "upper": .int(hi), "closed": .bool(closed)])
    case .matrix(let m):
      return .object(["type": .string("Matrix"), "rows": .int(m.rows), "cols": .int(m.cols),
                      "frobenius_norm": .double(m.frobeniusNorm)])
    case .record(let r):
      var fields: [String: ReportJSON] = ["type": .string(r.typeName)]
      for (name, value) in r.fields { fields[name] = value.json }
      return .object(fields)
    case .sae(let s):
      return .object(["type": .string("SAE"), "dim": .int(s.model.dimension), "width": .int(s.model.width),
                      "activation": .string(s.activation.literal), "steps": .int(s.history.step.count),
                      "final_fvu": s.history.fvu.last.map(ReportJSON.double) ?? .null])
    case .table(let t):
      return .object(["type": .string("Table"), "columns": .array(t.headers.map(ReportJSON.string)),
                      "rows": .array(t.rows.map { .array($0.map(\.json)) })])
    case .activation(let a): return .string(a.literal)
    case .model(let value):
      if value.miniLM != nil {
        return .object(["type": .string("Model"), "name": .string("all-MiniLM-L6-v2"), "sha256": .string(MiniLMFiles.modelSHA256)])
      }
      return .object(["type": .string("Model"), "name": .string(value.model.modelName),
                      "sha256": .string(value.tinyLM?.weightsSHA256 ?? "")])
    case .activations(let a):
      return .object(["type": .string("Activations"), "layer": .int(a.layer), "tokens": .int(a.set.count),
                      "corpus": .string(a.corpus.name), "corpus_sha256": .string(a.corpus.contentHash)])
    case .figure(let f): return .string(f.name)
    case .namespace(let n): return .string(n)
    case .void, .nilValue: return .null
    case .tuple(let t):
      if t.labels.allSatisfy({ $0 != nil }) {
        return .object(Dictionary(zip(t.labels.map { $0! }, t.values.map(\.json)), uniquingKeysWith: { a, _ in a }))
      }
      return .array(t.values.map(\.json))
    case .dictionary(let d):
      return .object(["type": .string("Dictionary"), "keys": .array(d.keys.map(\.value.json)), "values": .array(d.values.map(\.json))])
    case .function(let f): return .string(f.name)
    case .metatype(let t): return .string(t.description)
    }
  }
}
