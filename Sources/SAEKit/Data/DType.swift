#if _endian(big)
#error("SAEKit's file formats (.npy, .safetensors) assume a little-endian host")
#endif

/// The element type of an array on disk (`.npy`, `.safetensors`).
///
/// Elements are always held little-endian in memory; files with big-endian
/// elements are byte-swapped when read. In memory SAEKit computes in Float32,
/// so every float type widens (or rounds) to `Float`, and the integer types
/// convert to `Int`.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
  case float32
  case float16
  /// bfloat16: the top 16 bits of a Float32 (safetensors `BF16`; NumPy has no such dtype).
  case bfloat16
  case float64
  case int32
  case int64

  /// Bytes per element.
  public var size: Int {
    switch self {
    case .float16, .bfloat16: return 2
    case .float32, .int32: return 4
    case .float64, .int64: return 8
    }
  }

  /// True for the floating-point types.
  public var isFloatingPoint: Bool {
    switch self {
    case .float32, .float16, .bfloat16, .float64: return true
    case .int32, .int64: return false
    }
  }

  public var description: String { rawValue }
}

// MARK: - Element conversion

extension DType {
  /// Widens `count` little-endian elements at `source` to Float, writing them to `destination`.
  ///
  /// `float32` is a plain copy; `float16` is IEEE 754 binary16 → binary32
  /// (exact: subnormals, ±∞ and NaN preserved; see ``halfToFloat(_:)``);
  /// `bfloat16` shifts the bits into the top half of a Float32 (exact);
  /// `float64` and the integer types round to the nearest Float. `source`
  /// need not be aligned.
  func widen(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
    guard count > 0 else { return }
    switch self {
    case .float32:
      UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
    case .float16:
      for i in 0..<count {
        destination[i] = DType.halfToFloat(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
      }
    case .bfloat16:
      for i in 0..<count {
        let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
        destination[i] = Float(bitPattern: UInt32(bits) << 16)
      }
    case .float64:
      for i in 0..<count {
        destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Double.self))
      }
    case .int32:
      for i in 0..<count {
        destination[i] = Float(source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
      }
    case .int64:
      for i in 0..<count {
        destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
      }
    }
  }

  /// Narrows `count` Floats to this dtype's little-endian bytes at `destination`.
  ///
  /// `float16` rounds to nearest, ties to even (overflow → ±∞, NaN stays NaN);
  /// `bfloat16` likewise rounds the low 16 bits away. Integer dtypes are not
  /// handled here (see ``NDArray/init(ints:shape:dtype:)``).
  func narrow(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer) {
    guard count > 0 else { return }
    switch self {
    case .float32:
      destination.copyMemory(from: source, byteCount: count * 4)
    case .float16:
      for i in 0..<count {
        destination.storeBytes(
          of: Float16(source[i]).bitPattern, toByteOffset: 2 * i, as: UInt16.self)
      }
    case .bfloat16:
      for i in 0..<count {
        destination.storeBytes(of: DType.bfloat16Bits(source[i]), toByteOffset: 2 * i, as: UInt16.self)
      }
    case .float64:
      for i in 0..<count {
        destination.storeBytes(of: Double(source[i]), toByteOffset: 8 * i, as: Double.self)
      }
    case .int32, .int64:
      preconditionFailure("narrow(_:count:into:) is for floating-point dtypes")
    }
  }
}

// MARK: - Bit-level helpers

extension DType {
  /// The Float value of IEEE 754 binary16 bits `h`, exactly.
  ///
  /// Equal to `Float(Float16(bitPattern: h))`, without the library call the
  /// standard conversion makes on CPUs lacking F16C: exponent and mantissa move
  /// into Float position (`(h & 0x7FFF) << 13`) and are rescaled by
  /// 2¹¹² = 2^(127 − 15), which also normalises subnormals (`m · 2⁻²⁴`) exactly.
  /// Exponent 31 (±∞, NaN) maps to Float exponent 255 with the payload kept and
  /// NaNs quieted, as the hardware conversion does.
  @inline(__always)
  static func halfToFloat(_ h: UInt16) -> Float {
    let magnitude = UInt32(h & 0x7FFF) << 13
    let sign = UInt32(h & 0x8000) << 16
    let bits: UInt32
    if magnitude >= 0x0F80_0000 {
      bits = magnitude | 0x7F80_0000 | (magnitude > 0x0F80_0000 ? 0x0040_0000 : 0)
    } else {
      bits = (Float(bitPattern: magnitude) * 0x1p112).bitPattern
    }
    return Float(bitPattern: bits | sign)
  }

  /// The bfloat16 bits of `x`, rounded to nearest, ties to even; NaN stays a (quiet) NaN.
  static func bfloat16Bits(_ x: Float) -> UInt16 {
    let bits = x.bitPattern
    if x.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
    // Add 0x7FFF plus the lowest kept bit: rounds half to even; overflow carries into the exponent (→ ∞).
    let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: rounded >> 16)
  }

  /// `count` bytes of `buffer` from `offset` as an array (one `memcpy`).
  static func copyBytes(_ buffer: UnsafeRawBufferPointer, from offset: Int, count: Int) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
      if count > 0, let src = buffer.baseAddress, let dst = out.baseAddress {
        UnsafeMutableRawPointer(dst).copyMemory(from: src + offset, byteCount: count)
      }
      initialized = count
    }
  }

  /// Reverses the bytes of each of `count` elements of `size` bytes, in place.
  static func byteSwapElements(_ buffer: UnsafeMutableRawPointer, count: Int, size: Int) {
    guard size > 1 else { return }
    let bytes = buffer.assumingMemoryBound(to: UInt8.self)
    for e in 0..<count {
      var lo = e * size
      var hi = lo + size - 1
      while lo < hi {
        let t = bytes[lo]
        bytes[lo] = bytes[hi]
        bytes[hi] = t
        lo += 1
        hi -= 1
      }
    }
  }
}
