import Foundation

/// Activations written for readers outside SAEKit (NumPy, SAELens's or sparsify's training
/// scripts): a folder of plain files, each readable with one `np.load` or `json.load`.
///
/// | file | content |
/// | --- | --- |
/// | `activations.npy` | float32 `(tokens, d)`, one row per token |
/// | `tokens.npy` | int64 `(tokens, 3)`: document, position in its tokenized document, token id |
/// | `token_strings.json` | each row's token as text (`##ing`, `␠`, `<|endoftext|>`) |
/// | `documents.json` | the text of every document, indexed by the first column of `tokens.npy` |
/// | `info.json` | `format`, `model`, `layer`, `d`, `tokens`, `corpus` (name and content hash), `max_length`, and what every file holds |
///
/// ```python
/// x = np.load("acts/activations.npy")            # (tokens, d) float32
/// doc, pos, tok = np.load("acts/tokens.npy").T
/// ```
///
/// Every file is written atomically; `info.json` last, so a folder with one describes complete files.
public enum ActivationExport {
  public static let format = "saekit-activations 1"
  public static let infoFileName = "info.json"

  /// Writes `set` (taken from `model` at `layer`, over `corpus`) into `directory`.
  /// - Parameter tokenStrings: one per row of `set` (the model vocabulary's text of each token id).
  public static func write(
    _ set: ActivationSet, model: String, layer: Int, corpus: TextCorpus, maxLength: Int, tokenStrings: [String],
    to directory: String
  ) throws {
    guard tokenStrings.count == set.count else {
      throw SAEKitError.invalidArgument("\(tokenStrings.count) token strings for \(set.count) tokens")
    }
    if let bad = set.documents.first(where: { !corpus.snippets.indices.contains($0) }) {
      throw SAEKitError.invalidArgument("token of document \(bad), but the corpus has \(corpus.snippets.count) documents")
    }
    try InterchangePaths.makeDirectory(directory)
    try NPY.write(set.x, to: InterchangePaths.join(directory, "activations.npy"))
    var provenance = [Int]()
    provenance.reserveCapacity(3 * set.count)
    for r in 0..<set.count { provenance += [set.documents[r], set.positions[r], set.tokenIds[r]] }
    try NPY.write(ints: provenance, shape: [set.count, 3], to: InterchangePaths.join(directory, "tokens.npy"))
    try writeJSON(.array(tokenStrings.map(JSONValue.string)), to: InterchangePaths.join(directory, "token_strings.json"))
    try writeJSON(.array(corpus.snippets.map(JSONValue.string)), to: InterchangePaths.join(directory, "documents.json"))
    let info: JSONValue = .object([
      "format": .string(format),
      "model": .string(model),
      "layer": .int(layer),
      "d": .int(set.x.cols),
      "tokens": .int(set.count),
      "max_length": .int(maxLength),
      "corpus": .object(["name": .string(corpus.name), "sha256": .string(corpus.contentHash), "documents": .int(corpus.snippets.count)]),
      "files": .object([
        "activations.npy": .string("float32 (tokens, d): the residual stream after block `layer` (0: the embeddings), one row per token"),
        "tokens.npy": .string("int64 (tokens, 3): document index into documents.json, position in the tokenized document, token id"),
        "token_strings.json": .string("each token as text, one per row"),
        "documents.json": .string("the corpus documents' texts"),
      ]),
    ])
    try writeJSON(info, to: InterchangePaths.join(directory, infoFileName))
  }

  private static func writeJSON(_ value: JSONValue, to path: String) throws {
    try AtomicFileWriter.write(value.encoded(), to: path)
  }
}
