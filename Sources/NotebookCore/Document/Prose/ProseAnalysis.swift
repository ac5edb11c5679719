import Foundation
import SAEKit

/// Builds a notebook's ``ProseContext`` and checks its prose: every cross-reference, citation and
/// footnote resolves, every formula converts, every image can be read and every fenced div is
/// closed. Each problem is a diagnostic at its line:column in the `.md` file.
struct ProseAnalysis {
  /// The largest image inlined in a report.
  static let imageLimit = 5 << 20
  static let imageTypes = ["svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                           "gif": "image/gif", "webp": "image/webp"]

  private let notebook: Notebook
  private let locations: ProjectLocations
  private var context = ProseContext()
  private var diagnostics: [Diagnostic] = []
  private var references: [(label: String, range: SourceRange)] = []
  private var citations: [(key: String, range: SourceRange, bracketed: Bool)] = []
  private var footnoteReferences: [(id: String, range: SourceRange)] = []
  private var footnoteDefinitions: [String: (text: String, line: Int)] = [:]
  private var labelSites: [String: SourceRange] = [:]
  private var openDivs: [Int] = []
  /// The bibliography files read, by path.
  private var sources: [String: String] = [:]
  /// The length in scalars of each line of the notebook.
  private let lineLengths: [Int]

  /// The context of `notebook`'s prose, the problems found in it, and the texts of the other
  /// files they may point into (the bibliography), by path.
  static func analyse(_ notebook: Notebook, locations: ProjectLocations) -> (ProseContext, [Diagnostic], sources: [String: String]) {
    var analysis = ProseAnalysis(notebook: notebook, locations: locations)
    analysis.run()
    return (analysis.context, analysis.diagnostics, analysis.sources)
  }

  private init(notebook: Notebook, locations: ProjectLocations) {
    self.notebook = notebook
    self.locations = locations
    lineLengths = notebook.source.split(separator: "\n", omittingEmptySubsequences: false).map(\.unicodeScalars.count)
  }

  private var file: String { notebook.path }

  private mutating func run() {
    for cell in notebook.cells {
      guard let label = cell.label else { continue }
      labelSites[label] = cell.options.valueRanges["label"] ?? cell.range
    }
    for block in notebook.blocks {
      switch block {
      case .prose(let text, let range):
        for segment in ProseStructure.split(text, firstLine: range.start.line) { visit(segment) }
      case .cell(let index):
        guard let label = notebook.cells[index].label else { continue }
        if label.hasPrefix("fig-") {
          context.figures[label] = context.figures.count + 1
          context.figureCells.insert(label)
        } else if label.hasPrefix("tbl-") {
          context.tables[label] = context.tables.count + 1
        }
      case .code:
        continue
      }
    }
    for line in openDivs {
      diagnostics.append(.error(
        "fenced div is never closed: expected a line ':::'", at: lineRange(line),
        notes: ["a div opened with '::: {.callout-note}' ends at the next line of three colons"]))
    }
    resolveReferences()
    resolveFootnotes()
    resolveCitations()
  }

  // MARK: - Segments

  private mutating func visit(_ segment: ProseSegment) {
    switch segment {
    case .markdown(let text):
      visit(text)
    case .divOpen(let div, let line):
      openDivs.append(line)
      if div.callout == nil {
        diagnostics.append(Diagnostic(
          .warning, "fenced div without a callout class is shown as plain prose", at: lineRange(line),
          notes: ["callouts: " + CalloutKind.allCases.map { "'.callout-\($0.rawValue)'" }.joined(separator: ", ")]))
      }
    case .divClose(let line):
      if openDivs.popLast() == nil {
        diagnostics.append(.error("':::' closes no fenced div", at: lineRange(line)))
      }
    case .alert(let kind, let type, _, let text, let line):
      if kind == nil {
        diagnostics.append(Diagnostic(
          .warning, "unknown alert '[!\(type)]' is shown as a plain quote", at: lineRange(line),
          notes: ["alerts: " + CalloutKind.allCases.map { "[!\($0.rawValue.uppercased())]" }.joined(separator: ", ")]))
      }
      visit(text)
    case .footnoteDefinition(let id, let text, let line):
      if let first = footnoteDefinitions[id] {
        diagnostics.append(.error(
          "footnote '[^\(id)]' is defined twice", at: lineRange(line), notes: ["first defined at line \(first.line)"]))
      } else {
        footnoteDefinitions[id] = (text.text, line)
      }
      visit(text)
    case .tableCaption(_, let label, let line):
      guard let label else { return }
      guard label.hasPrefix("tbl-") else {
        diagnostics.append(Diagnostic(
          .warning, "table label '\(label)' does not start with 'tbl-': the table is not numbered", at: lineRange(line)))
        return
      }
      define(label, at: lineRange(line)) { $0.tables[label] = $0.tables.count + 1 }
    }
  }

  private mutating func visit(_ text: ProseText) {
    for token in ProseInlineScanner.scan(text.text) {
      let range = text.range(token.range, file: file)
      switch token.inline {
      case .inlineMath(let tex), .displayMath(let tex, label: nil):
        checkMath(tex, display: token.isDisplay, text: text, start: token.contentStart)
      case .displayMath(let tex, let label?):
        checkMath(tex, display: true, text: text, start: token.contentStart)
        if label.hasPrefix("eq-") {
          define(label, at: range) { $0.equations[label] = $0.equations.count + 1 }
        } else {
          diagnostics.append(Diagnostic(.warning, "equation label '\(label)' does not start with 'eq-': the equation is not numbered", at: range))
        }
      case .citation(let items, let narrative):
        for item in items {
          let at = text.range(item.offset..<(item.offset + 1 + item.key.unicodeScalars.count), file: file)
          if ProseInlineScanner.isCrossReference(item.key) {
            references.append((item.key, at))
          } else {
            citations.append((item.key, at, !narrative))
          }
        }
      case .crossReference(let label):
        references.append((label, range))
      case .footnoteReference(let id):
        footnoteReferences.append((id, range))
      case .image(_, let path, let label):
        checkImage(path, at: range)
        if let label {
          if label.hasPrefix("fig-") {
            define(label, at: range) { $0.figures[label] = $0.figures.count + 1 }
          } else {
            diagnostics.append(Diagnostic(.warning, "image label '\(label)' does not start with 'fig-': the image is not numbered", at: range))
          }
        }
      case .literal:
        continue
      }
    }
  }

  /// Records a label's definition with `number`, or reports it as a duplicate.
  private mutating func define(_ label: String, at range: SourceRange, number: (inout ProseContext) -> Void) {
    if let first = labelSites[label] {
      diagnostics.append(.error("duplicate label '\(label)'", at: range, notes: ["first used at line \(first.start.line)"]))
      return
    }
    labelSites[label] = range
    number(&context)
  }

  // MARK: - Math and images

  private mutating func checkMath(_ tex: String, display: Bool, text: ProseText, start: Int) {
    guard case .failure(let failure) = TeXMath.mathML(tex, display: display) else { return }
    let lower = start + failure.offset
    diagnostics.append(.error(
      "in math: " + failure.message, at: text.range(lower..<(lower + max(failure.length, 1)), file: file)))
  }

  private mutating func checkImage(_ path: String, at range: SourceRange) {
    if context.images[path] != nil { return }
    let lower = path.lowercased()
    if lower.hasPrefix("http:") || lower.hasPrefix("https:") || lower.hasPrefix("//") {
      diagnostics.append(Diagnostic(
        .warning, "remote image '\(path)' is shown as a link: the report makes no network requests", at: range,
        notes: ["save the image next to the notebook and refer to it by a relative path to inline it"]))
      return
    }
    switch Self.dataURL(path, locations: locations) {
    case .success(let url): context.images[path] = url
    case .failure(let problem): diagnostics.append(.error("image '\(path)' \(problem.message)", at: range))
    }
  }

  struct ImageProblem: Error { var message: String }

  /// The `data:` URL of a local image, read relative to the notebook's folder; the file must be
  /// a regular file inside the notebook's project (or folder), of a known type, at most 5 MB.
  static func dataURL(_ path: String, locations: ProjectLocations) -> Result<String, ImageProblem> {
    let ext = (path as NSString).pathExtension.lowercased()
    guard let type = imageTypes[ext] else {
      return .failure(.init(message: "is not an image the report can inline (\(imageTypes.keys.sorted().joined(separator: ", ")))"))
    }
    let folder = locations.notebookFolder.isEmpty ? "." : locations.notebookFolder
    let full = path.hasPrefix("/") ? path : folder + "/" + path
    let root = URL(fileURLWithPath: locations.project ?? folder).standardizedFileURL.resolvingSymlinksInPath().path
    let resolved = URL(fileURLWithPath: full).standardizedFileURL.resolvingSymlinksInPath().path
    guard resolved == root || resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
      return .failure(.init(message: "is outside the notebook's project (\(root)): copy it into the project"))
    }
    if let problem = FileContents.problem(resolved) {
      return .failure(.init(message: problem == "no such file" ? "does not exist (paths are relative to the notebook's folder)" : "cannot be read: it is \(problem)"))
    }
    guard let size = try? FileManager.default.attributesOfItem(atPath: resolved)[.size] as? Int, size <= imageLimit else {
      return .failure(.init(message: "is larger than \(imageLimit >> 20) MB: the report inlines images"))
    }
    guard let data = FileContents.readIfRegular(resolved) else { return .failure(.init(message: "cannot be read")) }
    return .success("data:\(type);base64,\(data.base64EncodedString())")
  }

  // MARK: - Resolution

  private mutating func resolveReferences() {
    for (label, range) in references where context.referenceText(label) == nil {
      var notes: [String] = []
      let kind = label.hasPrefix("fig-") ? "figure" : label.hasPrefix("tbl-") ? "table" : "equation"
      let known = (label.hasPrefix("fig-") ? context.figures : label.hasPrefix("tbl-") ? context.tables : context.equations)
        .keys.sorted()
      if let near = Suggestions.closest(label, among: known) { notes.append("did you mean '@\(near)'?") }
      notes.append(Self.howToLabel[kind] ?? "")
      diagnostics.append(.error("unknown cross-reference '@\(label)': no \(kind) is labelled '\(label)'", at: range, notes: notes))
    }
  }

  private static let howToLabel = [
    "figure": "a figure is labelled by its cell ('//| label: fig-name') or by '{#fig-name}' after an image",
    "table": "a table is labelled by its cell ('//| label: tbl-name') or by ': Caption {#tbl-name}' next to a table",
    "equation": "an equation is labelled by '{#eq-name}' right after its closing '$$'",
  ]

  private mutating func resolveFootnotes() {
    for (id, range) in footnoteReferences where footnoteDefinitions[id] == nil {
      diagnostics.append(.error(
        "footnote '[^\(id)]' is never defined", at: range, notes: ["define it on a line of its own: '[^\(id)]: The note.'"]))
    }
    var numbers: [String: Int] = [:]
    for (id, _) in footnoteReferences where footnoteDefinitions[id] != nil && numbers[id] == nil {
      numbers[id] = numbers.count + 1
    }
    context.footnoteNumbers = numbers
    context.footnotes = numbers.sorted { $0.value < $1.value }.map { id, number in
      ProseContext.Footnote(id: id, number: number, markdown: footnoteDefinitions[id]?.text ?? "")
    }
    for (id, definition) in footnoteDefinitions.sorted(by: { $0.value.line < $1.value.line }) where numbers[id] == nil {
      diagnostics.append(Diagnostic(.warning, "footnote '[^\(id)]' is never referred to", at: lineRange(definition.line)))
    }
  }

  private mutating func resolveCitations() {
    let (bibliography, problems, files) = CitationResolver.load(notebook)
    diagnostics += problems
    sources = files
    guard let bibliography else {
      for (key, range, bracketed) in citations where bracketed {
        diagnostics.append(.error(
          "citation '@\(key)' but the front matter names no bibliography", at: range,
          notes: ["add 'bibliography: references.bib' to the front matter, or write '\\@' for a plain '@'"]))
      }
      return
    }
    var cited: [String] = []
    for (key, range, bracketed) in citations {
      if bibliography.contains(key) {
        if !cited.contains(key) { cited.append(key) }
        continue
      }
      let near = Suggestions.closest(key, among: bibliography.keys)
      let notes = near.map { ["did you mean '@\($0)'?"] } ?? []
      if bracketed {
        diagnostics.append(.error("unknown citation key '\(key)'", at: range, notes: notes))
      } else {
        diagnostics.append(Diagnostic(
          .warning, "'@\(key)' is not a key of the bibliography: shown as text", at: range,
          notes: notes + ["write '\\@' for a plain '@'"]))
      }
    }
    (context.citations, context.references) = bibliography.labelsAndReferences(cited: cited)
  }

  private func lineRange(_ line: Int) -> SourceRange {
    let length = lineLengths.indices.contains(line - 1) ? lineLengths[line - 1] : 0
    return SourceRange(file: file, start: .init(line: line, column: 1), end: .init(line: line, column: length + 1))
  }
}

extension ProseInlineToken {
  var isDisplay: Bool { if case .displayMath = inline { true } else { false } }
}
