/// Why a figure could not be drawn. `message` is a complete sentence meant for a
/// cell diagnostic (the caller adds the source range).
public enum FigureError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The figure specification is unusable (empty data, length mismatch, NaN/inf,
  /// non-positive values on a logarithmic axis, ragged heatmap, …).
  case invalidSpec(String)
  /// No `gnuplot` executable on `PATH`.
  case gnuplotNotFound
  /// gnuplot exited with a non-zero status; `message` is what it wrote to stderr.
  case gnuplotFailed(status: Int32, message: String)
  /// gnuplot did not finish within the time limit and was killed.
  case timedOut(seconds: Double)
  /// gnuplot's output is not a safe, usable SVG (empty, or containing active content).
  case unusableOutput(String)
  /// The temporary working directory or its files could not be created or read.
  case io(String)

  /// A human-readable explanation of the failure.
  public var message: String {
    switch self {
    case .invalidSpec(let reason):
      return "invalid figure: \(reason)"
    case .gnuplotNotFound:
      return "gnuplot not found; install it with `apt-get install -y gnuplot-nox` (or run `make demo`, which installs it)"
    case .gnuplotFailed(let status, let message):
      let detail = message.isEmpty ? "no message" : message
      return "gnuplot failed (exit status \(status)): \(detail)"
    case .timedOut(let seconds):
      return "gnuplot did not finish within \(formatSeconds(seconds)) seconds and was stopped"
    case .unusableOutput(let reason):
      return "gnuplot produced unusable output: \(reason)"
    case .io(let reason):
      return "could not run gnuplot: \(reason)"
    }
  }

  public var description: String { message }
}

private func formatSeconds(_ seconds: Double) -> String {
  seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
}
