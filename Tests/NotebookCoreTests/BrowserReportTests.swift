#if os(Linux)
import Foundation
import Glibc
import Testing
@testable import NotebookCore

/// The rendered report in a real browser: headless Chromium, driven over the
/// DevTools protocol (``HeadlessChromium``), opens a report with a figure, a
/// wide table, a record, long code and a long word, at desktop width and at a
/// phone's width (390 CSS px, mobile emulation: Chromium's own windows cannot
/// be narrower than 500 px), and in print media. Screenshots and the PDF are
/// copied to `$BROWSER_CHECK_ARTIFACTS` when that is set.
///
/// Skipped, with a message, when no `chromium` is on PATH (`make deps` installs Debian's).
@Suite(.serialized, .enabled(if: HeadlessChromium.executable != nil,
                             "no chromium or chromium-browser on PATH: browser checks skipped (apt-get install chromium)"))
struct BrowserReportTests {
  static let notebook = #"""
    ---
    title: Browser <check> & report
    seed: 5
    ---

    # In the browser

    A long unbroken word: `a_very_long_identifier_without_any_break_that_would_not_fit_on_a_phone_screen_at_all`
    and a [link](https://example.org/a/long/path?x=1&y=2).

    ```swift
    //| label: fit
    //| caption: Loss curve
    let data = synthetic.superposition(features: 16, dim: 8, sparsity: 0.1, samples: 512, test: 128)
    let sae = train(data.x, width: 16, activation: .topK(k: 2), steps: 20, batch: 128) // a long trailing comment that makes this line wider than a phone
    plot.line(x: sae.history.step, y: sae.history.fvu, title: "FVU", ylog: true)
    let m = evaluate(sae, on: data.test, truth: data.features)
    m
    ```

    ```swift
    //| label: wide
    var rows = []
    for k in 1...3 {
      rows.append([k, "a fairly long description of row \(k)", k * 10, k * 100, k * 1000, k * 10000, k * 100000, "last"])
    }
    table(columns: ["k", "description", "tens", "hundreds", "thousands", "ten_thousands", "hundred_thousands", "tail"], rows: rows)
    ```

    ```swift
    //| label: folded
    //| code-fold: true
    print("the folded cell ran")
    ```
    """#

  /// Measures the page: its width, whether it scrolls sideways, its figures
  /// (decoded?), table rows, and the blocks whose right edge leaves the viewport.
  static let layoutProbe = """
    (() => {
      const width = document.documentElement.clientWidth;
      const right = e => e.getBoundingClientRect().right;
      const figures = [...document.querySelectorAll('figure.output-figure svg')].map(i => ({
        label: i.getAttribute('aria-label'), drawn: i.getBoundingClientRect().width > 100 && i.querySelectorAll('path').length > 5,
        text: i.textContent.includes('FVU'), right: right(i) }));
      const insideScroller = e => { for (let p = e.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
      const overflowing = [...document.querySelectorAll('main, main > *, .cell, pre, .table-wrap, table, figure, dl')]
        .filter(e => right(e) > width + 0.5 && !insideScroller(e)).map(e => e.tagName.toLowerCase() + '.' + e.className);
      return { innerWidth, width, scrollWidth: document.documentElement.scrollWidth, figures, overflowing,
        title: document.querySelector('h1.title').textContent,
        tableRows: document.querySelectorAll('table.output-table tbody tr').length,
        recordRows: document.querySelectorAll('table.output-record tr').length };
    })()
    """

  /// Renders ``notebook`` into a fresh temporary folder; returns the report's file URL.
  func renderReport() throws -> (report: URL, directory: URL) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("browser-\(UUID().uuidString)")
    let session = try NotebookSession.load(path: "notebooks/browser.md", text: Self.notebook)
    var options = NotebookRenderer.Options()
    options.reportsDirectory = directory.appendingPathComponent("reports").path
    options.figuresDirectory = directory.appendingPathComponent("figures").path
    options.cache = .off
    let result = try NotebookRenderer(session: session, options: options).render()
    #expect(result.succeeded, "failures: \(result.failures)")
    return (directory.appendingPathComponent("reports/browser.html"), directory)
  }

  /// Width and height from a PNG's IHDR chunk, nil when `data` is not a PNG.
  func pngSize(_ data: Data) -> (width: Int, height: Int)? {
    let bytes = [UInt8](data.prefix(24))
    guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], bytes[12..<16] == [0x49, 0x48, 0x44, 0x52] else { return nil }
    let be = { (i: Int) in bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (be(16), be(20))
  }

  func keep(_ data: Data, as name: String, in directory: URL) throws {
    try data.write(to: directory.appendingPathComponent(name))
    if let artifacts = ProcessInfo.processInfo.environment["BROWSER_CHECK_ARTIFACTS"], !artifacts.isEmpty {
      try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
      try data.write(to: URL(fileURLWithPath: artifacts).appendingPathComponent(name))
    }
  }

  /// Opens the report at `width`×`height`, checks console, network and layout, keeps a screenshot.
  func checkReport(width: Int, height: Int, mobile: Bool, screenshot name: String) throws {
    let (report, directory) = try renderReport()
    defer { try? FileManager.default.removeItem(at: directory) }
    let browser = try HeadlessChromium(log: directory.appendingPathComponent("chromium.log"))
    defer { browser.close() }
    let page = try browser.openPage(width: width, height: height, mobile: mobile)
    let mark = browser.events.count
    try browser.navigate(page, to: report)
    let probe = try #require(try browser.evaluate(page, Self.layoutProbe) as? [String: Any])
    #expect(browser.consoleProblems(since: mark) == [], "console messages or errors")
    #expect(browser.requests(since: mark) == [], "the report must make no network requests")
    #expect(probe["innerWidth"] as? Int == width, "viewport: \(probe)")
    #expect(probe["title"] as? String == "Browser <check> & report")
    let figures = probe["figures"] as? [[String: Any]] ?? []
    #expect(figures.count == 1, "one inline figure <svg>: \(probe)")
    for figure in figures {
      #expect(figure["label"] as? String == "Loss curve", "labelled with its caption")
      #expect(figure["drawn"] as? Bool == true && figure["text"] as? Bool == true, "drawn, its text in the page: \(figure)")
      #expect((figure["right"] as? Double ?? .infinity) <= Double(width), "the figure fits the width: \(figure)")
    }
    #expect(probe["tableRows"] as? Int == 3 && (probe["recordRows"] as? Int ?? 0) >= 2, "table and record: \(probe)")
    #expect((probe["scrollWidth"] as? Int ?? .max) <= (probe["width"] as? Int ?? 0), "no sideways scrolling: \(probe)")
    #expect(probe["overflowing"] as? [String] == [], "blocks wider than the viewport: \(probe)")
    let png = try browser.screenshot(page)
    try keep(png, as: name, in: directory)
    let size = try #require(pngSize(png), "a PNG screenshot")
    #expect(size.width == width && size.height == height)
    #expect(png.count > 20_000, "a non-trivial screenshot: \(png.count) bytes")
  }

  @Test func desktopPageHasNoConsoleErrorsNoRequestsAndShowsFigureAndTable() throws {
    try checkReport(width: 1280, height: 2000, mobile: false, screenshot: "report-desktop.png")
  }

  @Test func phoneWidthPageFitsWithoutSidewaysScrolling() throws {
    try checkReport(width: 390, height: 1200, mobile: true, screenshot: "report-phone.png")
  }

  /// Renders the report and opens it at desktop size; `body` gets the browser, the page and the
  /// folder (removed afterwards).
  func withDesktopReport(_ body: (HeadlessChromium, String, URL) throws -> Void) throws {
    let (report, directory) = try renderReport()
    defer { try? FileManager.default.removeItem(at: directory) }
    let browser = try HeadlessChromium(log: directory.appendingPathComponent("chromium.log"))
    defer { browser.close() }
    let page = try browser.openPage(width: 1280, height: 2000, mobile: false)
    try browser.navigate(page, to: report)
    try body(browser, page, directory)
  }

  @Test func printStylesheetAppliesAndThePagePrintsToPDF() throws {
    try withDesktopReport { browser, page, directory in
      try browser.command("Emulation.setEmulatedMedia", ["media": "print"], session: page)
      let values = try #require(try browser.evaluate(page, """
        (() => { const s = q => getComputedStyle(document.querySelector(q));
          return { print: String(matchMedia('print').matches), toc: s('.toc').display, color: s('body').color,
            pre: s('pre.source').whiteSpace, figure: s('figure').breakInside, row: s('tr').breakInside,
            preBreak: s('pre.source').breakInside, figureHeight: s('figure svg').maxHeight,
            shadow: s('pre').boxShadow, linkAfter: getComputedStyle(document.querySelector('.prose a'), '::after').content }; })()
        """) as? [String: String])
      #expect(values["print"] == "true" && values["toc"] == "none" && values["color"] == "rgb(0, 0, 0)", "\(values)")
      #expect(values["pre"] == "pre-wrap" && values["figure"] == "avoid" && values["row"] == "avoid" && values["shadow"] == "none", "\(values)")
      #expect(values["linkAfter"]?.contains("https://example.org/a/long/path") == true, "link URLs are printed: \(values)")
      // Long code may run over a page break and figures stay under 10 cm, so pages do not end half empty.
      #expect(values["preBreak"] == "auto" && values["figureHeight"]?.hasPrefix("377.9") == true, "\(values)")
      let pdf = try browser.printToPDF(page)
      try keep(pdf, as: "report.pdf", in: directory)
      #expect(pdf.starts(with: Data("%PDF-".utf8)) && pdf.count > 10_000, "a PDF of \(pdf.count) bytes")
    }
  }

  /// Dark mode follows the reader's system setting; folded code is closed until clicked; numeric
  /// table columns (and their headers) are right-aligned, text columns left-aligned.
  @Test func darkModeFoldedCodeAndRightAlignedNumbers() throws {
    try withDesktopReport { browser, page, directory in
      let probe = """
        (() => { const s = q => getComputedStyle(document.querySelector(q));
          const fold = document.querySelector('details.source-fold');
          return { dark: String(matchMedia('(prefers-color-scheme: dark)').matches), background: s('body').backgroundColor,
            color: s('body').color, folded: String(fold !== null && !fold.open),
            foldedSourceShown: String(fold.querySelector('pre').checkVisibility()),
            summaryHeight: String(fold.getBoundingClientRect().height < 40),
            numericCells: String(document.querySelectorAll('table.output-table td.numeric').length),
            numericHeaders: String(document.querySelectorAll('table.output-table th.numeric').length),
            numberAlign: s('table.output-table td.numeric').textAlign,
            textAlign: s('table.output-table td:nth-child(2)').textAlign }; })()
        """
      for (scheme, background, color) in [("dark", "rgb(13, 17, 23)", "rgb(230, 237, 243)"), ("light", "rgb(255, 255, 255)", "rgb(31, 35, 40)")] {
        try browser.command(
          "Emulation.setEmulatedMedia", ["features": [["name": "prefers-color-scheme", "value": scheme]]], session: page)
        let values = try #require(try browser.evaluate(page, probe) as? [String: String])
        #expect(values["dark"] == String(scheme == "dark") && values["background"] == background && values["color"] == color, "\(scheme): \(values)")
        #expect(values["folded"] == "true" && values["foldedSourceShown"] == "false" && values["summaryHeight"] == "true", "\(values)")
        #expect(values["numericCells"] == "18" && values["numericHeaders"] == "6", "k and the five number columns: \(values)")
        #expect(values["numberAlign"] == "right" && values["textAlign"] == "left", "\(values)")
        try keep(try browser.screenshot(page), as: "report-\(scheme).png", in: directory)
      }
    }
  }

  /// Prose like Quarto's in the browser: MathML laid out by Chromium itself (a fraction is taller
  /// than a line, a display formula is centred on its own line), callouts, footnotes, aligned
  /// table columns and an inlined image, with no console message and no request, light and dark.
  @Test func mathCalloutsFootnotesAndImagesRender() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("browser-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let image = directory.appendingPathComponent("dot.svg")
    try Data(#"<svg xmlns="http://www.w3.org/2000/svg" width="60" height="30"><rect width="60" height="30" fill="teal"/></svg>"#.utf8)
      .write(to: image)
    let text = #"""
      # Prose

      The error $\|x - \hat x\|_2^2$ and[^n] @eq-fvu:

      $$\mathrm{FVU} = \frac{\sum_i \|x_i - \hat x_i\|^2}{\sum_i \|x_i - \bar x\|^2}$$ {#eq-fvu}

      > [!WARNING]
      > Mind the scale.

      | name | value |
      |:-----|------:|
      | k    | 32    |

      ![A dot](dot.svg){#fig-dot}

      [^n]: A note.
      """#
    let path = directory.appendingPathComponent("prose.md").path
    let session = try NotebookSession.load(path: path, text: text)
    #expect(session.diagnostics.isEmpty, "\(session.diagnostics)")
    var report = Report(notebook: session.notebook, params: [], cells: [], gnuplotVersion: nil)
    report.prose = session.prose
    let file = directory.appendingPathComponent("prose.html")
    try Data(ReportHTMLRenderer().render(report).utf8).write(to: file)
    let browser = try HeadlessChromium(log: directory.appendingPathComponent("chromium.log"))
    defer { browser.close() }
    let page = try browser.openPage(width: 1000, height: 1400, mobile: false)
    let mark = browser.events.count
    try browser.navigate(page, to: file)
    let probe = """
      (() => { const q = s => document.querySelector(s), box = s => q(s).getBoundingClientRect();
        const line = parseFloat(getComputedStyle(q('.prose p')).lineHeight);
        return { mathML: String(q('math') instanceof MathMLElement), fraction: String(box('mfrac').height > 1.3 * line),
          block: String(box('.equation math').width > 300), number: q('.equation-number').textContent,
          callout: getComputedStyle(q('.callout-warning')).borderLeftColor, title: q('.callout-title').textContent,
          footnote: String(q(q('.footnote-ref a').getAttribute('href')) !== null),
          align: getComputedStyle(q('.prose td[align="right"]')).textAlign,
          image: String(q('.prose-figure img').naturalWidth === 60), caption: q('.prose-figure figcaption').textContent }; })()
      """
    var colours: [String] = []
    for scheme in ["light", "dark"] {
      try browser.command(
        "Emulation.setEmulatedMedia", ["features": [["name": "prefers-color-scheme", "value": scheme]]], session: page)
      let values = try #require(try browser.evaluate(page, probe) as? [String: String])
      #expect(values["mathML"] == "true" && values["fraction"] == "true" && values["block"] == "true", "\(scheme): \(values)")
      #expect(values["number"] == "(1)" && values["title"] == "Warning" && values["footnote"] == "true", "\(values)")
      #expect(values["align"] == "right" && values["image"] == "true" && values["caption"] == "Figure 1: A dot", "\(values)")
      colours.append(values["callout"] ?? "")
      try keep(try browser.screenshot(page), as: "prose-\(scheme).png", in: directory)
    }
    #expect(colours[0] != colours[1], "the callout's colour follows the scheme: \(colours)")
    #expect(browser.consoleProblems(since: mark) == [], "console messages or errors")
    #expect(browser.requests(since: mark) == [], "the report must make no network requests")
  }

  /// The checks themselves can fail: a page with a console error and external
  /// resources is caught, and under the report's Content-Security-Policy an
  /// external image becomes a console error instead of a request.
  @Test func theChecksCatchConsoleErrorsAndRequests() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("browser-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let open = #"<!DOCTYPE html><title>t</title><img src="http://example.invalid/a.png"><script>console.error("control")</script>"#
    let csp = try #require(ReportHTMLRenderer().render(Report(title: "t", notebookPath: "t.md", blocks: [], cells: [], toolVersion: "0"))
      .components(separatedBy: "\n").first { $0.contains("Content-Security-Policy") })
    let guarded = "<!DOCTYPE html><html><head>\(csp)<title>t</title></head><body><img src=\"https://example.invalid/b.png\"></body></html>"
    try open.write(to: directory.appendingPathComponent("open.html"), atomically: true, encoding: .utf8)
    try guarded.write(to: directory.appendingPathComponent("guarded.html"), atomically: true, encoding: .utf8)
    let browser = try HeadlessChromium(log: directory.appendingPathComponent("chromium.log"))
    defer { browser.close() }
    let page = try browser.openPage(width: 800, height: 600, mobile: false)
    var mark = browser.events.count
    try browser.navigate(page, to: directory.appendingPathComponent("open.html"))
    #expect(browser.requests(since: mark) == ["http://example.invalid/a.png"])
    #expect(browser.consoleProblems(since: mark).contains { $0.contains("control") }, "\(browser.consoleProblems(since: mark))")
    mark = browser.events.count
    try browser.navigate(page, to: directory.appendingPathComponent("guarded.html"))
    #expect(browser.requests(since: mark) == [])
    #expect(browser.consoleProblems(since: mark).contains { $0.contains("Content Security Policy") }, "\(browser.consoleProblems(since: mark))")
  }
}
/// Headless Chromium driven over the DevTools protocol through `--remote-debugging-pipe`:
/// NUL-terminated JSON commands on the browser's fd 3, replies and events on its fd 4
/// (here both ends of one socket, written with MSG_NOSIGNAL so that a dead browser is an
/// error, not a SIGPIPE). Every wait has a deadline (60 s); `close()` kills the browser's
/// process group when it does not quit. A fresh profile folder per browser, removed after.
final class HeadlessChromium {
  struct Failure: Error, CustomStringConvertible { let description: String }

  /// `chromium` (Debian) or `chromium-browser` on PATH.
  static let executable: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for name in ["chromium", "chromium-browser"] {
      for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
        return "\(folder)/\(name)"
      }
    }
    return nil
  }()

  let pid: pid_t
  let timeout: TimeInterval = 60
  private let socket: Int32
  private let profile: URL
  private let log: URL
  private var buffer = [UInt8]()
  private var lastID = 0
  private var closed = false
  /// Every event received, in order: its method and parameters.
  private(set) var events: [(method: String, params: [String: Any])] = []

  /// Starts the browser; its stderr goes to `log`.
  /// `loopback`: 127.0.0.1 is reachable (a local server under test); every other host is not.
  init(log: URL, loopback: Bool = false) throws {
    guard let executable = Self.executable else { throw Failure(description: "no chromium on PATH") }
    self.log = log
    profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-profile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
    var ends: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
      throw Failure(description: "socketpair: \(String(cString: strerror(errno)))")
    }
    socket = ends[0]
    // Above fd 10, so that dup2 onto 3 and 4 makes copies without close-on-exec.
    let child = fcntl(ends[1], F_DUPFD_CLOEXEC, 10)
    Glibc.close(ends[1])
    defer { Glibc.close(child) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, child, 3)
    posix_spawn_file_actions_adddup2(&actions, child, 4)
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))  // its own group: killable as one
    posix_spawnattr_setpgroup(&attributes, 0)
    let arguments = [
      executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
      "--no-default-browser-check", "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-extensions", "--mute-audio",
      "--host-resolver-rules=MAP * ~NOTFOUND" + (loopback ? ", EXCLUDE 127.0.0.1" : ""),
      "--user-data-dir=\(profile.path)", "--remote-debugging-pipe", "about:blank",
    ]
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    guard status == 0 else {
      Glibc.close(socket)
      try? FileManager.default.removeItem(at: profile)
      throw Failure(description: "cannot start \(executable): \(String(cString: strerror(status)))")
    }
    self.pid = pid
  }

  deinit { close() }

  /// Sends a command and waits for its reply; events that arrive meanwhile are kept in ``events``.
  @discardableResult
  func command(_ method: String, _ params: [String: Any] = [:], session: String? = nil) throws -> [String: Any] {
    lastID += 1
    let id = lastID
    var message: [String: Any] = ["id": id, "method": method, "params": params]
    if let session { message["sessionId"] = session }
    try write([UInt8](try JSONSerialization.data(withJSONObject: message)) + [0])
    let deadline = Date() + timeout
    while true {
      let reply = try nextMessage(until: deadline, waitingFor: method)
      guard reply["id"] as? Int == id else { continue }
      if let error = reply["error"] { throw Failure(description: "\(method) failed: \(error)") }
      return reply["result"] as? [String: Any] ?? [:]
    }
  }

  /// A new tab of `width`×`height` CSS px (a phone's viewport and `<meta name=viewport>` when `mobile`)
  /// with the runtime, log, network and page events on; returns its session id.
  func openPage(width: Int, height: Int, mobile: Bool) throws -> String {
    let target = try command("Target.createTarget", ["url": "about:blank"])["targetId"] as? String ?? ""
    let session = try command("Target.attachToTarget", ["targetId": target, "flatten": true])["sessionId"] as? String ?? ""
    for domain in ["Runtime", "Log", "Network", "Page"] { try command("\(domain).enable", session: session) }
    try command("Emulation.setDeviceMetricsOverride",
                ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile], session: session)
    return session
  }

  /// Loads `url` and waits for its `load` event.
  func navigate(_ session: String, to url: URL) throws {
    let mark = events.count
    try command("Page.navigate", ["url": url.absoluteString], session: session)
    let deadline = Date() + timeout
    var seen = mark
    while true {
      if events[seen...].contains(where: { $0.method == "Page.loadEventFired" }) { return }
      seen = events.count
      _ = try nextMessage(until: deadline, waitingFor: "the load event of \(url.lastPathComponent)")
    }
  }

  /// The value of a JavaScript expression (run by the debugger: the page's CSP does not apply).
  func evaluate(_ session: String, _ expression: String) throws -> Any? {
    let result = try command("Runtime.evaluate", ["expression": expression, "returnByValue": true], session: session)
    if let exception = result["exceptionDetails"] { throw Failure(description: "script failed: \(exception)") }
    return (result["result"] as? [String: Any])?["value"]
  }

  func screenshot(_ session: String) throws -> Data {
    try decoded(command("Page.captureScreenshot", ["format": "png"], session: session))
  }

  func printToPDF(_ session: String) throws -> Data {
    try decoded(command("Page.printToPDF", [:], session: session))
  }

  /// Console calls of any kind, uncaught exceptions, and browser log entries (CSP
  /// violations, failed loads, deprecations) of level warning or error, since event `mark`.
  func consoleProblems(since mark: Int) -> [String] {
    events[mark...].compactMap { event in
      switch event.method {
      case "Runtime.consoleAPICalled":
        let args = (event.params["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "?")" }
        return "console.\(event.params["type"] ?? "?"): \(args.joined(separator: " "))"
      case "Runtime.exceptionThrown":
        return "exception: \(event.params["exceptionDetails"] ?? "")"
      case "Log.entryAdded":
        let entry = event.params["entry"] as? [String: Any] ?? [:]
        guard let level = entry["level"] as? String, level == "error" || level == "warning" else { return nil }
        return "\(level) (\(entry["source"] ?? "?")): \(entry["text"] ?? "")"
      default:
        return nil
      }
    }
  }

  /// URLs the page asked for, other than `file:` and `data:` ones, since event `mark`.
  /// A request the browser blocked before sending it (`Network.loadingFailed` with a
  /// `blockedReason`, e.g. `csp` under the report's Content-Security-Policy) never left the
  /// page and is not counted; its console error is.
  func requests(since mark: Int) -> [String] {
    let recent = events[mark...]
    let blocked = Set(recent.filter { $0.method == "Network.loadingFailed" && $0.params["blockedReason"] != nil }
      .compactMap { $0.params["requestId"] as? String })
    return recent.filter { $0.method == "Network.requestWillBeSent" }
      .filter { !blocked.contains($0.params["requestId"] as? String ?? "") }
      .compactMap { ($0.params["request"] as? [String: Any])?["url"] as? String }
      .filter { !$0.hasPrefix("file:") && !$0.hasPrefix("data:") }
  }

  /// Asks the browser to quit, waits up to 10 s, then kills its process group.
  func close() {
    guard !closed else { return }
    closed = true
    lastID += 1
    if let data = try? JSONSerialization.data(withJSONObject: ["id": lastID, "method": "Browser.close"]) {
      try? write([UInt8](data) + [0])
    }
    let deadline = Date() + 10
    var status: Int32 = 0
    while waitpid(pid, &status, WNOHANG) == 0 {
      if Date() > deadline {
        kill(-pid, SIGKILL)
        waitpid(pid, &status, 0)
        break
      }
      usleep(20_000)
    }
    kill(-pid, SIGKILL)  // helpers of the group still alive, if any
    Glibc.close(socket)
    try? FileManager.default.removeItem(at: profile)
  }

  private func decoded(_ result: [String: Any]) throws -> Data {
    guard let text = result["data"] as? String, let data = Data(base64Encoded: text) else {
      throw Failure(description: "no base64 data in the reply")
    }
    return data
  }

  private func write(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      if sent < 0 && errno == EINTR { continue }
      guard sent > 0 else { throw Failure(description: "Chromium is gone: \(String(cString: strerror(errno))) (log: \(log.path))") }
      offset += sent
    }
  }

  /// The next message (reply or event, events recorded), reading until `deadline`.
  private func nextMessage(until deadline: Date, waitingFor what: String) throws -> [String: Any] {
    while true {
      if let end = buffer.firstIndex(of: 0) {
        let text = Data(buffer[..<end])
        buffer.removeSubrange(...end)
        guard let message = try JSONSerialization.jsonObject(with: text) as? [String: Any] else { continue }
        if let method = message["method"] as? String { events.append((method, message["params"] as? [String: Any] ?? [:])) }
        return message
      }
      let left = deadline.timeIntervalSinceNow
      guard left > 0 else { throw Failure(description: "Chromium did not answer \(what) within \(Int(timeout)) s") }
      var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
      let ready = poll(&descriptor, 1, Int32(min(left, 1) * 1000))
      if ready <= 0 { continue }
      var chunk = [UInt8](repeating: 0, count: 1 << 16)
      let count = read(socket, &chunk, chunk.count)
      if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
      guard count > 0 else { throw Failure(description: "Chromium exited while waiting for \(what) (log: \(log.path))") }
      buffer += chunk[..<count]
    }
  }
}
#endif
