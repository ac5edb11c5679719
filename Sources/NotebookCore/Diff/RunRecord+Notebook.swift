import Foundation

extension RunRecord {
  /// The record behind a `notebook diff` argument: a notebook (`.md`) is
  /// rendered (``render(notebook:)``), anything else is read as a JSON record.
  public static func load(argument path: String) throws -> RunRecord {
    path.lowercased().hasSuffix(".md") ? try render(notebook: path) : try load(path: path)
  }

  /// Renders a notebook into a fresh temporary folder (reports and figures;
  /// removed afterwards) and takes the record of its report, in memory. A notebook
  /// with failing cells still gives a record (their status says so).
  /// - Throws: ``DiffError`` when the notebook cannot be read or run.
  public static func render(notebook path: String, registry: Registry = .standard) throws -> RunRecord {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("notebook-diff-\(UUID().uuidString)", isDirectory: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    do {
      let session = try NotebookSession.load(path: path, registry: registry)
      var options = NotebookRenderer.Options()
      options.reportsDirectory = folder.appendingPathComponent("reports").path
      options.figuresDirectory = folder.appendingPathComponent("figures").path
      options.allowErrors = true
      let result = try NotebookRenderer(session: session, options: options, registry: registry).render()
      var record = RunRecord(result.report)
      record.source = path
      return record
    } catch let error as DiffError {
      throw error
    } catch let error as UsageError {
      throw DiffError("cannot render '\(path)': \(error.description)")
    } catch let error as Diagnostic {
      throw DiffError("cannot render '\(path)': \(error.message)")
    } catch {
      throw DiffError("cannot render '\(path)': \(error)")
    }
  }
}
