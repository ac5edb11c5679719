import Foundation

/// A parsed notebook: a Markdown file with optional YAML front matter, prose,
/// plain code blocks and `swift` cells.
///
/// ```
/// ---
/// title: Getting started
/// params: { steps: 200 }
/// ---
/// # Training
/// ```swift
/// //| label: train
/// let sae = train(data.x, width: 4096)
/// ```
/// ```
/// Build one with ``parse(path:text:)``.
public struct Notebook: Hashable, Sendable {
  /// The path of the `.md` file, as given; every ``SourceRange`` uses it.
  public var path: String
  /// The whole text of the `.md` file.
  public var source: String
  /// The YAML front matter (empty when the file has none).
  public var frontMatter: FrontMatter
  /// Prose, code blocks and cells in document order.
  public var blocks: [Block]
  /// The `swift` cells in document order; `cells[i].index == i`.
  public var cells: [Cell]

  public init(path: String, source: String, frontMatter: FrontMatter, blocks: [Block], cells: [Cell]) {
    self.path = path
    self.source = source
    self.frontMatter = frontMatter
    self.blocks = blocks
    self.cells = cells
  }

  /// The cell with this label, if any.
  public func cell(labelled label: String) -> Cell? { cells.first { $0.label == label } }

  /// The file name without `.md`: the stem of its report, figure folder and cell cache.
  public var name: String { Self.name(ofPath: path) }

  /// The notebook name of the file at `path` (`notebooks/x.md` → `x`).
  public static func name(ofPath path: String) -> String {
    ((path as NSString).lastPathComponent as NSString).deletingPathExtension
  }

  /// Parses a notebook. Never fails: problems come back as diagnostics (errors
  /// for things that must be fixed, warnings for things that are ignored),
  /// sorted by position, each pointing into `text` at the exact line:column.
  public static func parse(path: String, text: String) -> (Notebook, [Diagnostic]) {
    var parser = NotebookParser(path: path, text: text)
    return parser.parse()
  }
}

/// A piece of the notebook body, in document order.
public enum Block: Hashable, Sendable {
  /// Markdown prose between code blocks (never only blank lines).
  case prose(String, SourceRange)
  /// A fenced block that is not a cell (another language, or no language):
  /// shown as code, never run. `language` is the first word of the info
  /// string ("" when there is none).
  case code(language: String, text: String, SourceRange)
  /// A `swift` cell: an index into ``Notebook/cells``.
  case cell(Int)
}

/// A `swift` fenced block: the unit the runtime checks and runs.
public struct Cell: Hashable, Sendable {
  /// Position among the notebook's cells, from 0.
  public var index: Int
  /// The options from the leading `//| key: value` lines.
  public var options: CellOptions
  /// The code without the option lines, lines joined by `\n`, no trailing
  /// newline. Lines are kept verbatim (indentation included) so that a column
  /// in `source` is the same column in the `.md` file.
  public var source: String
  /// The `.md` line (1-based) of the first line of ``source``.
  public var sourceFirstLine: Int
  /// Everything between the fences, option lines included.
  public var fullSource: String
  /// From the opening fence to the end of the closing fence.
  public var range: SourceRange

  public init(index: Int, options: CellOptions, source: String, sourceFirstLine: Int, fullSource: String, range: SourceRange) {
    self.index = index
    self.options = options
    self.source = source
    self.sourceFirstLine = sourceFirstLine
    self.fullSource = fullSource
    self.range = range
  }

  /// The `label:` option, if any.
  public var label: String? { options.label }

  /// The name used for anchors and figure files: the label, or `cell-<n>`
  /// with `n = index + 1` for an unlabelled cell. Never random, so that file
  /// names are stable between runs. (Labels of the form `cell-<n>` are
  /// rejected by the parser, so the two kinds never collide.)
  public var stableName: String { Cell.stableName(index: index, label: label) }

  /// ``stableName`` for a cell given by its parts.
  public static func stableName(index: Int, label: String?) -> String { label ?? "cell-\(index + 1)" }
}
