#if os(Linux)
import Foundation
import Glibc
import Testing
@testable import NotebookCore

/// `notebook preview` end to end: the built executable serves a notebook, headless Chromium
/// shows it, the file is saved with new prose and a failing cell, and the page shows both
/// within 2 s of the save (it reloads itself on the server's event).
@Suite(.serialized, .enabled(if: HeadlessChromium.executable != nil, "no chromium on PATH: preview check skipped"))
struct PreviewBrowserTests {
  static let first = """
    ---
    title: Preview check
    ---

    The first version of the prose.

    ```swift
    //| label: numbers
    let xs = [1.0, 2.0, 4.0]
    print("sum", xs[0] + xs[1] + xs[2])
    ```
    """

  /// The folder of the built products (`.build/debug`), where the test bundle is too.
  static var executable: URL {
    let bundle = Bundle.main.bundleURL
    let products = bundle.lastPathComponent.hasSuffix(".xctest") ? bundle.deletingLastPathComponent() : bundle
    return products.appendingPathComponent("notebook")
  }

  /// Polls `condition` every 50 ms until it holds or `seconds` pass; returns the time it took.
  func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Double? {
    let start = Date()
    while Date().timeIntervalSince(start) < seconds {
      if condition() { return Date().timeIntervalSince(start) }
      Thread.sleep(forTimeInterval: 0.05)
    }
    return nil
  }

  @Test func theOpenPageShowsASavedEditWithinTwoSeconds() throws {
    try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path), "build the notebook product first")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preview-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let notebook = directory.appendingPathComponent("preview.md")
    try Self.first.write(to: notebook, atomically: true, encoding: .utf8)
    let out = directory.appendingPathComponent("out.log")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    let process = Process()
    process.executableURL = Self.executable
    process.arguments = ["preview", notebook.path, "--port", "0"]
    process.currentDirectoryURL = directory
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer {
      process.terminate()
      process.waitUntilExit()
    }
    var address: String?
    _ = waitFor(120) {
      let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
      address = text.range(of: #"http://127\.0\.0\.1:[0-9]+/"#, options: .regularExpression).map { String(text[$0]) }
      return address != nil
    }
    let url = try #require(address.flatMap(URL.init(string:)), "the preview prints its address")

    let browser = try HeadlessChromium(log: directory.appendingPathComponent("chromium.log"), loopback: true)
    defer { browser.close() }
    let page = try browser.openPage(width: 1280, height: 900, mobile: false)
    try browser.navigate(page, to: url)
    let shows = { (text: String) -> Bool in
      (try? browser.evaluate(page, "document.body.innerText.includes(\(Self.jsString(text)))") as? Bool) == true
    }
    let seen = (try? browser.evaluate(page, "location.href + ' | ' + document.body.innerText.slice(0, 300)") as? String) ?? "nothing"
    #expect(shows("The first version of the prose.") && shows("sum 7"), "the page shows: \(seen)")

    let second = Self.first.replacingOccurrences(of: "The first version", with: "A saved edit")
      + "\n```swift\n//| label: broken\nlet y = xs[7]\n```\n"
    try second.write(to: notebook, atomically: true, encoding: .utf8)
    let took = waitFor(5) { shows("A saved edit of the prose.") && shows("index 7 out of range") }
    #expect(took != nil, "the page never showed the edit")
    if let took { #expect(took <= 2, "the edit showed after \(took) s") }
  }

  /// `text` as a JavaScript string literal.
  static func jsString(_ text: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [text])
    return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
  }
}
#endif
