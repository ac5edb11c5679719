import Foundation
import SAEKit

/// The entries of one or more `.bib` files, by citation key.
///
/// ```swift
/// let (bibliography, problems) = Bibliography.parse(path: "notebooks/references.bib", text: text)
/// bibliography.entries["gao2024"]?.fields["title"]  // "Scaling and evaluating sparse autoencoders"
/// ```
public struct Bibliography: Hashable, Sendable {
  /// The entries by key (keys are case-sensitive).
  public var entries: [String: BibEntry]

  public init(entries: [String: BibEntry] = [:]) { self.entries = entries }

  /// Reads BibTeX text; `path` names the file in the diagnostics' ranges.
  ///
  /// Reads what BibTeX reads: `@type{key, field = value, …}` (or with
  /// parentheses), values braced, quoted, numbers or `@string` macros joined
  /// with `#`, the month macros `jan` … `dec`; `@comment` and `@preamble` are
  /// skipped, and so is any text outside entries. Types and field names are
  /// case-insensitive, keys case-sensitive. The first of two entries with one
  /// key is kept.
  ///
  /// Problems are diagnostics, never crashes: unbalanced braces or quotes
  /// (at the opening one), a missing key, `=` or `,`, an undefined macro, braces
  /// nested deeper than ``BibTeXParser/maxDepth`` (errors); a duplicate key,
  /// an entry without a title or without an author or editor (warnings).
  ///
  /// - Complexity: O(n) in the length of `text`; macro expansion is capped.
  public static func parse(path: String, text: String) -> (Bibliography, [Diagnostic]) {
    var parser = BibTeXParser(path: path, text: text)
    parser.parse()
    return (Bibliography(entries: parser.entries), parser.diagnostics)
  }

  /// This bibliography with the entries of `other` whose keys it lacks.
  public func merging(_ other: Bibliography) -> Bibliography {
    Bibliography(entries: entries.merging(other.entries) { mine, _ in mine })
  }
}

/// The bibliography files a notebook names, read and parsed.
public struct LoadedBibliography: Sendable {
  /// The entries of every file (the first file wins for a key in several).
  public var bibliography: Bibliography
  /// Problems in the files, and files that could not be read (at their
  /// `bibliography:` line of the front matter).
  public var diagnostics: [Diagnostic]
  /// The text of each file read, by the path its diagnostics use: add them
  /// to ``DiagnosticRenderer/sources`` so that their lines are shown.
  public var sources: [String: String]

  /// Reads the `bibliography:` files of a notebook, each path relative to the
  /// notebook's folder (an absolute path is used as is).
  public static func load(_ files: [FrontMatter.BibliographyFile], notebookPath: String) -> LoadedBibliography {
    var result = LoadedBibliography(bibliography: Bibliography(), diagnostics: [], sources: [:])
    for file in files {
      let path = resolve(file.path, notebookPath: notebookPath)
      if result.sources[path] != nil { continue }  // named twice
      // Only regular files are opened (a named pipe would block the check forever).
      guard let data = FileContents.readIfRegular(path), let text = String(data: data, encoding: .utf8) else {
        let problem = FileContents.problem(path)
        let reason = problem == "no such file" ? "does not exist" : problem.map { "cannot be read: it is \($0)" } ?? "is not readable UTF-8 text"
        result.diagnostics.append(.error("bibliography file '\(path)' \(reason)", at: file.range))
        continue
      }
      let (bibliography, diagnostics) = Bibliography.parse(path: path, text: text)
      for key in bibliography.entries.keys.sorted() where result.bibliography.entries[key] != nil {
        if let entry = bibliography.entries[key] {
          result.diagnostics.append(
            Diagnostic(
              .warning, "duplicate key '\(key)': the entry of an earlier bibliography file is kept", at: entry.range))
        }
      }
      result.bibliography = result.bibliography.merging(bibliography)
      result.diagnostics += diagnostics
      result.sources[path] = text
    }
    return result
  }

  /// `path` relative to the folder of `notebookPath` (`a/b.md` + `refs.bib` = `a/refs.bib`).
  static func resolve(_ path: String, notebookPath: String) -> String {
    if path.hasPrefix("/") { return path }
    let folder = (notebookPath as NSString).deletingLastPathComponent
    return folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
  }
}
