/// One entry of a `.bib` file: `@article{key, author = {…}, title = {…}, …}`.
public struct BibEntry: Hashable, Sendable {
  /// The citation key, as written (keys are case-sensitive).
  public var key: String
  /// The entry type, lowercased: `article`, `inproceedings`, `misc`, …
  public var type: String
  /// Field values by lowercased field name, with `@string` macros expanded and
  /// TeX decoded to plain Unicode text (``TeXDecoder``).
  public var fields: [String: String]
  /// Field values with macros expanded but TeX kept, braces included: what
  /// case-changing styles need, since braces protect case.
  public var rawFields: [String: String]
  /// The range of the key in the `.bib` file.
  public var range: SourceRange
  /// The names in `author`, or in `editor` when there is no `author`.
  public var authors: [PersonName]
  /// Whether the name list ended with `and others` (shown as "et al.").
  public var authorsTruncated: Bool

  public init(
    key: String, type: String, fields: [String: String] = [:], rawFields: [String: String] = [:],
    range: SourceRange, authors: [PersonName] = [], authorsTruncated: Bool = false
  ) {
    self.key = key
    self.type = type
    self.fields = fields
    self.rawFields = rawFields
    self.range = range
    self.authors = authors
    self.authorsTruncated = authorsTruncated
  }

  /// The decoded value of a field, nil when absent or empty.
  public func field(_ name: String) -> String? {
    guard let value = fields[name], !value.isEmpty else { return nil }
    return value
  }
}

/// A person's name split the way citation styles need it.
///
/// The "von" part belongs to `family` (`van der Waals`), and so does a "Jr"
/// part, after the last name (`Davis Jr`): both stay with the name in every
/// position, in the text and in the list. A corporate name written in braces
/// (`{Google DeepMind}`) is all `family`, with an empty `given`.
public struct PersonName: Hashable, Sendable, CustomStringConvertible {
  public var given: String
  public var family: String

  public init(given: String, family: String) {
    self.given = given
    self.family = family
  }

  /// "Given Family" (just the family name when there is no given name).
  public var description: String { given.isEmpty ? family : "\(given) \(family)" }

  /// "Family, Given" (just the family name when there is no given name).
  public var inverted: String { given.isEmpty ? family : "\(family), \(given)" }
}
