import Testing
@testable import SAEKit

/// `argsort`, `argmax` and `argmin` against a naive selection, with ties, infinities and the
/// errors (empty input, NaN).
@Suite struct RankingTests {
  /// The stable order by selection sort: repeatedly the first best remaining index.
  static func naiveOrder(_ values: [Double], descending: Bool) -> [Int] {
    var left = Array(values.indices), out: [Int] = []
    while !left.isEmpty {
      var pick = 0
      for k in left.indices.dropFirst() where descending ? values[left[k]] > values[left[pick]] : values[left[k]] < values[left[pick]] {
        pick = k
      }
      out.append(left.remove(at: pick))
    }
    return out
  }

  @Test func argsortIsStableInBothDirections() throws {
    var rng = RandomSource(seed: 5)
    // Few distinct values, so there are many ties.
    let values = (0..<200).map { _ in Double(rng.int(below: 7) - 3) } + [.infinity, -.infinity, 0]
    for descending in [false, true] {
      #expect(try Ranking.argsort(values, descending: descending) == Self.naiveOrder(values, descending: descending))
    }
    #expect(try Ranking.argsort([2, 1, 2, 1]) == [1, 3, 0, 2])
    #expect(try Ranking.argsort([2, 1, 2, 1], descending: true) == [0, 2, 1, 3])
    #expect(try Ranking.argsort([]) == [])
  }

  @Test func argmaxAndArgminTakeTheFirstExtreme() throws {
    #expect(try Ranking.argmax([1, 5, 3, 5]) == 1)
    #expect(try Ranking.argmin([4, 0, 0, 9]) == 1)
    #expect(try Ranking.argmax([-.infinity]) == 0)
    #expect(try Ranking.argmin([3, -.infinity, 2]) == 1)
  }

  @Test func emptyInputAndNaNAreErrors() {
    #expect(throws: SAEKitError.invalidArgument("argmax of an empty array")) { try Ranking.argmax([]) }
    #expect(throws: SAEKitError.invalidArgument("argmin of an empty array")) { try Ranking.argmin([]) }
    let nan = SAEKitError.invalidArgument("element 1 is NaN, which has no place in an order")
    #expect(throws: nan) { try Ranking.argsort([1, .nan]) }
    #expect(throws: nan) { try Ranking.argmax([1, .nan]) }
    #expect(throws: nan) { try Ranking.argmin([1, .nan]) }
  }
}
