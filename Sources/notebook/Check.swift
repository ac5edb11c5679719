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
      let renderer = DiagnosticRenderer(sources: session.sources)
      let found = session.problems
      FileHandle.standardError.write(Data(renderer.render(found + session.warnings).utf8))
      problems += found.filter { $0.severity == .error }.count
      if found.isEmpty {
        let warned = session.warnings.count
        print("\(file): no problems (\(session.notebook.cells.count) cells)\(warned == 0 ? "" : ", \(warned) warning\(warned == 1 ? "" : "s")")")
      }
    }
    if problems > 0 {
      FileHandle.standardError.write(Data("\(problems) error\(problems == 1 ? "" : "s")\n".utf8))
      throw FoundProblems()
    }
  }
}
