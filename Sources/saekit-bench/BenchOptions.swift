import SAEKit

/// Command-line options of `saekit-bench` (hand-parsed: the tool has no other dependency).
struct BenchOptions {
  var outputDirectory = "bench/out"
  var compareOnly = false
  var d = 384, m = 3072, k = 32, batch = 4096
  var steps = 200
  var threads = 2
  /// `--scaling 1,2,…`: run the TopK training benchmark once per thread count and print the per-phase table.
  var threadCounts: [Int]?
  var trainRows = 65_536, heldoutRows = 8_192
  var features = 6_144
  var seed: UInt64 = 1
  var skipSteps = 3
  /// `--minilm DIR`: run the MiniLM forward benchmark (``MiniLMBenchmark``) instead, into DIR.
  var minilmDirectory: String?
  var modelDirectory = MiniLMFiles.defaultDirectory
  var minilmBatches = 12, minilmBatchSize = 32, minilmWarmup = 2
  /// `--round N`: also write `minilm_swift_round<N>.json`, one of several Swift/PyTorch
  /// alternations that `--compare` takes the median ratio of (this VM's timings drift by ±20%).
  var round: Int?
  /// `--itda DIR`: run the ITDA dictionary-construction benchmark (``ITDABenchmark``) instead, into DIR.
  var itdaDirectory: String?
  var itdaTokens = 32_768, itdaLayer = 3, itdaBatch = 4_096, itdaL0 = 40, itdaRepeats = 3
  /// The add rule's cosine threshold (τ = 2(1 − cos)/d), unless `--itda-threshold` gives τ itself.
  var itdaCosine = 0.85
  var itdaThreshold: Double?
  /// `--tinylm DIR`: run the TinyLM training benchmark (``TinyLMBenchmark``) instead, into DIR.
  var tinylmDirectory: String?
  /// `--language`: time the cell interpreter against CPython (``LanguageBenchmark``).
  var language = false
  var streaming = false
  var streamingSize = (d: 768, m: 16_384, tokens: 20_000)
  var streamingRounds = 3
  var tinylmSteps = 30
  /// `--rules DIR`: time the allocation rules against TopK (``AllocationBenchmark``) instead, into DIR.
  var rulesDirectory: String?

  static let usage = """
    usage: saekit-bench [--out DIR] [--compare DIR] [--steps N] [--threads N] [--d N] [--m N] [--k N] [--batch N]
      --out DIR      run the Swift benchmark, write data, config.json and swift.json into DIR (default bench/out)
                     [--scaling 1,2,…: one run per thread count from the same start, then the per-phase table
                     with each phase's speedup; the last count's run is the peer's comparison]
      --compare DIR  print the Swift/PyTorch comparison from DIR/swift.json and DIR/torch.json
                     (and DIR/minilm_swift.json, DIR/minilm_torch.json when present)
      --minilm DIR   run the MiniLM forward benchmark (batches of 32 × 128 tokens), write minilm_* files into DIR
                     [--model DIR (default .cache/models/all-MiniLM-L6-v2)] [--minilm-batches N (12)] [--minilm-warmup N (2)]
                     [--round N: also write minilm_swift_roundN.json; --compare uses the median ratio over rounds]
      --itda DIR     run the ITDA dictionary-construction benchmark, write itda_* files into DIR
                     [--itda-tokens N (32768)] [--itda-layer N (3)] [--itda-batch N (4096)] [--itda-l0 N (40)]
                     [--itda-cosine C (0.85) | --itda-threshold TAU] [--itda-repeats N (3)]
      --rules DIR    time AbsTopK, Mutual Choice, Feature Choice, Top-AFA and vSAE training steps
                     against TopK's (same --d/--m/--k/--batch/--steps), write rules.json into DIR
      --language     time the cell interpreter against CPython on the same programs
      --streaming    peak memory and time of SAE evaluation streamed in chunks against the dense path, and of a
                     bfloat16 SAE file kept mapped against widened [--streaming-size D,M,TOKENS (768,16384,20000)]
                     [--streaming-rounds N (3)]
      --tinylm DIR   run the TinyLM training benchmark (batches of 16 × 128 bytes), write tinylm_* files into DIR
                     [--tinylm-steps N (30)]
    """

  init(_ arguments: [String]) throws {
    var i = 0
    func value(_ name: String) throws -> String {
      i += 1
      guard i < arguments.count else { throw BenchError.usage("\(name) needs a value") }
      return arguments[i]
    }
    func int(_ name: String) throws -> Int {
      let text = try value(name)
      guard let v = Int(text.replacingOccurrences(of: "_", with: "")), v > 0 else {
        throw BenchError.usage("\(name) expects a positive integer, got '\(text)'")
      }
      return v
    }
    func fraction(_ name: String) throws -> Double {
      let text = try value(name)
      guard let v = Double(text), v > 0, v < 1 else { throw BenchError.usage("\(name) expects a number in (0, 1), got '\(text)'") }
      return v
    }
    while i < arguments.count {
      switch arguments[i] {
      case "--out": outputDirectory = try value("--out")
      case "--compare": outputDirectory = try value("--compare"); compareOnly = true
      case "--minilm": minilmDirectory = try value("--minilm")
      case "--model": modelDirectory = try value("--model")
      case "--itda": itdaDirectory = try value("--itda")
      case "--tinylm": tinylmDirectory = try value("--tinylm")
      case "--language": language = true
      case "--streaming": streaming = true
      case "--streaming-rounds": streamingRounds = try int("--streaming-rounds")
      case "--streaming-size":
        let text = try value("--streaming-size")
        let parts = text.split(separator: ",").compactMap { Int($0.replacingOccurrences(of: "_", with: "")) }
        guard parts.count == 3, parts.allSatisfy({ $0 > 0 }) else {
          throw BenchError.usage("--streaming-size expects D,M,TOKENS (positive integers), got '\(text)'")
        }
        streamingSize = (parts[0], parts[1], parts[2])
      case "--rules": rulesDirectory = try value("--rules")
      case "--tinylm-steps": tinylmSteps = try int("--tinylm-steps")
      case "--itda-tokens": itdaTokens = try int("--itda-tokens")
      case "--itda-layer": itdaLayer = Int(try value("--itda-layer")) ?? -1
      case "--itda-batch": itdaBatch = try int("--itda-batch")
      case "--itda-l0": itdaL0 = try int("--itda-l0")
      case "--itda-repeats": itdaRepeats = try int("--itda-repeats")
      case "--itda-cosine": itdaCosine = try fraction("--itda-cosine")
      case "--itda-threshold": itdaThreshold = try fraction("--itda-threshold")
      case "--minilm-batches": minilmBatches = try int("--minilm-batches")
      case "--minilm-batch-size": minilmBatchSize = try int("--minilm-batch-size")
      case "--minilm-warmup": minilmWarmup = Int(try value("--minilm-warmup")) ?? -1
      case "--round": round = try int("--round")
      case "--steps": steps = try int("--steps")
      case "--threads": threads = try int("--threads")
      case "--scaling":
        let text = try value("--scaling")
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let counts = parts.compactMap { Int($0) }
        guard counts.count == parts.count, counts.allSatisfy({ $0 > 0 }) else {
          throw BenchError.usage("--scaling expects thread counts like 1,2,4, got '\(text)'")
        }
        threadCounts = counts
      case "--d": d = try int("--d")
      case "--m": m = try int("--m")
      case "--k": k = try int("--k")
      case "--batch": batch = try int("--batch")
      case "--train-rows": trainRows = try int("--train-rows")
      case "--seed": seed = UInt64(try int("--seed"))
      case "-h", "--help": throw BenchError.usage(nil)
      default: throw BenchError.usage("unknown option '\(arguments[i])'")
      }
      i += 1
    }
    guard minilmWarmup >= 0 && minilmWarmup < minilmBatches else {
      throw BenchError.usage("--minilm-warmup must be a non-negative integer below --minilm-batches")
    }
    guard (0...6).contains(itdaLayer) else { throw BenchError.usage("--itda-layer must be in 0...6") }
    guard skipSteps < steps else { throw BenchError.usage("--steps must exceed \(skipSteps) (warm-up steps excluded from timing)") }
  }
}

enum BenchError: Error, CustomStringConvertible {
  case usage(String?)
  case missing(String)

  var description: String {
    switch self {
    case .usage(let message): return (message.map { "error: \($0)\n" } ?? "") + BenchOptions.usage
    case .missing(let message): return "error: \(message)"
    }
  }
}
