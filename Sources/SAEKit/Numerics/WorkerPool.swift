import CVectorKernels
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The threads behind ``Parallel``: they stay up between parallel regions and spin for a short
/// while after each one before they sleep, so that the many short regions of a training step
/// (a few to a few hundred microseconds each) start without waking a sleeping thread.
///
/// `DispatchQueue.concurrentPerform` wakes its worker threads for every region; on a virtual
/// machine one wake-up took 30–50 µs, so a region of two 16 µs halves took 50 µs instead of
/// 16 µs, and a step of many regions ran nearly serially. Here a region publishes its body, the
/// calling thread runs it as participant 0, and pool threads that see the region open join it as
/// participants 1, 2, … up to the region's limit. The caller then closes the region and waits
/// for the participants still inside, so the body (borrowed from the caller's stack) never
/// outlives the call. What each participant does is decided by the body (``Parallel`` hands out
/// fixed chunks from a shared counter), so results never depend on who joined.
///
/// One region runs at a time. A region started while another runs (from another thread, or
/// nested inside a region's body) goes to `concurrentPerform` instead, so nesting never waits
/// on itself.
final class WorkerPool: @unchecked Sendable {
  static let shared = WorkerPool()

  /// How long a pool thread spins after a region before it sleeps. Long enough to bridge the
  /// serial work between the regions of a step, short enough that an idle process gives its
  /// cores back almost at once.
  static let spinNanoseconds: UInt64 = 100_000
  /// How many times the caller checks for the last participants before it sleeps (about 420 µs
  /// of `pause` on the Zen 4 VM where this was tuned).
  static let callerSpins = 1 << 14

  /// The gate packs the open flag, the tickets handed out, the region's participant limit and
  /// the number of pool threads inside, so one compare-and-swap admits a participant. A thread
  /// whose read is stale (the region closed and another opened) either fails the swap or joins
  /// the region now open, whose job it then reads, which is correct either way.
  private static let open = 1 << 62
  private static let ticketShift = 32
  private static let limitShift = 16
  private static let fieldMask = 0xFFFF

  /// Set while a region runs (its caller owns the pool).
  private let busy = Atomic<Bool>(false)
  private let gate = Atomic<Int>(0)
  /// Bumped when a region opens; pool threads watch it.
  private let generation = Atomic<Int>(0)
  private let sleepers = Atomic<Int>(0)
  /// Set while the caller sleeps until the last participant leaves.
  private let callerWaiting = Atomic<Bool>(false)
  /// The open region's body (a pointer to the caller's closure); read only by participants.
  private var job: UnsafeRawPointer?
  private let threads = Mutex(0)
  private let lock: UnsafeMutablePointer<pthread_mutex_t>
  private let wake: UnsafeMutablePointer<pthread_cond_t>
  private let done: UnsafeMutablePointer<pthread_cond_t>

  private init() {
    lock = .allocate(capacity: 1)
    wake = .allocate(capacity: 1)
    done = .allocate(capacity: 1)
    pthread_mutex_init(lock, nil)
    pthread_cond_init(wake, nil)
    pthread_cond_init(done, nil)
  }

  /// Runs `body(participant)` on the calling thread (participant 0) and on up to
  /// `participants − 1` pool threads (participants 1, 2, …, each number at most once), and
  /// returns when every participant has returned. A participant that joins late finds nothing
  /// left to do, so `body` must share its work out through its own counter; it may run on
  /// fewer participants than asked (down to the caller alone).
  func run(participants: Int, _ body: (_ participant: Int) -> Void) {
    precondition(participants >= 2 && participants <= Self.fieldMask)
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
      withoutActuallyEscaping(body) { escapable in
        let work = UncheckedSendable(escapable)
        DispatchQueue.concurrentPerform(iterations: participants) { work.value($0) }
      }
      return
    }
    defer { busy.store(false, ordering: .releasing) }
    startThreads(participants - 1)
    withoutActuallyEscaping(body) { escapable in
      var function = escapable
      withUnsafePointer(to: &function) { pointer in
        job = UnsafeRawPointer(pointer)
        gate.store(Self.open | 1 << Self.ticketShift | participants << Self.limitShift, ordering: .releasing)
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
          pthread_mutex_lock(lock)
          pthread_cond_broadcast(wake)
          pthread_mutex_unlock(lock)
        }
        escapable(0)
        gate.bitwiseAnd(~Self.open, ordering: .acquiringAndReleasing)
        waitForParticipants()
        job = nil
      }
    }
  }

  /// Returns when no pool thread is inside the closed region: spins for a short while (the
  /// usual case, where the others finish their last chunks at about the same time), then sleeps
  /// until the last one out signals, so a long chunk on another thread does not keep this core
  /// busy.
  private func waitForParticipants() {
    var spins = 0
    while gate.load(ordering: .acquiring) & Self.fieldMask != 0 {
      sae_spin_pause()
      spins += 1
      guard spins & 255 == 0 else { continue }
      if spins < Self.callerSpins { continue }
      pthread_mutex_lock(lock)
      callerWaiting.store(true, ordering: .sequentiallyConsistent)
      while gate.load(ordering: .sequentiallyConsistent) & Self.fieldMask != 0 { pthread_cond_wait(done, lock) }
      callerWaiting.store(false, ordering: .relaxed)
      pthread_mutex_unlock(lock)
      return
    }
  }

  /// Leaves the region; the last pool thread out wakes a caller that went to sleep waiting.
  private func leave() {
    let after = gate.wrappingSubtract(1, ordering: .sequentiallyConsistent).newValue
    if after & Self.fieldMask == 0, callerWaiting.load(ordering: .sequentiallyConsistent) {
      pthread_mutex_lock(lock)
      pthread_cond_broadcast(done)
      pthread_mutex_unlock(lock)
    }
  }

  /// Starts pool threads until there are `count`.
  private func startThreads(_ count: Int) {
    threads.withLock { started in
      while started < count {
        let thread = Thread { [self] in loop() }
        thread.name = "SAEKit worker \(started + 1)"
        thread.start()
        started += 1
      }
    }
  }

  /// A pool thread: waits for a region, joins it if it still has room, repeats.
  private func loop() {
    var seen = generation.load(ordering: .acquiring)
    while true {
      seen = waitForRegion(after: seen)
      if let participant = enter() {
        runJob(participant)
        leave()
      }
    }
  }

  /// Takes a ticket of the open region, if it has one left.
  private func enter() -> Int? {
    var current = gate.load(ordering: .acquiring)
    while current & Self.open != 0 {
      let ticket = (current >> Self.ticketShift) & Self.fieldMask
      guard ticket < (current >> Self.limitShift) & Self.fieldMask else { return nil }
      let (exchanged, original) = gate.compareExchange(
        expected: current, desired: current + (1 << Self.ticketShift) + 1, ordering: .acquiringAndReleasing)
      if exchanged { return ticket }
      current = original
    }
    return nil
  }

  @inline(never)
  private func runJob(_ participant: Int) {
    job!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(participant)
  }

  /// Spins until `generation` moves past `seen`, then sleeps if none came within
  /// ``spinNanoseconds``; returns the new generation.
  private func waitForRegion(after seen: Int) -> Int {
    let start = DispatchTime.now().uptimeNanoseconds
    var spins = 0
    while true {
      let current = generation.load(ordering: .acquiring)
      if current != seen { return current }
      sae_spin_pause()
      spins += 1
      if spins & 255 == 0, DispatchTime.now().uptimeNanoseconds - start > Self.spinNanoseconds { break }
    }
    pthread_mutex_lock(lock)
    sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
    while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(wake, lock) }
    sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
    pthread_mutex_unlock(lock)
    return generation.load(ordering: .acquiring)
  }
}

/// Lets a closure over raw buffers cross into `concurrentPerform`; callers
/// guarantee that concurrent invocations touch disjoint memory.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
