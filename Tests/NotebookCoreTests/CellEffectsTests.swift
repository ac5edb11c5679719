import Foundation
import SAEKit
import Testing

@testable import NotebookCore

/// Builtins declare what they read and write (``Builtin/reads``, ``Builtin/writes``),
/// and the cell cache keys and checks cells by those declarations alone: a file a cell
/// reads is part of its key, a file it writes is written again when it is missing or
/// changed. Regression tests for the stale `itda.load`, the lost `itda.save` and
/// `saveSAE`, and `loadSAE`.
@Suite(.serialized) struct CellEffectsTests {
  final class Log: @unchecked Sendable {
    var ran: [String] = []
    var cached: [String] = []
    var warnings: [String] = []
    var problems: [String] = []
  }

  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("effects-\(UUID().uuidString)").path

  func render(_ text: String, cacheDirectory: String? = nil) throws -> (Log, NotebookRenderer.Result) {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let session = try NotebookSession.load(path: directory + "/nb.md", text: text)
    #expect(session.problems.isEmpty, "\(session.problems)")
    var options = NotebookRenderer.Options()
    options.reportsDirectory = directory + "/reports"
    options.figuresDirectory = directory + "/figures"
    options.cacheDirectory = cacheDirectory
    var renderer = NotebookRenderer(session: session, options: options)
    let log = Log()
    renderer.onEvent = { event in
      switch event {
      case .cellFinished(let name, _, let cached, _):
        if cached { log.cached.append(name) } else { log.ran.append(name) }
      case .warning(let text): log.warnings.append(text)
      case .problem(let text): log.problems.append(text)
      default: break
      }
    }
    return (log, try renderer.render())
  }

  /// The printed lines of cell `index`.
  func lines(_ result: NotebookRenderer.Result, _ index: Int) -> [String] {
    result.report.cells[index].outputs.compactMap { if case .text(let t) = $0 { t } else { nil } }
  }

  /// A dictionary of the first `size` unit vectors of R⁴.
  func writeDictionary(size: Int, to path: String) throws {
    var atoms = Matrix(rows: size, cols: 4)
    for i in 0..<size { atoms[i, i] = 1 }
    let labels = (0..<size).map { ITDADictionary.Label(document: $0, position: 0, tokenId: -1) }
    try ITDADictionary(atoms: atoms, labels: labels, threshold: 0.1, l0: 2).save(to: path)
  }

  static let cells = """
    ```swift
    //| label: load
    let d = itda.load("dict.safetensors")
    print(d.size)
    ```
    """

  @Test func itdaLoadRerunsWhenItsFileChanges() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try writeDictionary(size: 2, to: directory + "/dict.safetensors")
    let (first, a) = try render(Self.cells)
    #expect(first.ran == ["load"] && lines(a, 0) == ["2"])
    #expect(try render(Self.cells).0.cached == ["load"])
    try writeDictionary(size: 3, to: directory + "/dict.safetensors")
    let (changed, b) = try render(Self.cells)
    #expect(changed.ran == ["load"] && lines(b, 0) == ["3"], "the cell reads the new dictionary, not a cached one")
  }

  static let saveAndLoad = """
    ```swift
    //| label: build
    let data = synthetic.superposition(features: 16, dim: 6, sparsity: 0.2, samples: 200)
    let d = itda.buildMatrix(data.x, threshold: 0.05, l0: 3, batch: 64)
    ```

    ```swift
    //| label: save
    itda.save(d, to: "out/d.safetensors")
    ```

    ```swift
    //| label: back
    let back = itda.load("out/d.safetensors")
    print(back.size == d.size)
    ```
    """

  @Test func aCachedCellThatSavesADictionaryWritesItAgainWhenItIsGone() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
    let (first, _) = try render(Self.saveAndLoad)
    #expect(first.ran == ["build", "save", "back"])
    let (second, _) = try render(Self.saveAndLoad)
    #expect(second.cached == ["build", "save", "back"], "its file is in place: everything from the cache")
    try FileManager.default.removeItem(atPath: directory + "/out/d.safetensors")
    let (third, result) = try render(Self.saveAndLoad)
    #expect(result.succeeded, "\(result.failures)")
    #expect(
      third.ran == ["save"] && third.cached == ["build", "back"], "the writing cell runs again; the file is the same")
    #expect(FileManager.default.fileExists(atPath: directory + "/out/d.safetensors"))
    // A file changed behind the notebook's back is written again too.
    try Data("not a dictionary".utf8).write(to: URL(fileURLWithPath: directory + "/out/d.safetensors"))
    let (fourth, again) = try render(Self.saveAndLoad)
    #expect(again.succeeded && fourth.ran == ["save"], "\(fourth.ran)")
  }

  static let saeFiles = """
    ```swift
    //| label: train
    let data = synthetic.superposition(features: 16, dim: 6, sparsity: 0.2, samples: 200)
    let sae = train(data.x, width: 8, activation: .topK(k: 2), steps: 5, batch: 64)
    saveSAE(sae, to: "saved")
    ```

    ```swift
    //| label: load
    let back = loadSAE("saved")
    print(back.width)
    ```
    """

  @Test func saveSAERewritesAMissingFolderAndLoadSAEFollowsItsFolder() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (first, _) = try render(Self.saeFiles)
    #expect(first.ran == ["train", "load"])
    try FileManager.default.removeItem(atPath: directory + "/saved")
    let (second, result) = try render(Self.saeFiles)
    #expect(
      result.succeeded && second.ran == ["train"] && second.cached == ["load"], "\(second.ran) \(result.failures)")
    // Another SAE in the folder: loadSAE's cell runs again and shows it.
    var rng = RandomSource(seed: 3)
    let other = try SparseAutoencoder(dimension: 6, width: 12, activation: .topK(k: 2), random: &rng)
    try SAEFile.save(other, format: .saeLens, to: directory + "/saved")
    let saeDocument = Self.saeFiles.replacingOccurrences(of: "saveSAE(sae, to: \"saved\")", with: "")
    let (third, changed) = try render(saeDocument)
    #expect(third.ran.contains("load") && lines(changed, 1) == ["12"], "\(third.ran)")
  }

  /// `loadSAE`'s SAE goes into the cell cache as its folder and scale, not a copy of its weights,
  /// and comes back the same.
  @Test func theCellCacheStoresALoadedSAEByReference() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var rng = RandomSource(seed: 3)
    let saved = try SparseAutoencoder(dimension: 6, width: 12, activation: .topK(k: 2), random: &rng)
    try SAEFile.save(saved, format: .saeLens, to: directory + "/saved")
    let context = RuntimeContext(seed: 1, baseDirectory: directory)
    let loaded = try ModelBuiltins.loadedSAE(SAEFileReference(path: "saved", scale: nil), context)
    var archive = ValueArchive()
    let encoded = try archive.encode(.sae(loaded))
    #expect((encoded as? [String: Any])?["t"] as? String == "saeFile" && archive.tensors.isEmpty)
    guard case .sae(let back) = try ValueUnarchiver(tensors: nil, context: context, references: .builtins).decode(encoded) else {
      Issue.record("not an SAE"); return
    }
    #expect(back.file == loaded.file && back.model.encoderWeights.storage == saved.encoderWeights.storage)
    // An SAE whose weights stay in the file goes in and comes back the same way.
    let mapped = try ModelBuiltins.loadedSAE(SAEFileReference(path: "saved", scale: nil, weights: .mapped), context)
    let entry = try archive.encode(.sae(mapped))
    guard case .sae(let again) = try ValueUnarchiver(tensors: nil, context: context, references: .builtins).decode(entry) else {
      Issue.record("not an SAE"); return
    }
    #expect(again.file?.weights == .mapped && again.model.mappedWeights != nil)
  }

  /// `loadSAE(…, weights: "mapped")`: the same evaluation as in float32, a display that says where
  /// the weights are, and a clear error where the whole decoder is needed.
  @Test func anSAEWhoseWeightsStayInTheFileEvaluatesAndSaysWhatItCannotDo() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var rng = RandomSource(seed: 3)
    let saved = try SparseAutoencoder(dimension: 6, width: 300, activation: .topK(k: 2), random: &rng)
    try SAEFile.save(saved, format: .saeLens, to: directory + "/saved")
    let text = """
      ```swift
      //| label: load
      let x = synthetic.superposition(features: 16, dim: 6, sparsity: 0.2, samples: 50).x
      let mapped = loadSAE("saved", weights: "mapped")
      let widened = loadSAE("saved", weights: "float32")
      print(abs(evaluate(mapped, on: x).fvu - evaluate(widened, on: x).fvu) < 1e-6)
      mapped
      ```

      ```swift
      //| label: decoder
      print(mapped.decoder.rows)
      ```
      """
    let (_, result) = try render(text)
    #expect(lines(result, 0).first == "true", "\(result.failures)")
    #expect(result.failures.map(\.message) == [
      "sae.decoder needs this SAE's weights in memory as float32 (14.4 KB), but they were left in \(directory)/saved/sae_weights.safetensors as float32; load it with its weights in float32 to use it here",
    ])
    let (_, typo) = try render("```swift\nlet bad = loadSAE(\"saved\", weights: \"bf16\")\n```\n")
    #expect(typo.failures.map(\.message) == ["weights must be one of \"auto\", \"float32\", \"mapped\", got \"bf16\""])
  }

  @Test func aComputedPathIsNeverCachedNorAreTheCellsThatReadItsNames() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try writeDictionary(size: 2, to: directory + "/dict.safetensors")
    let text = """
      ```swift
      //| label: load
      let name = "dict"
      let d = itda.load("\\(name).safetensors")
      ```

      ```swift
      //| label: use
      print(d.size)
      ```
      """
    _ = try render(text)
    try writeDictionary(size: 3, to: directory + "/dict.safetensors")
    let (log, result) = try render(text)
    #expect(log.ran == ["load", "use"] && lines(result, 1) == ["3"])
  }

  /// A builtin never overwrites a notebook or the project's records, and a relative path never
  /// leads out of the project; the error is at the path's argument.
  @Test func writesStayInsideTheProjectAndNeverReplaceANotebook() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory + "/reports", withIntermediateDirectories: true)
    try Data().write(to: URL(fileURLWithPath: directory + "/Package.swift"))
    try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
    let targets = ["nb.md", "other.MD", "../outside.npy", directory + "/reports/abs.npy", "reports/x.npy", "sub/../ok.npy"]
    var text = "```swift\nlet m = Matrix([[1.0]])\n```\n"
    for (i, target) in targets.enumerated() {
      text += "\n```swift\n//| label: w\(i)\n//| error: \(target != "sub/../ok.npy")\nsaveMatrix(m, to: \"\(target)\")\n```\n"
    }
    let (_, result) = try render(text)
    #expect(result.succeeded, "\(result.failures)")
    let messages = result.report.cells.dropFirst().map { $0.diagnostic ?? "" }
    #expect(messages[0].contains("refusing to write 'nb.md': it is a Markdown file (a notebook)"), "\(messages[0])")
    #expect(messages[1].contains("it is a Markdown file"))
    #expect(messages[2].contains("refusing to write '../outside.npy': it is outside the notebook's project"))
    #expect(messages[3].contains("the project's reports/ holds the rendered records"), "absolute paths too")
    #expect(messages[4].contains("the project's reports/ holds the rendered records"))
    #expect(messages[0].contains("saveMatrix(m, to: \"nb.md\")\n                      ^~~~~~~"), "at the path: \(messages[0])")
    #expect(FileManager.default.fileExists(atPath: directory + "/ok.npy"))
  }

  /// Wherever a path points (an absolute one outside the project too), a builtin replaces only
  /// what it writes: a file of its extension, a folder that is new, empty or holds its marker.
  @Test func writesReplaceOnlyWhatTheBuiltinWrites() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: outside) }
    try FileManager.default.createDirectory(atPath: outside + "/home", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: outside + "/empty", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/home/.bashrc"))
    try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/data.csv"))
    let cases: [(call: String, fails: Bool)] = [
      ("saveMatrix(m, to: \"\(outside)/home/.bashrc\")", true),
      ("saveMatrix(m, to: \"\(outside)/data.csv\")", true),
      ("saveMatrix(m, to: \"\(outside)/home\")", true),
      ("saveMatrix(m, to: \"\(outside)/new.npy\")", false),
      ("saveMatrix(m, to: \"\(outside)/new.npy\")", false),  // its own file again
      ("saveSAE(sae, to: \"\(outside)/home\", format: \"saelens\")", true),
      ("saveSAE(sae, to: \"\(outside)/data.csv\", format: \"saelens\")", true),
      ("saveSAE(sae, to: \"\(outside)/empty\", format: \"saelens\")", false),
      ("saveSAE(sae, to: \"\(outside)/empty\", format: \"saelens\")", false),  // holds cfg.json now
    ]
    var text = "```swift\nlet m = Matrix([[1.0]])\nlet sae = train(m, width: 2, activation: .topK(k: 1), steps: 2, batch: 1)\n```\n"
    for (i, c) in cases.enumerated() {
      text += "\n```swift\n//| label: w\(i)\n//| error: \(c.fails)\n\(c.call)\n```\n"
    }
    let (_, result) = try render(text)
    #expect(result.succeeded, "\(result.failures)")
    let messages = result.report.cells.dropFirst().map { $0.diagnostic ?? "" }
    #expect(messages[0].contains("refusing to replace '\(outside)/home/.bashrc': it exists and is not a .npy file, the only kind this writes"), "\(messages[0])")
    #expect(messages[1].contains("is not a .npy file"))
    #expect(messages[2].contains("it is a folder; name a .npy file"))
    #expect(messages[5].contains("refusing to write into '\(outside)/home': the folder holds other files and no cfg.json"), "\(messages[5])")
    #expect(messages[6].contains("it is a file, not a folder"))
    #expect(try String(contentsOfFile: outside + "/home/.bashrc", encoding: .utf8) == "keep")
    #expect(try String(contentsOfFile: outside + "/data.csv", encoding: .utf8) == "keep")
    #expect(FileManager.default.fileExists(atPath: outside + "/empty/cfg.json"))
  }

  /// Outputs have limits: a cell keeps 10,000 printed lines (then one line says the rest is
  /// dropped), and figures too large for gnuplot's SVG are errors that say how to shrink them.
  @Test func printedOutputAndFigureSizesAreBounded() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let text = """
      ```swift
      for i in 0..<20_000 { print(i) }
      ```

      ```swift
      //| error: true
      plot.heatmap(synthetic.superposition(features: 8, dim: 600, sparsity: 0.5, samples: 600).x)
      ```

      ```swift
      //| error: true
      let xs = stride(from: 0, to: 600_000, by: 1)
      plot.line(x: xs, y: xs)
      ```
      """
    let (_, result) = try render(text)
    #expect(result.succeeded, "\(result.failures)")
    let printed = lines(result, 0)
    #expect(printed.count == 10_000 && printed[9_998] == "9998")
    #expect(printed.last == "… the cell printed more than 10000 lines or 1 MB; the rest is not kept")
    #expect(result.report.cells[1].diagnostic?.contains("a 600×600 heat map has more cells than a figure draws (250000)") == true)
    #expect(result.report.cells[2].diagnostic?.contains("600000 points are more than a figure draws (500000)") == true)
  }

  /// A string doubled in a loop stops at 100 MB with an error at the expression that would pass
  /// it (it reached 4 GB in seconds and the process was killed), by `+`, `+=` or interpolation.
  @Test func stringsStopGrowingAt100MB() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var text = ""
    for (i, step) in ["s = s + s", "s += s", "s = \"\\(s)\\(s)\""].enumerated() {
      text += "```swift\n//| label: c\(i)\n//| error: true\nvar s\(i) = \"ab\"\nfor _ in 0..<40 { \(step.replacingOccurrences(of: "s", with: "s\(i)")) }\n```\n\n"
    }
    let (_, result) = try render(text)
    #expect(result.succeeded, "\(result.failures)")
    for cell in result.report.cells {
      #expect(cell.diagnostic?.contains("the string would be 134 MB long, more than a cell's strings may be (100 MB)") == true,
              "\(String(describing: cell.diagnostic))")
    }
  }

  @Test func aCacheFolderThatCannotBeWrittenIsAWarning() throws {
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let blocker = directory + "/not-a-folder"
    try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
    let (log, result) = try render("```swift\nprint(1)\n```\n", cacheDirectory: blocker + "/cache")
    #expect(result.succeeded)
    #expect(log.warnings.count == 1 && result.warnings == log.warnings)
    #expect(
      log.warnings.first?.hasPrefix("cannot write the cell cache in '\(blocker)/cache'") == true, "\(log.warnings)")
  }

  /// A table computed mid-cell is never shown: the render says so (file:line:col) and
  /// goes on; the cell's last expression is still displayed.
  @Test func aTableDroppedMidCellIsAWarningNotAFailure() throws {
    let (log, result) = try render("```swift\ntable(columns: [\"a\"], rows: [[1]])\n3 + 4\n```\n")
    #expect(result.succeeded)
    #expect(result.warnings == log.problems && log.problems.count == 1, "\(log.problems)")
    #expect(log.problems.first?.contains(":2:1: warning: this table is never shown") == true, "\(log.problems)")
  }

  // MARK: - The declarations

  /// Every parameter that names a file, a folder or a corpus declares what the builtin
  /// does with it, and the cell cache finds it there (no list of names anywhere else).
  @Test func everyParameterThatNamesAPathDeclaresAnEffect() {
    let registry = Registry.standard
    let pathWords = ["file", "folder", "path", "directory", "corpus"]
    var found: [String] = []
    for builtin in registry.functions.values.sorted(by: { $0.name < $1.name }) {
      let declared = Set((builtin.reads + builtin.writes).compactMap(\.parameter))
      for p in builtin.parameters where p.type == .string {
        let text = (p.name + " " + p.doc).lowercased()
        guard pathWords.contains(where: text.contains) else { continue }
        found.append("\(builtin.name).\(p.name)")
        #expect(declared.contains(p.name), "\(builtin.name)(\(p.name):) names a path but declares no effect on it")
      }
    }
    // The walk sees the parameters the issue found (and the model is a declared read).
    for name in [
      "loadMatrix.path", "loadSAE.path", "saveSAE.to", "itda.load.path", "itda.save.to",
      "activations.corpus", "layerActivations.corpus", "tinylm.from", "lm.gradients.corpus",
    ] {
      #expect(found.contains(name), "\(name)")
    }
    #expect(registry.functions["minilm"]?.reads == [.model])
    #expect(registry.functions["tinylm"]?.reads == [.languageModels("from")])
    #expect(registry.functions["itda.save"]?.writes == [.file("to")])
    #expect(registry.functions["saveSAE"]?.writes == [.folder("to")])
  }

  @Test func dependenciesFollowTheDeclarationsAndTheArguments() throws {
    func effects(_ source: String) -> [CellEffect] {
      let (program, problems) = CellParser.parse(source, file: "x.md", firstLine: 1)
      #expect(problems.isEmpty)
      return CellDependencies(program, registry: .standard).effects
    }
    #expect(effects(#"let m = loadMatrix("a.npy")"#) == [.init(access: .read, target: .path("a.npy"))])
    #expect(
      effects(#"itda.save(d, to: "x/d.safetensors")"#) == [.init(access: .write, target: .path("x/d.safetensors"))])
    #expect(
      effects("let a = activations(m, layer: 2)") == [.init(access: .read, target: .corpus(""))],
      "a left-out corpus is the default corpus")
    #expect(
      effects("let m = tinylm(seed: 2)") == [.init(access: .read, target: .languageModels(""))],
      "a left-out folder is the committed models")
    #expect(effects(#"let m = tinylm(from: "runs")"#) == [.init(access: .read, target: .languageModels("runs"))])
    #expect(
      effects(#"let a = activations(m, layer: 2, corpus: "t.txt")"#) == [.init(access: .read, target: .corpus("t.txt"))]
    )
    #expect(effects("let m = minilm()") == [.init(access: .read, target: .model)])
    #expect(effects(#"let m = loadMatrix("a\(1).npy")"#) == [.init(access: .read, target: .computed)])
    #expect(effects(#"print("a.npy")"#).isEmpty)
  }
}
