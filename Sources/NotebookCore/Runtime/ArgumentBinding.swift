/// Matches a call's arguments to a builtin's parameters with Swift's rules:
/// arguments come in parameter order, each labelled as its parameter is
/// (positional parameters take unlabelled arguments), parameters with a
/// default may be left out, and a variadic last parameter takes the rest.
/// Used by both the checker and the interpreter, so they always agree.
enum ArgumentBinding {
  struct Bound {
    /// For every parameter, the index of its argument (nil: default used).
    var argumentIndex: [Int?]
    /// Arguments taken by the variadic parameter.
    var variadic: [Int]
  }

  static func bind(_ args: [Argument], to builtin: Builtin, callRange: SourceRange) -> Result<Bound, Diagnostic> {
    let params = builtin.parameters
    var bound = Bound(argumentIndex: Array(repeating: nil, count: params.count), variadic: [])
    var next = 0
    for (p, param) in params.enumerated() {
      if builtin.variadic && p == params.count - 1 {
        while next < args.count && args[next].label == nil {
          bound.variadic.append(next)
          next += 1
        }
        if bound.variadic.isEmpty && param.defaultValue == nil {
          return .failure(.error("missing argument for parameter '\(param.name)' in call to '\(builtin.name)'", at: callRange))
        }
        continue
      }
      if next < args.count && args[next].trailing, case .function = param.type {
        bound.argumentIndex[p] = next  // a trailing closure takes the next function parameter, whatever its label
        next += 1
        continue
      }
      if next < args.count && args[next].label?.name == param.label && !args[next].trailing {
        bound.argumentIndex[p] = next
        next += 1
        continue
      }
      if param.defaultValue != nil { continue }
      // A required parameter without its argument: explain what is there instead.
      if next < args.count {
        let arg = args[next]
        if let label = arg.label, param.label == nil {
          return .failure(.error("extraneous argument label '\(label.name):' in call to '\(builtin.name)'", at: label.range))
        }
        if let label = arg.label, params.contains(where: { $0.label == label.name }) {
          return .failure(.error("missing argument for parameter '\(param.label ?? param.name)' in call to '\(builtin.name)'",
                                 at: arg.range, notes: ["arguments must follow the order of the signature: \(builtin.signature)"]))
        }
        if let label = arg.label {
          return .failure(.error("incorrect argument label '\(label.name):' in call to '\(builtin.name)', expected '\(param.label ?? "_"):'",
                                 at: label.range, notes: ["signature: \(builtin.signature)"]))
        }
        return .failure(.error("missing argument label '\(param.label ?? "_"):' in call to '\(builtin.name)'", at: arg.range,
                               notes: ["signature: \(builtin.signature)"]))
      }
      return .failure(.error("missing argument for parameter '\(param.label ?? param.name)' in call to '\(builtin.name)'",
                             at: callRange, notes: ["signature: \(builtin.signature)"]))
    }
    if next < args.count {
      let arg = args[next]
      if let label = arg.label {
        let known = params.contains { $0.label == label.name }
        let message = known
          ? "argument '\(label.name):' is out of order in call to '\(builtin.name)'"
          : "'\(builtin.name)' has no parameter '\(label.name)'"
        let suggestion = Suggestions.closest(label.name, among: params.compactMap(\.label))
        return .failure(.error(message, at: label.range,
                               notes: (suggestion.map { ["did you mean '\($0):'?"] } ?? []) + ["signature: \(builtin.signature)"]))
      }
      return .failure(.error("extra argument in call to '\(builtin.name)'", at: arg.range, notes: ["signature: \(builtin.signature)"]))
    }
    return .success(bound)
  }
}

/// "Did you mean" suggestions by edit distance.
enum Suggestions {
  static func closest(_ name: String, among candidates: [String]) -> String? {
    let limit = max(1, name.count / 3)
    let lowered = name.lowercased()
    var best: (name: String, distance: Int)?
    for candidate in candidates.sorted() {
      let d = distance(lowered, candidate.lowercased())
      if d <= limit && (best == nil || d < best!.distance) { best = (candidate, d) }
    }
    return best?.name
  }

  /// Edit distance counting insertions, deletions, substitutions and
  /// transpositions of neighbours (optimal string alignment), so `trian` is 1 from `train`.
  static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var beforePrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    for i in 1...a.count {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...b.count {
        let substitution: Int = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
        let insertion: Int = current[j - 1] + 1
        let deletion: Int = previous[j] + 1
        var best = Swift.min(deletion, insertion, substitution)
        if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] { best = Swift.min(best, beforePrevious[j - 2] + 1) }
        current[j] = best
      }
      beforePrevious = previous
      previous = current
    }
    return previous[b.count]
  }
}
