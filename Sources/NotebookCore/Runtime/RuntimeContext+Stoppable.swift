import SAEKit

extension RuntimeContext {
  /// Runs a long SAEKit computation that polls the closure it is given (true once the cell is
  /// past its time limit or the render was interrupted) and then throws
  /// ``SAEKitError/cancelled``: the cell fails with the time-limit error of ``checkDeadline()``.
  public func stoppable<T>(_ body: (_ shouldStop: @escaping () -> Bool) throws -> T) throws -> T {
    do {
      return try body { self.isPastDeadline }
    } catch SAEKitError.cancelled {
      try checkDeadline()
      throw RuntimeError("stopped")
    }
  }
}
