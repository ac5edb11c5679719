import Foundation

extension CitationStyle {
  /// The reference list of the cited entries (each once, unknown keys left
  /// out), sorted by the first author's family name, the year and the title,
  /// each as escaped HTML:
  ///
  /// `Gao, Leo, Tom Dupré la Tour, and Jeffrey Wu. 2024. “Scaling and Evaluating
  /// Sparse Autoencoders.” <em>arXiv Preprint</em> arXiv:2406.04093. <a href="…">…</a>`
  ///
  /// Uses author (or editor), year, title (in title case; italic for books and
  /// theses), journal or booktitle (italic), volume, number, pages, publisher
  /// (or institution, school), eprint with archiveprefix, doi, else url. Only
  /// `http`/`https` addresses become links; any other is shown as text.
  public func references(cited keys: [String]) -> [(key: String, html: String)] {
    Self.inListOrder(Self.unique(keys).compactMap { bibliography.entries[$0] })
      .map { (key: $0.key, html: html($0)) }
  }

  /// The entries in the order of the list: first author's family name (case
  /// and accents ignored), year, title, key.
  static func inListOrder(_ entries: [BibEntry]) -> [BibEntry] {
    entries.map { entry in
      let name = entry.authors.first?.family ?? authorLabel(entry)
      return (key: [fold(name), fold(year(entry)), fold(entry.field("title") ?? ""), entry.key], entry: entry)
    }
    .sorted { $0.key.lexicographicallyPrecedes($1.key) }
    .map(\.entry)
  }

  private static func fold(_ text: String) -> String {
    text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
  }

  /// One entry of the list: names, year, title, … (without names: title, year, …).
  func html(_ entry: BibEntry) -> String {
    var parts: [String] = []
    let year = Self.sentence(HTMLText.escape(Self.year(entry) + (suffixes[entry.key] ?? "")))
    let hasNames = !entry.authors.isEmpty || entry.authorsTruncated
    if hasNames {
      parts.append(Self.sentence(HTMLText.escape(Self.names(entry))))
      parts.append(year)
    }
    if let title = Self.titleCased(entry, "title") {
      let escaped = HTMLText.escape(title)
      let italic = ["book", "phdthesis", "mastersthesis", "proceedings", "manual"].contains(entry.type)
      let closed = title.last.map { ".?!".contains($0) } ?? false
      parts.append(italic ? "<em>\(escaped)</em>" + (closed ? "" : ".") : "“\(escaped)\(closed ? "" : ".")”")
    }
    if !hasNames { parts.append(year) }
    let eprint = Self.eprint(entry)
    var eprintWritten = false
    if let (source, isArXiv) = Self.source(entry) {
      eprintWritten = isArXiv && eprint != nil
      parts.append(source + (eprintWritten ? " " + (eprint ?? "") : "") + ".")
    }
    if let publisher = entry.field("publisher") ?? entry.field("institution") ?? entry.field("school") {
      parts.append(Self.sentence(HTMLText.escape(publisher)))
    }
    if let eprint, !eprintWritten { parts.append(eprint + ".") }
    parts += Self.links(entry)
    return parts.joined(separator: " ")
  }

  /// "Family, Given, Given Family, and Given Family" (more than 10 names:
  /// the first 7 and "et al."; `and others`: ", et al." after the names).
  static func names(_ entry: BibEntry) -> String {
    var names = entry.authors
    var etAl = entry.authorsTruncated
    if names.count > 10 {
      names = Array(names.prefix(7))
      etAl = true
    }
    var written = names.enumerated().map { $0.offset == 0 ? $0.element.inverted : $0.element.description }
    if etAl { return (written + ["et al."]).joined(separator: ", ") }
    switch written.count {
    case 0: return ""
    case 1: return written[0]
    case 2: return names[0].given.isEmpty ? "\(written[0]) and \(written[1])" : "\(written[0]), and \(written[1])"
    default:
      let last = written.removeLast()
      return written.joined(separator: ", ") + ", and " + last
    }
  }

  /// The container (journal, proceedings) with volume, number and pages, as
  /// HTML, and whether it is just an arXiv journal name (which the eprint
  /// follows in the same sentence: `arXiv Preprint arXiv:2406.04093`); nil
  /// when the entry has none of them.
  static func source(_ entry: BibEntry) -> (html: String, isArXiv: Bool)? {
    var pieces: [String] = []
    var isArXiv = false
    let pages = entry.field("pages").map { HTMLText.escape($0.replacingOccurrences(of: "-", with: "–")) }
    if let journal = titleCased(entry, "journal") ?? titleCased(entry, "journaltitle") {
      var text = "<em>\(HTMLText.escape(journal))</em>"
      if let volume = entry.field("volume") { text += " " + HTMLText.escape(volume) }
      if let number = entry.field("number") { text += " (\(HTMLText.escape(number)))" }
      if let pages { text += ": " + pages }
      isArXiv = text == "<em>\(HTMLText.escape(journal))</em>" && journal.lowercased().contains("arxiv")
      pieces.append(text)
    } else if let book = titleCased(entry, "booktitle") {
      pieces.append("In <em>\(HTMLText.escape(book))</em>" + (pages.map { ", " + $0 } ?? ""))
    } else if let pages {
      pieces.append(pages)
    }
    return pieces.isEmpty ? nil : (pieces.joined(separator: " "), isArXiv)
  }

  /// `arXiv:2406.04093` (the archive's name, a colon and the eprint), as HTML.
  static func eprint(_ entry: BibEntry) -> String? {
    guard let eprint = entry.field("eprint") else { return nil }
    let archive = entry.field("archiveprefix") ?? entry.field("eprinttype")
    let prefix = archive.map { $0.lowercased() == "arxiv" ? "arXiv" : $0 }
    return HTMLText.escape(prefix.map { "\($0):\(eprint)" } ?? eprint)
  }

  /// The DOI (as a https://doi.org/ address), else the URL: a link when it
  /// is http(s), else text.
  static func links(_ entry: BibEntry) -> [String] {
    var addresses: [String] = []
    if var doi = entry.field("doi") {
      for prefix in ["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"]
      where doi.lowercased().hasPrefix(prefix) {
        doi = String(doi.dropFirst(prefix.count))
      }
      addresses.append("https://doi.org/" + doi)
    }
    if addresses.isEmpty, let url = entry.field("url") { addresses.append(url) }
    return addresses.map { address in
      let escaped = HTMLText.escape(address)
      return isWebAddress(address) ? "<a href=\"\(escaped)\">\(escaped)</a>" : escaped
    }
  }

  /// `http://` or `https://` followed by a host, with no white space or controls.
  static func isWebAddress(_ text: String) -> Bool {
    let lower = text.lowercased()
    guard let scheme = ["https://", "http://"].first(where: { lower.hasPrefix($0) }), text.count > scheme.count else {
      return false
    }
    return !text.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
  }

  /// The field in title case (``TitleCase``), decoded; nil when absent or empty.
  static func titleCased(_ entry: BibEntry, _ field: String) -> String? {
    guard let raw = entry.rawFields[field] else { return entry.field(field) }
    let text = TeXDecoder.decode(TitleCase.apply(raw))
    return text.isEmpty ? nil : text
  }

  /// Ends the text with a period unless it already ends with one.
  static func sentence(_ text: String) -> String { text.hasSuffix(".") ? text : text + "." }
}
