import Foundation

/// Runs a cell's code on a thread whose stack holds the deepest program the limits allow.
///
/// The parser bounds nesting at ``Parser/maximumNesting`` levels and the interpreter bounds calls
/// at ``Machine/maximumDepth``, but the two multiply: a function whose body nests 90 levels,
/// recursing 390 deep, needs ~35,000 interpreter frames, past the 8 MB of the main thread
/// (SIGSEGV). Limits × frame size stay far below ``size`` (about 100 MB for a debug build at
/// both limits); the stack is reserved, not committed, so pages are only used when touched.
enum DeepStack {
  static let size = 512 << 20

  /// `body` on a thread with a ``size`` stack; the caller waits for it. When it is still
  /// running at `giveUp.moment`, `giveUp.action` ends the process (the body ignores its time limit).
  static func run<T>(giveUp: (moment: UInt64, action: () -> Never)? = nil, _ body: () throws -> T) throws -> T {
    try withoutActuallyEscaping(body) { body in
      let box = Box(body)
      let done = DispatchSemaphore(value: 0)
      let thread = Thread {
        box.run()
        done.signal()
      }
      thread.stackSize = size
      thread.start()
      if let giveUp {
        if done.wait(timeout: DispatchTime(uptimeNanoseconds: giveUp.moment)) == .timedOut { giveUp.action() }
      } else {
        done.wait()
      }
      return try box.result!.get()
    }
  }

  /// The work and its result, handed between the threads (the waiting one reads `result` only
  /// after the semaphore). The body is dropped once it ran: it must not outlive the call.
  private final class Box<T>: @unchecked Sendable {
    var body: (() throws -> T)?
    var result: Result<T, any Error>?
    init(_ body: @escaping () throws -> T) { self.body = body }
    func run() {
      result = Result { try body!() }
      body = nil
    }
  }
}
