import Testing

@testable import SAEKit

/// Matching pursuit's scans: the AVX-512 or AVX2 C kernels of `pursuit_scan.c` against the Swift loops
/// of ``ArgmaxMagnitude`` (the reference), bit for bit, and both against a plain definition.
@Suite struct ArgmaxMagnitudeTests {
  /// Rows of every length from 1 to 70 and a few long ones, with ties (small integers), ±0,
  /// all-zero rows and maxima in the tail after the last whole 32-lane step.
  static func rows() -> [[Float]] {
    var rng = RandomSource(seed: 31)
    var rows = [[Float]]()
    for n in Array(1...70) + [255, 256, 257, 1000, 4099] {
      rows.append((0..<n).map { _ in Float(rng.gaussian()) })
      rows.append((0..<n).map { _ in Float(rng.int(below: 7)) - 3 })
      rows.append([Float](repeating: 0, count: n).enumerated().map { $0.offset % 2 == 0 ? 0 : -0.0 })
      var tail = (0..<n).map { _ in Float(rng.gaussian()) * 0.1 }
      tail[n - 1] = -5
      rows.append(tail)
    }
    return rows
  }

  /// The first index of the largest magnitude, by definition.
  static func definition(_ row: [Float]) -> Int {
    let best = row.map(abs).max()!
    return row.firstIndex { abs($0) == best }!
  }

  @Test func firstMatchesItsDefinitionOnBothPaths() {
    for row in Self.rows() {
      for kernels in ArgmaxMagnitude.kernelsAvailable ? [false, true] : [false] {
        let index = row.withUnsafeBufferPointer { ArgmaxMagnitude.first($0.baseAddress!, row.count, kernels: kernels) }
        #expect(index == Self.definition(row), "n = \(row.count), kernels \(kernels)")
      }
    }
  }

  @Test(.enabled(if: ArgmaxMagnitude.kernelsAvailable)) func subtractScaledAndFindKernelMatchesTheSwiftLoop() {
    var rng = RandomSource(seed: 32)
    for row in Self.rows() {
      let g = (0..<row.count).map { _ in rng.int(below: 5) == 0 ? Float(rng.int(below: 3)) - 1 : Float(rng.gaussian()) }
      for a in [Float(0), 1, -1, 0.37, Float(rng.gaussian()) * 3] {
        var swift = row, kernel = row
        let expected = swift.withUnsafeMutableBufferPointer { c in
          g.withUnsafeBufferPointer { ArgmaxMagnitude.subtractScaledAndFind(c.baseAddress!, a, $0.baseAddress!, row.count, kernels: false) }
        }
        let index = kernel.withUnsafeMutableBufferPointer { c in
          g.withUnsafeBufferPointer { ArgmaxMagnitude.subtractScaledAndFind(c.baseAddress!, a, $0.baseAddress!, row.count, kernels: true) }
        }
        #expect(index == expected, "n = \(row.count), a = \(a)")
        let differing = kernel.indices.first { kernel[$0].bitPattern != swift[$0].bitPattern }
        #expect(differing == nil, "n = \(row.count), a = \(a): c[\(differing ?? 0)] differs")
        #expect(expected == Self.definition(swift))
      }
    }
  }
}
