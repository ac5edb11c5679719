import Foundation
import Testing
@testable import SAEKit

/// A hand-made `.npy` file: `version` header around `dict`, then `data`.
private func npyBytes(version: UInt8 = 1, dict: String, data: [UInt8] = []) -> [UInt8] {
  var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
  let header = Array((dict + "\n").utf8)
  out += version == 1 ? DataFiles.littleEndian(UInt16(header.count)) : DataFiles.littleEndian(UInt32(header.count))
  return out + header + data
}

@Suite struct NPYTests {
  // MARK: - Files written by NumPy

  @Test func readsNumPyFloat32() throws {
    let array = try NPY.read(DataFiles.fixture("numpy_f32_3x4.npy"))
    #expect(array.shape == [3, 4])
    #expect(array.dtype == .float32)
    let m = try NPY.readMatrix(DataFiles.fixture("numpy_f32_3x4.npy"))
    #expect(m.shape == Shape(3, 4))
    #expect(m.storage == (0..<12).map { Float($0) / 4 })
  }

  @Test func readsNumPyFloat16Specials() throws {
    let array = try NPY.read(DataFiles.fixture("numpy_f16.npy"))
    #expect(array.shape == [2, 4])
    #expect(array.dtype == .float16)
    let v = array.floats()
    #expect(Array(v[0..<5]) == [0, 1, -2.5, 65504, 0x1p-24])
    #expect(v[5] == .infinity)
    #expect(v[6] == -.infinity)
    #expect(v[7].isNaN)
  }

  @Test func readsNumPyIntegersAndFloat64() throws {
    let i64 = try NPY.read(DataFiles.fixture("numpy_i64.npy"))
    #expect(i64.shape == [2, 3])
    #expect(try i64.ints() == [1, -2, 3, 1 << 40, 0, -7])
    #expect(try i64.matrix().storage == [1, -2, 3, Float(1 << 40), 0, -7])
    let i32 = try NPY.read(DataFiles.fixture("numpy_i32.npy"))
    #expect(i32.dtype == .int32)
    #expect(try i32.ints() == [1, -2, 2_147_483_647])
    let f64 = try NPY.read(DataFiles.fixture("numpy_f64.npy"))
    #expect(f64.dtype == .float64)
    #expect(f64.floats() == [Float(0.1), -2, .infinity])
  }

  @Test func readsBigEndianByByteSwapping() throws {
    let path = try DataFiles.fixture("numpy_be_f4.npy")
    #expect(try NPY.readHeader(path).isBigEndian)
    #expect(try NPY.readMatrix(path).storage == [1.5, -2, 3.25, 1e-3])
    // Read data is little-endian, so writing it back gives a '<f4' file.
    let array = try NPY.read(path)
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    try NPY.write(array, to: folder + "/le.npy")
    #expect(try NPY.readHeader(folder + "/le.npy").isBigEndian == false)
    #expect(try NPY.read(folder + "/le.npy") == array)
  }

  @Test func readsNumPyScalar() throws {
    let array = try NPY.read(DataFiles.fixture("numpy_scalar.npy"))
    #expect(array.shape == [])
    #expect(array.count == 1)
    #expect(array.floats() == [7.5])
  }

  @Test func writesTheBytesNumPyWrites() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    let cases: [(String, () throws -> Void)] = [
      ("numpy_f32_3x4.npy", {
        try NPY.write(Matrix(rows: 3, cols: 4) { Float($0 * 4 + $1) / 4 }, to: folder + "/numpy_f32_3x4.npy")
      }),
      ("numpy_f16.npy", {
        try NPY.write(floats: [0, 1, -2.5, 65504, 0x1p-24, .infinity, -.infinity, .nan], shape: [2, 4],
                      dtype: .float16, to: folder + "/numpy_f16.npy")
      }),
      ("numpy_i64.npy", {
        try NPY.write(ints: [1, -2, 3, 1 << 40, 0, -7], shape: [2, 3], to: folder + "/numpy_i64.npy")
      }),
      ("numpy_i32.npy", {
        try NPY.write(ints: [1, -2, 2_147_483_647], shape: [3], dtype: .int32, to: folder + "/numpy_i32.npy")
      }),
      ("numpy_scalar.npy", { try NPY.write(floats: [7.5], shape: [], to: folder + "/numpy_scalar.npy") }),
    ]
    for (name, write) in cases {
      try write()
      #expect(try DataFiles.bytes(folder + "/" + name) == DataFiles.bytes(DataFiles.fixture(name)), "\(name)")
    }
  }

  // MARK: - Round trips

  @Test func roundTripsEveryDType() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    var rng = RandomSource(seed: 7)
    let m = Matrix.gaussian(rows: 5, cols: 7, using: &rng)
    try NPY.write(m, to: folder + "/f32.npy")
    #expect(try NPY.readMatrix(folder + "/f32.npy") == m)

    // Multiples of 1/8 below 2¹⁰ are exact in float16.
    let halves = Matrix(rows: 4, cols: 3) { Float($0 * 3 + $1) / 8 - 0.75 }
    try NPY.write(halves, dtype: .float16, to: folder + "/f16.npy")
    #expect(try NPY.readHeader(folder + "/f16.npy").dtype == .float16)
    #expect(try NPY.readMatrix(folder + "/f16.npy") == halves)

    try NPY.write(m, dtype: .float64, to: folder + "/f64.npy")
    #expect(try NPY.readMatrix(folder + "/f64.npy") == m)

    let ints = [0, -1, Int(Int32.max), Int(Int32.min), 42, 7]
    try NPY.write(ints: ints, shape: [2, 3], dtype: .int32, to: folder + "/i32.npy")
    #expect(try NPY.read(folder + "/i32.npy").ints() == ints)
    let wide = [Int.max, Int.min, 0, 1 << 53 + 1]
    try NPY.write(ints: wide, shape: [4], to: folder + "/i64.npy")
    let back = try NPY.read(folder + "/i64.npy")
    #expect(back.shape == [4])
    #expect(try back.ints() == wide)
  }

  @Test func roundTripsOneDimensionalAndEmptyArrays() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    try NPY.write(floats: [1, 2, 3], shape: [3], to: folder + "/v.npy")
    let v = try NPY.read(folder + "/v.npy")
    #expect(v.shape == [3])
    #expect(v.floats() == [1, 2, 3])
    // A 1-D array reads as a column (n × 1).
    #expect(try NPY.readMatrix(folder + "/v.npy").shape == Shape(3, 1))

    for shape in [[0], [0, 4], [4, 0], [2, 0, 3]] {
      try NPY.write(floats: [], shape: shape, to: folder + "/empty.npy")
      let e = try NPY.read(folder + "/empty.npy")
      #expect(e.shape == shape)
      #expect(e.count == 0)
      #expect(e.floats().isEmpty)
    }
    try NPY.write(Matrix(rows: 0, cols: 384), to: folder + "/none.npy")
    #expect(try NPY.readMatrix(folder + "/none.npy").shape == Shape(0, 384))
  }

  @Test func alignsDataToSixtyFourBytesAndGrowsToVersion2() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    for shape in [[0], [0, 5], [123_456_789_012, 0], Array(repeating: 0, count: 40)] {
      try NPY.write(floats: [], shape: shape, to: folder + "/a.npy")
      let header = try NPY.readHeader(folder + "/a.npy")
      #expect(header.dataOffset % 64 == 0)
      #expect(header.version == 1)
    }
    // A header longer than 65535 bytes needs format 2.0 (4-byte length).
    let shape = Array(repeating: 1, count: 30_000) + [0]
    try NPY.write(floats: [], shape: shape, to: folder + "/long.npy")
    let header = try NPY.readHeader(folder + "/long.npy")
    #expect(header.version == 2)
    #expect(header.shape == shape)
    #expect(header.dataOffset % 64 == 0)
  }

  // MARK: - Header versions and dict syntax

  @Test func readsVersion2And3Headers() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    let data = DataFiles.floatBytes([1, 2, 3, 4, 5, 6])
    try DataFiles.write(
      npyBytes(version: 2, dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: data),
      to: folder + "/v2.npy")
    let v2 = try NPY.readHeader(folder + "/v2.npy")
    #expect(v2.version == 2)
    #expect(v2.dataOffset == 12 + 60)
    #expect(try NPY.readMatrix(folder + "/v2.npy") == Matrix([[1, 2, 3], [4, 5, 6]]))

    // Version 3.0 headers are UTF-8 (an extra key is ignored).
    try DataFiles.write(
      npyBytes(version: 3, dict: "{\"shape\": (6,), \"note\": 'ünïcødé ✓', \"descr\": '<f4', \"fortran_order\": False}", data: data),
      to: folder + "/v3.npy")
    #expect(try NPY.readHeader(folder + "/v3.npy").version == 3)
    #expect(try NPY.read(folder + "/v3.npy").floats() == [1, 2, 3, 4, 5, 6])
  }

  @Test(arguments: [
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", [2, 3]),
    ("{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}", [2, 3]),
    ("  { 'fortran_order' : False ,'shape':(6,),'descr':'<f4' , }  ", [6]),
    ("{'descr': '|f4', 'fortran_order': False, 'shape': (1, 6,)}", [1, 6]),
    ("{'descr': '=f4', 'fortran_order': False, 'shape': (2L, 3L)}", [2, 3]),
    ("{'descr': 'f4', 'fortran_order': True, 'shape': (6,)}", [6]),  // 1-D: Fortran order = C order
    ("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 6, 1)}", [1, 6, 1]),
  ])
  func parsesHeaderDicts(dict: String, shape: [Int]) throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    try DataFiles.write(npyBytes(dict: dict, data: DataFiles.floatBytes([1, 2, 3, 4, 5, 6])), to: folder + "/h.npy")
    let array = try NPY.read(folder + "/h.npy")
    #expect(array.shape == shape)
    #expect(array.floats() == [1, 2, 3, 4, 5, 6])
  }

  @Test func parsesScalarShape() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    try DataFiles.write(
      npyBytes(dict: "{'descr': '<i8', 'fortran_order': False, 'shape': ()}", data: DataFiles.littleEndian(Int64(-9))),
      to: folder + "/s.npy")
    #expect(try NPY.read(folder + "/s.npy").ints() == [-9])
  }

  // MARK: - Errors

  @Test func truncatedDataNamesShapeAndSizes() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let path = scratch + "/acts.npy"
    try DataFiles.write(
      npyBytes(dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 384), }", data: .init(repeating: 0, count: 1200)),
      to: path)
    expectFileError(path, "truncated: header says 1000×384 float32 (1536000 bytes) but only 1200 bytes follow") {
      _ = try NPY.read(path)
    }
    expectFileError(path, "truncated") { _ = try NPY.map(path) }
    expectFileError(path, "truncated") { _ = try NPY.readHeader(path) }
  }

  @Test func rejectsFortranOrder() throws {
    let path = try DataFiles.fixture("numpy_fortran.npy")
    expectFileError(path, "Fortran") { _ = try NPY.read(path) }
    expectFileError(path, "Fortran") { _ = try NPY.map(path) }
  }

  @Test(arguments: [
    ("{'descr': '<u2', 'fortran_order': False, 'shape': (3,)}", ["unsupported dtype '<u2'"]),
    ("{'descr': '<c8', 'fortran_order': False, 'shape': (3,)}", ["unsupported dtype '<c8'"]),
    ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}", ["structured"]),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,", ["bad header"]),
    ("{'descr': '<f4', 'fortran_order': False}", ["no 'shape' key"]),
    ("{'descr': '<f4', 'shape': (3,)}", ["no 'fortran_order' key"]),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': 3}", ["'shape' must be a tuple"]),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, -1)}", ["non-negative"]),
    ("{'descr': '<f4', 'fortran_order': 'no', 'shape': (3,)}", ["'fortran_order' must be True or False"]),
    ("['descr', '<f4']", ["expected a dict"]),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} junk", ["bad header"]),
    ("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (3,)}", ["bad header", "Maybe"]),
    ("{'descr': '<f4, 'fortran_order': False, 'shape': (3,)}", ["bad header"]),
  ])
  func rejectsBadHeaders(dict: String, fragments: [String]) throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let path = scratch + "/bad.npy"
    try DataFiles.write(npyBytes(dict: dict, data: .init(repeating: 0, count: 64)), to: path)
    do {
      _ = try NPY.read(path)
      Issue.record("read \(dict)")
    } catch let SAEKitError.file(p, reason) {
      #expect(p == path)
      for fragment in fragments { #expect(reason.contains(fragment), "\(reason)") }
    }
  }

  @Test func rejectsWhatIsNotNPY() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    let garbage = folder + "/garbage.npy"
    try DataFiles.write(Array("PK\u{3}\u{4} this is a zip file, not npy".utf8), to: garbage)
    expectFileError(garbage, "not a .npy file") { _ = try NPY.read(garbage) }

    let empty = folder + "/empty.npy"
    try DataFiles.write([], to: empty)
    expectFileError(empty, "not a .npy file") { _ = try NPY.read(empty) }

    let v4 = folder + "/v4.npy"
    try DataFiles.write(npyBytes(version: 4, dict: "{}"), to: v4)
    expectFileError(v4, "format version 4.0") { _ = try NPY.read(v4) }

    let shortHeader = folder + "/short.npy"
    try DataFiles.write(Array(npyBytes(dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}").prefix(30)), to: shortHeader)
    expectFileError(shortHeader, "truncated") { _ = try NPY.read(shortHeader) }

    let missing = folder + "/missing.npy"
    expectFileError(missing, "cannot open") { _ = try NPY.read(missing) }
    expectFileError(folder, "not a regular file") { _ = try NPY.read(folder) }
  }

  @Test func readMatrixRejectsOtherRanks() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    try NPY.write(floats: Array(repeating: 1, count: 8), shape: [2, 2, 2], to: folder + "/cube.npy")
    expectFileError(folder + "/cube.npy", "expected a 1-D or 2-D array, found shape (2, 2, 2)") {
      _ = try NPY.readMatrix(folder + "/cube.npy")
    }
    try NPY.write(floats: [1], shape: [], to: folder + "/scalar.npy")
    expectFileError(folder + "/scalar.npy", "found shape ()") { _ = try NPY.readMatrix(folder + "/scalar.npy") }
  }

  @Test func rejectsInvalidArrays() throws {
    #expect(throws: SAEKitError.self) { try NDArray(floats: [1, 2], shape: [3]) }
    #expect(throws: SAEKitError.self) { try NDArray(floats: [1], shape: [1], dtype: .int32) }
    #expect(throws: SAEKitError.self) { try NDArray(ints: [1 << 40], shape: [1], dtype: .int32) }
    #expect(throws: SAEKitError.self) { try NDArray(ints: [1], shape: [1], dtype: .float32) }
    #expect(throws: SAEKitError.self) { try NDArray(shape: [2], dtype: .float32, bytes: [0, 0, 0, 0]) }
    #expect(throws: SAEKitError.self) { try NDArray(shape: [-1], dtype: .float32, bytes: []) }
    #expect(throws: SAEKitError.self) { try NDArray(floats: [1], shape: [1]).ints() }
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let path = scratch + "/bf16.npy"
    expectFileError(path, "bfloat16") { try NPY.write(NDArray(floats: [1], shape: [1], dtype: .bfloat16), to: path) }
  }

  // MARK: - Writing

  @Test func writesAtomically() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    let path = folder + "/w.npy"
    try NPY.write(Matrix(rows: 2, cols: 2, repeating: 1), to: path)
    try NPY.write(Matrix(rows: 3, cols: 1, repeating: 2), to: path)
    #expect(try NPY.readMatrix(path) == Matrix(rows: 3, cols: 1, repeating: 2))
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["w.npy"])
    // A failed write leaves no temporary file behind and names the path.
    expectFileError(path, "bfloat16") { try NPY.write(NDArray(floats: [1], shape: [1], dtype: .bfloat16), to: path) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["w.npy"])
    let nowhere = folder + "/no/such/folder/x.npy"
    expectFileError(nowhere, "temporary file") { try NPY.write(Matrix(rows: 1, cols: 1), to: nowhere) }
  }

  // MARK: - Float16 / bfloat16 conversion

  @Test func widensHalfBitPatterns() throws {
    let cases: [(UInt16, Float)] = [
      (0x0000, 0), (0x0001, 0x1p-24), (0x03FF, 1023 * 0x1p-24), (0x0400, 0x1p-14),
      (0x3C00, 1), (0xC000, -2), (0x7BFF, 65504), (0x3555, 0.333251953125),
      (0x7C00, .infinity), (0xFC00, -.infinity),
    ]
    let bytes = cases.flatMap { DataFiles.littleEndian($0.0) }
    let values = try NDArray(shape: [cases.count], dtype: .float16, bytes: bytes).floats()
    #expect(values == cases.map(\.1))
    let negativeZero = try NDArray(shape: [1], dtype: .float16, bytes: DataFiles.littleEndian(UInt16(0x8000))).floats()[0]
    #expect(negativeZero == 0 && negativeZero.sign == .minus)
    for nan: UInt16 in [0x7E00, 0x7C01, 0xFE00] {
      #expect(try NDArray(shape: [1], dtype: .float16, bytes: DataFiles.littleEndian(nan)).floats()[0].isNaN)
    }
  }

  @Test func widensEveryHalfLikeTheStandardLibrary() {
    for h in 0...UInt16.max {
      #expect(DType.halfToFloat(h).bitPattern == Float(Float16(bitPattern: h)).bitPattern, "\(h)")
    }
  }

  @Test func narrowsToHalfRoundingToNearestEven() throws {
    let cases: [(Float, UInt16)] = [
      (1, 0x3C00), (65504, 0x7BFF), (65519, 0x7BFF), (65520, 0x7C00), (1e9, 0x7C00), (-1e9, 0xFC00),
      (0x1p-24, 0x0001), (0x1p-25, 0x0000), (3 * 0x1p-25, 0x0002), (1e-8, 0x0000),
      (1 + 0x1p-11, 0x3C00), (1 + 3 * 0x1p-11, 0x3C02), (.infinity, 0x7C00),
    ]
    let array = try NDArray(floats: cases.map(\.0), shape: [cases.count], dtype: .float16)
    let bits = array.bytes.withUnsafeBytes { raw in (0..<cases.count).map { raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self) } }
    #expect(bits == cases.map(\.1))
    #expect(try NDArray(floats: [.nan], shape: [1], dtype: .float16).floats()[0].isNaN)
  }

  @Test func bfloat16RoundsToNearestEven() {
    #expect(DType.bfloat16Bits(1) == 0x3F80)
    #expect(DType.bfloat16Bits(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie → even
    #expect(DType.bfloat16Bits(Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie → even (up)
    #expect(DType.bfloat16Bits(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
    #expect(DType.bfloat16Bits(.greatestFiniteMagnitude) == 0x7F80)  // overflows to ∞
    #expect(DType.bfloat16Bits(-.infinity) == 0xFF80)
    #expect(Float(bitPattern: UInt32(DType.bfloat16Bits(.nan)) << 16).isNaN)
  }

  // MARK: - Mapped files

  @Test func mapsAndGathersRows() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    var rng = RandomSource(seed: 3)
    let m = Matrix.gaussian(rows: 9, cols: 5, using: &rng)
    try NPY.write(m, to: folder + "/m.npy")
    let mapped = try NPY.map(folder + "/m.npy")
    #expect(mapped.rows == 9 && mapped.cols == 5 && mapped.dtype == .float32)
    #expect(mapped.rows([8, 0, 3, 3]) == m.rows([8, 0, 3, 3]))
    #expect(mapped.rows(2..<6) == m.rows(2..<6))
    #expect(mapped.row(4) == m.row(4))
    #expect(mapped.load() == m)
    #expect(mapped.rows([]).shape == Shape(0, 5))

    // float16 rows widen to Float; the values round-trip when representable.
    let halves = Matrix(rows: 6, cols: 3) { Float($0 - $1) / 4 }
    try NPY.write(halves, dtype: .float16, to: folder + "/h.npy")
    let mappedHalves = try NPY.map(folder + "/h.npy")
    #expect(mappedHalves.dtype == .float16)
    #expect(mappedHalves.rows([5, 1]) == halves.rows([5, 1]))
    #expect(mappedHalves.load() == halves)

    let numpy = try NPY.map(DataFiles.fixture("numpy_f16.npy"))
    #expect(Array(numpy.row(0)) == [0, 1, -2.5, 65504])
  }

  @Test func mappingRejectsIntegerBigEndianAndHighRankFiles() throws {
    let i64 = try DataFiles.fixture("numpy_i64.npy")
    expectFileError(i64, "int64") { _ = try NPY.map(i64) }
    let be = try DataFiles.fixture("numpy_be_f4.npy")
    expectFileError(be, "big-endian") { _ = try NPY.map(be) }
    let scalar = try DataFiles.fixture("numpy_scalar.npy")
    expectFileError(scalar, "1-D or 2-D") { _ = try NPY.map(scalar) }
  }

  @Test func mappedFileExposesTheBytes() throws {
    let folder = try DataFiles.scratchFolder()
    defer { DataFiles.remove(folder) }
    try DataFiles.write([1, 2, 3, 250], to: folder + "/b.bin")
    let file = try MappedFile(path: folder + "/b.bin")
    #expect(file.count == 4)
    #expect(file.withBytes { Array($0) } == [1, 2, 3, 250])
    try DataFiles.write([], to: folder + "/e.bin")
    #expect(try MappedFile(path: folder + "/e.bin").count == 0)
  }
}
