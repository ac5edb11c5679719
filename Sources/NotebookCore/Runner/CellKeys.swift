import Foundation
import SAEKit

/// Computes every cell's cache key in notebook order (see ``CellCache``):
/// a cell's key includes the keys of the cells that last wrote the names it
/// reads, so keys chain down the notebook, and the contents of the resources
/// its calls declare they read (``Builtin/reads``): files and folders by their
/// bytes, corpora and the model by ``ModelInputKey``.
struct CellKeys {
  /// Changes when the key recipe or the entry layout changes: old entries are never read.
  static let version = "notebook-cache v2"

  let session: NotebookSession
  let dependencies: [CellDependencies]
  /// `gnuplot --version`, or nil when gnuplot is missing (part of every key: figures depend on it).
  let gnuplotVersion: String?
  private var lastWriter: [String: String] = [:]
  private var corpusKeys: [String: String] = [:]

  init(session: NotebookSession, registry: Registry) {
    self.session = session
    dependencies = session.programs.map { CellDependencies($0, registry: registry) }
    gnuplotVersion = try? GnuplotRunner().gnuplotVersion()
  }

  /// The folder relative paths in the notebook resolve against.
  var baseDirectory: String { (session.notebook.path as NSString).deletingLastPathComponent }

  func writes(of cell: Cell) -> Set<String> { dependencies[cell.index].writes }

  /// The files and folders the cell writes, as written in the cell (relative to the notebook's folder).
  func writtenPaths(of cell: Cell) -> [String] {
    dependencies[cell.index].writtenTargets.compactMap { if case .path(let p) = $0 { p } else { nil } }
  }

  /// The key of `cell` (nil when it cannot be cached: a computed path);
  /// call in notebook order, once per evaluated cell, just before it runs
  /// (files written by earlier cells are then in place).
  mutating func key(for cell: Cell) -> String? {
    let deps = dependencies[cell.index]
    var parts = [
      Self.version, "tool=\(NotebookCore.version)", "gnuplot=\(gnuplotVersion ?? "none")",
      "seed=\(session.notebook.frontMatter.seed ?? 0)", "source=\(cell.source)",
      // The cell's name names its figures (and their files): a renamed cell draws them again.
      "name=\(cell.stableName)",
    ]
    // The stored SVGs are drawn at the cell's figure size (absent when unset: older keys stay valid).
    if cell.options.figureWidth != nil || cell.options.figureHeight != nil {
      parts.append("figure size=\(cell.options.figureWidth ?? 0)x\(cell.options.figureHeight ?? 0)")
    }
    for p in session.parameters where deps.reads.contains(p.name) {
      parts.append("param \(p.name)=\(p.value.typeName):\(p.value)")
    }
    for name in deps.reads.sorted() { if let k = lastWriter[name] { parts.append("upstream \(name)=\(k)") } }
    for target in deps.readTargets { parts += keyLines(target) }
    // A cell that cannot be cached gives the names it writes a fresh key each render, so the
    // cells that read them are not served results computed from an earlier version.
    if !deps.isCacheable { parts.append("uncached \(UUID().uuidString)") }
    let key = SHA256.hex(of: parts.joined(separator: "\n"))
    for name in deps.writes { lastWriter[name] = key }
    return deps.isCacheable ? key : nil
  }

  private mutating func keyLines(_ target: CellEffect.Target) -> [String] {
    switch target {
    case .path(let path):
      return ["file \(path)=\(CellCache.contentHash(resolved(path)))"]
    case .corpus(let path):
      if corpusKeys[path] == nil {
        let corpus = path.isEmpty ? try? TextCorpus.standard() : try? TextCorpus.load(path: resolved(path))
        corpusKeys[path] = ModelInputKey.corpus(corpus?.contentHash ?? "missing")
      }
      return ["corpus \(path.isEmpty ? "(default)" : path): " + corpusKeys[path]!]
    case .model:
      return ModelInputKey.model
    case .languageModels(let path):
      let folder = path.isEmpty ? session.locations.committedTinyLM : resolved(path)
      return ["tinylm \(path.isEmpty ? "(committed)" : path)=\(CellCache.contentHash(folder))", "kernels=tinylm-\(TinyLM.kernelRevision)"]
    case .computed:
      return []
    }
  }

  private func resolved(_ path: String) -> String { RuntimeContext.resolve(path, in: baseDirectory) }
}
