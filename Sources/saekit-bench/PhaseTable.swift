import Foundation
import SAEKit

/// The per-phase table of a thread-scaling run (`--scaling 1,2,…`): milliseconds per step in each
/// phase for every thread count, then each phase's speedup over the first count; a doubling of
/// the threads is checked against the 1.8× that #21 asks of every phase. Beside the step, the two
/// bounds measured on the same thread counts: the encoder's sgemm (the arithmetic) and an
/// Adam-shaped memory stream over the parameters (``MemoryProbe``, the bytes the optimiser moves).
struct PhaseTable {
  let runs: [TrainingBenchmark.Run]

  /// Phases that took time in some run, in step order.
  var phases: [StepTimings.Phase] {
    StepTimings.Phase.allCases.filter { phase in runs.contains { ($0.phaseMilliseconds[phase] ?? 0) > 0.005 } }
  }

  var text: String {
    let base = runs[0]
    var lines = ["", "Per-phase scaling (ms per timed step; sgemm bound = one cblas_sgemm of the encoder product on as many "
                 + "threads; memory stream = Adam's 28 bytes per parameter from DRAM on as many workers):"]
    let header = ["threads", "tokens/s"] + phases.map(\.rawValue) + ["step", "sgemm", "share of bound", "memory stream"]
    lines.append("| " + header.joined(separator: " | ") + " |")
    lines.append("|" + String(repeating: " --- |", count: header.count))
    for run in runs {
      let cells = ["\(run.threads)", String(format: "%.0f", run.tokensPerSecond)]
        + phases.map { String(format: "%.2f", run.phaseMilliseconds[$0] ?? 0) }
        + [String(format: "%.1f", run.stepMilliseconds), String(format: "%.1f", run.sgemm.milliseconds),
           String(format: "%.0f%%", run.boundRatio * 100), String(format: "%.2f", run.memoryStreamMilliseconds)]
      lines.append("| " + cells.joined(separator: " | ") + " |")
    }
    for run in runs.dropFirst() {
      let target = run.threads == 2 * base.threads ? 1.8 : 0  // checked for one doubling only
      let cells = ["speedup \(base.threads)→\(run.threads)", String(format: "%.2f×", run.tokensPerSecond / base.tokensPerSecond)]
        + phases.map { phase -> String in
          guard let a = base.phaseMilliseconds[phase], let b = run.phaseMilliseconds[phase], b > 0 else { return "–" }
          return String(format: "%.2f×%@", a / b, a / b >= target ? "" : " (below 1.8×)")
        }
        + [String(format: "%.2f×", base.stepMilliseconds / run.stepMilliseconds),
           String(format: "%.2f×", base.sgemm.milliseconds / run.sgemm.milliseconds), "",
           String(format: "%.2f×", base.memoryStreamMilliseconds / run.memoryStreamMilliseconds)]
      lines.append("| " + cells.joined(separator: " | ") + " |")
    }
    return lines.joined(separator: "\n")
  }
}
