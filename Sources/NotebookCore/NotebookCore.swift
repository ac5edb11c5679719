/// NotebookCore: notebook documents, the cell language, builtins, figures and reports.
public enum NotebookCore {
  /// The tool's version, shown by `notebook --version` and recorded in reports.
  public static let version = "0.1.0"
}
