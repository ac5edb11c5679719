import Foundation
import SAEKit

/// The Swift side of the ITDA dictionary-construction benchmark (`saekit-bench --itda DIR`).
///
/// Inputs (deterministic): the hidden state after MiniLM layer `--itda-layer` (3) on the first
/// `--itda-tokens` (32,768) tokens of `TextCorpus.standard()` (snippets in corpus order, at most
/// 128 tokens each, `[CLS]`/`[SEP]` included), read from (or written to) `.cache/activations`.
/// Without the model weights it falls back to synthetic superposition data (d = 384, seed 1).
///
/// The algorithm is the reference code's (papers-2.md §2a; `ITDATrainer.update`): the rows are
/// streamed in batches of `--itda-batch` (4096) tokens; while the dictionary holds fewer than d
/// atoms the batch's distinct rows are added, most frequent first with ties in `torch.unique`'s
/// lexicographic order (``ITDABuilder/InitialAtomOrder/referenceLexicographic``); then the batch
/// is encoded by matching pursuit with L0 = 40 and every row with
/// `mean((x/‖x‖ − x̂/‖x̂‖)²) > τ` is added. Each row is labelled by its index in the stream, so
/// both sides' atom lists can be compared row for row.
///
/// Timing: the whole construction, `--itda-repeats` (3) times; `tokens/s = tokens / median`.
/// Writes into DIR: `itda_x.npy` (float32, tokens × d), `itda_config.json` (for
/// `bench/peer_itda.py`), `itda_swift.json` and `itda_swift_rows.npy` (int64: the stream index
/// of every atom, in dictionary order).
struct ITDABenchmark {
  let options: BenchOptions
  var directory: String { options.itdaDirectory ?? options.outputDirectory }

  func run() throws {
    let o = options
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let (x, source) = try activations()
    let d = x.cols
    let threshold = o.itdaThreshold ?? ITDAAddRule.threshold(forCosine: o.itdaCosine, dimension: d)
    try NPY.write(x, to: path("itda_x.npy"))
    let config: [String: Any] = [
      "x": "itda_x.npy", "tokens": x.rows, "dimension": d, "threshold": threshold, "l0": o.itdaL0,
      "batch": o.itdaBatch, "threads": o.threads, "repeats": o.itdaRepeats, "source": source,
      "swift_rows": "itda_swift_rows.npy",
    ]
    try writeJSON(config, to: path("itda_config.json"))
    log("saekit-bench: ITDA construction on \(x.rows) tokens × \(d) (\(source)), τ = \(threshold) "
        + "(cos < \(1 - threshold * Double(d) / 2)), L0 = \(o.itdaL0), batch \(o.itdaBatch), \(o.threads) threads")

    let set = try ActivationSet(
      x: x, documents: Array(0..<x.rows), positions: [Int](repeating: 0, count: x.rows),
      tokenIds: [Int](repeating: 0, count: x.rows))
    let builderOptions = ITDABuilder.Options(threshold: threshold, l0: o.itdaL0, initialOrder: .referenceLexicographic)
    var seconds = [Double]()
    var dictionary: ITDADictionary?
    for _ in 0..<o.itdaRepeats {
      let t0 = DispatchTime.now().uptimeNanoseconds
      // As a notebook runs it: SAEKit's workers, OpenBLAS single-threaded inside them.
      dictionary = try Parallel.withWorkers(o.threads) {
        try ITDABuilder.build(from: set, tokensPerBatch: o.itdaBatch, options: builderOptions)
      }
      seconds.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    let built = dictionary!
    let t = median(seconds)
    try NPY.write(ints: built.labels.map(\.document), shape: [built.count], to: path("itda_swift_rows.npy"))
    let result: [String: Any] = [
      "tokens_per_s": Double(x.rows) / t, "seconds_median": t, "seconds": seconds, "atoms": built.count,
      "threads": o.threads, "cores": ProcessInfo.processInfo.activeProcessorCount,
    ]
    try writeJSON(result, to: path("itda_swift.json"))
    print(String(format: "ITDA Swift: %.0f tokens/s (median %.2f s over %d builds), %d atoms",
                 Double(x.rows) / t, t, seconds.count, built.count))
  }

  /// MiniLM activations (cached), or synthetic data when the weights are missing.
  func activations() throws -> (Matrix, String) {
    let o = options
    if FileManager.default.fileExists(atPath: o.modelDirectory + "/model.safetensors") {
      let model = try MiniLM.load(directory: o.modelDirectory, verifyChecksums: false)
      let (set, _) = try ModelActivations.collect(
        model: model, layer: o.itdaLayer, corpus: try TextCorpus.standard(), tokens: o.itdaTokens, maxLength: 128,
        cache: ActivationCache(directory: ".cache/activations"))
      return (set.x, "MiniLM layer \(o.itdaLayer), fortunes")
    }
    log("saekit-bench: no model at \(o.modelDirectory); using synthetic superposition data")
    var rng = RandomSource(seed: 1)
    let data = try SyntheticSuperposition(
      .init(featureCount: 3_072, dimension: 384, sampleCount: o.itdaTokens,
            support: .zipf(exponent: 0.5, meanActive: 24), magnitude: .uniform(low: 0.2, high: 1.5), noiseStd: 0.01),
      using: &rng)
    return (data.x, "synthetic superposition, seed 1")
  }

  func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
}
