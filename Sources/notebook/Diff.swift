import ArgumentParser
import Foundation
import NotebookCore

/// `notebook diff OLD NEW`: what changed between two runs, cell by cell.
struct Diff: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compare two runs of a notebook cell by cell (JSON records, or notebooks rendered on the fly).",
    discussion: """
      Reports changed text outputs as unified diffs, changed numbers with their absolute and relative \
      change, changed tables cell by cell and changed figures by their series data. Numbers count as \
      equal when |new - old| <= atol + rtol * |old|. Durations are ignored; changed parameters, seed \
      and versions are shown as notes.

      Exit status, as diff(1): 0 the same within tolerance, 1 different, 2 trouble (an unreadable \
      file, a file that is not a record, a bad option).
      """)

  @ArgumentParser.Argument(help: "The old run: a JSON record (reports/<name>.json) or a notebook (.md) to render.")
  var old: String
  @ArgumentParser.Argument(help: "The new run: a JSON record or a notebook (.md) to render.")
  var new: String
  @Option(help: "Relative tolerance for numbers.") var rtol = DiffTolerance.defaultRelative
  @Option(help: "Absolute tolerance for numbers.") var atol = DiffTolerance.defaultAbsolute
  @Option(help: "Unchanged lines shown around each change of a text output.") var context = 3
  @Option(help: ArgumentHelp("Also write a self-contained HTML review page to this file.", valueName: "file"))
  var html: String?

  func validate() throws {
    guard rtol.isFinite, rtol >= 0 else { throw ValidationError("--rtol must be a finite number >= 0, got \(rtol)") }
    guard atol.isFinite, atol >= 0 else { throw ValidationError("--atol must be a finite number >= 0, got \(atol)") }
    guard context >= 0 else { throw ValidationError("--context must be >= 0, got \(context)") }
    if let html, html.isEmpty { throw ValidationError("--html needs a file name") }
  }

  func run() throws {
    let oldRecord = try RunRecord.load(argument: old)
    let newRecord = try RunRecord.load(argument: new)
    let diff = RecordDiffer(tolerance: DiffTolerance(rtol: rtol, atol: atol), context: context).diff(
      oldRecord, newRecord)
    if let html {
      let directory = (html as NSString).deletingLastPathComponent
      if !directory.isEmpty { try ReportWriter.createDirectory(directory) }
      try ReportWriter.writeAtomically(DiffHTMLRenderer().render(diff), to: html)
    }
    print(DiffTextRenderer().render(diff), terminator: "")
    if !diff.isSame { throw FoundProblems() }
  }
}
