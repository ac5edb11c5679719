import ArgumentParser
import Foundation
import NotebookCore

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Rewrite reports/<name>.html from the notebook, its record and its figures, running nothing.",
    discussion: """
      For a new report style or edited prose: the HTML is rebuilt from the record the last render \
      wrote (reports/<name>.json, left as it is) and the figure files it names, with the notebook's \
      current prose and cell options. Every cell's source must still be the one recorded; otherwise \
      render the notebook.
      """)

  @ArgumentParser.Argument(help: "Notebook files (.md).") var files: [String]
  @Option(name: .shortAndLong, help: ArgumentHelp("Folder of the record and the HTML (default: the project's reports/).", valueName: "folder"))
  var output: String?
  @Flag(help: "Draw every figure again from its recorded spec with gnuplot (the current figure style) and rewrite its file.")
  var redraw = false

  func run() throws {
    for file in files {
      let session = try NotebookSession.load(path: file)
      let name = Notebook.name(ofPath: file)
      let folder = output ?? session.locations.reports
      let record = try RunRecord.load(path: folder + "/" + name + ".json")
      var gnuplot: GnuplotRunner?
      do {
        gnuplot = redraw ? try GnuplotRunner() : nil
      } catch let error as FigureError {
        throw UsageError(error.message)
      }
      var report = try Report(record: record, notebook: session.notebook, locations: session.locations, redraw: gnuplot)
      report.prose = session.prose
      let html = try ReportWriter(directory: folder).writeHTML(report, name: name)
      print("rewrote \(Render.shown(html)) from \(Render.shown(folder + "/" + name + ".json"))")
    }
  }
}
