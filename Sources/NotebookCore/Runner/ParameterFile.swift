import Foundation
import SAEKit
import Yams

/// `notebook render --params file.yml`: a YAML mapping of parameter names to scalar values, as
/// papermill's `-f`. Each value becomes a `name=value` override, typed later by the parameter's
/// default exactly like `-P` (so `steps: 2.5` for an integer parameter is the same usage error).
public enum ParameterFile {
  /// The overrides in file order.
  /// - Throws: ``UsageError`` naming `path` (and `line:column` for YAML errors and bad entries).
  public static func read(path: String) throws -> [(String, String)] {
    if let problem = FileContents.problem(path), problem != "no such file" {
      throw NotebookIOError(path: path, "cannot read the parameter file: it is \(problem)")
    }
    guard let data = FileContents.readIfRegular(path) else {
      throw NotebookIOError(path: path, "cannot read the parameter file: no such file or not readable")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw UsageError("parameter file '\(path)' is not UTF-8 text")
    }
    return try parse(text, path: path)
  }

  static func parse(_ text: String, path: String) throws -> [(String, String)] {
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      throw UsageError("\(path): invalid YAML: \(error)")
    }
    guard let root else { return [] }  // an empty file sets nothing
    guard let mapping = root.mapping else {
      throw UsageError("\(location(path, root)): a parameter file must be a mapping of names to values (name: value)")
    }
    return try mapping.map { key, value in
      guard let name = key.scalar?.string, !name.isEmpty else {
        throw UsageError("\(location(path, key)): parameter names must be plain strings")
      }
      guard let scalar = value.scalar else {
        throw UsageError("\(location(path, value)): parameter '\(name)' must be a single value, not a list or mapping")
      }
      return (name, scalar.string)
    }
  }

  static func location(_ path: String, _ node: Node) -> String {
    guard let mark = node.mark else { return path }
    return "\(path):\(mark.line):\(mark.column)"
  }
}
