import Foundation
import SAEKit

/// The cell cache: one folder per cell result, named by the cell's key.
///
/// The key is the SHA-256 of everything the result depends on: the cell's
/// source, the keys of the cells that last wrote the names it reads (so an
/// edit upstream invalidates everything downstream and nothing else), the
/// parameters it reads and the seed, the content of the files it names, the
/// model and corpus it uses, and the versions of the tool and of gnuplot.
///
/// An entry holds the names the cell wrote (`values.json` + `tensors.safetensors`),
/// its outputs with their figures' SVG text (`outputs.json`), its run time and the
/// content hashes of the files it wrote (`meta.json`), and `checksum`: the SHA-256
/// of the other files. It is written into a temporary folder and renamed into
/// place; an entry whose checksum does not match, or that cannot be decoded, is
/// recomputed, never trusted.
///
/// Entries of several versions of a cell coexist (other parameters, an earlier
/// edit): `renders.json` lists the keys used by each of the last
/// ``rendersKept`` complete renders, and only entries none of them used are removed.
struct CellCache {
  let directory: String
  /// How the archive takes again the model and activations it stores by reference.
  var references: ValueReferences = .builtins

  /// Complete renders whose entries are kept (switching a parameter back and forth reuses both).
  static let rendersKept = 3

  struct Entry {
    var values: [String: Value]
    var outputs: [CellOutput]
    var svgs: [String: String]
    var duration: Double
    /// The files and folders the cell wrote (as written in the cell) and their content hashes after it ran.
    var written: [String: String] = [:]

    /// The written paths that are missing or no longer hold what the cell wrote.
    func changedWrites(resolve: (String) -> String) -> [String] {
      written.keys.sorted().filter { CellCache.contentHash(resolve($0)) != written[$0] }
    }
  }

  static let files = ["values.json", "tensors.safetensors", "outputs.json", "meta.json"]

  func path(_ key: String) -> String { "\(directory)/\(key)" }

  func load(_ key: String, context: RuntimeContext) -> Entry? {
    let folder = path(key)
    guard let stored = FileContents.readIfRegular(folder + "/checksum").flatMap({ String(data: $0, encoding: .utf8) }),
          let checksum = Self.checksum(folder), stored == checksum,
          let valuesData = FileContents.readIfRegular(folder + "/values.json"),
          let outputsData = FileContents.readIfRegular(folder + "/outputs.json"),
          let metaData = FileContents.readIfRegular(folder + "/meta.json"),
          let values = try? JSONSerialization.jsonObject(with: valuesData) as? [String: Any],
          let outputs = try? JSONSerialization.jsonObject(with: outputsData) as? [[String: Any]],
          let meta = try? JSONSerialization.jsonObject(with: metaData) as? [String: Any]
    else { return nil }
    let tensorsPath = folder + "/tensors.safetensors"
    let tensors = FileManager.default.fileExists(atPath: tensorsPath) ? try? SafeTensors.read(tensorsPath) : nil
    let reader = ValueUnarchiver(tensors: tensors, context: context, references: references)
    do {
      var entry = Entry(values: [:], outputs: [], svgs: [:], duration: (meta["duration"] as? Double) ?? 0,
                        written: (meta["written"] as? [String: String]) ?? [:])
      for (name, v) in values { entry.values[name] = try reader.decode(v) }
      for o in outputs {
        switch o["kind"] as? String {
        case "text": entry.outputs.append(.text(try reader.field(o, "v")))
        case "value": entry.outputs.append(.value(try reader.decode(o["v"] as Any)))
        case "figure":
          guard case .figure(let f) = try reader.decode(o["v"] as Any) else { return nil }
          entry.outputs.append(.figure(f))
          entry.svgs[f.name] = try reader.field(o, "svg")
        default: return nil
        }
      }
      return entry
    } catch {
      return nil
    }
  }

  func save(_ entry: Entry, key: String) throws {
    var archive = ValueArchive()
    var values: [String: Any] = [:]
    for (name, v) in entry.values { values[name] = try archive.encode(v) }
    var outputs: [[String: Any]] = []
    for o in entry.outputs {
      switch o {
      case .text(let t): outputs.append(["kind": "text", "v": t])
      case .value(let v): outputs.append(["kind": "value", "v": try archive.encode(v)])
      case .figure(let f):
        outputs.append(["kind": "figure", "v": try archive.encode(.figure(f)), "svg": entry.svgs[f.name] ?? ""])
      }
    }
    let meta: [String: Any] = ["duration": entry.duration, "written": entry.written]
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    AbandonedTemporaries.remove(in: directory, prefix: ".\(key).")
    let temporary = "\(directory)/.\(key).\(getpid()).\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: temporary) }
    for (name, object) in [("values.json", values as Any), ("outputs.json", outputs), ("meta.json", meta)] {
      try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        .write(to: URL(fileURLWithPath: temporary + "/" + name))
    }
    if !archive.tensors.isEmpty {
      try SafeTensors.write(
        matrices: archive.tensors, vectors: [:], metadata: [:], to: temporary + "/tensors.safetensors")
    }
    guard let checksum = Self.checksum(temporary) else {
      throw NotebookIOError(path: temporary, "cannot checksum the cache entry")
    }
    try checksum.write(toFile: temporary + "/checksum", atomically: true, encoding: .utf8)
    try? FileManager.default.removeItem(atPath: path(key))
    do {
      try FileManager.default.moveItem(atPath: temporary, toPath: path(key))
    } catch where FileManager.default.fileExists(atPath: path(key)) {
      // Another render of the notebook stored the same key meanwhile: the same entry is in place.
    }
  }

  /// Records the keys a complete render used and removes the entries that none of the
  /// last ``rendersKept`` distinct renders used (earlier versions of edited cells, parameter
  /// sets not rendered lately), so the folder does not grow with every edit. Only folders
  /// named like a key (64 hex digits) are touched; entries being written (dot folders) and
  /// anything else in the folder are left alone.
  /// - Returns: how many entries were removed.
  /// - Throws: ``NotebookIOError`` when the list of renders cannot be written.
  @discardableResult
  func recordRender(usedKeys: Set<String>) throws -> Int {
    let log = directory + "/renders.json"
    var renders: [[String]] = []
    if let data = FileContents.readIfRegular(log),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let stored = object["renders"] as? [[String]]
    {
      renders = stored
    }
    let current = usedKeys.sorted()
    renders.removeAll { $0 == current }
    renders = Array((renders + [current]).suffix(Self.rendersKept))
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      let data = try JSONSerialization.data(withJSONObject: ["renders": renders], options: [.sortedKeys])
      try AtomicFileWriter.write(String(decoding: data, as: UTF8.self), to: log)
    } catch {
      throw NotebookIOError(path: log, "cannot record the render: \(error)")
    }
    return prune(keeping: Set(renders.joined()))
  }

  /// Removes the key-named entries whose key is not in `keep`; returns how many.
  private func prune(keeping keep: Set<String>) -> Int {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
    var removed = 0
    for name in names where name.count == 64 && name.allSatisfy(\.isHexDigit) && !keep.contains(name) {
      if (try? FileManager.default.removeItem(atPath: path(name))) != nil { removed += 1 }
    }
    return removed
  }

  /// SHA-256 over the entry's files in a fixed order (absent ones count as empty).
  static func checksum(_ folder: String) -> String? {
    // The digest of name, NUL, content, NUL for every file in turn, streamed (entries reach gigabytes).
    var hasher = SHA256.Hasher()
    for name in files {
      hasher.update(Array(name.utf8) + [0])
      if let data = mapped(folder + "/" + name) { data.withUnsafeBytes { hasher.update($0) } }
      hasher.update([0])
    }
    return SHA256.hex(hasher.finalize())
  }

  /// A file's bytes, mapped rather than read where the system allows (nil when unreadable).
  static func mapped(_ path: String) -> Data? {
    FileContents.readIfRegular(path, mapped: true)
  }

  /// SHA-256 of a file's bytes, or of a folder's files (sorted paths and contents); "missing" when absent.
  static func contentHash(_ path: String) -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "missing" }
    if !isDirectory.boolValue {
      return mapped(path).map { data in data.withUnsafeBytes { SHA256.hex(SHA256.digest($0)) } } ?? "unreadable"
    }
    let files = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).sorted()
    return SHA256.hex(of: files.map { "\($0)=\(contentHash(path + "/" + $0))" }.joined(separator: "\n"))
  }
}
