import Foundation

/// Errors thrown by SAEKit. Each case carries enough context to be shown to a
/// user as is: shapes for shape mismatches, the file and what is wrong for I/O.
public enum SAEKitError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Two operands whose shapes do not fit, e.g. `A·B` with `(3×4)·(5×2)`.
  case shapeMismatch(operation: String, lhs: Shape, rhs: Shape)
  /// An argument outside its documented domain.
  case invalidArgument(String)
  /// A file that could not be read or written, or whose contents are wrong.
  case file(path: String, reason: String)
  /// A LAPACK routine returned a non-zero `info`.
  case lapack(routine: String, info: Int, detail: String)
  /// A computation produced NaN or infinity.
  case nonFinite(String)
  /// A long computation was stopped by its caller.
  case cancelled
  /// An allocation refused before it was made (more than ``MemoryLimit`` allows, or more
  /// values than an Int counts); `culprits` names the sizes that drive it, largest first
  /// (`width`, `samples`, …), so a caller can point at the argument that set them.
  case tooLarge(String, culprits: [String])

  public var description: String {
    switch self {
    case .shapeMismatch(let operation, let lhs, let rhs):
      return "shape mismatch in \(operation): \(lhs) and \(rhs)"
    case .invalidArgument(let message):
      return message
    case .file(let path, let reason):
      return "\(path): \(reason)"
    case .lapack(let routine, let info, let detail):
      return "LAPACK \(routine) failed (info = \(info)): \(detail)"
    case .nonFinite(let message):
      return "non-finite value: \(message)"
    case .cancelled:
      return "cancelled"
    case .tooLarge(let message, _):
      return message
    }
  }
}

/// The shape of a matrix, printed as `(rows×cols)`.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
  public var rows: Int
  public var cols: Int
  public init(_ rows: Int, _ cols: Int) {
    self.rows = rows
    self.cols = cols
  }
  public var description: String { "(\(rows)×\(cols))" }
}

@inline(__always)
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
  if !condition { throw SAEKitError.invalidArgument(message()) }
}

/// Refuses an allocation of `count` Float32 values per `(rows, cols)` pair that cannot exist:
/// a product that overflows an Int, or more memory than ``MemoryLimit`` allows. What (e.g. "the
/// SAE's weights") is named in the error, with the size it would need and the limit; `sizes`
/// names the sizes the allocation grows with (`("width", m)`), and the error lists them largest
/// first as its culprits.
func requireAllocatable(
  _ what: String, _ shapes: [(rows: Int, cols: Int)], bytesPerElement: Int = 4, sizes: [(name: String, value: Int)] = []
) throws {
  let culprits = sizes.enumerated().sorted { ($1.element.value, $0.offset) < ($0.element.value, $1.offset) }.map(\.element.name)
  var total = 0.0
  for (rows, cols) in shapes {
    let (n, overflow) = rows.multipliedReportingOverflow(by: cols)
    guard !overflow && n >= 0 else {
      throw SAEKitError.tooLarge("\(what) would need \(rows) × \(cols) values, more than an Int can count", culprits: culprits)
    }
    total += Double(n) * Double(bytesPerElement)
  }
  guard total <= MemoryLimit.bytes else {
    throw SAEKitError.tooLarge("\(what) would need \(formatBytes(total)); \(MemoryLimit.describe())", culprits: culprits)
  }
}

/// The most memory one estimated allocation may take before it is refused with an error
/// (instead of the process being killed with no report): by default ``defaultShare`` of the
/// machine's physical memory; `notebook render --memory-limit` sets it.
public enum MemoryLimit {
  /// The default limit as a share of physical memory.
  public static let defaultShare = 0.8
  /// The machine's physical memory in bytes.
  public static var physical: Double { Double(ProcessInfo.processInfo.physicalMemory) }
  nonisolated(unsafe) private static var setBytes: Double?

  /// The limit in bytes.
  public static var bytes: Double { setBytes ?? defaultShare * physical }

  /// Sets the limit in bytes (nil: back to the default share).
  public static func set(_ bytes: Double?) { setBytes = bytes }

  /// `the memory limit is 19.2 GB (80% of this machine's 24.0 GB; raise it with --memory-limit)`.
  public static func describe() -> String {
    if let setBytes {
      return "the memory limit is \(formatBytes(setBytes)) (--memory-limit; this machine has \(formatBytes(physical)))"
    }
    return "the memory limit is \(formatBytes(bytes)) (\(Int(defaultShare * 100))% of this machine's \(formatBytes(physical)); --memory-limit sets it)"
  }

  /// Reads `16G`, `512M`, `2.5GB`, `80%` (of physical memory) or a number of bytes.
  public static func parse(_ text: String) -> Double? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
    if trimmed.hasSuffix("%") {
      guard let share = Double(trimmed.dropLast()), share > 0, share <= 100 else { return nil }
      return share / 100 * physical
    }
    let units: [(String, Double)] = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3), ("B", 1)]
    var number = Substring(trimmed), scale = 1.0
    if let (suffix, factor) = units.first(where: { trimmed.hasSuffix($0.0) }) {
      number = trimmed.dropLast(suffix.count)
      scale = factor
    }
    guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value > 0, value.isFinite else { return nil }
    return value * scale
  }
}

/// `1.2 GB`, `40.0 TB`.
public func formatBytes(_ bytes: Double) -> String {
  let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
  var value = bytes, unit = 0
  while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
  return unit == 0 ? "\(Int(value)) bytes" : String(format: "%.1f %@", value, units[unit])
}
