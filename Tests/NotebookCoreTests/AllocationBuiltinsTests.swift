import Testing
@testable import NotebookCore

/// Issue #17's builtins through the interpreter: the allocation metrics, the
/// inference rule of Feature/Mutual Choice SAEs and the Zipf auxiliary loss.
extension CellLibraryBuiltinsTests {
  @Test func allocationMetricsInACell() throws {
    let lines = try printed("""
      let data = synthetic.superposition(features: 16, dim: 8, sparsity: 0.1, samples: 512, seed: 1)
      let signed = train(data.x, width: 16, activation: .absTopK(k: 3), steps: 10, batch: 64, seed: 2)
      let signs = signUsage(signed, on: data.x)
      let l0 = l0Distribution(signed, on: data.x)
      print(l0.mean, l0.counts.count, signs.positive.count, signs.bothSigns >= 0)
      let pairs = antipodalPairs(signed, threshold: -0.5)
      print(pairs.count == pairs.first.count, pairs.second.count == pairs.cosine.count)
      let fit = zipfFit([0.15, 0.6, 0.2, 0.3], head: 1.0)
      print(abs(fit.exponent - 1.0) < 1e-9, fit.points, fit.rank, fit.density)
      print(stats.spearman([1, 2, 3], [10, 30, 20]))
      """)
    #expect(lines == ["3.0 4 16 true", "true true", "true 4 [1, 2, 3, 4] [0.6, 0.3, 0.2, 0.15]", "0.5"])
  }

  @Test func proxCheckInACell() throws {
    let lines = try printed("""
      let p = proxCheck(dim: 5, k: 2, lambda: 0.4, trials: 50, seed: 3)
      print(p.trials, p.agreeing, p.regularisers.count, p.activations[3], maximum(p.maxObjectiveGap) < 1e-6)
      """)
    #expect(lines == ["50 [50, 50, 50, 50] 4 AbsTopK true"])
    try expectFailure("let p = proxCheck(dim: 17)", at: "17", contains: "dim must be in 1…16")
  }

  @Test func choiceSAEsSwitchTheirInferenceRuleAndTrainWithTheZipfLoss() throws {
    let lines = try printed("""
      let data = synthetic.superposition(features: 16, dim: 8, sparsity: 0.1, samples: 512, seed: 1)
      let mc = train(data.x, width: 16, activation: .mutualChoice(k: 2), steps: 10, batch: 64, seed: 2, aux: "zipf")
      let batch = mc.withInference("batch")
      print(l0Distribution(batch, on: data.x).mean)
      let fc = train(data.x, width: 16, activation: .featureChoice(k: 2, zipf: 1.0), steps: 10, batch: 64, seed: 2)
      let fcMean = l0Distribution(fc.withInference("batch"), on: data.x).mean
      print(fcMean > 1.5 && fcMean <= 2.0)
      """)
    // Mutual Choice spends the k·B codes of the batch; Feature Choice at most that (affinities clamped at 0).
    #expect(lines == ["2.0", "true"])
    let topK = try run("""
      let data = synthetic.superposition(features: 16, dim: 8, sparsity: 0.1, samples: 512, seed: 1)
      let t = train(data.x, width: 16, activation: .topK(k: 2), steps: 2, batch: 64).withInference("batch")
      """)
    #expect(topK.failures.first?.message.contains("has no batch rule to choose at inference") == true)
    try expectFailure(
      #"let t = train(data.x, width: 16, activation: .topK(k: 2), steps: 2, aux: "every")"#, at: "\"every\"",
      contains: "aux must be", setup: "let data = synthetic.superposition(features: 16, dim: 8, sparsity: 0.1, samples: 512, seed: 1)")
  }

  /// Two equally likely sample types at 0.2× and 1.8× the mean: the per-sample
  /// active counts are returned for both sides (together their mean is
  /// meanActive), the mean stays near sparsity·features, and they split into
  /// a sparse and a dense group.
  @Test func superpositionWithActivityTypesVariesTheActiveCount() throws {
    let lines = try printed("""
      let data = synthetic.superposition(features: 200, dim: 16, sparsity: 0.05, samples: 4000, test: 1000, zipf: 1.0, activity: [0.2, 1.8], seed: 3)
      let a = data.active.map { Double($0) }
      let t = data.testActive.map { Double($0) }
      print(data.active.count, data.testActive.count, abs(mean(a) - 10.0) < 0.5, abs((sum(a) + sum(t)) / 5000.0 - data.meanActive) < 1e-9)
      let sparse = a.filter { $0 <= 5 }.count
      let dense = a.filter { $0 >= 12 }.count
      print(sparse > 1500, dense > 1500, stats.sd(a) > 6)
      let plain = synthetic.superposition(features: 200, dim: 16, sparsity: 0.05, samples: 4000, zipf: 1.0, seed: 3)
      print(stats.sd(plain.active.map { Double($0) }) < 4)
      """)
    #expect(lines == ["4000 1000 true true", "true true true", "true"])
    try expectFailure(
      "let d = synthetic.superposition(features: 8, dim: 4, sparsity: 0.1, samples: 10, activity: [1.0, 0.0])",
      at: "[1.0, 0.0]", contains: "activity levels must be finite and > 0")
  }
}
