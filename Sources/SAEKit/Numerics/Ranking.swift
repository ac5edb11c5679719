/// Positions of values in order: `argsort`, `argmax` and `argmin` as NumPy names them.
///
/// NaN has no place in an order, so every function rejects it (naming its position) rather
/// than return an order that depends on where the NaN happened to be.
public enum Ranking {
  /// The indices that sort `values`: ascending, or descending when `descending` is true.
  /// Stable: equal values keep their original order (in both directions).
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` when a value is NaN.
  /// - Complexity: O(n log n).
  public static func argsort(_ values: [Double], descending: Bool = false) throws -> [Int] {
    try checkNoNaN(values)
    return values.indices.sorted { a, b in
      let (x, y) = (values[a], values[b])
      if x != y { return descending ? x > y : x < y }
      return a < b
    }
  }

  /// The index of the first largest value.
  /// - Throws: when `values` is empty or holds a NaN.
  public static func argmax(_ values: [Double]) throws -> Int {
    try firstIndex(of: values, "argmax") { $0 > $1 }
  }

  /// The index of the first smallest value.
  /// - Throws: when `values` is empty or holds a NaN.
  public static func argmin(_ values: [Double]) throws -> Int {
    try firstIndex(of: values, "argmin") { $0 < $1 }
  }

  private static func firstIndex(of values: [Double], _ name: String, _ better: (Double, Double) -> Bool) throws -> Int {
    try require(!values.isEmpty, "\(name) of an empty array")
    try checkNoNaN(values)
    var best = 0
    for i in values.indices.dropFirst() where better(values[i], values[best]) { best = i }
    return best
  }

  private static func checkNoNaN(_ values: [Double]) throws {
    if let i = values.firstIndex(where: \.isNaN) {
      throw SAEKitError.invalidArgument("element \(i) is NaN, which has no place in an order")
    }
  }
}
