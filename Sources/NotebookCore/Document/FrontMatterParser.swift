import Yams

/// Reads the YAML text of the front matter with Yams, keeping each key's
/// position so that diagnostics point at the right `.md` line.
struct FrontMatterParser {
  var file: String
  /// `.md` line of the first YAML line (the one after the opening `---`).
  var firstLine: Int
  var diagnostics: [Diagnostic] = []

  static let knownKeys = ["title", "description", "seed", "params", "bibliography"]

  init(file: String, firstLine: Int) {
    self.file = file
    self.firstLine = firstLine
  }

  /// Parses `yaml`; `range` is the whole block with its fences.
  mutating func parse(_ yaml: String, range: SourceRange) -> FrontMatter {
    var result = FrontMatter(range: range)
    let root: Node?
    do {
      root = try Yams.compose(yaml: yaml)
    } catch let error as YamlError {
      diagnostics.append(yamlDiagnostic(error, yaml: yaml))
      return result
    } catch {
      diagnostics.append(.error("invalid front matter: \(error)", at: lineRange(firstLine)))
      return result
    }
    guard let root else { return result }
    guard let mapping = root.mapping else {
      diagnostics.append(.error("front matter must be a mapping of keys to values", at: nodeRange(root)))
      return result
    }
    for (key, value) in mapping {
      guard let name = key.scalar?.string else {
        diagnostics.append(.error("front matter keys must be plain names", at: nodeRange(key)))
        continue
      }
      switch name {
      case "title": result.title = text(value, key: key, name: name)
      case "description": result.description = text(value, key: key, name: name)
      case "seed":
        if isScalar(value, tagged: .int), let seed = value.int {
          result.seed = seed
        } else {
          diagnostics.append(.error("'seed' must be an integer", at: nodeRange(key)))
        }
      case "params": result.params = params(value, key: key)
      case "bibliography": result.bibliography = bibliography(value, key: key)
      default:
        diagnostics.append(Diagnostic(
          .warning, "unknown front matter key '\(name)' is ignored", at: nodeRange(key),
          notes: ["known keys: " + Self.knownKeys.joined(separator: ", ")]))
      }
    }
    return result
  }

  /// A string-valued key (`title`, `description`): any scalar but null.
  private mutating func text(_ value: Node, key: Node, name: String) -> String? {
    guard let scalar = value.scalar, !isScalar(value, tagged: .null) else {
      diagnostics.append(.error("'\(name)' must be text", at: nodeRange(key)))
      return nil
    }
    return scalar.string
  }

  /// `bibliography: refs.bib` or a list of paths (`[a.bib, b.bib]` or `- a.bib` lines).
  private mutating func bibliography(_ value: Node, key: Node) -> [FrontMatter.BibliographyFile] {
    if isScalar(value, tagged: .null) { return [] }
    let nodes = value.sequence.map(Array.init) ?? [value]
    var files: [FrontMatter.BibliographyFile] = []
    for node in nodes {
      guard let path = node.scalar?.string, !isScalar(node, tagged: .null),
        !path.allSatisfy(\.isWhitespace)
      else {
        diagnostics.append(.error("'bibliography' must be a path or a list of paths", at: nodeRange(node)))
        continue
      }
      files.append(FrontMatter.BibliographyFile(path: path, range: nodeRange(node)))
    }
    return files
  }

  private mutating func params(_ value: Node, key: Node) -> [Param] {
    if isScalar(value, tagged: .null) { return [] }
    guard let mapping = value.mapping else {
      diagnostics.append(.error("'params' must map parameter names to default values", at: nodeRange(key)))
      return []
    }
    var params: [Param] = []
    for (nameNode, defaultNode) in mapping {
      let range = nodeRange(nameNode)
      guard let name = nameNode.scalar?.string, isIdentifier(name) else {
        diagnostics.append(.error("parameter names must be identifiers (letters, digits and '_')", at: range))
        continue
      }
      guard let parsed = paramValue(defaultNode) else {
        diagnostics.append(.error(
          "parameter '\(name)' needs a default value that is an integer, a number, true/false or text",
          at: range))
        continue
      }
      params.append(Param(name: name, value: parsed, range: range))
    }
    return params
  }

  /// The typed default of a parameter, from the YAML tag Yams resolved
  /// (quoted scalars are always strings).
  private func paramValue(_ node: Node) -> ParamValue? {
    guard let scalar = node.scalar else { return nil }
    if isScalar(node, tagged: .null) { return nil }
    if isScalar(node, tagged: .int), let v = node.int { return .int(v) }
    if isScalar(node, tagged: .float), let v = node.float, v.isFinite { return .double(v) }
    if isScalar(node, tagged: .float) { return nil }
    if isScalar(node, tagged: .bool), let v = node.bool { return .bool(v) }
    return .string(scalar.string)
  }

  private func isScalar(_ node: Node, tagged name: Tag.Name) -> Bool {
    node.scalar != nil && node.tag.rawValue == name.rawValue
  }

  private func isIdentifier(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, first == "_" || first.properties.isAlphabetic && first.isASCII else {
      return false
    }
    return text.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
  }

  /// The node's text in the `.md` file: from its mark over its characters on
  /// that line (the whole line when it has no mark).
  private func nodeRange(_ node: Node) -> SourceRange {
    guard let mark = node.mark else { return lineRange(firstLine) }
    let line = firstLine + mark.line - 1
    var width = 1
    if let scalar = node.scalar {
      width = max(1, scalar.string.unicodeScalars.count + (scalar.style == .plain ? 0 : 2))
    }
    return SourceRange(
      file: file, start: .init(line: line, column: mark.column),
      end: .init(line: line, column: mark.column + width))
  }

  /// The key's second `key:` line in the YAML text (for duplicate keys).
  private func secondUse(of key: String, in yaml: String) -> SourceRange? {
    let uses = yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap {
      (index, line) -> SourceRange? in
      let indent = line.prefix { $0 == " " }.count
      guard line.dropFirst(indent).hasPrefix(key + ":") else { return nil }
      return SourceRange(
        file: file, start: .init(line: firstLine + index, column: indent + 1),
        end: .init(line: firstLine + index, column: indent + 1 + key.unicodeScalars.count))
    }
    return uses.count >= 2 ? uses[1] : nil
  }

  private func yamlRange(_ mark: Mark) -> SourceRange {
    let position = SourcePosition(line: firstLine + mark.line - 1, column: mark.column)
    return SourceRange(file: file, start: position, end: position)
  }

  private func lineRange(_ line: Int) -> SourceRange {
    SourceRange(file: file, start: .init(line: line, column: 1), end: .init(line: line, column: 1))
  }

  /// Maps a Yams error (line:column inside the YAML text) to the `.md` file.
  private func yamlDiagnostic(_ error: YamlError, yaml: String) -> Diagnostic {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
      .composer(_, let problem, let mark, _):
      return .error("invalid front matter: \(problem)", at: yamlRange(mark))
    case .duplicatedKeysInMapping(let duplicates, let context):
      let message = "duplicate front matter key\(duplicates.count > 1 ? "s" : "") "
        + duplicates.map { "'\($0)'" }.joined(separator: ", ")
      return .error(message, at: secondUse(of: duplicates.first ?? "", in: yaml) ?? yamlRange(context.mark))
    default:
      return .error("invalid front matter: \(error)", at: lineRange(firstLine))
    }
  }
}
