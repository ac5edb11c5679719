import Foundation
import SAEKit

/// `--rules DIR`: step times of the allocation rules of issue #17 (AbsTopK,
/// Mutual Choice, Feature Choice with uniform and Zipf capacities) and of
/// issue #18 (Top-AFA with its norm-matching loss; the vSAE sampled, with KL
/// on every latent and on the selected ones) against TopK at the training
/// benchmark's size (d = 384, m = 3072, k = 32, B = 4096).
/// Each rule has its own trainer on the same batches; the rules take turns, a
/// few steps each per round, so drift of a shared machine hits them alike.
/// Prints the median step and selection times and the ratio to TopK (target
/// ≤ 1.3), and writes `rules.json`.
struct AllocationBenchmark {
  let options: BenchOptions

  static func rules(k: Int) -> [(name: String, kind: ActivationKind, afa: NormMatchingLoss?, kl: LatentKL?)] {
    [("TopK", .topK(k: k), nil, nil), ("AbsTopK", .absTopK(k: k), nil, nil), ("MutualChoice", .mutualChoice(k: k), nil, nil),
     ("FeatureChoice", .featureChoice(k: k), nil, nil), ("FeatureChoice zipf 1", .featureChoice(k: k, zipf: 1), nil, nil),
     ("TopAFA + AFA loss", .topAFA, NormMatchingLoss(coefficient: 1.0 / 32), nil),
     ("vSAE σ=1", .vsae(k: k, sigma: 1), nil, nil),
     ("vSAE σ=1 + KL all", .vsae(k: k, sigma: 1), nil, LatentKL(beta: 1, latents: .all)),
     ("vSAE σ=1 + KL selected", .vsae(k: k, sigma: 1), nil, LatentKL(beta: 1, latents: .selected))]
  }

  func run(directory: String) throws {
    let o = options
    BLAS.threads = o.threads
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    log("saekit-bench --rules: d = \(o.d), m = \(o.m), k = \(o.k), batch \(o.batch), "
        + "\(o.steps) steps per rule, \(o.threads) threads")
    var rng = RandomSource(seed: o.seed)
    let rows = o.batch * 4
    let data = try SyntheticSuperposition(
      .init(featureCount: o.features, dimension: o.d, sampleCount: rows,
            support: .zipf(exponent: 0.5, meanActive: 24), magnitude: .uniform(low: 0.2, high: 1.5), noiseStd: 0.01),
      using: &rng)
    var config = TrainingConfig()
    (config.steps, config.batchSize, config.threads, config.deadWindowTokens) = (o.steps, o.batch, o.threads, 500_000)
    let rules = Self.rules(k: o.k)
    var trainers = [SAETrainer]()
    for rule in rules {
      var initRandom = rng.fork(1)
      let sae = try SparseAutoencoder(dimension: o.d, width: o.m, activation: rule.kind, random: &initRandom)
      var ruleConfig = config
      (ruleConfig.normMatching, ruleConfig.latentKL) = (rule.afa, rule.kl)
      let trainer = try SAETrainer(sae: sae, config: ruleConfig)
      trainer.noise = rng.fork(3)
      try trainer.initialize(fromSample: data.x.rows(0..<min(rows, 8_192)))
      trainer.timings = StepTimings()
      trainers.append(trainer)
    }
    var stepSeconds = [[Double]](repeating: [], count: rules.count)
    var lastL0 = [Double](repeating: 0, count: rules.count)
    let perTurn = 3
    for turn in 0..<((o.steps + perTurn - 1) / perTurn) {
      for (i, trainer) in trainers.enumerated() {
        for s in 0..<perTurn {
          let step = turn * perTurn + s
          let start = (step * o.batch) % rows
          let x = data.x.rows(start..<(start + o.batch))
          let t0 = DispatchTime.now().uptimeNanoseconds
          lastL0[i] = try trainer.step(x).l0
          if step >= o.skipSteps { stepSeconds[i].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
        }
      }
    }
    let base = median(stepSeconds[0])
    var results = [[String: Any]]()
    for (i, rule) in rules.enumerated() {
      let step = median(stepSeconds[i])
      let timed = Double(trainers[i].stepsDone)
      let selection = (trainers[i].timings?.seconds[.selection] ?? 0) / timed
      let name = rule.name.padding(toLength: 24, withPad: " ", startingAt: 0)
      let l0 = lastL0[i]
      print(name + String(format: "step %7.1f ms (median of %d), selection %6.1f ms/step, ratio to TopK %.2f, L0 %.1f",
                   step * 1000, stepSeconds[i].count, selection * 1000, step / base, l0))
      results.append(["rule": rule.name, "step_ms_median": step * 1000, "selection_ms": selection * 1000,
                      "ratio_to_topk": step / base, "steps_timed": stepSeconds[i].count, "l0_last_step": l0])
    }
    try writeJSON(["d": o.d, "m": o.m, "k": o.k, "batch": o.batch, "threads": o.threads, "rules": results],
                  to: (directory as NSString).appendingPathComponent("rules.json"))
  }
}
