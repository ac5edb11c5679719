import ArgumentParser
import Foundation
import NotebookCore

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Report every problem in notebooks without running them.")

  @ArgumentParser.Argument(help: "Notebook files (.md).") var files: [String]

  func run() throws {
    var problems = 0
    for file in files {
      let session = try NotebookSession.load(path: file)
      let renderer = DiagnosticRenderer(sources: [session.notebook.path: session.notebook.source])
      let found = session.problems
      FileHandle.standardError.write(Data(renderer.render(found).utf8))
      problems += found.filter { $0.severity == .error }.count
      if found.isEmpty { print("\(file): no problems (\(session.notebook.cells.count) cells)") }
    }
    if problems > 0 {
      FileHandle.standardError.write(Data("\(problems) error\(problems == 1 ? "" : "s")\n".utf8))
      throw FoundProblems()
    }
  }
}
