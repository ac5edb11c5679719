import Foundation
import Testing
import SAEKit
@testable import NotebookCore

/// The cell library of issue #16 through the interpreter: matrices (`Matrix`, `matmul`,
/// `transpose`, reductions along an axis, row and column selection, `saveMatrix`), SAE codes
/// (`sae.encode`), `argsort`/`argmax`/`argmin` and String methods. Known answers, and
/// argument errors reported at the argument.
@Suite(.serialized) struct CellLibraryBuiltinsTests {
  func run(_ cell: String) throws -> NotebookRenderer.Result {
    try TestNotebook.run("```swift\n\(cell)\n```\n", path: "library.md")
  }

  /// The printed lines of a successful run.
  func printed(_ cell: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
    let result = try run(cell)
    #expect(result.succeeded, "\(result.failures)", sourceLocation: sourceLocation)
    return result.report.cells.flatMap { cell in
      cell.outputs.compactMap { output -> String? in
        guard case .text(let line) = output else { return nil }
        return line
      }
    }
  }

  /// Runs `setup` then `line`, which must fail with `message` at the first occurrence of `argument` in `line`.
  func expectFailure(
    _ line: String, at argument: String, contains message: String, setup: String = "let a = Matrix([[1, 2, 3], [4, 5, 6]])",
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let result = try run(setup + "\n" + line)
    let lineNumber = setup.split(separator: "\n").count + 2  // after the fence and the setup
    guard let failure = result.failures.first else {
      Issue.record("'\(line)' did not fail", sourceLocation: sourceLocation)
      return
    }
    #expect(failure.message.contains(message), "\(failure.message)", sourceLocation: sourceLocation)
    let column = line.distance(from: line.startIndex, to: line.range(of: argument)!.lowerBound) + 1
    #expect(failure.range.start.line == lineNumber && failure.range.start.column == column, "\(failure.range)", sourceLocation: sourceLocation)
  }

  // MARK: - Matrices

  @Test func productsTransposesAndReductions() throws {
    #expect(try printed("""
      let a = Matrix([[1, 2, 3], [4, 5, 6]])
      let p = matmul(a, Matrix([[1, 0], [0, 1], [1, 1]]))
      print(p.rows, p.cols, p[0, 0], p[0, 1], p[1, 0], p[1, 1])
      let t = transpose(a)
      print(t.rows, t.cols, t[2, 1], t[0, 1])
      print(a.sum(axis: 0), a.sum(axis: 1))
      print(a.mean(axis: 0), a.mean(axis: 1))
      let b = Matrix([[3, 4], [0, 0]])
      print(b.norm(axis: 1), b.norm(axis: 0))
      """) == [
        "2 2 4.0 5.0 10.0 11.0",
        "3 2 6.0 4.0",
        "[5.0, 7.0, 9.0] [6.0, 15.0]",
        "[2.5, 3.5, 4.5] [2.0, 5.0]",
        "[5.0, 0.0] [3.0, 4.0]",
      ])
  }

  @Test func rowAndColumnSelection() throws {
    #expect(try printed("""
      let a = Matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
      let r = a.rows([2, 0, 2])
      print(r.rows, r.cols, r[0, 0], r[1, 2], r[2, 1])
      let s = a.rows(1..<3)
      print(s.rows, s[0, 0], s[1, 2])
      let z = a.rows(0...1)
      print(z.rows, z[1, 0])
      let c = a.columns([2, 0])
      print(c.rows, c.cols, c[0, 0], c[2, 1])
      let w = a.rows(where: [true, false, true])
      print(w.rows, w[1, 0])
      var mask: [Bool] = []
      for total in a.sum(axis: 1) { mask.append(total > 10.0) }
      let big = a.rows(where: mask)
      print(big.rows, big[0, 0])
      print(a.rows([]).rows, a.rows([]).cols, a.columns([]).cols, a.rows(where: [false, false, false]).rows)
      print(a.rows, a.cols)
      """) == ["3 3 7.0 3.0 8.0", "2 4.0 9.0", "2 4.0", "3 2 3.0 7.0", "2 7.0", "2 4.0", "0 3 0 0", "3 3"])
  }

  @Test(arguments: [
    ("let p = matmul(a, a)", "a)", "cannot multiply a (2×3) matrix by a (2×3) matrix: a has 3 columns but b has 2 rows"),
    ("let m = a.mean(axis: 2)", "2", "axis must be 0"),
    ("let m = a.norm(axis: -1)", "-1", "axis must be 0"),
    ("let r = a.rows([0, 5])", "[0, 5]", "row index 5 (element 1) is outside 0..<2"),
    ("let r = a.rows(1..<4)", "1..<4", "row range 1..<4 is outside 0..<2"),
    ("let r = a.rows(where: [true])", "[true]", "the mask has 1 element but the matrix has 2 rows"),
    ("let c = a.columns([-1])", "[-1]", "column index -1 is outside 0..<3"),
    ("let m = Matrix([[1, 2], [3]])", "[[1, 2], [3]]", "the rows differ in length: row 0 has 2 elements, row 1 has 1"),
    ("let m = Matrix([[1, 2], [3, 4]]).rows(where: [true, false]).mean(axis: 1).count + a.rows([]).mean(axis: 0).count",
     "0).count", "mean(axis: 0) of a (0×3) matrix averages over no rows"),
    ("saveMatrix(a, to: \"\")", "\"\"", "'to' is empty"),
    ("saveMatrix(a, to: \"/nonexistent-folder/a.npy\")", "\"/nonexistent", "/nonexistent-folder/a.npy"),
  ])
  func badMatrixArgumentsAreDiagnosedAtTheArgument(line: String, argument: String, message: String) throws {
    try expectFailure(line, at: argument, contains: message)
  }

  @Test func savedMatricesAreNumPyFloat32Files() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("save-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("a.npy").path
    #expect(try printed("""
      let a = Matrix([[1, 2.5, 3], [4, 5, -6]])
      saveMatrix(a, to: "\(path)")
      let b = loadMatrix("\(path)")
      print(b.rows, b.cols, b[0, 1], b[1, 2])
      """) == ["2 3 2.5 -6.0"])
    let header = try NPY.readHeader(path)
    #expect(header.shape == [2, 3] && header.dtype == .float32)
    #expect(try NPY.readMatrix(path) == Matrix([[1, 2.5, 3], [4, 5, -6]]))
    // Nothing but the file: the temporary file was renamed into place.
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["a.npy"])
    #expect(Registry.standard.functions["saveMatrix"]?.writes == [.file("to")])
  }

  // MARK: - SAE codes

  /// A TopK SAE trained for a few steps on synthetic data (deterministic for the seed).
  static func trainedSAE() throws -> (TrainedSAE, Matrix) {
    var rng = RandomSource(seed: 3)
    let x = Matrix.gaussian(rows: 96, cols: 12, using: &rng)
    var config = TrainingConfig()
    config.steps = 20
    config.batchSize = 32
    let result = try SAETrainer.train(x, width: 24, activation: .topK(k: 3), config: config, random: RandomSource(seed: 4))
    return (TrainedSAE(model: result.model, activation: .topK(k: 3), history: result.history, config: config,
                       seconds: result.seconds), x)
  }

  /// Calls the registered `sae.encode(x)`.
  static func encode(_ sae: TrainedSAE, _ x: Matrix) throws -> Record {
    let range = SourceRange(file: "t.md", start: SourcePosition(line: 1, column: 1), end: SourcePosition(line: 1, column: 2))
    let encode = try #require(Registry.standard.method("encode", on: .sae))
    let value = try encode.implementation(
      CallArguments(values: ["x": .matrix(x)], callRange: range, receiver: .sae(sae)), RuntimeContext(seed: 0, baseDirectory: ""))
    guard case .record(let record) = value else { throw RuntimeError("encode returned \(value.type)") }
    return record
  }

  @Test func encodeGivesTheCodesOfTheForwardPass() throws {
    let (sae, x) = try Self.trainedSAE()
    let record = try Self.encode(sae, x)
    guard case .matrix(let dense)? = record["dense"], case .double(let l0)? = record["l0"] else {
      Issue.record("\(record.fields.map(\.name))")
      return
    }
    let codes = try sae.model.encode(x)
    #expect(dense == codes.dense())
    #expect(dense.shape == Shape(96, 24))
    #expect(l0 == codes.meanL0 && l0 > 0 && l0 <= 3)
    // Decoding the dense codes is reconstruct (up to the order of the decoder's sums).
    let fromDense = try sae.model.decode(SparseCodes(dense: dense))
    let reconstruction = try sae.model.reconstruct(x)
    let worst = zip(fromDense.storage, reconstruction.storage).map { abs($0 - $1) }.max() ?? 0
    #expect(worst < 1e-5, "max |decode(dense) − reconstruct(x)| = \(worst)")
  }

  @Test func codesInACell() throws {
    let lines = try printed("""
      let data = synthetic.superposition(features: 16, dim: 8, sparsity: 0.1, samples: 256, seed: 1)
      let sae = train(data.x, width: 16, activation: .topK(k: 2), steps: 10, batch: 64, seed: 2)
      let codes = sae.encode(data.x)
      print(codes.dense.rows, codes.dense.cols, codes.l0 == evaluate(sae, on: data.x).l0)
      var total = 0
      var ascending = true
      var nonzero = true
      for i in 0..<codes.dense.rows {
        let active = codes.active(row: i)
        total += active.count
        for k in 0..<active.count {
          if k > 0 && active[k - 1] >= active[k] { ascending = false }
          if codes.dense[i, active[k]] == 0.0 { nonzero = false }
        }
      }
      print(ascending, nonzero, Double(total) / Double(codes.dense.rows) == codes.l0, codes.l0 <= 2.0)
      """)
    #expect(lines == ["256 16 true", "true true true true"])
  }

  @Test(arguments: [
    ("let c = sae.encode(Matrix([[1, 2]]))", "Matrix(", "'x' has 2 columns but the SAE's input dimension is 8"),
    ("let r = sae.encode(data.x).active(row: 256)", "256", "row 256 is outside 0..<256"),
    ("let r = sae.encode(data.x).active(row: -1)", "-1", "row -1 is outside 0..<256"),
  ])
  func badEncodeArgumentsAreDiagnosedAtTheArgument(line: String, argument: String, message: String) throws {
    try expectFailure(line, at: argument, contains: message, setup: """
      let data = synthetic.superposition(features: 16, dim: 8, sparsity: 0.1, samples: 256, seed: 1)
      let sae = train(data.x, width: 16, activation: .topK(k: 2), steps: 2, batch: 64, seed: 2)
      """)
  }

  // MARK: - Orders

  @Test func argsortArgmaxArgmin() throws {
    #expect(try printed("""
      let v = [3.0, 1.0, 3.0, -2.0, 1.0]
      print(argsort(v), argsort(v, descending: true))
      print(argmax(v), argmin(v), argmax([7]), argsort([]))
      print(argsort([2, 1]), argmax(0..<4))
      """) == ["[3, 1, 4, 0, 2] [0, 2, 1, 4, 3]", "0 3 0 []", "[1, 0] 3"])
  }

  @Test(arguments: [
    ("let i = argmax([])", "[]", "argmax of an empty array"),
    ("let i = argmin([])", "[]", "argmin of an empty array"),
    ("let i = argsort([1.0, 0.0 / 0.0])", "[1.0", "element 1 is NaN"),
  ])
  func badOrderArgumentsAreDiagnosedAtTheArgument(line: String, argument: String, message: String) throws {
    try expectFailure(line, at: argument, contains: message, setup: "let unused = 0")
  }

  // MARK: - Strings

  @Test func stringMethodsFollowSwift() throws {
    #expect(try printed("""
      print(String(3), String(0.5), String([1, 2]), String("x") + String(true))
      let parts = "a,,b,c,".split(separator: ",")
      print(parts.count, parts)
      print("layer 3 / head 7".split(separator: " / "), ",,".split(separator: ","), "".split(separator: ","))
      print("Gelu".uppercased(), "Gelu".lowercased())
      print("residual".contains("sid"), "residual".contains(""), "residual".contains("x"))
      print("blocks.3.hook".hasPrefix("blocks"), "blocks.3.hook".hasSuffix("hook"), "abc".hasPrefix("b"))
      """) == [
        "3 0.5 [1, 2] xtrue",
        "3 [\"a\", \"b\", \"c\"]",
        "[\"layer 3\", \"head 7\"] [] []",
        "GELU gelu",
        "true true false",
        "true true false",
      ])
  }

  @Test func emptySeparatorIsAnError() throws {
    try expectFailure("let p = \"a b\".split(separator: \"\")", at: "\"\")", contains: "'separator' is empty", setup: "let unused = 0")
  }
}
