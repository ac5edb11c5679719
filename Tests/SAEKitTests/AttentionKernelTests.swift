import Foundation
import Testing
@testable import SAEKit

/// ``TransformerKernels/attention(_:lengths:dimension:heads:into:scratch:packed:)``: the packed
/// kernel (AVX-512 or AVX2 + FMA) and the OpenBLAS path against a naive Double reference, over sequences of
/// ragged lengths packed one after another.
@Suite struct AttentionKernelTests {
  @Test func bothPathsMatchANaiveReference() {
    var random = RandomSource(seed: 21)
    let (d, heads) = (48, 3), s = 16
    let lengths = [1, 5, 12, 33, 70]
    let n = lengths.reduce(0, +)
    let qkv = (0..<(n * 3 * d)).map { _ in Float(random.gaussian()) }
    // Naive: per sequence and head, softmax(Q·Kᵀ/√s)·V in Double.
    var expected = [Double](repeating: 0, count: n * d)
    var start = 0
    for length in lengths {
      for h in 0..<heads {
        func at(_ t: Int, _ part: Int, _ c: Int) -> Double { Double(qkv[(start + t) * 3 * d + part * d + h * s + c]) }
        for i in 0..<length {
          let scores = (0..<length).map { j in (0..<s).reduce(0.0) { $0 + at(i, 0, $1) * at(j, 1, $1) } / Double(s).squareRoot() }
          let top = scores.max()!, weights = scores.map { Foundation.exp($0 - top) }, total = weights.reduce(0, +)
          for c in 0..<s {
            expected[(start + i) * d + h * s + c] = (0..<length).reduce(0.0) { $0 + weights[$1] / total * at($1, 2, c) }
          }
        }
      }
      start += length
    }
    for packed in PackedWeight.isSupported ? [false, true] : [false] {
      var context = [Float](repeating: .nan, count: n * d)
      var scratch = [Float](repeating: 0, count: TransformerKernels.attentionScratchCount(longest: 70, dimension: d, heads: heads))
      qkv.withUnsafeBufferPointer { q in
        context.withUnsafeMutableBufferPointer { c in
          scratch.withUnsafeMutableBufferPointer { w in
            TransformerKernels.attention(q.baseAddress!, lengths: lengths, dimension: d, heads: heads,
                                         into: c.baseAddress!, scratch: w.baseAddress!, packed: packed)
          }
        }
      }
      let worst = zip(context, expected).map { abs(Double($0) - $1) }.max()!
      #expect(worst < 1e-5, "packed \(packed): max error \(worst)")
    }
  }
}
