/// The notebook's bibliography (the front matter's `bibliography:` files), read and checked,
/// and what the report shows of it: each cited key's label and the references list.
enum CitationResolver {
  struct Loaded {
    let bibliography: Bibliography
    var keys: [String] { bibliography.entries.keys.sorted() }
    func contains(_ key: String) -> Bool { bibliography.entries[key] != nil }

    /// The labels of the cited keys (`Gao et al.`, `2024a`, with their anchors) and the
    /// references list, in the style's order.
    func labelsAndReferences(cited: [String]) -> ([String: ProseContext.CitationLabel], [ProseContext.Reference]) {
      let style = CitationStyle(bibliography: bibliography, cited: cited)
      var anchors: [String: String] = [:]
      var used = Set<String>()
      for key in cited {
        let base = "ref-" + String(key.unicodeScalars.map { ProseInlineScanner.isLabelScalar($0) ? Character($0) : "-" })
        var anchor = base.lowercased()
        var n = 2
        while used.contains(anchor) {
          anchor = "\(base.lowercased())-\(n)"
          n += 1
        }
        used.insert(anchor)
        anchors[key] = anchor
      }
      var labels: [String: ProseContext.CitationLabel] = [:]
      for key in cited {
        guard let (author, year) = style.labelParts(for: key), let anchor = anchors[key] else { continue }
        labels[key] = .init(author: author, year: year, anchor: anchor)
      }
      let references = style.references(cited: cited).compactMap { entry in
        anchors[entry.key].map { ProseContext.Reference(anchor: $0, html: entry.html) }
      }
      return (labels, references)
    }
  }

  /// The bibliography of `notebook` (nil when its front matter names none), the problems in
  /// its files, and their texts by path (for showing those problems' lines).
  static func load(_ notebook: Notebook) -> (Loaded?, [Diagnostic], sources: [String: String]) {
    let files = notebook.frontMatter.bibliography
    guard !files.isEmpty else { return (nil, [], [:]) }
    let loaded = LoadedBibliography.load(files, notebookPath: notebook.path)
    return (Loaded(bibliography: loaded.bibliography), loaded.diagnostics, loaded.sources)
  }
}
