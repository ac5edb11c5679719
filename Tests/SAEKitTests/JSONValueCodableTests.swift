import Foundation
import Testing

@testable import SAEKit

/// Codable values to and from JSONValue trees: numbers keep their kind and every bit,
/// optionals are left out, errors name the path.
@Suite struct JSONValueCodableTests {
  struct Sample: Codable, Equatable {
    enum Shape: Codable, Equatable {
      case circle(radius: Double)
      case grid(rows: Int, labels: [String]?)
    }

    var name: String
    var count: Int
    var values: [Double]
    var scale: Float
    var note: String?
    var shapes: [Shape]
    var extra: JSONValue
  }

  static let sample = Sample(
    name: "a\"b", count: 3, values: [0.1, 1.0 / 3.0, -0.0, .nan, .infinity, .leastNonzeroMagnitude], scale: 0.001,
    note: nil, shapes: [.circle(radius: 2), .grid(rows: 2, labels: nil)],
    extra: .object(["k": .array([.int(1), .bool(true), .null])]))

  @Test func roundTripsExactlyThroughTheTreeAndItsText() throws {
    let tree = try JSONValueEncoder().encode(Self.sample)
    guard case .object(let members) = tree else {
      Issue.record("not an object")
      return
    }
    #expect(members["count"] == .int(3) && members["scale"] == .float(0.001) && members["note"] == nil)
    let back = try JSONValueDecoder().decode(Sample.self, from: tree)
    let reparsed = try JSONValueDecoder().decode(
      Sample.self, from: try JSONValueDecoder().decode(JSONValue.self, from: tree))
    for decoded in [back, reparsed] {
      #expect(decoded.values.map(\.bitPattern).dropLast(3) == Self.sample.values.map(\.bitPattern).dropLast(3))
      #expect(decoded.values[3].isNaN && decoded.values[4] == .infinity && decoded.values[5] == .leastNonzeroMagnitude)
      #expect(
        decoded.name == Self.sample.name && decoded.shapes == Self.sample.shapes && decoded.extra == Self.sample.extra)
    }
    #expect(tree.encoded().contains("\"nan\"") && tree.encoded().contains("\"inf\""))
  }

  @Test func numbersConvertOnlyWhereNothingIsLost() throws {
    #expect(try JSONValueDecoder().decode(Double.self, from: .int(2)) == 2)
    #expect(try JSONValueDecoder().decode(Int.self, from: .double(3)) == 3)
    #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Int.self, from: .double(3.5)) }
    #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Bool.self, from: .int(1)) }
  }

  @Test func errorsNameThePath() {
    let tree = JSONValue.object(["name": .string("x"), "count": .string("three")])
    do {
      _ = try JSONValueDecoder().decode(Sample.self, from: tree)
      Issue.record("decoded")
    } catch DecodingError.typeMismatch(_, let context) {
      #expect(context.codingPath.map(\.stringValue) == ["count"])
      #expect(context.debugDescription == "expected an integer, found the string \"three\"")
    } catch {
      Issue.record("\(error)")
    }
  }
}
