import FlyingFox
import FlyingSocks
import Foundation

/// What a preview serves: the latest page and its version, and the open event streams
/// (server-sent events) that are told when a new version is there.
final class PreviewState: @unchecked Sendable {
  private let lock = NSLock()
  private var page = ""
  private(set) var version = 0
  private var listeners: [UUID: AsyncStream<[UInt8]>.Continuation] = [:]

  /// The current page and its version.
  var current: (page: String, version: Int) { lock.withLock { (page, version) } }

  /// Replaces the page and tells every listener (`data: <version>`).
  func publish(_ newPage: String) {
    let streams = lock.withLock { () -> [AsyncStream<[UInt8]>.Continuation] in
      page = newPage
      version += 1
      return Array(listeners.values)
    }
    let event = Array("data: \(version)\n\n".utf8)
    for stream in streams { stream.yield(event) }
  }

  /// A stream of events for one page; a page older than the current version is told at once.
  /// A comment every 10 s keeps idle connections open.
  func events(since seen: Int) -> AsyncStream<[UInt8]> {
    let id = UUID()
    let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
    continuation.onTermination = { [weak self] _ in self?.lock.withLock { _ = self?.listeners.removeValue(forKey: id) } }
    let now = lock.withLock { () -> Int in
      listeners[id] = continuation
      return version
    }
    continuation.yield(Array(": connected\n\n".utf8))
    if seen != now { continuation.yield(Array("data: \(now)\n\n".utf8)) }
    Task { [weak self] in
      while !Task.isCancelled, self?.lock.withLock({ self?.listeners[id] != nil }) == true {
        try? await Task.sleep(nanoseconds: 10_000_000_000)
        continuation.yield(Array(": keep-alive\n\n".utf8))
      }
    }
    return stream
  }
}

/// An event stream as a response body of unknown length (sent chunked, each event as it comes).
struct EventStreamBody: AsyncBufferedSequence {
  typealias Element = UInt8
  let events: AsyncStream<[UInt8]>

  func makeAsyncIterator() -> Iterator { Iterator(base: events.makeAsyncIterator()) }

  struct Iterator: AsyncBufferedIteratorProtocol {
    var base: AsyncStream<[UInt8]>.AsyncIterator
    var pending: [UInt8] = []

    mutating func next() async -> UInt8? {
      if pending.isEmpty { pending = await base.next() ?? [] }
      return pending.isEmpty ? nil : pending.removeFirst()
    }

    mutating func nextBuffer(suggested count: Int) async -> [UInt8]? {
      if pending.isEmpty {
        guard let chunk = await base.next() else { return nil }
        return chunk
      }
      defer { pending = [] }
      return pending
    }
  }
}
