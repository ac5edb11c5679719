import Foundation
import Testing
@testable import SAEKit

/// A hand-made `.safetensors` file: length, `json` (unpadded), then `data`.
private func safeTensorsBytes(json: String, data: [UInt8] = []) -> [UInt8] {
  let header = Array(json.utf8)
  return DataFiles.littleEndian(UInt64(header.count)) + header + data
}

@Suite struct SafeTensorsTests {
  // MARK: - A file written elsewhere

  @Test func readsAFileWrittenElsewhere() throws {
    let path = try DataFiles.fixture("elsewhere.safetensors")
    let file = try SafeTensors.read(path)
    #expect(file.metadata == ["format": "pt", "sae_lens_version": "6.0.0"])
    #expect(file.names == ["W_dec", "b_dec", "scale", "steps"])
    #expect(try file.shape(of: "W_dec") == [2, 3])
    #expect(try file.info("W_dec").dtype == .float32)
    #expect(try file.info("W_dec").byteRange == 6..<30)  // not 4-byte aligned
    #expect(try file.matrix("W_dec") == Matrix([[0, 0.5, 1], [1.5, 2, 2.5]]))
    #expect(try file.info("b_dec").dtype == .float16)
    #expect(try file.floats("b_dec") == [1, -0.5, 65504])
    #expect(try file.matrix("b_dec").shape == Shape(3, 1))
    #expect(try file.info("scale").dtype == .bfloat16)
    #expect(try file.floats("scale") == [1.5, -3])
    #expect(try file.info("steps").dtype == .int64)
    #expect(try file.ints("steps") == [7, -(1 << 40)])
    #expect(try file.floats("steps") == [7, -0x1p40])
  }

  // MARK: - Round trips

  @Test func roundTripsTensorsAndMetadata() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let path = scratch + "/sae.safetensors"
    var rng = RandomSource(seed: 11)
    let wEnc = Matrix.gaussian(rows: 4, cols: 6, using: &rng)
    let wDec = Matrix.gaussian(rows: 6, cols: 4, using: &rng)
    let bEnc = (0..<6).map { Float($0) - 2.5 }
    let tensors: [String: NDArray] = [
      "W_enc": try NDArray(wEnc),
      "W_dec": try NDArray(wDec),
      "b_enc": try NDArray(floats: bEnc, shape: [6]),
      "half": try NDArray(floats: [0.25, -8, 65504], shape: [3], dtype: .float16),
      "brain": try NDArray(floats: [1.5, -3, 0.5, 2], shape: [2, 2], dtype: .bfloat16),
      "double": try NDArray(floats: [0.1, 1e30], shape: [2], dtype: .float64),
      "count": try NDArray(ints: [1 << 50, -3], shape: [2]),
      "small": try NDArray(ints: [5, -6, 7], shape: [3], dtype: .int32),
      "scalar": try NDArray(floats: [4], shape: []),
      "empty": try NDArray(floats: [], shape: [0, 6]),
    ]
    let metadata = ["format": "pt", "quote\"back\\slash": "line\nbreak\ttab\u{1}ü✓", "": ""]
    try SafeTensors.write(tensors, metadata: metadata, to: path)

    let file = try SafeTensors.read(path)
    #expect(file.metadata == metadata)
    #expect(Set(file.names) == Set(tensors.keys))
    for (name, array) in tensors { #expect(try file.array(name) == array, "\(name)") }
    #expect(try file.matrix("W_enc") == wEnc)
    #expect(try file.matrix("W_dec") == wDec)
    #expect(try file.floats("b_enc") == bEnc)
    #expect(try file.floats("half") == [0.25, -8, 65504])
    #expect(try file.matrix("brain") == Matrix([[1.5, -3], [0.5, 2]]))
    #expect(try file.ints("count") == [1 << 50, -3])
    #expect(try file.ints("small") == [5, -6, 7])
    #expect(try file.floats("scalar") == [4])
    #expect(try file.matrix("empty").shape == Shape(0, 6))
  }

  @Test func writesMatricesAndVectors() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let path = scratch + "/mv.safetensors"
    let w = try Matrix([[1, 2], [3, 4], [5, 6]])
    try SafeTensors.write(matrices: ["W_dec": w], vectors: ["b_dec": [7, 8]], to: path)
    let file = try SafeTensors.read(path)
    #expect(file.metadata.isEmpty)
    #expect(try file.shape(of: "W_dec") == [3, 2])
    #expect(try file.shape(of: "b_dec") == [2])
    #expect(try file.matrix("W_dec") == w)
    #expect(try file.floats("b_dec") == [7, 8])
    expectFileError(path, "given twice") {
      try SafeTensors.write(matrices: ["x": w], vectors: ["x": [1]], to: path)
    }
  }

  @Test func writesDeterministicSortedPaddedHeaders() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    let tensors: [String: NDArray] = [
      "b": try NDArray(floats: [1, 2], shape: [2]),
      "a": try NDArray(ints: [3], shape: [1]),
      "c": try NDArray(floats: [1], shape: [1], dtype: .float16),
    ]
    try SafeTensors.write(tensors, metadata: ["k": "v", "j": "w"], to: folder + "/1.safetensors")
    try SafeTensors.write(tensors, metadata: ["j": "w", "k": "v"], to: folder + "/2.safetensors")
    let bytes = try DataFiles.bytes(folder + "/1.safetensors")
    #expect(bytes == (try DataFiles.bytes(folder + "/2.safetensors")))

    // Data by element size (I64, F32, F16), keys sorted byte-wise, no spaces, padded to 8.
    let json = #"{"__metadata__":{"j":"w","k":"v"},"a":{"data_offsets":[0,8],"dtype":"I64","shape":[1]},"#
      + #""b":{"data_offsets":[8,16],"dtype":"F32","shape":[2]},"c":{"data_offsets":[16,18],"dtype":"F16","shape":[1]}}"#
    let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
    let n = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    #expect(n % 8 == 0)
    #expect(String(decoding: bytes[8..<(8 + n)], as: UTF8.self) == padded)
    #expect(bytes.count == 8 + n + 18)
  }

  @Test func rejectsReservedAndEmptyNames() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let path = scratch + "/bad.safetensors"
    let one = try NDArray(floats: [1], shape: [1])
    expectFileError(path, "__metadata__") { try SafeTensors.write(["__metadata__": one], to: path) }
    expectFileError(path, "invalid tensor name") { try SafeTensors.write(["": one], to: path) }
    #expect(!FileManager.default.fileExists(atPath: path))
  }

  // MARK: - Errors

  @Test(arguments: [
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}}"#, 8, ["tensor 'w'", "out of range", "8-byte"]),
    (#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, 8, ["tensor 'w'", "hold 8 bytes", "needs 3 × 4 = 12"]),
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, 8, ["tensor 'w'", "out of range"]),
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}"#, 8, ["tensor 'w'", "out of range"]),
    (#"{"w":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}"#, 8, ["tensor 'w'", "unsupported dtype 'U8'"]),
    (#"{"w":{"dtype":"F32","shape":[2]}}"#, 8, ["tensor 'w'", "data_offsets"]),
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0.5,8]}}"#, 8, ["tensor 'w'", "data_offsets"]),
    (#"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, 8, ["tensor 'w'", "dtype"]),
    (#"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, 8, ["tensor 'w'", "non-negative"]),
    (#"{"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}"#, 8, ["tensor 'w'", "shape"]),
    (#"{"w":[1,2]}"#, 8, ["tensor 'w'", "not a JSON object"]),
    (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, 12,
     ["tensors 'a' and 'b' overlap"]),
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#, 8, ["not valid JSON"]),
    ("not json at all", 8, ["not valid JSON"]),
    ("[1, 2, 3]", 8, ["not a JSON object"]),
    (#"{"__metadata__":{"format":1}}"#, 0, ["__metadata__", "'format'", "not a string"]),
    (#"{"__metadata__":["pt"]}"#, 0, ["__metadata__"]),
  ])
  func rejectsBadHeaders(json: String, dataCount: Int, fragments: [String]) throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let path = scratch + "/bad.safetensors"
    try DataFiles.write(safeTensorsBytes(json: json, data: .init(repeating: 0, count: dataCount)), to: path)
    do {
      _ = try SafeTensors.read(path)
      Issue.record("read \(json)")
    } catch let SAEKitError.file(p, reason) {
      #expect(p == path)
      for fragment in fragments { #expect(reason.contains(fragment), "\(reason)") }
    }
  }

  @Test func rejectsWhatIsNotSafeTensors() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    let short = folder + "/short.safetensors"
    try DataFiles.write([1, 2, 3], to: short)
    expectFileError(short, "too short") { _ = try SafeTensors.read(short) }

    // An .npy file's first 8 bytes read as a huge header length.
    let npy = try DataFiles.fixture("numpy_f32_3x4.npy")
    expectFileError(npy, "header length", "exceeds") { _ = try SafeTensors.read(npy) }

    let truncated = folder + "/truncated.safetensors"
    try DataFiles.write(Array(try DataFiles.bytes(DataFiles.fixture("elsewhere.safetensors")).prefix(100)), to: truncated)
    expectFileError(truncated, "exceeds") { _ = try SafeTensors.read(truncated) }

    let cut = folder + "/cut.safetensors"
    try DataFiles.write(Array(try DataFiles.bytes(DataFiles.fixture("elsewhere.safetensors")).dropLast(3)), to: cut)
    expectFileError(cut, "tensor '", "out of range") { _ = try SafeTensors.read(cut) }

    let missing = folder + "/missing.safetensors"
    expectFileError(missing, "cannot open") { _ = try SafeTensors.read(missing) }
  }

  @Test func namesTheMissingTensorAndBadConversions() throws {
    let path = try DataFiles.fixture("elsewhere.safetensors")
    let file = try SafeTensors.read(path)
    expectFileError(path, "no tensor named 'W_enc'", "'W_dec'") { _ = try file.matrix("W_enc") }
    expectFileError(path, "tensor 'W_dec'", "cannot be read as integers") { _ = try file.ints("W_dec") }
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let cube = scratch + "/cube.safetensors"
    try SafeTensors.write(["cube": NDArray(floats: .init(repeating: 0, count: 8), shape: [2, 2, 2])], to: cube)
    expectFileError(cube, "tensor 'cube'", "1-D or 2-D") { _ = try SafeTensors.read(cube).matrix("cube") }
  }

  @Test func acceptsGapsAndZeroSizeTensors() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let path = scratch + "/gaps.safetensors"
    let json = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#
    try DataFiles.write(safeTensorsBytes(json: json, data: [0, 0, 0, 0] + DataFiles.floatBytes([2.5])), to: path)
    let file = try SafeTensors.read(path)
    #expect(try file.floats("a") == [2.5])
    #expect(try file.floats("z").isEmpty)
  }
}
