import Foundation
import SAEKit

/// What the prose of a notebook refers to, resolved once for the whole document: the numbers of
/// figures, tables and equations, the footnotes, the citations and the images. Built by
/// ``ProseAnalysis`` when the notebook is checked (with a diagnostic for every unresolved
/// reference); the report renders prose and captions with it.
public struct ProseContext: Hashable, Sendable {
  /// `fig-…` labels (cells and images) → figure number, in document order.
  var figures: [String: Int] = [:]
  /// Figure labels that are cells (they may have sub-figures `fig-x-2`).
  var figureCells: Set<String> = []
  /// `tbl-…` labels (cells and table captions) → table number.
  var tables: [String: Int] = [:]
  /// `eq-…` labels of display math → equation number.
  var equations: [String: Int] = [:]
  /// Footnote ids → numbers, in the order of their first reference.
  var footnoteNumbers: [String: Int] = [:]
  /// Footnote definitions in number order (only referenced ones).
  var footnotes: [Footnote] = []
  /// Citation keys → how the text names them.
  var citations: [String: CitationLabel] = [:]
  /// The references list: cited entries in the style's order.
  var references: [Reference] = []
  /// Image paths as written → `data:` URLs of the files (local images only).
  var images: [String: String] = [:]

  public init() {}

  struct Footnote: Hashable, Sendable {
    var id: String
    var number: Int
    /// The note's Markdown.
    var markdown: String
  }

  /// How a citation names one entry: `Gao et al.` and `2024a`.
  struct CitationLabel: Hashable, Sendable {
    var author: String
    var year: String
    /// The anchor of its entry in the references list.
    var anchor: String
  }

  struct Reference: Hashable, Sendable {
    var anchor: String
    /// The entry as escaped HTML.
    var html: String
  }

  /// "Figure 3", "Figure 3(b)", "Table 2", "Equation 1" for a label, or nil when unknown.
  func referenceText(_ label: String) -> String? {
    if let n = figures[label] { return "Figure \(n)" }
    if let n = tables[label] { return "Table \(n)" }
    if let n = equations[label] { return "Equation \(n)" }
    if let (cell, index) = subfigure(label), let n = figures[cell] { return "Figure \(n)(\(Self.letter(index)))" }
    return nil
  }

  /// `fig-x-2` → (`fig-x`, 2) when `fig-x` is a cell.
  func subfigure(_ label: String) -> (String, Int)? {
    guard let dash = label.lastIndex(of: "-"), let index = Int(label[label.index(after: dash)...]), index >= 1,
      index <= 26, figureCells.contains(String(label[..<dash]))
    else { return nil }
    return (String(label[..<dash]), index)
  }

  /// The anchor a cross-reference points to: the label itself (a sub-figure's first figure is
  /// the cell's label).
  func anchor(of label: String) -> String {
    if let (cell, index) = subfigure(label), figures[label] == nil { return index == 1 ? cell : label }
    return label
  }

  /// `a`, `b`, … for sub-figure 1, 2, ….
  static func letter(_ index: Int) -> String {
    String(UnicodeScalar(UInt8(96 + min(max(index, 1), 26))))
  }

  /// Every id the prose and figures will use, so that heading anchors never collide with them.
  var reservedAnchors: [String] {
    Array(figures.keys) + Array(tables.keys) + Array(equations.keys)
      + figureCells.flatMap { cell in (2...26).map { "\(cell)-\($0)" } }
      + footnotes.flatMap { ["fn-\($0.number)", "fnref-\($0.number)"] }
      + references.map(\.anchor) + ["references", "footnotes"]
  }
}
