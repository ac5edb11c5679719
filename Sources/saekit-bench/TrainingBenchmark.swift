import Foundation
import SAEKit

/// The Swift side of the TopK training benchmark.
struct TrainingBenchmark {
  let options: BenchOptions

  func run() throws {
    let o = options
    try FileManager.default.createDirectory(atPath: o.outputDirectory, withIntermediateDirectories: true)
    log("BLAS: \(BLAS.configuration)")
    let counts = o.threadCounts ?? [o.threads]
    log("saekit-bench: TopK SAE d = \(o.d), m = \(o.m), k = \(o.k), batch \(o.batch), \(o.steps) steps, "
        + "threads \(counts.map(String.init).joined(separator: ", ")) (\(ProcessInfo.processInfo.activeProcessorCount) cores)")

    // Data: sparse superposition of `features` directions, Zipf-distributed supports.
    var rng = RandomSource(seed: o.seed)
    let data = try SyntheticSuperposition(
      .init(featureCount: o.features, dimension: o.d, sampleCount: o.trainRows + o.heldoutRows,
            support: .zipf(exponent: 0.5, meanActive: 24), magnitude: .uniform(low: 0.2, high: 1.5),
            noiseStd: 0.01),
      using: &rng)
    let train = data.x.rows(0..<o.trainRows)
    let heldout = data.x.rows(o.trainRows..<(o.trainRows + o.heldoutRows))
    try NPY.write(train, to: path("train.npy"))
    try NPY.write(heldout, to: path("heldout.npy"))

    // One run per thread count, each from the same initial SAE on the same batches; the last
    // count's run is the one the PyTorch peer is compared with (swift.json).
    var runs = [Run]()
    for threads in counts {
      let run = try trainRun(train, heldout: heldout, threads: threads, random: rng)
      runs.append(run)
      print(String(format: "Swift:    %.0f tokens/s at %d thread%@ (median step %.1f ms over %d steps), held-out FVU %.4f",
                   run.tokensPerSecond, threads, threads == 1 ? "" : "s", run.stepMilliseconds, run.timedSteps, run.heldoutFVU))
      print(String(format: "sgemm:    %.1f GFLOP/s for the encoder product → sgemm-bound step %.1f ms", run.sgemm.gflops, run.sgemm.milliseconds))
      print(String(format: "ratio:    step reaches %.0f%% of the sgemm bound (2·d·m FLOPs per token; target ≥ 60%%)", run.boundRatio * 100))
    }
    if runs.count > 1 { print(PhaseTable(runs: runs).text) }
    let last = runs[runs.count - 1]
    try writeConfig(last.config, inputScale: last.inputScale, threads: counts[counts.count - 1])
    var result: [String: Any] = [
      "tokens_per_s": last.tokensPerSecond, "step_ms_median": last.stepMilliseconds, "heldout_fvu": last.heldoutFVU,
      "train_fvu_last": last.trainFVU, "steps": o.steps, "threads": counts[counts.count - 1],
      "sgemm_gflops": last.sgemm.gflops, "sgemm_ms": last.sgemm.milliseconds, "sgemm_bound_ratio": last.boundRatio,
    ]
    result["scaling"] = runs.map { run -> [String: Any] in
      ["threads": run.threads, "tokens_per_s": run.tokensPerSecond, "step_ms_median": run.stepMilliseconds,
       "sgemm_ms": run.sgemm.milliseconds, "sgemm_bound_ratio": run.boundRatio, "memory_stream_ms": run.memoryStreamMilliseconds,
       "phase_ms": Dictionary(uniqueKeysWithValues: run.phaseMilliseconds.map { ($0.key.rawValue, $0.value) })]
    }
    try writeJSON(result, to: path("swift.json"))
  }

  /// One timed training run.
  struct Run {
    var threads: Int
    var config: TrainingConfig
    var inputScale: Float
    var sgemm: (gflops: Double, milliseconds: Double)
    /// ``MemoryProbe/adamStream(elements:threads:rounds:)`` over the SAE's parameters, ms.
    var memoryStreamMilliseconds: Double
    var tokensPerSecond, stepMilliseconds, heldoutFVU, trainFVU: Double
    var timedSteps: Int
    /// Milliseconds per step in each phase (all steps).
    var phaseMilliseconds: [StepTimings.Phase: Double]
    var boundRatio: Double { sgemm.milliseconds / stepMilliseconds }
  }

  /// Trains from the same seed on `threads` threads (the sgemm probe uses as many BLAS threads).
  func trainRun(_ train: Matrix, heldout: Matrix, threads: Int, random rng: RandomSource) throws -> Run {
    let o = options
    BLAS.threads = threads
    var config = TrainingConfig()
    config.steps = o.steps
    config.batchSize = o.batch
    config.shuffle = false  // the peer reads the same batches in file order
    config.threads = threads
    config.deadWindowTokens = 500_000
    config.initializationSample = min(32_768, o.trainRows)
    var initRandom = rng.fork(1)
    let sae = try SparseAutoencoder(dimension: o.d, width: o.m, activation: .topK(k: o.k), random: &initRandom)
    let trainer = try SAETrainer(sae: sae, config: config)
    trainer.timings = StepTimings()
    try trainer.initialize(fromSample: train.rows(0..<config.initializationSample))

    let gemm = try SgemmProbe.measure(b: o.batch, d: o.d, m: o.m)
    log(String(format: "cblas_sgemm (%d×%d)·(%d×%d)ᵀ on %d thread%@: %.1f GFLOP/s, %.2f ms",
               o.batch, o.d, o.m, o.d, threads, threads == 1 ? "" : "s", gemm.gflops, gemm.milliseconds))

    let stream = MemoryProbe.adamStream(elements: 2 * o.m * o.d + o.m + o.d, threads: threads)
    log(String(format: "memory stream (Adam's 28 bytes per parameter, cache flushed) on %d thread%@: %.2f ms",
               threads, threads == 1 ? "" : "s", stream))

    var batches = try ActivationBatches(train, batchSize: o.batch, random: rng.fork(2), shuffle: false, dropLast: true, epochs: nil)
    var stepSeconds = [Double]()
    var last: TrainingProgress?
    let bar = ProgressBar()
    let start = DispatchTime.now().uptimeNanoseconds
    for s in 0..<o.steps {
      guard let x = batches.next() else { break }
      let t0 = DispatchTime.now().uptimeNanoseconds
      var p = try trainer.step(x)
      let t1 = DispatchTime.now().uptimeNanoseconds
      if s >= o.skipSteps { stepSeconds.append(Double(t1 - t0) / 1e9) }
      if s + 1 == o.skipSteps { trainer.timings = StepTimings() }  // phases over the timed steps only
      p.elapsed = Double(t1 - start) / 1e9
      last = p
      if (s + 1) % max(1, o.steps / 50) == 0 || s + 1 == o.steps { bar.show(p) }
    }
    var phases = [StepTimings.Phase: Double]()
    for phase in StepTimings.Phase.allCases {
      if let sec = trainer.timings?.seconds[phase] {
        phases[phase] = sec * 1000 / Double(stepSeconds.count)
        log(String(format: "  %-18@ %7.2f ms/step", phase.rawValue, sec * 1000 / Double(stepSeconds.count)))
      }
    }
    let model = trainer.model
    let heldoutFVU = try ReconstructionMetrics.fractionOfVarianceUnexplained(x: heldout, reconstruction: model.reconstruct(heldout))
    let stepMedian = median(stepSeconds)
    return Run(
      threads: threads, config: config, inputScale: model.inputScale, sgemm: gemm, memoryStreamMilliseconds: stream,
      tokensPerSecond: Double(o.batch) / stepMedian, stepMilliseconds: stepMedian * 1000, heldoutFVU: heldoutFVU,
      trainFVU: last?.fvu ?? .nan, timedSteps: stepSeconds.count, phaseMilliseconds: phases)
  }

  func path(_ name: String) -> String { (options.outputDirectory as NSString).appendingPathComponent(name) }

  func writeConfig(_ c: TrainingConfig, inputScale: Float, threads: Int) throws {
    let o = options
    let config: [String: Any] = [
      "d": o.d, "m": o.m, "k": o.k, "batch": o.batch, "steps": o.steps,
      "warmup_steps": c.resolvedWarmupSteps, "decay_fraction": c.decayFraction,
      "lr": Double(c.peakLearningRate(width: o.m)), "beta1": Double(c.beta1), "beta2": Double(c.beta2),
      "eps": Double(c.epsilon), "aux_k": c.auxK ?? o.d / 2, "aux_coefficient": Double(c.auxCoefficient),
      "dead_window_tokens": c.deadWindowTokens, "threads": threads, "seed": Int(o.seed),
      "input_scale": Double(inputScale), "timed_steps_skip": o.skipSteps,
    ]
    try writeJSON(config, to: path("config.json"))
  }
}

func writeJSON(_ object: [String: Any], to path: String) throws {
  let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
  try data.write(to: URL(fileURLWithPath: path), options: .atomic)
}

func median(_ values: [Double]) -> Double {
  let s = values.sorted()
  guard !s.isEmpty else { return .nan }
  return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func log(_ message: String) {
  FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}
