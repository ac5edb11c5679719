import Foundation
import Testing
@testable import SAEKit

/// Paths and shared state for the MiniLM tests.
///
/// The weights live in `<package>/.cache/models/all-MiniLM-L6-v2/` (`make model`, a
/// prerequisite of `make test`, fetches them). The golden reference outputs of the PyTorch
/// model are copied from `../shared/golden/minilm/` into `Fixtures/minilm/` (see its README.md),
/// so a clean clone has them.
enum MiniLMFixtures {
  /// The package root, three levels above this file.
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  static let modelDirectory = packageRoot.appendingPathComponent(MiniLMFiles.defaultDirectory).path
  static let goldenDirectory = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("minilm").path

  /// The model, loaded once per test process. Sizes are checked but not SHA-256 (slow in a
  /// debug build; `make model` verified the checksums when it fetched the files).
  private static let loaded: Result<MiniLM, any Error> = Result {
    try MiniLM.load(directory: modelDirectory, verifyChecksums: false)
  }

  /// The model, or a failure saying to run `make model`.
  static func model() throws -> MiniLM {
    switch loaded {
    case .success(let model): return model
    case .failure(let error):
      Issue.record("all-MiniLM-L6-v2 is not available (\(error)); run `make model` in \(packageRoot.path)")
      throw error
    }
  }

  /// The vocabulary tokenizer, without loading the weights.
  static func tokenizer() throws -> WordPieceTokenizer {
    try model().tokenizer
  }

  /// `goldenDirectory/name`.
  static func golden(_ name: String) -> String {
    URL(fileURLWithPath: goldenDirectory).appendingPathComponent(name).path
  }

  /// The 8 golden sentences with their ids and token strings (`token_ids.json`).
  static func goldenSentences() throws -> [(text: String, ids: [Int], tokens: [String])] {
    struct File: Decodable {
      struct Sentence: Decodable { var text: String; var token_ids: [Int]; var tokens: [String] }
      var sentences: [Sentence]
    }
    let data = try Data(contentsOf: URL(fileURLWithPath: golden("token_ids.json")))
    return try JSONDecoder().decode(File.self, from: data).sentences.map { ($0.text, $0.token_ids, $0.tokens) }
  }

  /// Row offsets of the sentences in the golden layer files (`offsets.npy`).
  static func goldenOffsets() throws -> [Int] {
    try NPY.read(golden("offsets.npy")).ints()
  }

  /// The largest `|a − b|` over two equal-shape matrices.
  static func maxAbsDifference(_ a: Matrix, _ b: Matrix) -> Float {
    precondition(a.shape == b.shape, "\(a.shape) vs \(b.shape)")
    return zip(a.storage, b.storage).reduce(0) { max($0, abs($1.0 - $1.1)) }
  }
}
