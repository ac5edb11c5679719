import Foundation
import NotebookCore
import SAEKit

/// One fuzz input: a notebook and the files beside it (relative paths).
public struct FuzzCase: Sendable {
  public var kind: String
  public var notebook: String
  public var files: [String: Data] = [:]

  public init(kind: String, notebook: String, files: [String: Data] = [:]) {
    self.kind = kind
    self.notebook = notebook
    self.files = files
  }

  /// Writes the notebook as `case.md` and its files into `folder` (created); returns the notebook's path.
  public func write(into folder: URL) throws -> String {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (name, data) in files {
      let url = folder.appendingPathComponent(name)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try data.write(to: url)
    }
    let path = folder.appendingPathComponent("case.md")
    try Data(notebook.utf8).write(to: path)
    return path.path
  }
}

/// Mutations of real notebooks (bytes, lines, fences, front matter, UTF-8, sizes) and corrupt
/// copies of every file format a cell reads.
public struct InputMaker {
  var programs: ProgramGenerator
  let examples: [String]

  /// - Parameters models, miniLM: whether generated programs may load models (see ``ProgramGenerator``).
  public init(seed: UInt64, examples: [String], models: Bool = true, miniLM: Bool = true) {
    programs = ProgramGenerator(seed: seed, models: models, miniLM: miniLM)
    self.examples = examples
  }

  /// The `index`-th input: programs, mutated notebooks and corrupt files in turn.
  public mutating func next(_ index: Int) -> FuzzCase {
    switch index % 4 {
    case 0: return program(cells: 1)
    case 1: return mutatedNotebook()
    case 2: return corruptFile()
    default: return program(cells: 3)
    }
  }

  /// Generated cells, with the short text corpus their activations read.
  mutating func program(cells: Int) -> FuzzCase {
    let notebook = (0..<cells).map { _ in "```swift\n\(programs.cell())\n```\n" }.joined(separator: "\n")
    return FuzzCase(kind: "program", notebook: notebook, files: [RecordRecipes.corpusFile: Data(RecordRecipes.corpus.utf8)])
  }

  static let fragments = [
    "```swift\n", "```\n", "```{swift}\n", "---\n", "---\nparams:\n  k: [\n---\n", "//| timeout: 1e11\n", "//| label: x\n",
    "$", "$$", "[@", "@fig-", "[^", ":::", "> [!NOTE]", "{", "}", "(", ")", "\u{0}", "\u{FFFF}", "\r", "\t", "é",
    String(repeating: "(", count: 400), String(repeating: "1 + ", count: 2_000), String(repeating: "a", count: 100_000),
  ]

  mutating func mutatedNotebook() -> FuzzCase {
    guard !examples.isEmpty else { return FuzzCase(kind: "notebook", notebook: "") }
    var bytes = Array(programs.pick(examples).utf8.prefix(20_000))
    for _ in 0..<(1 + Int(programs.rng.next() % 5)) {
      let at = Int(programs.rng.next() % UInt64(bytes.count + 1))
      switch programs.rng.next() % 5 {
      case 0: bytes.insert(contentsOf: programs.pick(Self.fragments).utf8, at: at)
      case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int(programs.rng.next() % 500)))
      case 2: if at < bytes.count { bytes[at] = UInt8(truncatingIfNeeded: programs.rng.next()) }  // may break UTF-8
      case 3:
        let end = min(bytes.count, at + Int(programs.rng.next() % 300))
        bytes.insert(contentsOf: bytes[at..<end], at: at)
      default: bytes = Array(bytes.prefix(at))  // truncated anywhere, even inside a character
      }
    }
    return FuzzCase(kind: "notebook", notebook: String(decoding: bytes, as: UTF8.self))
  }

  /// A valid file of a format we read, damaged, and the cell that reads it.
  mutating func corruptFile() -> FuzzCase {
    let matrix = try! Matrix(rows: 2, cols: 3, storage: [1, 2, 3, 4, 5, 6])
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-make-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var (name, reader) = ("", "")
    var files: [String: Data] = [:]
    switch programs.rng.next() % 5 {
    case 0:
      (name, reader) = ("c.npy", "let m = loadMatrix(\"c.npy\")\nprint(m.rows, m.cols)")
      try? NPY.write(matrix, to: folder.appendingPathComponent(name).path)
    case 1:
      (name, reader) = ("c.safetensors", "let d = itda.load(\"c.safetensors\")\nprint(d.size)\nprint(itda.encode(d, Matrix([[1.0, 2.0, 3.0]])).rows)")
      let labels = (0..<2).map { ITDADictionary.Label(document: $0, position: 0, tokenId: 1) }
      try? ITDADictionary(atoms: matrix, labels: labels, threshold: 0.1, l0: 2).save(to: folder.appendingPathComponent(name).path)
    case 2, 3:
      // A SAELens or sparsify folder: one of its two files is damaged, the other kept.
      let sparsify = programs.chance(0.5)
      let (config, weights) = sparsify
        ? (SparsifyFormat.configFileName, SparsifyFormat.weightsFileName)
        : (SAELensFormat.configFileName, SAELensFormat.weightsFileName)
      var random = RandomSource(seed: 7)
      if let sae = try? SparseAutoencoder(dimension: 3, width: 4, activation: .topK(k: 1), random: &random) {
        let path = folder.appendingPathComponent("sae").path
        if sparsify { try? SparsifyFormat.save(sae, to: path) } else { try? SAELensFormat.save(sae, to: path) }
      }
      let kept = programs.chance(0.5) ? config : weights
      name = "sae/" + (kept == config ? weights : config)
      reader = "let s = loadSAE(\"sae\")\nprint(s)\nprint(s.encode(Matrix([[1.0, 2.0, 3.0]])).rows)"
      files["sae/" + kept] = try? Data(contentsOf: folder.appendingPathComponent("sae/" + kept))
    default:
      // Front matter parameters (YAML): the notebook itself is the damaged file.
      var bytes = Array("---\ntitle: Params\nseed: 3\nparams:\n  k: 8\n  name: \"run\"\n  rates: [0.1, 0.2]\n  on: true\n---\n".utf8)
      for _ in 0..<(1 + Int(programs.rng.next() % 4)) {
        let at = Int(programs.rng.next() % UInt64(bytes.count - 4))
        bytes.replaceSubrange(at..<(at + 1), with: [programs.pick(Array("[]{}:-\"'\n #&*!|>9.".utf8))])
      }
      let notebook = String(decoding: bytes, as: UTF8.self) + "\n```swift\nprint(k, name, rates, on)\n```\n"
      return FuzzCase(kind: "file", notebook: notebook)
    }
    var bytes = [UInt8]((try? Data(contentsOf: folder.appendingPathComponent(name))) ?? Data())
    for _ in 0..<(1 + Int(programs.rng.next() % 4)) where !bytes.isEmpty {
      let at = Int(programs.rng.next() % UInt64(bytes.count))
      switch programs.rng.next() % 4 {
      case 0: bytes[at] = UInt8(truncatingIfNeeded: programs.rng.next())
      case 1: bytes = Array(bytes.prefix(at))
      case 2: bytes.insert(contentsOf: Array("9999999999999999999".utf8), at: at)
      default: bytes.replaceSubrange(at..<min(bytes.count, at + 4), with: [0xFF, 0xFF, 0xFF, 0x7F])
      }
    }
    files[name] = Data(bytes)
    return FuzzCase(kind: "file", notebook: "```swift\n\(reader)\n```\n", files: files)
  }
}
