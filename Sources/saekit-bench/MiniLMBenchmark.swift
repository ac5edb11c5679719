import Foundation
import SAEKit

/// The Swift side of the MiniLM forward benchmark (`saekit-bench --minilm DIR`).
///
/// Inputs (deterministic): the snippets of `TextCorpus.standard()` are WordPiece-tokenized in
/// corpus order without special tokens and their pieces concatenated into one stream
/// `s_0 s_1 …`; sequence `i` is `[CLS] s_{126i} … s_{126i+125} [SEP]` (exactly 128 ids),
/// and batch `b` holds sequences `32b ..< 32b + 32`. Only as many snippets are tokenized as
/// the `batches × 32` sequences need.
///
/// Timing: every batch runs once, in order, through the full encoder (embeddings, 6 blocks,
/// mean pooling); the first `warmup` batches are not timed, and
/// `tokens/s = 32 · 128 / median(batch seconds)`.
///
/// Writes into DIR: `minilm_ids.npy` (int64, `batches·32 × 128`), `minilm_config.json` (for
/// `bench/peer_minilm.py`), `minilm_swift.json` and `minilm_swift_pooled.npy` (float32,
/// `32 × 384`: the mean-pooled last layer of batch 0, before normalisation).
struct MiniLMBenchmark {
  let options: BenchOptions
  static let sequenceLength = 128
  var directory: String { options.minilmDirectory ?? options.outputDirectory }

  func run() throws {
    let o = options
    BLAS.threads = o.threads
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let model = try MiniLM.load(directory: o.modelDirectory)
    let corpus = try TextCorpus.standard()
    let sequences = Self.sequences(corpus: corpus, tokenizer: model.tokenizer,
                                   count: o.minilmBatches * o.minilmBatchSize, length: Self.sequenceLength)
    let batches = try stride(from: 0, to: sequences.count, by: o.minilmBatchSize).map {
      try TokenizedBatch(sequences: Array(sequences[$0..<($0 + o.minilmBatchSize)]))
    }
    try NPY.write(ints: sequences.flatMap { $0 }, shape: [sequences.count, Self.sequenceLength], to: path("minilm_ids.npy"))
    try writeConfig(model: model, corpus: corpus)
    log("saekit-bench: MiniLM forward, \(o.minilmBatches) batches of \(o.minilmBatchSize) × \(Self.sequenceLength) tokens "
        + "(first \(o.minilmWarmup) untimed), \(o.threads) threads, \(ProcessInfo.processInfo.activeProcessorCount) cores, "
        + "kernels \(MiniLM.kernelRevision)")

    var seconds = [Double]()
    var pooled: Matrix?
    for (index, batch) in batches.enumerated() {
      let t0 = DispatchTime.now().uptimeNanoseconds
      let result = try model.run(batch)
      let t1 = DispatchTime.now().uptimeNanoseconds
      if index == 0 { pooled = result.meanPooled }
      if index >= o.minilmWarmup { seconds.append(Double(t1 - t0) / 1e9) }
    }
    let batchMedian = median(seconds)
    let tokensPerSecond = Double(o.minilmBatchSize * Self.sequenceLength) / batchMedian
    try NPY.write(pooled!, to: path("minilm_swift_pooled.npy"))
    // The arithmetic floor: the batch's products alone, at the rate of large square sgemms on every core.
    let batchFLOPs = model.config.forwardFLOPs(batch: o.minilmBatchSize, length: Self.sequenceLength)
    let peak = SgemmProbe.allCores()
    let floorTokensPerSecond = Double(o.minilmBatchSize * Self.sequenceLength) * peak * 1e9 / batchFLOPs
    let result: [String: Any] = [
      "batch_gflop": batchFLOPs / 1e9, "sgemm_peak_gflops": peak, "floor_tokens_per_s": floorTokensPerSecond,
      "tokens_per_s": tokensPerSecond, "batch_ms_median": batchMedian * 1000,
      "batch_ms": seconds.map { $0 * 1000 }, "threads": o.threads,
      "cores": ProcessInfo.processInfo.activeProcessorCount, "kernels": MiniLM.kernelRevision,
    ]
    try writeJSON(result, to: path("minilm_swift.json"))
    if let round = o.round { try writeJSON(result, to: path("minilm_swift_round\(round).json")) }
    print(String(format: "MiniLM Swift: %.0f tokens/s (median batch %.1f ms over %d batches of %d × %d tokens)",
                 tokensPerSecond, batchMedian * 1000, seconds.count, o.minilmBatchSize, Self.sequenceLength))
    print(String(format: "MiniLM batch: %.1f GFLOP of products, %.1f GFLOP/s achieved; sgemm peak on every core %.1f GFLOP/s "
                 + "→ arithmetic floor %.0f tokens/s (%.0f%% of it reached)", batchFLOPs / 1e9, batchFLOPs / batchMedian / 1e9,
                 peak, floorTokensPerSecond, 100 * tokensPerSecond / floorTokensPerSecond))
  }

  /// `count` sequences of exactly `length` ids: `[CLS]`, the next `length − 2` pieces of the
  /// corpus's concatenated WordPiece stream, `[SEP]` (see the type's documentation).
  static func sequences(corpus: TextCorpus, tokenizer: WordPieceTokenizer, count: Int, length: Int) -> [[Int]] {
    let body = length - 2
    var stream = [Int]()
    stream.reserveCapacity(count * body + 512)
    for snippet in corpus.snippets where stream.count < count * body {
      stream += tokenizer.pieceIDs(snippet)
    }
    precondition(stream.count >= count * body, "the corpus has fewer than \(count * body) WordPiece tokens")
    return (0..<count).map { i in
      [tokenizer.classifierID] + stream[(i * body)..<((i + 1) * body)] + [tokenizer.separatorID]
    }
  }

  func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

  func writeConfig(model: MiniLM, corpus: TextCorpus) throws {
    let o = options
    let config: [String: Any] = [
      "model_directory": URL(fileURLWithPath: o.modelDirectory).standardizedFileURL.path, "ids": "minilm_ids.npy",
      "batches": o.minilmBatches, "batch_size": o.minilmBatchSize, "sequence_length": Self.sequenceLength,
      "warmup_batches": o.minilmWarmup, "threads": o.threads, "corpus": corpus.name,
      "swift_pooled": "minilm_swift_pooled.npy",
    ]
    try writeJSON(config, to: path("minilm_config.json"))
  }
}
