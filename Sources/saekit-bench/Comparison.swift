import Foundation

/// Prints the Swift/PyTorch comparison from `swift.json` and `torch.json`, and the MiniLM
/// forward comparison from `minilm_swift.json` and `minilm_torch.json` when both exist, and the
/// ITDA construction comparison from `itda_swift.json` and `itda_torch.json` when both exist, and
/// the TinyLM training comparison from `tinylm_swift.json` and `tinylm_torch.json` when both exist.
enum Comparison {
  static func print(directory: String) throws {
    let miniLM = ["minilm_swift.json", "minilm_torch.json"].allSatisfy {
      FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0))
    }
    let itda = ["itda_swift.json", "itda_torch.json"].allSatisfy {
      FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0))
    }
    let tinyLM = ["tinylm_swift.json", "tinylm_torch.json"].allSatisfy {
      FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0))
    }
    let topK = FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("swift.json"))
    if topK || !(miniLM || itda || tinyLM) { try printTopK(directory: directory) }
    if miniLM { try printMiniLM(directory: directory) }
    if itda { try printITDA(directory: directory) }
    if tinyLM { try printTinyLM(directory: directory) }
  }

  /// Training and forward-only tokens/s of both sides, and how closely the per-step losses agree
  /// (both start from the same weights and take the same AdamW steps on the same batches).
  static func printTinyLM(directory: String) throws {
    let swift = try load(directory, "tinylm_swift.json", producer: "saekit-bench --tinylm \(directory)")
    let torch = try load(directory, "tinylm_torch.json", producer: "bench/.venv/bin/python bench/peer_tinylm.py --dir \(directory)")
    let (st, tt) = (number(swift, "train_tokens_per_s"), number(torch, "train_tokens_per_s"))
    let (sf, tf) = (number(swift, "forward_tokens_per_s"), number(torch, "forward_tokens_per_s"))
    Swift.print("")
    Swift.print("TinyLM training      Swift        PyTorch \(torch["torch_version"] as? String ?? "") GPT2LMHeadModel"
                + (torch["threads"].map { ", \($0) threads" } ?? ""))
    Swift.print(String(format: "train tokens/s    %10.0f     %10.0f", st, tt))
    Swift.print(String(format: "forward tokens/s  %10.0f     %10.0f", sf, tf))
    Swift.print(String(format: "TinyLM Swift/PyTorch training tokens/s: %.2f×; forward only: %.2f×", st / tt, sf / tf))
    printFloor("TinyLM", swift, work: "step_gflop", per: "step", swiftRate: st, torchRate: tt)
    let sl = (swift["losses"] as? [NSNumber])?.map(\.doubleValue) ?? []
    let tl = (torch["losses"] as? [NSNumber])?.map(\.doubleValue) ?? []
    let n = min(sl.count, tl.count)
    if n == 0 || sl.count != tl.count {
      Swift.print("TinyLM losses: not comparable (\(sl.count) Swift steps, \(tl.count) PyTorch steps)")
      return
    }
    let differences = (0..<n).map { abs(tl[$0] - sl[$0]) / abs(sl[$0]) }
    let worst = differences.firstIndex(where: \.isNaN) ?? differences.indices.max { differences[$0] < differences[$1] }!
    Swift.print(String(format: "TinyLM loss, max |PyTorch − Swift| / Swift over %d steps: %.2e at step %d "
                       + "(loss %.4f → %.4f; target ≤ 1e-6: a wrong decay or learning rate gives 1e-5 or more)", n, differences[worst], worst, sl[0], sl[n - 1]))
  }

  /// The arithmetic floor a benchmark recorded (`floor_tokens_per_s`: its products alone at the
  /// sgemm peak of every core), against both sides' tokens/s.
  static func printFloor(_ name: String, _ swift: [String: Any], work key: String, per unit: String, swiftRate st: Double, torchRate tt: Double) {
    guard let floor = (swift["floor_tokens_per_s"] as? NSNumber)?.doubleValue,
          let peak = (swift["sgemm_peak_gflops"] as? NSNumber)?.doubleValue,
          let gflop = (swift[key] as? NSNumber)?.doubleValue else { return }
    Swift.print(String(format: "%@ arithmetic floor: %.2f GFLOP of products per %@ at the %.0f GFLOP/s sgemm peak of every core "
                       + "= %.0f tokens/s = %.2f× PyTorch; Swift runs at %.0f%% of it, PyTorch at %.0f%%",
                       name, gflop, unit, peak, floor, floor / tt, 100 * st / floor, 100 * tt / floor))
  }

  static func printITDA(directory: String) throws {
    let swift = try load(directory, "itda_swift.json", producer: "saekit-bench --itda \(directory)")
    let torch = try load(directory, "itda_torch.json", producer: "bench/.venv/bin/python bench/peer_itda.py --dir \(directory)")
    let (st, tt) = (number(swift, "tokens_per_s"), number(torch, "tokens_per_s"))
    let (sa, ta) = (Int(number(swift, "atoms")), Int(number(torch, "atoms")))
    Swift.print("")
    Swift.print("ITDA construction    Swift        PyTorch \(torch["torch_version"] as? String ?? "") (reference algorithm)")
    Swift.print(String(format: "tokens/s          %10.0f     %10.0f", st, tt))
    Swift.print(String(format: "median build (s)  %10.2f     %10.2f", number(swift, "seconds_median"), number(torch, "seconds_median")))
    Swift.print(String(format: "dictionary atoms  %10d     %10d", sa, ta))
    Swift.print(String(format: "ITDA Swift/PyTorch tokens/s: %.2f× (target ≥ 10×)", st / tt))
    let same = torch["same_atoms_as_swift"] as? Bool
    Swift.print("ITDA dictionary sizes \(sa == ta ? "identical" : "DIFFER") (\(sa) vs \(ta)); same atom rows in the same order: "
                + (same.map { $0 ? "yes" : "no" } ?? "not checked"))
  }

  static func printTopK(directory: String) throws {
    let swift = try load(directory, "swift.json", producer: "saekit-bench --out \(directory)")
    let torch = try load(directory, "torch.json", producer: "bench/.venv/bin/python bench/peer_topk.py --dir \(directory)")
    let (st, tt) = (number(swift, "tokens_per_s"), number(torch, "tokens_per_s"))
    let (sf, tf) = (number(swift, "heldout_fvu"), number(torch, "heldout_fvu"))
    Swift.print("")
    Swift.print("                       Swift        PyTorch \(torch["torch_version"] as? String ?? "")")
    Swift.print(String(format: "tokens/s          %10.0f     %10.0f", st, tt))
    Swift.print(String(format: "median step (ms)  %10.1f     %10.1f", number(swift, "step_ms_median"), number(torch, "step_ms_median")))
    Swift.print(String(format: "held-out FVU      %10.4f     %10.4f", sf, tf))
    Swift.print(String(format: "Swift/PyTorch tokens/s: %.2f× (target ≥ 2.5×)", st / tt))
    Swift.print(String(format: "held-out FVU, Swift vs PyTorch: %+.1f%% (target within ±2%%)", (sf / tf - 1) * 100))
    Swift.print(String(format: "Swift step vs sgemm bound: %.0f%% (target ≥ 60%%)", number(swift, "sgemm_bound_ratio") * 100))
  }

  static func printMiniLM(directory: String) throws {
    let swift = try load(directory, "minilm_swift.json", producer: "saekit-bench --minilm \(directory)")
    let torch = try load(directory, "minilm_torch.json", producer: "bench/.venv/bin/python bench/peer_minilm.py --dir \(directory)")
    let (st, tt) = (number(swift, "tokens_per_s"), number(torch, "tokens_per_s"))
    Swift.print("")
    Swift.print("MiniLM forward       Swift        PyTorch \(torch["torch_version"] as? String ?? "") BertModel"
                + (swift["kernels"].map { "   (Swift kernels: \($0))" } ?? ""))
    Swift.print(String(format: "tokens/s          %10.0f     %10.0f", st, tt))
    Swift.print(String(format: "median batch (ms) %10.1f     %10.1f", number(swift, "batch_ms_median"), number(torch, "batch_ms_median")))
    let rounds = try roundRatios(directory, "minilm")
    if rounds.isEmpty {
      Swift.print(String(format: "MiniLM Swift/PyTorch tokens/s: %.2f× (target ≥ 1.5×)", st / tt))
    } else {
      let sorted = rounds.sorted(), median = sorted[sorted.count / 2]
      Swift.print("MiniLM Swift/PyTorch tokens/s per round (Swift, then PyTorch, alternating): "
                  + rounds.map { String(format: "%.2f×", $0) }.joined(separator: " "))
      Swift.print(String(format: "MiniLM Swift/PyTorch tokens/s, median of %d rounds: %.2f× (range %.2f–%.2f×; target ≥ 1.5×)",
                         rounds.count, median, sorted.first!, sorted.last!))
    }
    printFloor("MiniLM", swift, work: "batch_gflop", per: "batch", swiftRate: st, torchRate: tt)
    Swift.print(String(format: "MiniLM mean-pooled output, max |Swift − PyTorch|: %.2e", number(torch, "pooled_max_abs_diff")))
  }

  /// Swift/PyTorch tokens/s of every round `r` with both `<prefix>_swift_round<r>.json` and
  /// `<prefix>_torch_round<r>.json` in `directory`, in round order (`--round`).
  static func roundRatios(_ directory: String, _ prefix: String) throws -> [Double] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    let rounds = names.compactMap { name -> Int? in
      guard name.hasPrefix("\(prefix)_swift_round"), name.hasSuffix(".json") else { return nil }
      return Int(name.dropFirst("\(prefix)_swift_round".count).dropLast(".json".count))
    }.sorted()
    return try rounds.compactMap { r in
      guard names.contains("\(prefix)_torch_round\(r).json") else { return nil }
      let swift = try load(directory, "\(prefix)_swift_round\(r).json", producer: "saekit-bench --round \(r)")
      let torch = try load(directory, "\(prefix)_torch_round\(r).json", producer: "peer --round \(r)")
      let (s, t) = (number(swift, "tokens_per_s"), number(torch, "tokens_per_s"))
      return s.isNaN || t.isNaN ? nil : s / t
    }
  }

  /// The number under `key` of a result file, NaN when it is missing (printed as "nan").
  static func number(_ o: [String: Any], _ key: String) -> Double { (o[key] as? NSNumber)?.doubleValue ?? .nan }

  static func load(_ directory: String, _ name: String, producer: String) throws -> [String: Any] {
    let path = (directory as NSString).appendingPathComponent(name)
    guard let data = FileManager.default.contents(atPath: path) else {
      throw BenchError.missing("\(path) not found; run `\(producer)` first")
    }
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw BenchError.missing("\(path) is not a JSON object")
    }
    return object
  }
}
