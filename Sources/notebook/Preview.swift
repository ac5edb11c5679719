import ArgumentParser
import FlyingFox
import FlyingSocks
import Foundation
import NotebookCore
import SAEKit

struct Preview: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve a notebook's report on 127.0.0.1 and re-render it (with the cell cache) on every save.",
    discussion: """
      The page reloads itself when a new render is ready (server-sent events); failing cells and \
      problems in the notebook show in the page. The renders go to a temporary folder, so the \
      committed reports and figures stay as they are. Ctrl-C stops (and removes the temporary folder).
      """)

  @ArgumentParser.Argument(help: "The notebook file (.md).") var file: String
  @Option(help: ArgumentHelp("Port on 127.0.0.1 (0: any free port).", valueName: "port")) var port = 8800
  @Option(name: .customShort("P"), help: ArgumentHelp("Set a notebook parameter.", valueName: "name=value"))
  var parameters: [String] = []

  /// How often the notebook file is checked for changes (seconds).
  static let pollInterval = 0.2

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
  }

  func run() throws {
    let overrides = try Render.overrides(parameters)
    guard FileManager.default.fileExists(atPath: file) else {
      throw NotebookIOError(path: file, "cannot read the notebook: no such file")
    }
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("notebook-preview-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: output) }
    Interruption.install()  // Ctrl-C or SIGTERM: the loop below ends and the temporary folder goes
    let state = PreviewState()
    var seen = Self.fingerprint(file)
    state.publish(render(output: output, overrides: overrides))

    let server = HTTPServer(address: try sockaddr_in.inet(ip4: "127.0.0.1", port: UInt16(port)), logger: .disabled)
    let started = DispatchSemaphore(value: 0)
    let failure = LockedBox<Error?>(nil)
    Task {
      await server.appendRoute("GET /") { _ in
        let (page, version) = state.current
        return HTTPResponse(
          statusCode: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
          body: Data(Self.live(page, version: version).utf8))
      }
      await server.appendRoute("GET /events") { request in
        let since = Int(request.query["since"] ?? "") ?? -1
        return HTTPResponse(
          statusCode: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
          body: HTTPBodySequence(from: EventStreamBody(events: state.events(since: since))))
      }
      do {
        try await server.run()
      } catch {
        failure.value = error
        started.signal()
      }
    }
    Task {
      try? await server.waitUntilListening(timeout: 10)
      started.signal()
    }
    started.wait()
    if let error = failure.value { throw NotebookIOError(path: "127.0.0.1:\(port)", "cannot serve the preview: \(error)") }
    let address = DispatchSemaphore(value: 0)
    let listening = LockedBox<Socket.Address?>(nil)
    Task {
      listening.value = await server.listeningAddress
      address.signal()
    }
    address.wait()
    guard case .ip4(_, let boundPort)? = listening.value else {
      throw NotebookIOError(path: "127.0.0.1:\(port)", "cannot serve the preview: the server is not listening")
    }
    Self.say("preview of \(file) at http://127.0.0.1:\(boundPort)/ (re-renders when the file changes; Ctrl-C stops)")
    while Interruption.received == nil {
      Thread.sleep(forTimeInterval: Self.pollInterval)
      let now = Self.fingerprint(file)
      guard now != seen else { continue }
      seen = now
      let start = Date()
      state.publish(render(output: output, overrides: overrides))
      Self.say(String(format: "re-rendered in %.1f s", Date().timeIntervalSince(start)))
    }
  }

  /// Renders into `output`; the page to show (a report, or a page that says what is wrong).
  func render(output: String, overrides: [(String, String)]) -> String {
    do {
      let session = try NotebookSession.load(path: file, overrides: overrides)
      var options = NotebookRenderer.Options()
      options.reportsDirectory = output + "/reports"
      options.figuresDirectory = output + "/figures"
      options.allowErrors = true
      let result = try NotebookRenderer(session: session, options: options).render()
      let name = Notebook.name(ofPath: file)
      let html = try String(contentsOfFile: output + "/reports/\(name).html", encoding: .utf8)
      if !result.succeeded { FileHandle.standardError.write(Data("\(result.failures.count) problem(s); see the page\n".utf8)) }
      return html
    } catch {
      let message = ExitStatus.message(for: error) ?? "\(error)"
      FileHandle.standardError.write(Data((message + "\n").utf8))
      return Self.problemPage(file: file, message: message)
    }
  }

  /// The report with the preview's script: a policy that allows it and the event stream, and
  /// a listener that reloads the page when a newer version is announced.
  static func live(_ page: String, version: Int) -> String {
    let policy = ReportStyle.contentSecurityPolicy
    var html = page.replacingOccurrences(
      of: "content=\"\(policy)\"", with: "content=\"\(policy); script-src 'unsafe-inline'; connect-src 'self'\"")
    let script = """
      <script>(() => { const events = new EventSource('/events?since=\(version)');
      events.onmessage = (e) => { if (Number(e.data) !== \(version)) location.reload(); }; })();</script>

      """
    if let end = html.range(of: "</body>", options: .backwards) {
      html.insert(contentsOf: script, at: end.lowerBound)
    }
    return html
  }

  /// A page for a notebook that cannot be rendered at all (unreadable, bad parameters).
  static func problemPage(file: String, message: String) -> String {
    let text = message.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    return """
      <!DOCTYPE html><html lang="en"><head><meta charset="utf-8">\
      <meta http-equiv="Content-Security-Policy" content="\(ReportStyle.contentSecurityPolicy)">\
      <title>Preview: cannot render</title></head><body><main><h1>Cannot render \(file)</h1>\
      <pre class="preview-problem">\(text)</pre></main></body></html>
      """
  }

  /// A line on standard output, written at once (a test or a script waits for it).
  static func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

  /// The file's size and content hash (nil when it cannot be read).
  static func fingerprint(_ path: String) -> String? {
    guard let data = FileContents.readIfRegular(path) else { return nil }
    var hasher = Hasher()
    hasher.combine(data)
    return "\(data.count)-\(hasher.finalize())"
  }
}

/// A value shared between the command's thread and the server's tasks.
final class LockedBox<T>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: T
  init(_ value: T) { stored = value }
  var value: T {
    get { lock.withLock { stored } }
    set { lock.withLock { stored = newValue } }
  }
}
