/// SHA-256 (FIPS 180-4), for the source hashes in reports and cache keys.
/// Small and dependency-free: Foundation on Linux has no CryptoKit.
///
/// The message is padded with `0x80`, zeros, and its length in bits as a
/// 64-bit big-endian number to a multiple of 64 bytes; each block extends to
/// 64 words `w[t] = σ1(w[t-2]) + w[t-7] + σ0(w[t-15]) + w[t-16]` and runs
/// 64 rounds of `T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + w[t]`, `T2 = Σ0(a) + Maj(a,b,c)`.
public enum SHA256 {
  /// The 32-byte digest of `bytes`.
  public static func digest<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
    var hasher = Hasher()
    if bytes.withContiguousStorageIfAvailable({ hasher.update(UnsafeRawBufferPointer($0)) }) == nil {
      Array(bytes).withUnsafeBytes { hasher.update($0) }
    }
    return hasher.finalize()
  }

  /// The 32-byte digest of raw bytes (a mapped file), without copying them.
  public static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    var hasher = Hasher()
    hasher.update(bytes)
    return hasher.finalize()
  }

  /// An incremental SHA-256: feed the message in pieces of any size (e.g. files mapped one
  /// after another) and take the digest of their concatenation, without copying it.
  public struct Hasher: Sendable {
    private var state: [UInt32] = [
      0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    /// Bytes of an unfinished block (fewer than 64).
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
      guard var p = bytes.baseAddress, bytes.count > 0 else { return }
      var left = bytes.count
      length &+= UInt64(left)
      if !pending.isEmpty {
        let take = min(64 - pending.count, left)
        pending += UnsafeRawBufferPointer(start: p, count: take)
        p += take
        left -= take
        guard pending.count == 64 else { return }
        pending.withUnsafeBytes { Self.compress(&state, $0.baseAddress!, blocks: 1) }
        pending.removeAll(keepingCapacity: true)
      }
      let blocks = left / 64
      if blocks > 0 { Self.compress(&state, p, blocks: blocks) }
      pending += UnsafeRawBufferPointer(start: p + 64 * blocks, count: left - 64 * blocks)
    }

    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The digest of everything fed so far (padding: `0x80`, zeros, the length in bits).
    public func finalize() -> [UInt8] {
      var copy = self
      var tail: [UInt8] = [0x80]
      while (pending.count + tail.count) % 64 != 56 { tail.append(0) }
      let bits = length &* 8
      for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
      let total = copy.length
      copy.update(tail)
      copy.length = total
      return copy.state.flatMap { word in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> UInt32($0)) } }
    }

    /// Runs the compression function over `blocks` consecutive 64-byte blocks at `p`.
    private static func compress(_ state: inout [UInt32], _ p: UnsafeRawPointer, blocks: Int) {
      var (h0, h1, h2, h3, h4, h5, h6, h7) = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
      withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
        SHA256.k.withUnsafeBufferPointer { k in
          for block in 0..<blocks {
            let bytes = p + 64 * block
            for t in 0..<16 {
              w[t] = UInt32(bytes.load(fromByteOffset: 4 * t, as: UInt8.self)) << 24
                | UInt32(bytes.load(fromByteOffset: 4 * t + 1, as: UInt8.self)) << 16
                | UInt32(bytes.load(fromByteOffset: 4 * t + 2, as: UInt8.self)) << 8
                | UInt32(bytes.load(fromByteOffset: 4 * t + 3, as: UInt8.self))
            }
            for t in 16..<64 {
              let s0 = SHA256.rotr(w[t - 15], 7) ^ SHA256.rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
              let s1 = SHA256.rotr(w[t - 2], 17) ^ SHA256.rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
              w[t] = s1 &+ w[t - 7] &+ s0 &+ w[t - 16]
            }
            var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
            for t in 0..<64 {
              let sigma1 = SHA256.rotr(e, 6) ^ SHA256.rotr(e, 11) ^ SHA256.rotr(e, 25)
              let choose = (e & f) ^ (~e & g)
              let t1 = h &+ sigma1 &+ choose &+ k[t] &+ w[t]
              let sigma0 = SHA256.rotr(a, 2) ^ SHA256.rotr(a, 13) ^ SHA256.rotr(a, 22)
              let majority = (a & b) ^ (a & c) ^ (b & c)
              (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ (sigma0 &+ majority))
            }
            h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
          }
        }
      }
      state = [h0, h1, h2, h3, h4, h5, h6, h7]
    }
  }

  /// Lowercase hex digest of the UTF-8 encoding of `text`.
  public static func hex(of text: String) -> String { hex(digest(Array(text.utf8))) }

  /// Lowercase hex of `bytes`.
  public static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
  }

  @inline(__always)
  fileprivate static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

  /// First 32 bits of the fractional parts of the cube roots of the first 64 primes.
  fileprivate static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
  ]
}
