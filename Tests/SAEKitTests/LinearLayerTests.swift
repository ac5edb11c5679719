import Foundation
import Testing
@testable import SAEKit

/// ``LinearLayer``: the packed kernel (AVX-512 or AVX2 + FMA) and the OpenBLAS path against a naive Double
/// reference, on ragged shapes (rows not a multiple of the 12-row tile, outputs not a multiple
/// of the 32-feature panel), with a residual (also in place) and the fused GELU.
@Suite struct LinearLayerTests {
  /// `x·Wᵀ + b (+ r)`, then `y·Φ(y)`, in Double.
  private func reference(_ x: [Float], rows: Int, _ layer: LinearLayer, residual: [Float]?, gelu: Bool) -> [Double] {
    let out = layer.outputCount, k = layer.inputCount
    return (0..<(rows * out)).map { e in
      let (i, o) = e.quotientAndRemainder(dividingBy: out)
      var y = Double(layer.bias[o]) + (residual.map { Double($0[e]) } ?? 0)
      for j in 0..<k { y += Double(x[i * k + j]) * Double(layer.weight[o, j]) }
      return gelu ? y * 0.5 * erfc(-y / 2.0.squareRoot()) : y
    }
  }

  private func randomLayer(out: Int, in k: Int, packing: Bool, _ random: inout RandomSource) throws -> LinearLayer {
    let w = try Matrix(rows: out, cols: k, storage: (0..<(out * k)).map { _ in Float(random.gaussian() * 0.2) })
    return LinearLayer(weight: w, bias: (0..<out).map { _ in Float(random.gaussian()) }, packing: packing)
  }

  @Test func bothPathsMatchANaiveReference() throws {
    // Without AVX-512 or AVX2 + FMA only the OpenBLAS path exists (and serves the encoder).
    for packing in PackedWeight.isSupported ? [false, true] : [false] {
      try matchesANaiveReference(packing: packing)
    }
  }

  private func matchesANaiveReference(packing: Bool) throws {
    var random = RandomSource(seed: 11)
    for (rows, out, k) in [(1, 1, 1), (5, 17, 3), (12, 32, 384), (13, 33, 40), (25, 70, 64), (30, 384, 1536)] {
      let layer = try randomLayer(out: out, in: k, packing: packing, &random)
      let x = (0..<(rows * k)).map { _ in Float(random.gaussian()) }
      let r = (0..<(rows * out)).map { _ in Float(random.gaussian()) }
      for (useResidual, gelu) in [(false, false), (true, false), (false, true), (true, true)] {
        var y = [Float](repeating: .nan, count: rows * out)
        x.withUnsafeBufferPointer { xp in
          r.withUnsafeBufferPointer { rp in
            y.withUnsafeMutableBufferPointer { yp in
              layer.apply(rows: rows, xp.baseAddress!, into: yp.baseAddress!,
                          adding: useResidual ? rp.baseAddress! : nil, gelu: gelu)
            }
          }
        }
        let expected = reference(x, rows: rows, layer, residual: useResidual ? r : nil, gelu: gelu)
        let worst = zip(y, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max()!
        #expect(worst < 2e-5, "\(rows)×\(out)×\(k) residual \(useResidual) gelu \(gelu) packed \(packing): \(worst)")
      }
    }
  }

  @Test func residualMayBeTheOutputItself() throws {
    var random = RandomSource(seed: 12)
    let (rows, out, k) = (14, 40, 9)
    for packing in [false, PackedWeight.isSupported] {
      let layer = try randomLayer(out: out, in: k, packing: packing, &random)
      let x = (0..<(rows * k)).map { _ in Float(random.gaussian()) }
      let r = (0..<(rows * out)).map { _ in Float(random.gaussian()) }
      var separate = [Float](repeating: 0, count: rows * out), inPlace = r
      x.withUnsafeBufferPointer { xp in
        r.withUnsafeBufferPointer { rp in
          separate.withUnsafeMutableBufferPointer { layer.apply(rows: rows, xp.baseAddress!, into: $0.baseAddress!, adding: rp.baseAddress!) }
        }
        inPlace.withUnsafeMutableBufferPointer { yp in
          layer.apply(rows: rows, xp.baseAddress!, into: yp.baseAddress!, adding: UnsafePointer(yp.baseAddress!))
        }
      }
      #expect(separate == inPlace)
    }
  }

  @Test func rowsGiveTheSameBitsHoweverTheyAreGrouped() throws {
    guard PackedWeight.isSupported else { return }
    var random = RandomSource(seed: 13)
    let (rows, out, k) = (37, 96, 50)
    let layer = try randomLayer(out: out, in: k, packing: true, &random)
    let x = (0..<(rows * k)).map { _ in Float(random.gaussian()) }
    var whole = [Float](repeating: 0, count: rows * out), pieces = whole
    x.withUnsafeBufferPointer { xp in
      whole.withUnsafeMutableBufferPointer { layer.apply(rows: rows, xp.baseAddress!, into: $0.baseAddress!, gelu: true) }
      pieces.withUnsafeMutableBufferPointer { yp in
        var start = 0
        for count in [1, 12, 5, 19] {
          layer.apply(rows: count, xp.baseAddress! + start * k, into: yp.baseAddress! + start * out, gelu: true)
          start += count
        }
      }
    }
    #expect(whole == pieces)
  }

  /// The packed kernel's contract, which makes AVX-512 and AVX2 agree bit for bit: each element
  /// is `(r + b) + Σ`, Σ the sum of 128-step blocks, each block a chain of fused multiply-adds
  /// from zero in k order. 203 rows take three of the kernel's 96-row packed blocks, the last
  /// one partly filled, and a part tile at the end.
  @Test func packedKernelFollowsItsSummationOrderExactly() throws {
    guard PackedWeight.isSupported else { return }
    var random = RandomSource(seed: 14)
    for (rows, out, k) in [(13, 70, 300), (7, 17, 128), (1, 33, 5), (203, 40, 260)] {
      let layer = try randomLayer(out: out, in: k, packing: true, &random)
      let x = (0..<(rows * k)).map { _ in Float(random.gaussian()) }
      let r = (0..<(rows * out)).map { _ in Float(random.gaussian()) }
      var y = [Float](repeating: .nan, count: rows * out)
      x.withUnsafeBufferPointer { xp in
        r.withUnsafeBufferPointer { rp in
          y.withUnsafeMutableBufferPointer { layer.apply(rows: rows, xp.baseAddress!, into: $0.baseAddress!, adding: rp.baseAddress!) }
        }
      }
      var expected = [Float]()
      for i in 0..<rows {
        for o in 0..<out {
          var total: Float = 0
          for start in stride(from: 0, to: k, by: 128) {
            var block: Float = 0
            for j in start..<min(k, start + 128) { block = block.addingProduct(x[i * k + j], layer.weight[o, j]) }  // fused
            total += block
          }
          expected.append((r[i * out + o] + layer.bias[o]) + total)
        }
      }
      #expect(y == expected, "\(rows)×\(out)×\(k) on the \(PackedWeight.vectorBits)-bit kernel")
    }
  }

  @Test func fusedGELUMatchesTheExactErfFormula() throws {
    // An identity layer passes x through exactly (x·1 plus exact zeros), so y = GELU(x).
    let width = 32
    var values = (0...64_000).map { Float(-12 + Double($0) * 3.75e-4) }
    values += [Float(1.2), -1.2, Float(1.2).nextDown, -Float(1.2).nextDown, 0, -0, 88, -88, 1e-30, -1e-30]
    values += [Float](repeating: 0, count: (width - values.count % width) % width)
    let identity = try Matrix(rows: width, cols: width, storage: (0..<(width * width)).map { $0 / width == $0 % width ? 1 : 0 })
    for packing in PackedWeight.isSupported ? [false, true] : [false] {
      let layer = LinearLayer(weight: identity, bias: [Float](repeating: 0, count: width), packing: packing)
      var y = [Float](repeating: .nan, count: values.count)
      values.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { layer.apply(rows: values.count / width, xp.baseAddress!, into: $0.baseAddress!, gelu: true) }
      }
      var worst = 0.0
      for (v, g) in zip(values, y) {
        let exact = Double(v) * 0.5 * erfc(-Double(v) / 2.0.squareRoot())
        worst = max(worst, abs(Double(g) - exact) / max(1, abs(exact)))
      }
      #expect(worst < 2e-7, "packed \(packing): max error \(worst)")
    }
  }
}
