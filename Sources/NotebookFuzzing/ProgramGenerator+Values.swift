import Foundation
import NotebookCore

/// Values without a literal: bound by a `let` at the top of the cell from a recipe, its holes
/// filled first (an SAE needs a dataset, tokens need activations, which need a model).
extension ProgramGenerator {
  /// An expression of `type`: a bound name, mostly reused within the cell so that dimensions
  /// match (an SAE and the data it was trained on). Activation rules and number styles are
  /// written in place; with `edges` they are sometimes the registry's implicit members called
  /// with edge values (`.topK(k: -1)`), which a recipe's hole never gets (the recipe must work).
  mutating func value(of type: ValueType, edges: Bool = false) -> String {
    let options = recipes[type] ?? []
    if let members = implicitMembers[type] {
      guard edges && chance(0.5) else { return pick(options) }
      let member = pick(members)
      return ".\(member.name)(\(arguments(for: member)))"
    }
    if let names = bound[type], !names.isEmpty, chance(0.7) { return pick(names) }
    var expression = pick(options)
    for (hole, holeType) in RecordRecipes.holes(in: expression) {
      guard let range = expression.range(of: hole) else { continue }
      expression.replaceSubrange(range, with: value(of: holeType))
    }
    let name = "r\(bindings)"
    bindings += 1
    prelude.append("let \(name) = \(expression)")
    bound[type, default: []].append(name)
    return name
  }
}
