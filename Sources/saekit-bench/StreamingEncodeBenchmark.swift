import Foundation
import SAEKit

/// `saekit-bench --streaming`: the memory peak and time of evaluating a wide SAE on many tokens.
///
/// 1. Streamed in product-block chunks (``SparseAutoencoder/encode(_:denseLimit:)``) against the
///    dense path that builds the whole tokens × width pre-activation matrix (skipped when that
///    matrix would take over half the machine's memory).
/// 2. The same SAE saved in SAELens's layout with bfloat16 weights (as large SAEs are published),
///    loaded widened to float32 against loaded with its weights left mapped
///    (``SAEWeightResidence/mapped``), both streamed.
///
/// Each measurement runs in a child process (`--encode-probe PATH D M TOKENS FOLDER`), which
/// reports its own peak resident memory (`ru_maxrss`); the paths alternate, `rounds` rounds, and
/// medians are printed with their ratios. Dense and streamed must give the same FVU bits; the two
/// bfloat16 loads the same FVU to float32 rounding.
/// Default shape: d = 768, m = 16,384, TopK k = 32, 20,000 tokens (dense pre-activations 1.3 GB);
/// `--streaming-size 2304,65536,100000` is the size of a Gemma-2-2B SAE on 100k tokens.
struct StreamingEncodeBenchmark {
  static let k = 32
  let d: Int, m: Int, tokens: Int, rounds: Int

  /// The seeded SAE every probe uses.
  static func sae(d: Int, m: Int) throws -> SparseAutoencoder {
    var rng = RandomSource(seed: 3)
    return try SparseAutoencoder(dimension: d, width: m, activation: .topK(k: k), random: &rng)
  }

  /// The seeded inputs every probe uses.
  static func inputs(d: Int, tokens: Int) -> Matrix {
    var rng = RandomSource(seed: 4)
    return Matrix.gaussian(rows: tokens, cols: d, mean: 0, std: 1, using: &rng)
  }

  /// The child: encode + decode + FVU on `path`'s SAE; prints seconds (load included), FVU and
  /// its peak resident MB.
  static func probe(_ arguments: [String]) throws {
    guard arguments.count == 5, let d = Int(arguments[1]), let m = Int(arguments[2]), let tokens = Int(arguments[3]) else {
      throw BenchError.usage("--encode-probe PATH D M TOKENS FOLDER")
    }
    let (path, folder) = (arguments[0], arguments[4])
    let x = inputs(d: d, tokens: tokens)
    let start = Date()
    let sae: SparseAutoencoder
    switch path {
    case "bf16-float32": sae = try SAEFile.load(directory: folder, weights: .float32)
    case "bf16-mapped": sae = try SAEFile.load(directory: folder, weights: .mapped)
    default: sae = try Self.sae(d: d, m: m)
    }
    let codes = try sae.encode(x, denseLimit: path == "dense" ? .max : SparseAutoencoder.denseEncodingLimit)
    let xhat = try sae.decode(codes)
    let fvu = try ReconstructionMetrics.summary(x: x, reconstruction: xhat, codes: codes).fractionOfVarianceUnexplained
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    print(String(format: "%.6f %.17g %.1f", Date().timeIntervalSince(start), fvu, Double(usage.ru_maxrss) / 1024))
  }

  func run() throws {
    let denseBytes = Double(tokens) * Double(m) * 4
    let denseFits = denseBytes <= Double(ProcessInfo.processInfo.physicalMemory) / 2
    print("Streaming evaluation: d = \(d), m = \(m), TopK k = \(Self.k), \(tokens) tokens (dense pre-activations \(Int(denseBytes / 1e6)) MB)")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saekit-bench-bf16-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try SAEFile.save(try Self.sae(d: d, m: m), format: .saeLens, to: folder)
    try SafeTensors.rewrite(folder + "/" + SAELensFormat.weightsFileName, storing: ["W_enc", "W_dec"], as: .bfloat16)

    let paths = (denseFits ? ["dense"] : []) + ["streaming", "bf16-float32", "bf16-mapped"]
    if !denseFits { print("  dense     skipped: its pre-activations would take over half of this machine's memory") }
    var seconds: [String: [Double]] = [:], peaks: [String: [Double]] = [:], fvus: [String: String] = [:]
    for _ in 0..<rounds {
      for path in paths {
        let (time, fvu, peakMB) = try child(path, folder: folder)
        seconds[path, default: []].append(time)
        peaks[path, default: []].append(peakMB)
        fvus[path] = fvu
      }
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    for path in paths {
      print(String(format: "  %-12@ %8.2f s   peak %7.0f MB   FVU %@", path, median(seconds[path]!), median(peaks[path]!), fvus[path]!))
    }
    if denseFits {
      print(String(format: "  streaming / dense: time %.2f×, peak memory %.2f×; same FVU: %@",
                   median(seconds["streaming"]!) / median(seconds["dense"]!), median(peaks["streaming"]!) / median(peaks["dense"]!),
                   fvus["dense"] == fvus["streaming"] ? "yes" : "NO"))
      guard fvus["dense"] == fvus["streaming"] else { throw BenchError.usage("streaming and dense evaluation differ") }
    }
    let (widened, mapped) = (Double(fvus["bf16-float32"]!) ?? .nan, Double(fvus["bf16-mapped"]!) ?? .nan)
    print(String(format: "  bfloat16 file, mapped / float32 in memory: time %.2f×, peak memory %.2f×; FVU differs by %.1e",
                 median(seconds["bf16-mapped"]!) / median(seconds["bf16-float32"]!),
                 median(peaks["bf16-mapped"]!) / median(peaks["bf16-float32"]!), abs(mapped - widened)))
    guard abs(mapped - widened) <= 1e-5 * max(1, widened) else { throw BenchError.usage("the mapped and float32 loads differ") }
  }

  /// Runs `--encode-probe path …` in a child; its time, FVU text and peak resident MB.
  func child(_ path: String, folder: String) throws -> (Double, String, Double) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    process.arguments = ["--encode-probe", path, "\(d)", "\(m)", "\(tokens)", folder]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let fields = output.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    guard process.terminationStatus == 0, fields.count == 3, let time = Double(fields[0]), let peak = Double(fields[2]) else {
      throw BenchError.usage("the \(path) probe failed: \(output)")
    }
    return (time, fields[1], peak)
  }
}
