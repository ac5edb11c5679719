import Foundation
import Testing
@testable import SAEKit

/// The C element-wise kernels (GELU, softmax) against naive Double references.
@Suite struct VectorKernelTests {
  @Test func geluMatchesTheExactErfFormula() throws {
    // Dense grid over [−12, 12] plus the branch point ±1.2 and special values.
    var values = (0...240_000).map { Float(-12 + Double($0) * 1e-4) }
    values += [Float(1.2), -1.2, Float(1.2).nextDown, -Float(1.2).nextDown, 0, -0, 88, -88, 1e-30, -1e-30]
    var x = try Matrix(rows: 1, cols: values.count, storage: values)
    TransformerKernels.gelu(&x)
    var worst = 0.0
    for (v, y) in zip(values, x.storage) {
      let exact = Double(v) * 0.5 * erfc(-Double(v) / 2.0.squareRoot())
      worst = max(worst, abs(Double(y) - exact) / max(1, abs(exact)))
    }
    #expect(worst < 2e-7, "max error \(worst)")
  }

  @Test func softmaxMatchesANaiveReferenceAndSumsToOne() {
    var random = RandomSource(seed: 5)
    for cols in [1, 15, 16, 17, 128, 131] {
      let rows = 3
      var x = (0..<(rows * cols)).map { _ in Float(random.gaussian() * 8) }
      if cols > 1 { x[1] = -.infinity }  // a masked score
      let input = x
      x.withUnsafeMutableBufferPointer { TransformerKernels.softmaxRows($0.baseAddress!, rows: rows, cols: cols) }
      for i in 0..<rows {
        let row = input[(i * cols)..<((i + 1) * cols)].map(Double.init)
        let m = row.max()!
        let total = row.map { Foundation.exp($0 - m) }.reduce(0, +)
        for j in 0..<cols {
          let expected = Foundation.exp(row[j] - m) / total
          #expect(abs(Double(x[i * cols + j]) - expected) < 1e-6, "cols \(cols) row \(i) col \(j)")
        }
      }
    }
  }

  @Test func layerNormMatchesANaiveDoubleReference() throws {
    var random = RandomSource(seed: 9)
    for cols in [1, 7, 8, 384, 389] {
      let rows = 5
      let values = (0..<(rows * cols)).map { _ in Float(random.gaussian() * 3 + 1) }
      let scale = (0..<cols).map { _ in Float(random.gaussian()) }, shift = (0..<cols).map { _ in Float(random.gaussian()) }
      var x = try Matrix(rows: rows, cols: cols, storage: values)
      TransformerKernels.layerNorm(&x, scale: scale, shift: shift, epsilon: 1e-12)
      for i in 0..<rows {
        let row = values[(i * cols)..<((i + 1) * cols)].map(Double.init)
        let mean = row.reduce(0, +) / Double(cols)
        let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols)
        for j in 0..<cols {
          let expected = (row[j] - mean) / (variance + 1e-12).squareRoot() * Double(scale[j]) + Double(shift[j])
          #expect(abs(Double(x[i, j]) - expected) < 1e-5 * max(1, abs(expected)), "cols \(cols) row \(i) col \(j)")
        }
      }
    }
  }
}
