import Dispatch

/// The resolved program the checker produces and the interpreter runs: every name is a
/// slot, every call is bound to its registry entry with its arguments already matched, every
/// operator is chosen for its operand types. Nothing is looked up by name at run time.
///
/// Code is a tree of Swift closures: an expression is an ``Evaluation`` (frame → value), a
/// statement an ``Execution`` (frame → how control leaves it).

/// How control leaves a statement.
enum Flow {
  case normal, breakLoop, continueLoop, returned
}

typealias Evaluation = (Frame) throws -> Value
typealias Execution = (Frame) throws -> Flow
/// An Int expression's code that gives the Int itself (``Typed/int``).
typealias IntEvaluation = (Frame) throws -> Int

/// A statement's code as an array element: a closure kept directly in an `Array` is stored
/// in its generic form and called through a reabstraction thunk; inside a struct it is not.
struct Step {
  let run: Execution
}

/// An expression's code as an array element (see ``Step``).
struct Code {
  let run: Evaluation
}

/// An Int expression's unboxed code (``Typed/int``) where it may be absent: an optional
/// closure is stored in its generic form, and every call of the closure taken out of it went
/// through a reabstraction thunk; a closure inside a struct is stored as it is.
struct IntCode {
  let run: IntEvaluation
}

/// The slots of one activation of a function, closure or the notebook's top level. A closure
/// keeps the frame it was made in (its `parent`), so it sees and changes the variables of
/// the scopes around it.
final class Frame {
  /// The slots, in raw memory: no copy-on-write or exclusivity checks on each access.
  private(set) var slots: UnsafeMutablePointer<Value>
  private(set) var count: Int
  let parent: Frame?
  unowned(unsafe) let machine: Machine
  /// The value of the last `return` executed in this frame, in raw memory. It holds `.void`
  /// except between a `return` and its call taking the value (``takeReturned()``).
  private let returnedSlot: UnsafeMutablePointer<Value>

  init(size: Int, parent: Frame?, machine: Machine) {
    count = size
    slots = UnsafeMutablePointer<Value>.allocate(capacity: max(size, 1))
    slots.initialize(repeating: .void, count: size)
    returnedSlot = UnsafeMutablePointer<Value>.allocate(capacity: 1)
    returnedSlot.initialize(to: .void)
    self.parent = parent
    self.machine = machine
  }

  deinit {
    slots.deinitialize(count: count)
    slots.deallocate()
    returnedSlot.deinitialize(count: 1)
    returnedSlot.deallocate()
  }

  /// A `return`'s value (the slot holds `.void`, so there is nothing to release first).
  @inline(__always) func setReturned(_ value: consuming Value) {
    returnedSlot.initialize(to: value)
  }

  /// Takes the value of the last `return` out, leaving `.void`.
  @inline(__always) func takeReturned() -> Value {
    let value = returnedSlot.move()
    returnedSlot.initialize(to: .void)
    return value
  }

  /// Sets parameter slot `k` of a frame fresh from ``CompiledFunction/enter()``, whose slots
  /// hold only values that own nothing (``Value/ownsNothing``): nothing to release first.
  @inline(__always) func setParameter(_ k: Int, _ value: consuming Value) {
    (slots + k).initialize(to: value)
  }

  /// Empties the slots of a frame about to be reused: values that own something (arrays,
  /// strings, functions, …) become `.void`; Ints, Doubles and Bools may stay, as they keep
  /// nothing alive.
  @inline(__always) func clear() {
    for k in 0..<count where !slots[k].ownsNothing { slots[k] = .void }
  }

  /// Grows the frame to `size` slots (the top level, as later cells add names).
  func grow(to size: Int) {
    guard size > count else { return }
    let bigger = UnsafeMutablePointer<Value>.allocate(capacity: size)
    bigger.moveInitialize(from: slots, count: count)
    (bigger + count).initialize(repeating: .void, count: size - count)
    slots.deallocate()
    slots = bigger
    count = size
  }

  /// The frame `depth` levels out (0: this one).
  @inline(__always) func outer(_ depth: Int) -> Frame {
    var frame = self
    for _ in 0..<depth { frame = frame.parent! }
    return frame
  }
}

/// Run-time state shared by all compiled code of one render: the top-level frame (the
/// notebook's variables, which persist from cell to cell), the call depth and the time limit.
public final class Machine {
  let context: RuntimeContext
  private(set) var globals: Frame!
  /// The top-level slots (`globals.slots`), read by compiled code without retaining the frame.
  private(set) var globalSlots: UnsafeMutablePointer<Value>!
  /// The depth of the running chain of calls, in raw memory that compiled functions update
  /// without reference counting the machine (``CompiledFunction/callDepth``).
  let callDepth: UnsafeMutablePointer<Int> = {
    let p = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    p.initialize(to: 0)
    return p
  }()
  var depth: Int {
    get { callDepth.pointee }
    set { callDepth.pointee = newValue }
  }
  private var ticks = 0
  /// The deepest chain of calls of cell functions and closures; deeper recursion is an error,
  /// not a crash.
  static let maximumDepth = 400

  init(context: RuntimeContext) {
    self.context = context
    globals = Frame(size: 0, parent: nil, machine: self)
    globalSlots = globals.slots
  }

  deinit { callDepth.deallocate() }

  /// Makes room for `count` top-level slots.
  func reserveGlobals(_ count: Int) {
    globals.grow(to: count)
    globalSlots = globals.slots
  }

  /// Called on every loop iteration and call: checks the cell's time limit every 256 ticks.
  @inline(__always) func tick(_ range: SourceRange) throws {
    ticks &+= 1
    if ticks & 255 == 0 { try checkTime(range) }
  }

  func checkTime(_ range: SourceRange) throws {
    do { try context.checkDeadline() } catch let e as RuntimeError { throw Diagnostic.error(e.message, at: range) }
  }
}

/// Where the top-level names live: one slot per name for the whole notebook (a name bound
/// again in a later cell reuses its slot), and anonymous slots for variables of blocks at
/// the top level. Shared by the checker, which assigns slots, and the interpreter.
public final class GlobalLayout: @unchecked Sendable {
  private(set) var slots: [String: Int] = [:]
  private(set) var count = 0

  public init() {}

  func slot(for name: String) -> Int {
    if let s = slots[name] { return s }
    slots[name] = count
    count += 1
    return count - 1
  }

  func anonymous() -> Int {
    count += 1
    return count - 1
  }
}

/// One checked cell, ready to run.
public struct CompiledCell: @unchecked Sendable {
  let statements: [(code: Execution, range: SourceRange)]
  /// The cell's last statement when it is a bare expression: its value is displayed.
  let displayed: Evaluation?
}

/// The code of a function or closure body.
enum FunctionBody {
  /// Statements; a `return` leaves its value in the frame (``Frame/setReturned(_:)``).
  case statements(Execution)
  /// A body that is one `return e` (or just `e`): `e`, whose value a call takes directly, and
  /// `e` unboxed when it is an Int expression that has such code (``Typed/int``).
  case returning(Evaluation, int: IntCode?)

  /// The body `return e`, for `e` converted to the return type.
  static func returning(_ e: Typed) -> FunctionBody {
    .returning(e.code, int: e.int)
  }
}

/// A function or closure of a cell, ready to run: its body, the frame it needs, and the
/// frame it was made in.
final class CompiledFunction {
  let name: String
  let environment: Frame
  let slotCount: Int
  let parameterCount: Int
  let defaults: [Evaluation?]
  /// Runs the body in a call's frame and gives what it returned. (A closure in a stored
  /// property that is not optional: a call reads it without retaining it.)
  private let result: Evaluation
  /// `result` for a call whose type is Int: the Int, unboxed when the body allows.
  private let intResult: IntEvaluation
  /// The machine's ``Machine/callDepth`` (the machine outlives the code it runs).
  private let callDepth: UnsafeMutablePointer<Int>

  init(name: String, environment: Frame, slotCount: Int, parameterCount: Int, defaults: [Evaluation?], returnsValue: Bool,
       body: FunctionBody) {
    self.name = name
    self.environment = environment
    self.slotCount = slotCount
    self.parameterCount = parameterCount
    self.defaults = defaults
    callDepth = environment.machine.callDepth
    var unboxed: IntCode?
    switch body {
    case .returning(let value, let int):
      result = value
      unboxed = int
    case .statements(let statements):
      result = { frame in
        switch try statements(frame) {
        case .returned: return frame.takeReturned()
        default:
          if returnsValue { throw RuntimeError("'\(name)' ended without returning a value") }
          return .void
        }
      }
    }
    // (`if let`, not `??`: a closure through generic code would be called through thunks)
    if let unboxed {
      intResult = unboxed.run
    } else {
      let value = result
      intResult = { frame in try Int.taking(try value(frame), from: name) }
    }
  }

  /// Frames of finished calls that nothing kept (no closure captured them), reused by the
  /// next call: a call then allocates nothing. A stack in raw memory, so that taking and
  /// giving back a frame is a move, with no array bookkeeping or reference counting.
  private var spareFrames = UnsafeMutablePointer<Frame>.allocate(capacity: 4)
  private var spareCount = 0, spareCapacity = 4

  deinit {
    spareFrames.deinitialize(count: spareCount)
    spareFrames.deallocate()
  }

  @inline(__always) private func takeFrame() -> Frame {
    guard spareCount > 0 else { return Frame(size: slotCount, parent: environment, machine: environment.machine) }
    spareCount -= 1
    return (spareFrames + spareCount).move()
  }

  @inline(__always) private func giveBack(_ frame: consuming Frame) {
    if spareCount == spareCapacity {
      let bigger = UnsafeMutablePointer<Frame>.allocate(capacity: 2 * spareCapacity)
      bigger.moveInitialize(from: spareFrames, count: spareCount)
      spareFrames.deallocate()
      spareFrames = bigger
      spareCapacity *= 2
    }
    (spareFrames + spareCount).initialize(to: frame)
    spareCount += 1
  }

  /// Makes the call's frame, lets `setup` fill the parameters, runs the body.
  @inline(__always) func run(_ setup: (Frame) throws -> Void) throws -> Value {
    let frame = try enter()
    defer { leave(frame) }
    try setup(frame)
    return try finish(frame)
  }

  /// A call's first step: counts its depth (deep recursion is an error, not a crash) and
  /// takes a frame for it. The caller then fills the parameters, calls ``finish(_:)``, and
  /// in every case ``leave(_:)`` (with the only reference to the frame, so that it can be reused).
  @inline(__always) func enter() throws -> Frame {
    callDepth.pointee += 1
    if callDepth.pointee > Machine.maximumDepth {
      callDepth.pointee -= 1
      throw tooManyNestedCalls()
    }
    return takeFrame()
  }

  /// (Made out of line: the message's code would crowd every call site it is inlined into.)
  @inline(never) private func tooManyNestedCalls() -> RuntimeError {
    RuntimeError("too many nested calls (more than \(Machine.maximumDepth)) in '\(name)': is the recursion missing a base case?")
  }

  /// Runs the body in the call's frame; returns what it returned.
  @inline(__always) func finish(_ frame: Frame) throws -> Value {
    try result(frame)
  }

  /// ``finish(_:)`` for a call whose type is Int.
  @inline(__always) func finishInt(_ frame: Frame) throws -> Int {
    try intResult(frame)
  }

  /// A call's last step: gives the frame back for reuse unless a closure kept it. (Taking the
  /// frame, not `inout`, lets it move onto the spare stack without reference counting.)
  @inline(__always) func leave(_ frame: consuming Frame) {
    callDepth.pointee -= 1
    if isKnownUniquelyReferenced(&frame) {  // no closure kept this frame: reuse it
      frame.clear()
      giveBack(frame)
    }
  }
}
