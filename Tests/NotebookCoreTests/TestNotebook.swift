import Foundation
import Testing
@testable import NotebookCore

/// Runs notebook text through the checker, the interpreter and the report writers in a
/// temporary folder (removed afterwards), with the cell cache off: what the builtin suites
/// (model, dark matter, ITDA) share. A checker problem is recorded as a test issue.
enum TestNotebook {
  static func run(_ text: String, path: String) throws -> NotebookRenderer.Result {
    let session = try NotebookSession.load(path: path, text: text)
    #expect(session.problems.isEmpty, "\(session.problems)")
    var options = NotebookRenderer.Options()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    options.reportsDirectory = directory.path
    options.figuresDirectory = directory.appendingPathComponent("figures").path
    options.cache = .off
    return try NotebookRenderer(session: session, options: options).render()
  }

  /// The text lines every cell printed, in order.
  static func printed(_ result: NotebookRenderer.Result) -> [String] {
    result.report.cells.flatMap { cell in
      cell.outputs.compactMap { output -> String? in
        guard case .text(let line) = output else { return nil }
        return line
      }
    }
  }
}
