import Foundation
import SAEKit

/// A one-line progress bar on standard error, redrawn in place:
/// `[#########.........]  45%  step 90/200  FVU 0.1234  L0 32.0  dead 0.0%  1.2 s`.
struct ProgressBar {
  var width = 30
  var isTerminal = isatty(STDERR_FILENO) != 0

  func show(_ p: TrainingProgress) {
    let fraction = p.steps > 0 ? Double(p.step) / Double(p.steps) : 1
    let filled = Int((fraction * Double(width)).rounded(.down))
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    let line = String(
      format: "[%@] %3d%%  step %d/%d  FVU %.4f  L0 %.1f  dead %.1f%%  %.1f s",
      bar, Int(fraction * 100), p.step, p.steps, p.fvu, p.l0, 100 * p.deadFraction, p.elapsed)
    // On a terminal redraw in place; in a log file print one line per update.
    let end = isTerminal ? (p.step == p.steps ? "\n" : "") : "\n"
    FileHandle.standardError.write(((isTerminal ? "\r" : "") + line + end).data(using: .utf8)!)
  }
}
