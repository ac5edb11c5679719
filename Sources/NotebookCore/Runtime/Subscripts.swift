import SAEKit

/// Runs a builtin body, turning its errors into diagnostics at the right range.
func invoke(_ range: SourceRange, ranges: [String: SourceRange] = [:], _ body: () throws -> Value) throws -> Value {
  do {
    return try body()
  } catch let d as Diagnostic {
    throw d
  } catch let e as RuntimeError {
    throw Diagnostic.error(e.message, at: e.argument.flatMap { ranges[$0] } ?? range)
  } catch SAEKitError.tooLarge(let message, let culprits) {
    // At the argument that set the size (`width: 100_000_000`), when the call wrote it.
    throw Diagnostic.error(message, at: culprits.lazy.compactMap { ranges[$0] }.first ?? range)
  } catch let e as SAEKitError {
    throw Diagnostic.error(e.description, at: range)
  } catch {
    throw Diagnostic.error("\(error)", at: range)
  }
}

/// Runs `body`, turning SAEKit errors into runtime errors at `argument` (nil: the call). A size
/// refused for memory keeps its own culprits (``invoke(_:ranges:_:)`` places it at their argument).
func attributing<T>(_ argument: String?, _ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch SAEKitError.tooLarge(let message, let culprits) {
    throw SAEKitError.tooLarge(message, culprits: culprits + (argument.map { [$0] } ?? []))
  } catch let e as SAEKitError {
    throw RuntimeError(e.description, argument: argument)
  }
}

/// Reading `base[i]`, `base[a..<b]`, `base[[i, j]]`, `m[i, j]` at run time, with Swift's
/// bounds errors (at the index's range, never a crash).
enum Subscripts {
  /// What one index selects: a position, or positions (a range or an index array).
  enum Selection {
    case one(Int)
    case many([Int])
  }

  static func selection(_ index: Value, count: Int, what: String, at range: SourceRange) throws -> Selection {
    func check(_ i: Int) throws {
      guard i >= 0 && i < count else { throw Diagnostic.error("index \(i) out of range: \(what) has \(count)", at: range) }
    }
    switch index {
    case .int(let i):
      try check(i)
      return .one(i)
    case .range(let lo, let hi, let closed):
      let upper = closed ? hi + 1 : hi
      guard lo >= 0, upper <= count, lo <= upper else {
        throw Diagnostic.error("range \(lo)\(closed ? "..." : "..<")\(hi) out of bounds: \(what) has \(count)", at: range)
      }
      return .many(Array(lo..<upper))
    case .array(let items):
      var indices: [Int] = []
      for item in items {
        guard case .int(let i) = item else { throw Diagnostic.error("an index array holds Ints, not '\(item.type)'", at: range) }
        try check(i)
        indices.append(i)
      }
      return .many(indices)
    default:
      throw Diagnostic.error("index must be an Int, a range or an array of Ints, not '\(index.type)'", at: range)
    }
  }

  static func get(_ base: Value, _ indices: [Value], _ arguments: [Argument], _ range: SourceRange) throws -> Value {
    let at = { (k: Int) in arguments[k].value.range }
    switch (base, indices.count) {
    case (.matrix(let m), 2):
      let rows = try selection(indices[0], count: m.rows, what: "the matrix's row count", at: at(0))
      let cols = try selection(indices[1], count: m.cols, what: "the matrix's column count", at: at(1))
      switch (rows, cols) {
      case (.one(let i), .one(let j)): return .double(Double(m[i, j]))
      case (.one(let i), .many(let js)): return .array(js.map { .double(Double(m[i, $0])) })
      case (.many(let is_), .one(let j)): return .array(is_.map { .double(Double(m[$0, j])) })
      case (.many(let is_), .many(let js)): return .matrix(m.rows(is_).columns(js))
      }
    case (.matrix(let m), 1):
      switch try selection(indices[0], count: m.rows, what: "the matrix's row count", at: at(0)) {
      case .one(let i): return .array(m.row(i).map { .double(Double($0)) })
      case .many(let is_): return .matrix(m.rows(is_))
      }
    case (.string(let s), 1):
      let characters = Array(s)
      guard case .many(let positions) = try selection(indices[0], count: characters.count, what: "the string's length", at: at(0)) else {
        throw Diagnostic.error("a String is indexed by a range of positions", at: at(0))
      }
      return .string(String(positions.map { characters[$0] }))
    case (_, 1):
      if let r = base.integerRange {
        switch try selection(indices[0], count: r.count, what: "the range's element count", at: at(0)) {
        case .one(let i): return .int(r.lowerBound + i)
        case .many(let is_): return .array(is_.map { .int(r.lowerBound + $0) })
        }
      }
      guard case .array(let items) = base else { break }
      switch try selection(indices[0], count: items.count, what: "the array's element count", at: at(0)) {
      case .one(let i): return items[i]
      case .many(let is_): return .array(is_.map { items[$0] })
      }
    default: break
    }
    throw Diagnostic.error("value of type '\(base.type)' cannot be subscripted with \(indices.count) index(es)", at: range)
  }
}
