import ArgumentParser
import Foundation
import NotebookCore

/// `notebook`: render, check and document SAE notebooks.
struct NotebookCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "notebook",
    abstract: "Literate notebooks for sparse-autoencoder research: run Markdown notebooks into HTML reports.",
    discussion: """
      Exit status: 0 success; 1 a notebook has problems (a failing cell, a checker error) or two runs \
      differ; 2 usage errors and I/O trouble (an unreadable notebook, an unwritable report folder, a file \
      that is not a record).
      """,
    version: "notebook \(NotebookCore.version)",
    subcommands: [Render.self, Check.self, ReportCommand.self, Preview.self, Clean.self, Functions.self, Diff.self, TinyLMCommand.self])
}

/// The outcome of a command that ran to the end but found problems: failing cells,
/// problems in a notebook, records that differ (exit status 1). What they were has
/// already been printed.
struct FoundProblems: Error {}

/// The exit status of every command, in one place:
/// 0 success (help and version too), 1 problems in a notebook or records that differ,
/// 2 usage errors and I/O trouble (an unreadable notebook, an unwritable report, a file
/// that is not a record, a failure of the tool itself).
enum ExitStatus {
  static func of(_ error: Error) -> Int32 {
    switch error {
    case is FoundProblems: return 1
    case let exit as ExitCode: return exit.rawValue
    default: return NotebookCommand.exitCode(for: error) == .success ? 0 : 2
    }
  }

  /// What to print on standard error (nil: nothing more; help and version go to standard output).
  static func message(for error: Error) -> String? {
    switch error {
    case is FoundProblems, is ExitCode: return nil
    case let e as UsageError: return "notebook: \(e.description)"
    case let e as NotebookIOError: return "notebook: \(e.description)"
    case let e as DiffError: return "notebook: \(e.description)"
    default:
      let text = NotebookCommand.fullMessage(for: error)
      return text.isEmpty ? nil : text
    }
  }
}

// Before anything else: OpenBLAS kernels for this CPU when its own detection fell back to SSE3.
NotebookCore.prepareProcess()

do {
  var command = try NotebookCommand.parseAsRoot()
  try command.run()
} catch {
  let status = ExitStatus.of(error)
  if status == 0 {
    NotebookCommand.exit(withError: error)  // --help, --version: printed by ArgumentParser
  }
  if let message = ExitStatus.message(for: error) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
  }
  exit(status)
}
