import Foundation
import Testing
@testable import SAEKit

/// The committed TinyLM seeds (`assets/tinylm/seed-N/`, written by `make tinylm`): their
/// hashes match `assets/tinylm/SHA256SUMS`, each beats the n-gram baselines of its own run,
/// and retraining the first steps from the seed reproduces the committed log.
@Suite(.serialized) struct TinyLMCommittedModelsTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
  static let directory = root + "/" + TinyLMTrainingRun.defaultDirectory

  /// `SHA256SUMS`: `<hex>  seed-N/<file>` per line, as `sha256sum` writes it.
  @Test func committedFilesMatchTheirHashes() throws {
    let sums = try String(contentsOfFile: Self.directory + "/SHA256SUMS", encoding: .utf8)
    let lines = sums.split(separator: "\n")
    #expect(lines.count == TinyLMTrainingRun.defaultSeeds.count * 4)
    for line in lines {
      let parts = line.split(separator: " ", omittingEmptySubsequences: true)
      try #require(parts.count == 2)
      let data = try Data(contentsOf: URL(fileURLWithPath: Self.directory + "/" + parts[1]))
      #expect(data.count <= 4_000_000, "\(parts[1]) is over 4 MB")
      #expect(SHA256.hex(SHA256.digest([UInt8](data))) == String(parts[0]), "\(parts[1]) changed")
    }
  }

  @Test func everySeedBeatsTheNGramBaselines() throws {
    for seed in TinyLMTrainingRun.defaultSeeds {
      let folder = TinyLMTrainingRun.folder(Self.directory, seed: seed)
      let model = try TinyLMTrainingRun.load(directory: Self.directory, seed: seed)
      #expect(model.config == TinyLMConfig.standard)
      let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/training.json"))) as! [String: Any]
      let ours = summary["held_out_bits_per_byte"] as! Double, trigram = summary["trigram_bits_per_byte"] as! Double
      #expect(ours < trigram - 0.2, "seed \(seed): \(ours) bits/byte against the trigram's \(trigram)")
    }
  }

  /// The first 100 steps of seed 1 from scratch against its committed log: equal within 1e-4
  /// relative (bit-identical on one machine; OpenBLAS kernels differ in the last bits
  /// between CPUs).
  @Test func retrainingTheFirstStepsReproducesTheLog() throws {
    let steps = 100
    let folder = TinyLMTrainingRun.folder(Self.directory, seed: 1)
    let committed = try TinyLMTrainer.LogEntry.parseCSV(
      String(contentsOfFile: folder + "/training-log.csv", encoding: .utf8), path: folder + "/training-log.csv")
    let (_, log, _) = try TinyLMTrainingRun.run(
      settings: TinyLMTrainingRun.standardSettings(seed: 1), corpus: try TextCorpus.standard(), directory: nil, stopAfter: steps)
    #expect(log.count == steps)
    for (a, b) in zip(log, committed.prefix(steps)) {
      #expect(a.step == b.step && a.learningRate == b.learningRate)
      #expect(abs(a.loss - b.loss) <= 1e-4 * abs(b.loss), "step \(a.step): \(a.loss) vs \(b.loss)")
      #expect(abs(a.gradientNorm - b.gradientNorm) <= 1e-3 * abs(b.gradientNorm), "step \(a.step)")
    }
  }
}
