import Foundation
import SAEKit

extension Value {
  /// The text `print` and string interpolation show, as Swift prints values:
  /// `42`, `0.5`, `true`, `hello`, `[1, 2]`, `0..<3`.
  public var text: String {
    switch self {
    case .int(let i): return String(i)
    case .double(let d): return d.description
    case .bool(let b): return b ? "true" : "false"
    case .string(let s): return s
    case .array(let items): return "[" + items.map(\.literalDescription).joined(separator: ", ") + "]"
    case .range(let lo, let hi, let closed): return "\(lo)\(closed ? "..." : "..<")\(hi)"
    case .matrix(let m): return "Matrix\(m.shape)"
    case .record(let r):
      return r.typeName + "(" + r.fields.map { "\($0.name): \($0.value.literalDescription)" }.joined(separator: ", ")
        + ")"
    case .sae(let s): return s.summary
    case .activation(let a): return "." + a.literal
    case .model(let m): return m.brief
    case .activations(let a): return "Activations(layer \(a.layer), \(a.set.count) tokens × \(a.set.x.cols))"
    case .table(let t): return "Table(\(t.rows.count) rows × \(t.headers.count) columns)"
    case .figure(let f): return "Figure(\(f.name))"
    case .namespace(let n): return n
    case .void: return "()"
    case .tuple(let t):
      return "(" + zip(t.values, t.labels).map { ($1.map { "\($0): " } ?? "") + $0.literalDescription }.joined(separator: ", ") + ")"
    case .dictionary(let d):
      if d.count == 0 { return "[:]" }
      return "[" + zip(d.keys, d.values).map { "\($0.value.literalDescription): \($1.literalDescription)" }.joined(separator: ", ") + "]"
    case .nilValue: return "nil"
    case .function(let f): return "(function \(f.name): \(f.type))"
    case .metatype(let t): return t.description
    }
  }

  /// Like ``text`` but strings are quoted (inside arrays, records, signatures).
  public var literalDescription: String {
    if case .string(let s) = self { return "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
    return text
  }
}

extension TrainedSAE {
  /// `SAE(d: 64, m: 1024, topK(k: 4), 2000 steps)`.
  public var summary: String {
    "SAE(d: \(model.dimension), m: \(model.width), \(activation.literal), \(history.step.count) steps)"
  }

  /// The file's model, hook and writer, for an SAE that came from one (none for one trained here).
  var provenanceFields: [DisplayField] {
    let p = model.provenance
    return [("model", p.modelName), ("hook", p.hookName), ("written by", p.writtenBy)].compactMap { name, value in
      value.map { DisplayField(name, $0) }
    }
  }
}
