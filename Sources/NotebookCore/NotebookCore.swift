import SAEKit

/// NotebookCore: notebook documents, the cell language, builtins, figures and reports.
public enum NotebookCore {
  /// The tool's version, shown by `notebook --version` and recorded in reports.
  public static let version = "0.1.0"

  /// Process set-up for executables, called before any other work: re-executes with OpenBLAS
  /// kernels for this CPU when OpenBLAS's detection fell back to a baseline core
  /// (``BLASCoreSelection``).
  public static func prepareProcess() {
    BLASCoreSelection.reexecutingWithBetterCoreIfNeeded()
  }
}
