/// TEMPORARY until the bibliography lands.
enum CitationResolver {
  struct Loaded {
    var keys: [String]
    func contains(_ key: String) -> Bool { keys.contains(key) }
    func labelsAndReferences(cited: [String]) -> ([String: ProseContext.CitationLabel], [ProseContext.Reference]) { ([:], []) }
  }
  static func load(_ notebook: Notebook, locations: ProjectLocations) -> (Loaded?, [Diagnostic]) { (nil, []) }
}
