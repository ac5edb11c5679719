import Foundation
import SAEKit

enum Probe {
  static func topK() {
    var rng = RandomSource(seed: 1)
    let pre = Matrix.gaussian(rows: 4096, cols: 3072, mean: 0, std: 1, using: &rng)
    for _ in 0..<3 {
      let t0 = DispatchTime.now().uptimeNanoseconds
      let c = SparseCodes.topK(of: pre, k: 32)
      let t1 = DispatchTime.now().uptimeNanoseconds
      var idx = [Int32](repeating: 0, count: 32), val = [Float](repeating: 0, count: 32)
      pre.storage.withUnsafeBufferPointer { p in
        for r in 0..<4096 { _ = TopKSelection.select(p.baseAddress! + r * 3072, count: 3072, k: 32, indices: &idx, values: &val) }
      }
      let t2 = DispatchTime.now().uptimeNanoseconds
      print("topK(of:) \(Double(t1 - t0) / 1e6) ms, serial select \(Double(t2 - t1) / 1e6) ms, nnz \(c.indices.count)")
    }
  }
}
extension Probe {
  static func variants() {
    var rng = RandomSource(seed: 1)
    let pre = Matrix.gaussian(rows: 4096, cols: 3072, mean: 0, std: 1, using: &rng)
    pre.storage.withUnsafeBufferPointer { p in
      let base = p.baseAddress!
      // (a) count how many elements exceed a running threshold (no heap)
      var t0 = DispatchTime.now().uptimeNanoseconds
      var total = 0
      for r in 0..<4096 {
        let row = base + r * 3072
        var th: Float = 2.0
        for i in 0..<3072 where row[i] > th { total += 1; th += 0.0001 }
      }
      var t1 = DispatchTime.now().uptimeNanoseconds
      print("scalar scan \(Double(t1 - t0) / 1e6) ms (\(total))")
      t0 = DispatchTime.now().uptimeNanoseconds
      total = 0
      for r in 0..<4096 {
        let row = base + r * 3072
        let th = SIMD8<Float>(repeating: 2.0)
        var i = 0
        while i < 3072 {
          let v = UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self)
          if any(v .> th) { total += 1 }
          i += 8
        }
      }
      t1 = DispatchTime.now().uptimeNanoseconds
      print("simd scan \(Double(t1 - t0) / 1e6) ms (\(total))")
      // count heap insertions
      var idx = [Int32](repeating: 0, count: 32), val = [Float](repeating: 0, count: 32)
      t0 = DispatchTime.now().uptimeNanoseconds
      for r in 0..<4096 { _ = TopKSelection.select(base + r * 3072, count: 3072, k: 32, indices: &idx, values: &val) }
      t1 = DispatchTime.now().uptimeNanoseconds
      print("select \(Double(t1 - t0) / 1e6) ms")
    }
  }
}

extension Probe {
  /// Times each budget of the selection kernel on one (4096 × 3072) batch.
  static func allocation() {
    var rng = RandomSource(seed: 1)
    let pre = Matrix.gaussian(rows: 4096, cols: 3072, mean: -0.2, std: 1, using: &rng)
    let budgets: [(String, SelectionBudget)] = [
      ("per row 32", .perRow(32)),
      ("per column uniform", .perColumn(FeatureCapacities.make(width: 3072, batch: 4096, k: 32, zipfExponent: 0))),
      ("per column zipf 1", .perColumn(FeatureCapacities.make(width: 3072, batch: 4096, k: 32, zipfExponent: 1))),
      ("total 32·B", .total(32 * 4096)),
    ]
    for (name, budget) in budgets {
      var best = Double.infinity
      for _ in 0..<5 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = SparseCodes.selecting(pre, budget: budget)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
      }
      print("\(name): \(best) ms (best of 5)")
    }
  }
}
