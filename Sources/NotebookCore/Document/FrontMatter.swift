/// The YAML block between `---` lines at the very top of a notebook.
///
/// ```yaml
/// ---
/// title: Getting started
/// description: Train a small SAE on synthetic data.
/// seed: 42
/// params:
///   steps: 200        # Int
///   lr: 0.001         # Double
///   quick: false      # Bool
///   dataset: synthetic  # String
/// bibliography: references.bib   # or a list: [a.bib, b.bib]
/// ---
/// ```
public struct FrontMatter: Hashable, Sendable {
  public var title: String?
  public var description: String?
  /// The seed of the notebook's random source (`--seed` overrides it).
  public var seed: Int?
  /// Parameters with their defaults, in the order written.
  public var params: [Param]
  /// The BibTeX files citations come from, in the order written.
  public var bibliography: [BibliographyFile]
  /// The whole block, fences included; nil when the file has no front matter.
  public var range: SourceRange?

  public init(
    title: String? = nil, description: String? = nil, seed: Int? = nil, params: [Param] = [],
    bibliography: [BibliographyFile] = [], range: SourceRange? = nil
  ) {
    self.title = title
    self.description = description
    self.seed = seed
    self.params = params
    self.bibliography = bibliography
    self.range = range
  }

  /// A `.bib` file named by `bibliography:`.
  public struct BibliographyFile: Hashable, Sendable {
    /// The path as written: relative to the notebook's folder, or absolute
    /// (``LoadedBibliography/load(_:notebookPath:)`` resolves it).
    public var path: String
    /// The path in the `.md` file (for "file not found" diagnostics).
    public var range: SourceRange

    public init(path: String, range: SourceRange) {
      self.path = path
      self.range = range
    }
  }

  /// The parameter with this name, if declared.
  public func param(named name: String) -> Param? { params.first { $0.name == name } }
}

/// A declared notebook parameter: `name: default` under `params:`.
public struct Param: Hashable, Sendable {
  public var name: String
  /// The default; its case fixes the parameter's type.
  public var value: ParamValue
  /// The name in the `.md` file (for "unknown parameter" / "bad value" diagnostics).
  public var range: SourceRange

  public init(name: String, value: ParamValue, range: SourceRange) {
    self.name = name
    self.value = value
    self.range = range
  }
}

/// A parameter value: one of the four scalar types a parameter may have.
public enum ParamValue: Hashable, Sendable, CustomStringConvertible {
  case int(Int)
  case double(Double)
  case bool(Bool)
  case string(String)

  /// The type's name as cells spell it: `Int`, `Double`, `Bool`, `String`.
  public var typeName: String {
    switch self {
    case .int: "Int"
    case .double: "Double"
    case .bool: "Bool"
    case .string: "String"
    }
  }

  /// The value in the record.
  public var json: ReportJSON {
    switch self {
    case .int(let v): .int(v)
    case .double(let v): .double(v)
    case .bool(let v): .bool(v)
    case .string(let v): .string(v)
    }
  }

  /// The value as `-P name=value` would write it (doubles shortest round-trip).
  public var description: String {
    switch self {
    case .int(let v): "\(v)"
    case .double(let v): "\(v)"
    case .bool(let v): v ? "true" : "false"
    case .string(let v): v
    }
  }

  /// Parses the text of a `-P name=value` override as the type of `default`:
  /// - Int: decimal digits with an optional sign; `_` allowed between digits (`100_000`);
  /// - Double: any finite decimal or exponent form (`0.5`, `1e-3`, `3`); `nan`/`inf` rejected;
  /// - Bool: `true` or `false`;
  /// - String: the text as is.
  /// Returns nil when the text is not a value of that type.
  public static func parse(_ text: String, like `default`: ParamValue) -> ParamValue? {
    switch `default` {
    case .int:
      guard let digits = withoutDigitSeparators(text), let v = Int(digits) else { return nil }
      return .int(v)
    case .double:
      guard let digits = withoutDigitSeparators(text), let v = Double(digits), v.isFinite,
        digits.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) })
      else { return nil }
      return .double(v)
    case .bool:
      switch text {
      case "true": return .bool(true)
      case "false": return .bool(false)
      default: return nil
      }
    case .string:
      return .string(text)
    }
  }

  /// Removes `_` written between two digits; nil when an `_` is anywhere else.
  private static func withoutDigitSeparators(_ text: String) -> String? {
    let chars = Array(text)
    var out = ""
    for (i, c) in chars.enumerated() {
      if c == "_" {
        guard i > 0, i + 1 < chars.count, chars[i - 1].isASCII, chars[i - 1].isNumber,
          chars[i + 1].isASCII, chars[i + 1].isNumber
        else { return nil }
        continue
      }
      out.append(c)
    }
    return out
  }
}
