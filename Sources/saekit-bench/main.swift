import Foundation
import SAEKit

// `make bench`: trains a TopK SAE (d = 384, m = 3072, k = 32, batch 4096) on
// synthetic superposition data with 2 threads and reports training tokens/s,
// this machine's own cblas_sgemm GFLOP/s for the encoder product measured in
// the same run, and the ratio of the sgemm-bound step time (2·B·d·m FLOPs) to
// the measured step time. It writes the data and configuration for the
// PyTorch peer (bench/peer_topk.py); `--compare` prints the Swift/PyTorch ratio.
// `--minilm DIR` times the MiniLM encoder's forward pass instead (MiniLMBenchmark.swift;
// peer: bench/peer_minilm.py). `--itda DIR` times ITDA dictionary construction
// (ITDABenchmark.swift; peer: bench/peer_itda.py). `--rules DIR` times the allocation
// rules (AbsTopK, Mutual and Feature Choice, Top-AFA, the vSAE) against TopK (AllocationBenchmark.swift).
// `--streaming` measures streamed against dense SAE evaluation (StreamingEncodeBenchmark.swift).

BLASCoreSelection.reexecutingWithBetterCoreIfNeeded()  // before any BLAS call (see its documentation)
if CommandLine.arguments.contains("--probe") { Probe.topK(); Probe.variants(); Probe.allocation(); exit(0) }
if let i = CommandLine.arguments.firstIndex(of: "--encode-probe"), i + 1 < CommandLine.arguments.count {
  do { try StreamingEncodeBenchmark.probe(Array(CommandLine.arguments[(i + 1)...])); exit(0) } catch { print("error: \(error)"); exit(1) }
}
do {
  let options = try BenchOptions(Array(CommandLine.arguments.dropFirst()))
  if let directory = options.rulesDirectory {
    try AllocationBenchmark(options: options).run(directory: directory)
  } else if options.language {
    try LanguageBenchmark.run()
  } else if options.streaming {
    let (d, m, tokens) = options.streamingSize
    try StreamingEncodeBenchmark(d: d, m: m, tokens: tokens, rounds: options.streamingRounds).run()
  } else if options.tinylmDirectory != nil {
    try TinyLMBenchmark(options: options).run()
  } else if options.itdaDirectory != nil {
    try ITDABenchmark(options: options).run()
  } else if options.minilmDirectory != nil {
    try MiniLMBenchmark(options: options).run()
  } else if options.compareOnly {
    try Comparison.print(directory: options.outputDirectory)
  } else {
    try TrainingBenchmark(options: options).run()
  }
} catch let error as BenchError {
  FileHandle.standardError.write("\(error)\n".data(using: .utf8)!)
  exit(2)
} catch {
  FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
  exit(1)
}
