import CZlib
import Foundation

/// NumPy `.npz` archives as `np.savez` and `np.savez_compressed` write them: a ZIP file of `.npy`
/// members, stored or DEFLATE-compressed (zip64 headers included). Stored members are read
/// through the file's mapping; compressed ones are inflated (zlib) into one buffer of the size the
/// archive records, and their CRC-32 checked.
///
/// ZIP layout read (PKWARE APPNOTE 6.3): the end-of-central-directory record (and its zip64
/// form), the central directory's entries (method, sizes, local-header offset, name, zip64
/// extra field), then each member's local header to find its data.
public enum NPZ {
  /// A member of the archive: its name (`acts.npy`) and where its bytes are.
  struct Member {
    var name: String
    var method: Int
    var size: Int
    var uncompressedSize: Int
    var crc: UInt32
    var localHeader: Int
  }

  /// The array names (`acts` for `acts.npy`), in the archive's order.
  public static func names(_ path: String) throws -> [String] {
    let file = try MappedFile(path: path)
    return try file.withBytes { try members($0, path: path) }.map { arrayName($0.name) }
  }

  /// The array `name` (nil: the only one) as a Float32 matrix, as ``NPY/readMatrix(_:)`` reads
  /// a `.npy` file.
  public static func readMatrix(_ path: String, name: String? = nil) throws -> Matrix {
    let file = try MappedFile(path: path, populate: true)
    return try file.withBytes { bytes in
      func fail(_ reason: String) -> SAEKitError { .file(path: path, reason: reason) }
      let all = try members(bytes, path: path)
      let chosen: Member
      if let name {
        guard let m = all.first(where: { arrayName($0.name) == name }) else {
          throw fail("no array '\(name)' (it holds: \(all.map { arrayName($0.name) }.joined(separator: ", ")))")
        }
        chosen = m
      } else {
        guard all.count == 1 else {
          throw fail("holds \(all.count) arrays (\(all.map { arrayName($0.name) }.joined(separator: ", "))): name the one to read")
        }
        chosen = all[0]
      }
      guard chosen.method == 0 || chosen.method == 8 else {
        throw fail("'\(chosen.name)' uses ZIP compression method \(chosen.method); only stored (np.savez) and DEFLATE (np.savez_compressed) members can be read")
      }
      let header = chosen.localHeader
      guard header + 30 <= bytes.count, u32(bytes, header) == 0x0403_4b50 else { throw fail("'\(chosen.name)': bad local header") }
      let start = header + 30 + u16(bytes, header + 26) + u16(bytes, header + 28)
      guard start + chosen.size <= bytes.count else { throw fail("'\(chosen.name)' runs past the end of the file (truncated?)") }
      let stored = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + chosen.size)])
      if chosen.method == 0 { return try matrix(stored, path: "\(path)[\(chosen.name)]") }
      let inflated = try inflate(stored, into: chosen.uncompressedSize, crc: chosen.crc, fail: { fail("'\(chosen.name)': \($0)") })
      return try inflated.withUnsafeBytes { try matrix($0, path: "\(path)[\(chosen.name)]") }
    }
  }

  /// The `.npy` bytes `member` (the archive's `npy` member) as a matrix.
  private static func matrix(_ member: UnsafeRawBufferPointer, path npy: String) throws -> Matrix {
    let parsed = try NPY.parseHeader(member, path: npy)
    guard parsed.shape.count == 1 || parsed.shape.count == 2 else {
      throw SAEKitError.file(path: npy, reason: "expected a 1-D or 2-D array, found shape \(NDArray.describe(parsed.shape))")
    }
    var data = DType.copyBytes(member, from: parsed.dataOffset, count: parsed.byteCount)
    if parsed.isBigEndian {
      data.withUnsafeMutableBytes { if let base = $0.baseAddress { DType.byteSwapElements(base, count: parsed.count, size: parsed.dtype.size) } }
    }
    return try NDArray(shape: parsed.shape, dtype: parsed.dtype, bytes: data).matrix()
  }

  /// Raw DEFLATE data (ZIP method 8) inflated into exactly `size` bytes whose CRC-32 is `crc`.
  static func inflate(_ compressed: UnsafeRawBufferPointer, into size: Int, crc: UInt32,
                      fail: (String) -> SAEKitError) throws -> [UInt8] {
    try requireAllocatable("the inflated member", [(size, 1)], bytesPerElement: 1)
    var out = [UInt8](repeating: 0, count: size)
    var stream = z_stream()
    guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw fail("zlib cannot start inflating")
    }
    defer { inflateEnd(&stream) }
    let status: Int32 = out.withUnsafeMutableBytes { o in
      // zlib counts in 32-bit uInt: members over 4 GB are fed and drained in slices.
      var input = compressed.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
      var output = o.baseAddress?.assumingMemoryBound(to: Bytef.self)
      var (inLeft, outLeft) = (compressed.count, size)
      var status = Z_OK
      while status == Z_OK {
        if stream.avail_in == 0, inLeft > 0 {
          let n = min(inLeft, Int(UInt32.max))
          (stream.next_in, stream.avail_in) = (input, uInt(n))
          input = input.map { $0 + n }
          inLeft -= n
        }
        if stream.avail_out == 0, outLeft > 0 {
          let n = min(outLeft, Int(UInt32.max))
          (stream.next_out, stream.avail_out) = (output, uInt(n))
          output = output.map { $0 + n }
          outLeft -= n
        }
        status = CZlib.inflate(&stream, Z_NO_FLUSH)  // Z_BUF_ERROR: no input or room left before the end
      }
      return status == Z_STREAM_END && (outLeft, stream.avail_out) != (0, 0) ? Z_BUF_ERROR : status
    }
    guard status == Z_STREAM_END else {
      throw fail(status == Z_DATA_ERROR || status == Z_BUF_ERROR
                 ? "the compressed data is corrupt or truncated (it does not inflate to the \(size) bytes the archive records)"
                 : "zlib failed to inflate it (error \(status))")
    }
    let found = out.withUnsafeBufferPointer { b in
      var c: uLong = 0
      var p = b.baseAddress, left = b.count
      while left > 0 {
        let n = min(left, Int(UInt32.max))
        c = crc32(c, p, uInt(n))
        p = p.map { $0 + n }
        left -= n
      }
      return UInt32(truncatingIfNeeded: c)
    }
    guard found == crc else { throw fail("CRC-32 mismatch (\(String(found, radix: 16)) vs \(String(crc, radix: 16)) recorded): the archive is corrupt") }
    return out
  }

  static func arrayName(_ member: String) -> String { member.hasSuffix(".npy") ? String(member.dropLast(4)) : member }

  /// The central directory's entries.
  static func members(_ bytes: UnsafeRawBufferPointer, path: String) throws -> [Member] {
    func fail(_ reason: String) -> SAEKitError { .file(path: path, reason: "not a readable .npz: \(reason)") }
    let n = bytes.count
    guard n >= 22 else { throw fail("\(n) bytes, too short for a ZIP file") }
    // The end-of-central-directory record: the last signature within 22 + 65,535 bytes of the end.
    var eocd = -1
    for p in stride(from: n - 22, through: max(0, n - 22 - 65_535), by: -1) where u32(bytes, p) == 0x0605_4b50 {
      eocd = p
      break
    }
    guard eocd >= 0 else { throw fail("no end-of-central-directory record (not a ZIP file)") }
    var count = u16(bytes, eocd + 10), directory = u32(bytes, eocd + 16)
    if count == 0xFFFF || directory == 0xFFFF_FFFF {  // zip64: the locator sits just before
      guard eocd >= 20, u32(bytes, eocd - 20) == 0x0706_4b50 else { throw fail("zip64 locator missing") }
      let record = try int64(bytes, eocd - 20 + 8, fail)
      guard record >= 0, record + 56 <= n, u32(bytes, record) == 0x0606_4b50 else { throw fail("bad zip64 end record") }
      count = try int64(bytes, record + 32, fail)
      directory = try int64(bytes, record + 48, fail)
    }
    guard count >= 0, count < 1 << 20 else { throw fail("\(count) entries") }
    var members: [Member] = []
    var p = directory
    for _ in 0..<count {
      guard p >= 0, p + 46 <= n, u32(bytes, p) == 0x0201_4b50 else { throw fail("bad central directory entry at byte \(p)") }
      let method = u16(bytes, p + 10)
      var size = u32(bytes, p + 20), uncompressed = u32(bytes, p + 24), offset = u32(bytes, p + 42)
      let nameLength = u16(bytes, p + 28), extraLength = u16(bytes, p + 30), commentLength = u16(bytes, p + 32)
      guard p + 46 + nameLength + extraLength <= n else { throw fail("entry at byte \(p) runs past the end") }
      let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(p + 46)..<(p + 46 + nameLength)]), as: UTF8.self)
      // zip64 extra field (id 1): the 64-bit values of the fields saturated above, in this order.
      var e = p + 46 + nameLength
      let end = e + extraLength
      while e + 4 <= end {
        let id = u16(bytes, e), length = u16(bytes, e + 2)
        if id == 1 {
          var q = e + 4
          if uncompressed == 0xFFFF_FFFF { uncompressed = try int64(bytes, q, fail); q += 8 }
          if size == 0xFFFF_FFFF { size = try int64(bytes, q, fail); q += 8 }
          if offset == 0xFFFF_FFFF { offset = try int64(bytes, q, fail) }
        }
        e += 4 + length
      }
      guard size >= 0, offset >= 0 else { throw fail("entry '\(name)' has a negative size or offset") }
      members.append(Member(name: name, method: method, size: size, uncompressedSize: uncompressed,
                            crc: UInt32(truncatingIfNeeded: u32(bytes, p + 16)), localHeader: offset))
      p = end + commentLength
    }
    return members
  }

  private static func u16(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int {
    Int(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
  }

  private static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int {
    guard at >= 0, at + 4 <= b.count else { return -1 }
    return Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
  }

  private static func int64(_ b: UnsafeRawBufferPointer, _ at: Int, _ fail: (String) -> SAEKitError) throws -> Int {
    guard at >= 0, at + 8 <= b.count else { throw fail("a 64-bit field runs past the end") }
    let v = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    guard v <= UInt64(Int.max) else { throw fail("a 64-bit field is too large") }
    return Int(v)
  }
}
