import ArgumentParser
import Foundation
import NotebookCore

struct Clean: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Remove the cell cache of notebooks (the next render runs every cell).",
    discussion: """
      With notebook files, removes <notebook folder>/.notebook-cache/<name>. With none, removes every \
      cell cache in the .notebook-cache folders under the current folder (four levels down, hidden \
      folders skipped). Only folders holding nothing but cache entries are removed.
      """)

  @ArgumentParser.Argument(help: "Notebook files (.md); none: every cell cache under the current folder.")
  var files: [String] = []

  func run() throws {
    var removals: [CellCacheFolder.Removal] = []
    if files.isEmpty {
      removals = try CellCacheFolder.removeAll(under: FileManager.default.currentDirectoryPath)
      if removals.isEmpty { print("no cell cache under \(FileManager.default.currentDirectoryPath)") }
    }
    for file in files {
      guard file.hasSuffix(".md") else { throw ValidationError("'\(file)' is not a notebook (.md)") }
      if let removal = try CellCacheFolder.remove(forNotebook: file) {
        removals.append(removal)
      } else if FileManager.default.fileExists(atPath: file) {
        print("\(file): no cell cache")
      } else {
        throw NotebookIOError(path: file, "no such notebook, and no cell cache for it")
      }
    }
    for removal in removals {
      print("removed \(removal.path) (\(removal.entries) entr\(removal.entries == 1 ? "y" : "ies"), \(Self.size(removal.bytes)))")
    }
  }

  static func size(_ bytes: Int) -> String {
    bytes < 1 << 20 ? "\(bytes / 1024) KB" : String(format: "%.1f MB", Double(bytes) / 1_048_576)
  }
}
