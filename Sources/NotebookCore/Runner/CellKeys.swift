import Foundation
import SAEKit

/// Computes every cell's cache key in notebook order (see ``CellCache``):
/// a cell's key includes the keys of the cells that last wrote the names it
/// reads, so keys chain down the notebook.
struct CellKeys {
  let session: NotebookSession
  let registry: Registry
  let dependencies: [CellDependencies]
  /// `gnuplot --version`, or nil when gnuplot is missing (part of every key: figures depend on it).
  let gnuplotVersion: String?
  private var lastWriter: [String: String] = [:]
  private var corpusHash: String?

  init(session: NotebookSession, registry: Registry) {
    self.session = session
    self.registry = registry
    dependencies = session.programs.map { CellDependencies($0, registry: registry) }
    gnuplotVersion = (try? GnuplotRunner())?.flatMapVersion
  }

  func writes(of cell: Cell) -> Set<String> { dependencies[cell.index].writes }

  /// The key of `cell` (nil when it cannot be cached: a computed file path);
  /// call in notebook order, once per evaluated cell.
  mutating func key(for cell: Cell) -> String? {
    let deps = dependencies[cell.index]
    var parts = [
      "notebook-cache v1", "tool=\(NotebookCore.version)", "gnuplot=\(gnuplotVersion ?? "none")",
      "seed=\(session.notebook.frontMatter.seed ?? 0)", "source=\(cell.source)",
    ]
    for p in session.parameters where deps.reads.contains(p.name) { parts.append("param \(p.name)=\(p.value.typeName):\(p.value)") }
    for name in deps.reads.sorted() { if let k = lastWriter[name] { parts.append("upstream \(name)=\(k)") } }
    let base = (session.notebook.path as NSString).deletingLastPathComponent
    for file in deps.files {
      let path = file.hasPrefix("/") || base.isEmpty ? file : base + "/" + file
      parts.append("file \(file)=\(file.isEmpty ? "default" : CellCache.contentHash(path))")
    }
    if deps.calls.contains("minilm") { parts.append("model=\(MiniLMFiles.modelSHA256) \(MiniLM.kernelRevision)") }
    if deps.calls.contains(where: { Self.readsCorpus($0, registry) }) {
      if corpusHash == nil { corpusHash = (try? TextCorpus.standard().contentHash) ?? "missing" }
      parts.append("corpus=\(corpusHash!)")
    }
    let key = SHA256.hex(of: parts.joined(separator: "\n"))
    for name in deps.writes { lastWriter[name] = key }
    return deps.isCacheable ? key : nil
  }
}

extension CellKeys {
  /// Whether the builtin `name` reads a text corpus: every builtin with a `corpus:` parameter
  /// reads the default corpus (Debian fortunes) when it is left empty, so keys of cells that call
  /// one include the corpus's content hash. Builtins that take texts from activations
  /// (`darkMatter.fidelity`) depend on the corpus through the cell that took the activations.
  static func readsCorpus(_ name: String, _ registry: Registry) -> Bool {
    registry.functions[name]?.parameters.contains { $0.name == "corpus" } ?? false
  }
}

extension GnuplotRunner {
  var flatMapVersion: String? { try? gnuplotVersion() }
}
