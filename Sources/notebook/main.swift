import ArgumentParser
import Foundation
import NotebookCore

/// `notebook`: render, check and document SAE notebooks.
struct NotebookCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "notebook",
    abstract: "Literate notebooks for sparse-autoencoder research: run Markdown notebooks into HTML reports.",
    version: "notebook \(NotebookCore.version)",
    subcommands: [Render.self, Check.self, Functions.self])
}

NotebookCommand.main()
