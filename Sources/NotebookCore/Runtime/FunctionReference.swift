import Foundation

/// The generated reference of every builtin, from the registry: printed by
/// `notebook functions` and written to `docs/functions.md` (kept current by a test).
public enum FunctionReference {
  /// Markdown: namespaces, functions, implicit members, methods, properties, record types.
  public static func markdown(_ r: Registry) -> String {
    var out =
      "# Notebook functions\n\nGenerated from the builtin registry by `notebook functions --markdown`; do not edit.\n"
    let free = r.functions.values.filter { !$0.name.contains(".") }.sorted { ($0.name, $0.signature) < ($1.name, $1.signature) }
    out += "\n## Functions\n"
    for b in free { out += entry(b) }
    for ns in r.namespaces.keys.sorted() {
      out += "\n## `\(ns)` — \(r.namespaces[ns]!)\n"
      for b in r.functions.values.filter({ $0.name.hasPrefix(ns + ".") }).sorted(by: { $0.name < $1.name }) {
        out += entry(b)
      }
    }
    for type in r.implicitMembers.keys.sorted() {
      let example = r.implicitMembers[type]!.keys.sorted().first!
      out += "\n## `\(type)` values\n\nWritten as implicit members where a `\(type)` is expected, "
        + "e.g. `.\(example)(…)`.\n"
      for b in r.implicitMembers[type]!.values.sorted(by: { $0.name < $1.name }) { out += entry(b, prefix: ".") }
    }
    for type in Set(r.methods.keys).union(r.properties.keys).sorted() where r.recordTypes[type] == nil {
      out += "\n## Members of `\(type)`\n\n"
      for p in (r.properties[type] ?? [:]).values.sorted(by: { $0.name < $1.name }) {
        out += "- `.\(p.name): \(p.type)` — \(p.doc)\n"
      }
      // By signature: two methods may share a name (`contains(_:)`, `contains(where:)`).
      for b in (r.methods[type] ?? [:]).values.sorted(by: { ($0.name, $0.signature) < ($1.name, $1.signature) }) {
        out += "- `.\(b.signature)`\(b.mutating ? " (mutating)" : "") — \(b.doc)\n"
      }
    }
    out += "\n## Record types\n"
    for name in r.recordTypes.keys.sorted() {
      let t = r.recordTypes[name]!
      out += "\n### `\(name)`\n\n\(t.doc)\n\n"
      for f in t.fields { out += "- `\(f.name): \(f.type)` — \(f.doc)\n" }
    }
    return out
  }

  static func entry(_ b: Builtin, prefix: String = "") -> String {
    var s = "\n### `\(prefix)\(b.signature)`\n\n\(b.doc)\n"
    if !b.parameters.isEmpty {
      s += "\n"
      for p in b.parameters {
        let name = p.label.map { "\($0):" } ?? "_ \(p.name)"
        s += "- `\(name)` \(p.type)\(p.defaultValue.map { " = \($0)" } ?? "") — \(p.doc)\n"
      }
    }
    if let effects = effects(b) { s += "\n\(effects)\n" }
    return s
  }

  /// `Reads the file named by `path`. Writes …` (what the cell cache keys and checks), or nil.
  static func effects(_ b: Builtin) -> String? {
    var parts: [String] = []
    if !b.reads.isEmpty { parts.append("Reads " + b.reads.map(\.description).joined(separator: " and ") + ".") }
    if !b.writes.isEmpty { parts.append("Writes " + b.writes.map(\.description).joined(separator: " and ") + ".") }
    return parts.isEmpty ? nil : parts.joined(separator: " ")
  }

  /// Plain text: one signature and its first sentence per line.
  public static func text(_ r: Registry) -> String {
    let all = r.functions.values.sorted { ($0.name, $0.signature) < ($1.name, $1.signature) }
      + r.implicitMembers.values.flatMap(\.values).sorted { $0.name < $1.name }
    return all.map { "\($0.signature)\n    \($0.doc)\n" }.joined()
  }
}
