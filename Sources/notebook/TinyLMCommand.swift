import ArgumentParser
import Foundation
import SAEKit

/// `notebook tinylm`: trains the default TinyLM seeds on the default corpus (`make tinylm`).
struct TinyLMCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tinylm",
    abstract: "Train TinyLM, the small byte-level GPT-2 the notebooks analyse, and write its weights and logs.",
    discussion: """
      Each seed writes DIR/seed-N/: config.json and model.safetensors (Hugging Face's GPT-2 layout, \
      loadable by transformers), training-log.csv and training.json (held-out bits per byte beside \
      unigram, bigram and trigram baselines of the same split).
      """)

  @Option(name: .long, parsing: .upToNextOption, help: "Seeds to train.") var seeds: [UInt64] = TinyLMTrainingRun.defaultSeeds
  @Option(name: .long, help: "Output folder.") var out = TinyLMTrainingRun.defaultDirectory
  @Option(name: .long, help: "Training steps (default: the standard recipe).") var steps: Int?
  @Flag(name: .long, help: "Retrain seeds whose folder already exists.") var force = false

  func run() throws {
    let corpus = try TextCorpus.standard()
    let progress = ProgressLine()
    for seed in seeds {
      let folder = TinyLMTrainingRun.folder(out, seed: seed)
      if !force, FileManager.default.fileExists(atPath: folder + "/model.safetensors") {
        progress.finish("tinylm seed \(seed): \(folder) exists (--force retrains)")
        continue
      }
      var settings = TinyLMTrainingRun.standardSettings(seed: seed)
      if let steps {
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        settings.optimizer.totalSteps = steps
      }
      progress.start("tinylm seed \(seed)")
      let total = settings.steps
      let (_, _, summary) = try TinyLMTrainingRun.run(settings: settings, corpus: corpus, directory: out) { entry in
        progress.update("training", Double(entry.step + 1) / Double(total))
      }
      func number(_ key: String) -> String {
        if case .double(let v)? = summary[key] { return String(format: "%.3f", v) }
        return "?"
      }
      progress.finish("tinylm seed \(seed): held-out \(number("held_out_bits_per_byte")) bits/byte (unigram \(number("unigram_bits_per_byte")), "
                      + "bigram \(number("bigram_bits_per_byte")), trigram \(number("trigram_bits_per_byte"))) in \(number("seconds")) s → \(folder)")
    }
  }
}
