import Foundation
import SAEKit
import Testing

@testable import NotebookCore

/// The notebook's activations come from one catalog table: every row is an implicit
/// member, what it makes is what a notebook literal of it makes again, and the cell
/// cache keeps it exactly (the archive stores kinds through their Codable form).
@Suite struct ActivationCatalogTests {
  /// Runs one cell and returns its displayed value.
  func evaluate(_ source: String) throws -> Value? {
    let (program, syntax) = CellParser.parse(source, file: "t.md", firstLine: 1)
    var checker = Checker(registry: .standard, notebook: [program])
    let problems = syntax + checker.check(program)
    #expect(problems.isEmpty, "\(problems)")
    return try Interpreter(registry: .standard, context: RuntimeContext(seed: 1, baseDirectory: "")).run(program)
  }

  /// `.name(label: value, …)` with a small value for every parameter without a default.
  static func literal(_ entry: SAEBuiltins.ActivationEntry) -> String {
    let args = entry.parameters.filter { $0.defaultValue == nil }.map { p in
      "\(p.label ?? p.name): " + (p.type == .int ? "2" : "0.25")
    }
    return ".\(entry.name)(\(args.joined(separator: ", ")))"
  }

  /// Rows whose parameters all have defaults but that need one of them, written out
  /// in each of their forms (`jumpReLU`: `l0:` or `targetL0:`).
  static let forms = ["jumpReLU": [".jumpReLU(l0: 0.25)", ".jumpReLU(targetL0: 2)"]]

  /// One literal per catalog row (per form for the rows in ``forms``).
  static let literals = SAEBuiltins.activationCatalog.flatMap { forms[$0.name] ?? [literal($0)] }

  @Test func everyImplicitActivationComesFromTheCatalog() {
    let members = Registry.standard.implicitMembers[Registry.key(.activation)] ?? [:]
    #expect(Set(members.keys) == Set(SAEBuiltins.activationCatalog.map(\.name)))
  }

  @Test(arguments: literals)
  func aCatalogRowTrainsAndItsKindSurvivesLiteralAndArchive(literal: String) throws {
    let name = String(literal.dropFirst().prefix { $0 != "(" })
    let source = """
      let data = synthetic.superposition(features: 8, dim: 4, sparsity: 0.3, samples: 128)
      let sae = train(data.x, width: 8, activation: \(literal), steps: 3, batch: 32)
      sae
      """
    guard case .sae(let sae)? = try evaluate(source) else {
      Issue.record("no SAE from \(literal)")
      return
    }
    let kind = sae.activation
    #expect(kind.literal.hasPrefix(name + "("))
    // The kind's literal, written back into a cell, makes the same kind.
    let again = try evaluate(
      """
      let data = synthetic.superposition(features: 8, dim: 4, sparsity: 0.3, samples: 128)
      train(data.x, width: 8, activation: .\(kind.literal), steps: 3, batch: 32)
      """)
    guard case .sae(let same)? = again else { return }
    #expect(same.activation == kind)
    // The cell cache's archive keeps the kind and the trained activation's state exactly.
    var archive = ValueArchive()
    let stored = try archive.encode(.sae(sae))
    let tensors = FileManager.default.temporaryDirectory.appendingPathComponent(
      "catalog-\(UUID().uuidString).safetensors"
    ).path
    defer { try? FileManager.default.removeItem(atPath: tensors) }
    try SafeTensors.write(matrices: archive.tensors, vectors: [:], metadata: [:], to: tensors)
    let reader = ValueUnarchiver(
      tensors: try SafeTensors.read(tensors), context: RuntimeContext(seed: 1, baseDirectory: ""), references: .builtins
    )
    guard case .sae(let back) = try reader.decode(stored) else {
      Issue.record("not an SAE")
      return
    }
    #expect(back.activation == kind && back.model.activation.kind == sae.model.activation.kind)
    #expect(back.model.activation.state == sae.model.activation.state)
    #expect(back.model.activation.parameters == sae.model.activation.parameters)
  }

  @Test func aKindTheWidthCannotTakeIsAnErrorAtTheArgument() throws {
    let result = try TestNotebook.run(
      """
      ```swift
      let data = synthetic.superposition(features: 8, dim: 4, sparsity: 0.3, samples: 128)
      let sae = train(data.x, width: 4, activation: .batchTopK(k: 5), steps: 3, batch: 32)
      ```
      """, path: "k.md")
    let diagnostic = try #require(result.report.cells.first?.diagnostic)
    #expect(diagnostic.contains("k.md:3:47: error: k = 5 exceeds the width 4"), "\(diagnostic)")
  }
}
