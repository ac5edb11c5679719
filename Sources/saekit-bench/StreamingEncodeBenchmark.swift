import Foundation
import SAEKit

/// `saekit-bench --streaming`: the memory peak and time of evaluating a wide SAE on many tokens,
/// streamed in product-block chunks (``SparseAutoencoder/encode(_:denseLimit:)``) against the dense
/// path that builds the whole tokens × width pre-activation matrix.
///
/// Each measurement runs in a child process (`--encode-probe dense|streaming`), which reports
/// its own peak resident memory (`ru_maxrss`); the two paths alternate, three rounds,
/// and medians are printed with their ratio. Both must give the same reconstruction error.
/// Shape: d = 768, m = 16,384, TopK k = 32, 20,000 tokens (the dense pre-activations alone: 1.3 GB).
enum StreamingEncodeBenchmark {
  static let (d, m, k, tokens) = (768, 16_384, 32, 20_000)

  /// The child: random SAE and inputs (seeded), encode + decode + FVU; prints seconds, FVU and
  /// its peak resident MB.
  static func probe(_ path: String) throws {
    var rng = RandomSource(seed: 3)
    let sae = try SparseAutoencoder(dimension: d, width: m, activation: .topK(k: k), random: &rng)
    let x = Matrix.gaussian(rows: tokens, cols: d, mean: 0, std: 1, using: &rng)
    let start = Date()
    let codes = try sae.encode(x, denseLimit: path == "dense" ? .max : SparseAutoencoder.denseEncodingLimit)
    let xhat = try sae.decode(codes)
    let fvu = try ReconstructionMetrics.summary(x: x, reconstruction: xhat, codes: codes).fractionOfVarianceUnexplained
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    print(String(format: "%.6f %.17g %.1f", Date().timeIntervalSince(start), fvu, Double(usage.ru_maxrss) / 1024))
  }

  static func run() throws {
    print("Streaming evaluation: d = \(d), m = \(m), TopK k = \(k), \(tokens) tokens (dense pre-activations \(tokens * m * 4 / 1_000_000) MB)")
    var seconds: [String: [Double]] = [:], peaks: [String: [Double]] = [:], fvus: [String: String] = [:]
    for _ in 0..<3 {
      for path in ["dense", "streaming"] {
        let (time, fvu, peakMB) = try child(path)
        seconds[path, default: []].append(time)
        peaks[path, default: []].append(peakMB)
        fvus[path] = fvu
      }
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    for path in ["dense", "streaming"] {
      print(String(format: "  %-9@ %7.2f s   peak %7.0f MB   FVU %@", path, median(seconds[path]!), median(peaks[path]!), fvus[path]!))
    }
    print(String(format: "  streaming / dense: time %.2f×, peak memory %.2f×; same FVU: %@",
                 median(seconds["streaming"]!) / median(seconds["dense"]!), median(peaks["streaming"]!) / median(peaks["dense"]!),
                 fvus["dense"] == fvus["streaming"] ? "yes" : "NO"))
    guard fvus["dense"] == fvus["streaming"] else { throw BenchError.usage("streaming and dense evaluation differ") }
  }

  /// Runs `--encode-probe path` in a child; its time, FVU text and peak resident MB.
  static func child(_ path: String) throws -> (Double, String, Double) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    process.arguments = ["--encode-probe", path]
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
