import Foundation
import Testing
@testable import SAEKit

/// The additive pre-LayerNorm sums against a naive Double-precision re-computation of block 1,
/// and the model-file checks (missing folder, wrong size, checksum mismatch).
@Suite("MiniLM block sums and files")
struct MiniLMInternalsTests {
  @Test("block 1 sums, sublayer outputs and output equal a naive Double re-computation from the golden layer 0")
  func blockSumsAgainstNaiveReference() throws {
    let model = try MiniLMFixtures.model()
    let ids = [101, 7632, 999, 102]  // "Hi!": golden rows 92..<96
    let result = try model.run(try TokenizedBatch(sequences: [ids]),
                               options: .init(capture: [1], captureBlockSums: [1, 6]))
    let x = try NPY.readMatrix(MiniLMFixtures.golden("hidden_states_layer0.npy")).rows(92..<96)
    let reference = NaiveBlock(model.weights.blocks[0], epsilon: 1e-12).run(x)
    let sums = try #require(result.blockSums[1])
    #expect(MiniLMFixtures.maxAbsDifference(sums.attention, reference.attention) <= 1e-4)
    #expect(MiniLMFixtures.maxAbsDifference(sums.feedForward, reference.feedForward) <= 1e-4)
    #expect(MiniLMFixtures.maxAbsDifference(try result.hiddenState(1), reference.output) <= 1e-4)
    // The sublayer outputs: what each adds to the residual (its sum minus its input).
    #expect(MiniLMFixtures.maxAbsDifference(sums.attentionOutput, reference.attentionOutput) <= 1e-4)
    #expect(MiniLMFixtures.maxAbsDifference(sums.feedForwardOutput, reference.feedForwardOutput) <= 1e-4)
    #expect(result.blockSums.keys.sorted() == [1, 6])
    // The sum is not normalised: its rows are far from zero mean and unit variance.
    #expect(sums.feedForward.storage.map(abs).max()! > 10)
  }

  @Test("a missing model folder is a clear error that says to run make model")
  func missingFolder() {
    let folder = "/nonexistent/minilm-\(UUID().uuidString)"
    expectFileError(folder, "model files not found", "make model", "model.safetensors") {
      _ = try MiniLM.load(directory: folder)
    }
  }

  @Test("a truncated weight file and a changed config are caught, naming the file")
  func damagedFiles() throws {
    _ = try MiniLMFixtures.model()  // fails with "run `make model`" when the files are absent
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    let source = MiniLMFixtures.modelDirectory
    var config = try DataFiles.bytes(source + "/config.json")
    try DataFiles.write(config, to: folder + "/config.json")
    try DataFiles.write(try DataFiles.bytes(source + "/vocab.txt"), to: folder + "/vocab.txt")
    try DataFiles.write([1, 2, 3], to: folder + "/model.safetensors")
    expectFileError(folder + "/model.safetensors", "3 bytes", "expected 90868376", "make model") {
      _ = try MiniLM.load(directory: folder, verifyChecksums: false)
    }
    // Right size, wrong bytes: only the checksum notices. Small files are hashed first.
    try FileManager.default.removeItem(atPath: folder + "/model.safetensors")
    #expect(FileManager.default.createFile(atPath: folder + "/model.safetensors", contents: nil))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/model.safetensors"))
    try handle.truncate(atOffset: 90_868_376)
    try handle.close()
    let digit = try #require(config.firstIndex(of: UInt8(ascii: "1")))
    config[digit] = UInt8(ascii: "2")
    try DataFiles.write(config, to: folder + "/config.json")
    expectFileError(folder + "/config.json", "checksum mismatch for config.json", "make model") {
      _ = try MiniLM.load(directory: folder, verifyChecksums: true)
    }
  }

  @Test("the file checksum of the vocabulary equals its published SHA-256")
  func fileChecksum() throws {
    _ = try MiniLMFixtures.model()
    let vocabulary = try #require(MiniLMFiles.expected.first { $0.name == "vocab.txt" })
    #expect(try MiniLMFiles.sha256(ofFile: MiniLMFixtures.modelDirectory + "/vocab.txt") == vocabulary.sha256)
    #expect(vocabulary.sha256 == "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3")
  }
}

/// One post-LN BERT block computed with plain loops in Double, independent of BLAS and the
/// encoder's kernels.
private struct NaiveBlock {
  let block: MiniLMWeights.Block
  let epsilon: Double

  init(_ block: MiniLMWeights.Block, epsilon: Double) {
    self.block = block
    self.epsilon = epsilon
  }

  func run(_ x: Matrix) -> (attention: Matrix, feedForward: Matrix, output: Matrix, attentionOutput: Matrix, feedForwardOutput: Matrix) {
    let n = x.rows, d = x.cols, heads = 12, size = d / heads
    let h = toDouble(x)
    let qkv = linear(h, block.qkv)
    var context = [[Double]](repeating: [Double](repeating: 0, count: d), count: n)
    for head in 0..<heads {
      for i in 0..<n {
        var scores = (0..<n).map { j in
          (0..<size).reduce(0.0) { $0 + qkv[i][head * size + $1] * qkv[j][d + head * size + $1] } / Double(size).squareRoot()
        }
        let top = scores.max()!
        scores = scores.map { exp($0 - top) }
        let total = scores.reduce(0, +)
        for c in 0..<size {
          context[i][head * size + c] = (0..<n).reduce(0.0) { $0 + scores[$1] / total * qkv[$1][2 * d + head * size + c] }
        }
      }
    }
    let attentionOutput = linear(context, block.attentionOutput)
    let attention = add(attentionOutput, h)
    let a = layerNorm(attention, block.attentionNormScale, block.attentionNormShift)
    let up = linear(a, block.intermediate).map { row in
      row.map { $0 * 0.5 * (1 + erf($0 / 2.0.squareRoot())) }
    }
    let feedForwardOutput = linear(up, block.output)
    let feedForward = add(feedForwardOutput, a)
    let output = layerNorm(feedForward, block.outputNormScale, block.outputNormShift)
    return (toMatrix(attention), toMatrix(feedForward), toMatrix(output), toMatrix(attentionOutput), toMatrix(feedForwardOutput))
  }

  private func linear(_ x: [[Double]], _ layer: LinearLayer) -> [[Double]] {
    let w = layer.weight, b = layer.bias
    return x.map { row in (0..<w.rows).map { o in (0..<w.cols).reduce(Double(b[o])) { $0 + row[$1] * Double(w[o, $1]) } } }
  }

  private func add(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
    zip(a, b).map { zip($0, $1).map(+) }
  }

  private func layerNorm(_ x: [[Double]], _ scale: [Float], _ shift: [Float]) -> [[Double]] {
    x.map { row in
      let mean = row.reduce(0, +) / Double(row.count)
      let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(row.count)
      return row.indices.map { (row[$0] - mean) / (variance + epsilon).squareRoot() * Double(scale[$0]) + Double(shift[$0]) }
    }
  }

  private func toDouble(_ m: Matrix) -> [[Double]] { (0..<m.rows).map { m.row($0).map(Double.init) } }
  private func toMatrix(_ x: [[Double]]) -> Matrix { try! Matrix(x.map { $0.map(Float.init) }) }
}
