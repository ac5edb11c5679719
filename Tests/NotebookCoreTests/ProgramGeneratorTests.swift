import Testing
@testable import NotebookCore
@testable import NotebookFuzzing

/// The fuzzer's programs reach every builtin: each type a function, method or implicit member
/// takes has a literal or a recipe (closures aside), and generated cells call them all.
@Suite struct ProgramGeneratorTests {
  static let registry = Registry.standard

  static var everyBuiltin: [Builtin] {
    Array(registry.functions.values) + registry.methods.values.flatMap(\.values)
      + registry.implicitMembers.values.flatMap(\.values)
  }

  @Test func everyParameterTypeHasALiteralOrARecipe() {
    let recipes = RecordRecipes.recipes(miniLM: true)
    var missing: Set<String> = []
    for b in Self.everyBuiltin {
      for p in b.parameters where !ProgramGenerator.canWrite(p.type, recipes: recipes) {
        if case .function = p.type { continue }  // the closures of map, filter, sorted(by:)
        missing.insert("\(b.name)(\(p.label ?? "_"):) takes \(p.type)")
      }
    }
    #expect(missing.isEmpty, "\(missing.sorted())")
  }

  @Test func generatedCellsCallEveryFunctionAndEveryRecordMethod() {
    var generator = ProgramGenerator(seed: 5)
    let text = (0..<4_000).map { _ in generator.cell() }.joined(separator: "\n")
    let uncalled = generator.callable.map(\.name).filter { !text.contains("\($0)(") }
    #expect(uncalled.isEmpty, "\(uncalled)")
    #expect(generator.callable.count == Self.registry.functions.count, "functions left out: \(Set(Self.registry.functions.values.map(\.name)).subtracting(generator.callable.map(\.name)).sorted())")
    let unreached = generator.methods.map { ".\($0.method.name)(" }.filter { !text.contains($0) }
    #expect(unreached.isEmpty, "\(unreached)")
    // Records are bound by a `let` and passed on: an SAE trained on a dataset, tokens of a model's activations…
    for built in ["= train(r", "= tinylm(seed: ", "= minilm()", "= activations(r", "= tokens(r", "= itda.buildMatrix(r", "= itda.build(r", ".encode(r", "= synthetic.sparse("] {
      #expect(text.contains(built), "never: \(built)")
    }
  }

  @Test func modelsAndMiniLMCanBeLeftOut() {
    var noMiniLM = ProgramGenerator(seed: 5, miniLM: false)
    let text = (0..<2_000).map { _ in noMiniLM.cell() }.joined(separator: "\n")
    #expect(!text.contains("minilm()"))
    #expect(text.contains("tinylm(seed: 1)"))
    var noModels = ProgramGenerator(seed: 5, models: false)
    let slice = (0..<2_000).map { _ in noModels.cell() }.joined(separator: "\n")
    #expect(!slice.contains("minilm(") && !slice.contains("tinylm("))
    #expect(slice.contains("= train(r") && slice.contains("= itda.buildMatrix(r"))
  }
}
