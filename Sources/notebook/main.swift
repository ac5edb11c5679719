import ArgumentParser
import Foundation
import NotebookCore

/// `notebook`: render, check and document SAE notebooks.
struct NotebookCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "notebook",
    abstract: "Literate notebooks for sparse-autoencoder research: run Markdown notebooks into HTML reports.",
    version: "notebook \(NotebookCore.version)",
    subcommands: [Render.self, Check.self, Functions.self, Diff.self])
}

// Before anything else: OpenBLAS kernels for this CPU when its own detection fell back to SSE3.
NotebookCore.prepareProcess()

// Exit status as the README promises: 0 success, 1 a notebook failed, 2 usage errors
// (ArgumentParser's own usage errors would otherwise exit with 64).
do {
  var command = try NotebookCommand.parseAsRoot()
  try command.run()
} catch {
  if NotebookCommand.exitCode(for: error) == .validationFailure {
    FileHandle.standardError.write(Data((NotebookCommand.fullMessage(for: error) + "\n").utf8))
    exit(2)
  }
  NotebookCommand.exit(withError: error)
}
