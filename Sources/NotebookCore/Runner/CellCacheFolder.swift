import Foundation

/// Where a notebook's cell cache lives, and `notebook clean`, which removes it.
///
/// A notebook's entries are in `<notebook folder>/.notebook-cache/<notebook name>/`:
/// folders named by their key (64 hex digits), entries being written (`.<key>.<uuid>`)
/// and `renders.json`. Cleaning removes only folders that hold nothing else, so a
/// mistyped path never deletes a user's files.
public enum CellCacheFolder {
  /// The folder beside the notebooks that holds their caches.
  public static let containerName = ".notebook-cache"

  /// `<notebook folder>/.notebook-cache/<notebook name without .md>`.
  public static func path(forNotebook notebookPath: String) -> String {
    let folder = (notebookPath as NSString).deletingLastPathComponent
    let name = Notebook.name(ofPath: notebookPath)
    return ((folder as NSString).appendingPathComponent(containerName) as NSString).appendingPathComponent(name)
  }

  /// What one removal freed.
  public struct Removal: Equatable, Sendable {
    public let path: String
    public let entries: Int
    public let bytes: Int
  }

  /// Removes the cell cache of the notebook at `notebookPath` (and the container when it is
  /// left empty); nil when there is none.
  /// - Throws: ``NotebookIOError`` when the folder holds files a cache does not write, or
  ///   cannot be removed.
  public static func remove(forNotebook notebookPath: String) throws -> Removal? {
    let folder = path(forNotebook: notebookPath)
    guard isDirectory(folder) else { return nil }
    let removal = try remove(cache: folder)
    removeIfEmpty((folder as NSString).deletingLastPathComponent)
    return removal
  }

  /// Removes every notebook's cell cache in the `.notebook-cache` folders under `root`
  /// (searched `depth` levels down, skipping hidden folders and `.build`).
  public static func removeAll(under root: String, depth: Int = 4) throws -> [Removal] {
    var removals: [Removal] = []
    for container in containers(under: root, depth: depth) {
      let names = ((try? FileManager.default.contentsOfDirectory(atPath: container)) ?? []).sorted()
      for name in names where isDirectory((container as NSString).appendingPathComponent(name)) {
        removals.append(try remove(cache: (container as NSString).appendingPathComponent(name)))
      }
      removeIfEmpty(container)
    }
    return removals
  }

  /// The `.notebook-cache` folders under `root`, in sorted order.
  static func containers(under root: String, depth: Int) -> [String] {
    var found: [String] = []
    let here = (root as NSString).appendingPathComponent(containerName)
    if isDirectory(here) { found.append(here) }
    guard depth > 0, let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return found }
    for name in names.sorted() where !name.hasPrefix(".") && name != "node_modules" {
      let child = (root as NSString).appendingPathComponent(name)
      // Symbolic links are not followed (attributes describe the link): one may lead out of the project.
      guard let type = try? FileManager.default.attributesOfItem(atPath: child)[.type] as? FileAttributeType,
            type == .typeDirectory
      else { continue }
      found += containers(under: child, depth: depth - 1)
    }
    return found
  }

  /// Whether `name` is something the cell cache writes in a notebook's folder.
  static func isCacheItem(_ name: String) -> Bool {
    if name == "renders.json" { return true }
    let key = name.hasPrefix(".") ? String(name.dropFirst().prefix { $0 != "." }) : name
    return key.count == 64 && key.allSatisfy(\.isHexDigit)
  }

  private static func remove(cache folder: String) throws -> Removal {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    let foreign = names.filter { !isCacheItem($0) }.sorted()
    guard foreign.isEmpty else {
      throw NotebookIOError(
        path: folder,
        "not a cell cache: it holds \(foreign.prefix(3).joined(separator: ", "))\(foreign.count > 3 ? " and \(foreign.count - 3) more" : ""), which the cache never writes; nothing was removed")
    }
    let bytes = size(of: folder)
    do {
      try FileManager.default.removeItem(atPath: folder)
    } catch {
      throw NotebookIOError(path: folder, "cannot remove the cell cache: \(error.localizedDescription)")
    }
    return Removal(path: folder, entries: names.filter { $0.count == 64 }.count, bytes: bytes)
  }

  private static func removeIfEmpty(_ folder: String) {
    if let rest = try? FileManager.default.contentsOfDirectory(atPath: folder), rest.isEmpty {
      try? FileManager.default.removeItem(atPath: folder)
    }
  }

  private static func isDirectory(_ path: String) -> Bool {
    var isFolder: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
  }

  /// The bytes of the regular files under `folder`.
  private static func size(of folder: String) -> Int {
    guard let walker = FileManager.default.enumerator(atPath: folder) else { return 0 }
    var total = 0
    while let name = walker.nextObject() as? String {
      let attributes = try? FileManager.default.attributesOfItem(atPath: (folder as NSString).appendingPathComponent(name))
      if attributes?[.type] as? FileAttributeType == .typeRegular { total += (attributes?[.size] as? Int) ?? 0 }
    }
    return total
  }
}
