#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The signal number received (0: none): written by the handler, read at the safe points
/// where a cell checks its time limit. Raw memory, so the handler touches nothing else.
nonisolated(unsafe) private let receivedSignal: UnsafeMutablePointer<Int32> = {
  let flag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
  flag.initialize(to: 0)
  return flag
}()

/// Ctrl-C (SIGINT) and SIGTERM during `notebook render`: the running cell stops at its next
/// safe point (where it checks its time limit), no later cell runs, and the report of what ran
/// is written, marked incomplete. A second signal ends the process at once (the default action).
public enum Interruption {
  /// Catches SIGINT and SIGTERM from now on (once per process).
  public static func install() {
    _ = receivedSignal.pointee  // initialised before any handler can read it
    unblockStopSignals()
    for number in [SIGINT, SIGTERM] {
      signal(number) { number in
        receivedSignal.pointee = number
        signal(number, SIG_DFL)
      }
    }
  }

  /// Lets SIGINT and SIGTERM reach this thread: a process started from a thread that blocks
  /// them (a Dispatch worker, as in a test runner) inherits the mask, and then neither Ctrl-C
  /// nor `kill` would stop it.
  private static func unblockStopSignals() {
    var signals = sigset_t()
    sigemptyset(&signals)
    for number in [SIGINT, SIGTERM] { sigaddset(&signals, number) }
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }

  /// The signal that asked the render to stop, if one did.
  public static var received: Int32? {
    let number = receivedSignal.pointee
    return number == 0 ? nil : number
  }

  /// `SIGINT (Ctrl-C)` or `SIGTERM`.
  static var signalName: String {
    switch received {
    case SIGINT?: "SIGINT (Ctrl-C)"
    case SIGTERM?: "SIGTERM"
    case let number?: "signal \(number)"
    case nil: "no signal"
    }
  }
}
