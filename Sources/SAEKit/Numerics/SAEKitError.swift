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
