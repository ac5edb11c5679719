import Foundation
import SAEKit

/// The Swift side of the TinyLM benchmark (`saekit-bench --tinylm DIR`).
///
/// The default TinyLM (``TinyLMConfig/standard``) from GPT-2's initialisation (seed 1) takes
/// `--tinylm-steps` (30) AdamW steps on batches of 16 × 128 random bytes (seed 2, the same
/// batches every run); the first 3 steps are warm-up and not timed. Reported: training
/// tokens/s (forward + backward + update) and forward-only tokens/s, medians over steps, and
/// the loss of every step (for the PyTorch peer, which starts from the same weights on the same
/// batches: `bench/peer_tinylm.py`).
struct TinyLMBenchmark {
  let options: BenchOptions
  var directory: String { options.tinylmDirectory ?? options.outputDirectory }

  func run() throws {
    let o = options
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var settings = TinyLMTrainer.Settings()
    settings.optimizer.totalSteps = o.tinylmSteps
    settings.optimizer.warmupSteps = 5
    let config = settings.config
    let batch = settings.batchSize, length = settings.length
    var random = RandomSource(seed: 2)
    let batches: [([Int], [Int])] = (0..<o.tinylmSteps).map { _ in
      let row = (0..<(batch * (length + 1))).map { _ in random.int(below: 256) }
      var tokens: [Int] = [], targets: [Int] = []
      for b in 0..<batch {
        let seq = row[(b * (length + 1))..<((b + 1) * (length + 1))]
        tokens += seq.dropLast()
        targets += seq.dropFirst()
      }
      return (tokens, targets)
    }
    log("saekit-bench: TinyLM \(config.width)-wide, \(config.layerCount) layers, \(config.headCount) heads, context \(length), "
        + "\(TinyLMParameters.count(config)) parameters; batch \(batch) × \(length), \(o.tinylmSteps) steps, "
        + "every core (\(ProcessInfo.processInfo.activeProcessorCount); --threads does not apply)")
    var model = try TinyLM(config: config, seed: 1)
    // The peer's inputs: the same initial weights (Hugging Face layout), the same batches, the
    // same optimiser settings and the learning rate of every step.
    try TinyLMFiles.save(model.parameters, to: directory + "/tinylm_init")
    try NPY.write(ints: batches.flatMap(\.0), shape: [o.tinylmSteps, batch, length], to: directory + "/tinylm_tokens.npy")
    try NPY.write(ints: batches.flatMap(\.1), shape: [o.tinylmSteps, batch, length], to: directory + "/tinylm_targets.npy")
    let s = settings.optimizer
    let peerConfig: [String: Any] = [
      "init": "tinylm_init", "tokens": "tinylm_tokens.npy", "targets": "tinylm_targets.npy", "steps": o.tinylmSteps,
      "batch": batch, "length": length, "beta1": s.beta1, "beta2": s.beta2, "eps": s.epsilon,
      "weight_decay": s.weightDecay, "clip_norm": s.clipNorm,
      "learning_rates": (0..<o.tinylmSteps).map { s.learningRate(step: $0) }, "timed_from_step": 3,
      "decayed": ["wte", "wpe", "attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"],
    ]
    try JSONSerialization.data(withJSONObject: peerConfig, options: [.sortedKeys, .prettyPrinted])
      .write(to: URL(fileURLWithPath: directory + "/tinylm_config.json"))
    var optimizer = TinyLMOptimizer(settings: settings.optimizer, config: config)
    let pass = try TinyLMPass(config: config, batch: batch, length: length)
    var gradients = TinyLMParameters(zeros: config)
    var trainSeconds: [Double] = [], forwardSeconds: [Double] = [], losses: [Double] = []
    for step in 0..<o.tinylmSteps {
      let (tokens, targets) = batches[step]
      var t0 = DispatchTime.now().uptimeNanoseconds
      _ = try pass.forward(model.parameters, tokens: tokens, targets: targets)
      let forward = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
      t0 = DispatchTime.now().uptimeNanoseconds
      let loss = try pass.forward(model.parameters, tokens: tokens, targets: targets)
      gradients.storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
      try pass.backward(model.parameters, into: &gradients)
      optimizer.update(&model.parameters, with: gradients)
      let train = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
      losses.append(Double(loss))
      if step >= 3 { trainSeconds.append(train); forwardSeconds.append(forward) }
    }
    let tokens = Double(batch * length)
    // The arithmetic floor: the step's products alone, at the rate of large square sgemms on every core.
    let stepFLOPs = config.trainingFLOPs(batch: batch, length: length)
    let peak = SgemmProbe.allCores()
    let floorTokensPerSecond = tokens * peak * 1e9 / stepFLOPs
    let result: [String: Any] = [
      "step_gflop": stepFLOPs / 1e9, "sgemm_peak_gflops": peak, "floor_tokens_per_s": floorTokensPerSecond,
      "train_tokens_per_s": tokens / median(trainSeconds), "forward_tokens_per_s": tokens / median(forwardSeconds),
      "losses": losses, "steps": o.tinylmSteps, "batch": batch, "length": length,
      "cores": ProcessInfo.processInfo.activeProcessorCount,
      // TinyLM's kernels split their work over every core (`Parallel`), not `--threads`.
      "threads": ProcessInfo.processInfo.activeProcessorCount,
    ]
    let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .prettyPrinted])
    try data.write(to: URL(fileURLWithPath: directory + "/tinylm_swift.json"))
    log(String(format: "TinyLM training: %.0f tokens/s; forward only: %.0f tokens/s; loss %.4f → %.4f",
               tokens / median(trainSeconds), tokens / median(forwardSeconds), losses.first ?? .nan, losses.last ?? .nan))
    log(String(format: "TinyLM step: %.2f GFLOP of products; %.1f GFLOP/s achieved; sgemm peak on every core %.1f GFLOP/s "
               + "→ arithmetic floor %.0f tokens/s (%.0f%% of it reached)", stepFLOPs / 1e9,
               stepFLOPs / 1e9 / median(trainSeconds), peak, floorTokensPerSecond,
               100 * tokens / median(trainSeconds) / floorTokensPerSecond))
  }

  private func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? .nan : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
  }

  private func log(_ line: String) { FileHandle.standardError.write((line + "\n").data(using: .utf8)!) }
}
