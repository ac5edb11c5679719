import Foundation
import Testing
@testable import SAEKit

/// Activations written for NumPy users: every file reads back as written, and bad provenance is refused.
@Suite struct ActivationExportTests {
  @Test func writesFilesNumPyReads() throws {
    let dir = try DataFiles.scratchFolder()
    defer { DataFiles.remove(dir) }
    let corpus = TextCorpus(name: "two", snippets: ["Hello there.", "Bye."])
    let x = try Matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9.5]])
    let set = try ActivationSet(x: x, documents: [0, 0, 1], positions: [0, 1, 0], tokenIds: [101, 7592, 102])
    try ActivationExport.write(set, model: "MiniLM(layers: 6, d: 384)", layer: 3, corpus: corpus, maxLength: 128,
                               tokenStrings: ["[CLS]", "hello", "[SEP]"], to: dir + "/acts")
    #expect(try NPY.readMatrix(dir + "/acts/activations.npy").storage == x.storage)
    let tokens = try NPY.read(dir + "/acts/tokens.npy")
    #expect(tokens.shape == [3, 3] && tokens.dtype == .int64)
    #expect(try tokens.ints() == [0, 0, 101, 0, 1, 7592, 1, 0, 102])
    let info = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/acts/info.json"))) as? [String: Any])
    #expect(info["format"] as? String == ActivationExport.format && info["layer"] as? Int == 3 && info["tokens"] as? Int == 3)
    let strings = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/acts/token_strings.json"))) as? [String]
    #expect(strings == ["[CLS]", "hello", "[SEP]"])
    let documents = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/acts/documents.json"))) as? [String]
    #expect(documents == ["Hello there.", "Bye."])
    let orphan = try ActivationSet(x: x, documents: [0, 0, 5], positions: [0, 1, 0], tokenIds: [1, 2, 3])
    #expect(throws: SAEKitError.self) {
      try ActivationExport.write(orphan, model: "m", layer: 0, corpus: corpus, maxLength: 8, tokenStrings: ["a", "b", "c"], to: dir + "/bad")
    }
  }
}
