import CBLAS
import Foundation

/// Picks OpenBLAS's kernels when its own CPU detection falls back to a baseline core.
///
/// OpenBLAS chooses its kernel family once, in a library constructor, from the CPU's
/// family/model numbers. A release that predates the CPU (Debian 12's 0.3.21 on an Emerald
/// Rapids Xeon, family 6 model 207) does not know the model and falls back to `Prescott`
/// (SSE3): sgemm runs 5–10× slower than the CPU allows. The only way to choose the kernels is
/// the `OPENBLAS_CORETYPE` variable, read by that constructor, so the executables call
/// ``reexecutingWithBetterCoreIfNeeded()`` first thing: when the variable is unset and the
/// chosen core is a baseline one while `/proc/cpuinfo` lists AVX2/AVX-512, it sets the variable
/// to the best core the flags support and replaces the process with a fresh copy of itself
/// (same arguments). A variable set by the user is always respected.
public enum BLASCoreSelection {
  /// The kernel family OpenBLAS chose, e.g. `"Cooperlake"`.
  public static var currentCore: String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
  }

  /// Cores OpenBLAS falls back to for CPUs it does not recognise (no AVX kernels).
  static let baselineCores: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "unknown"]

  /// The best OpenBLAS core (a name `OPENBLAS_CORETYPE` accepts) that the CPU flags support:
  /// `Cooperlake` (AVX-512 with BF16), `SkylakeX` (AVX-512 F/CD/BW/DQ/VL), `Haswell` (AVX2 + FMA),
  /// or nil.
  public static func preferredCore(cpuFlags flags: Set<String>) -> String? {
    let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
    if avx512 && flags.contains("avx512_bf16") { return "Cooperlake" }
    if avx512 { return "SkylakeX" }
    if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
    return nil
  }

  /// The core to force, or nil when OpenBLAS's choice stands: the user set
  /// `OPENBLAS_CORETYPE`, OpenBLAS chose a non-baseline core, or the CPU has nothing better.
  public static func replacementCore(current: String, environment: [String: String], cpuFlags: Set<String>) -> String? {
    guard environment["OPENBLAS_CORETYPE"] == nil, baselineCores.contains(current.lowercased()) else { return nil }
    return preferredCore(cpuFlags: cpuFlags)
  }

  /// The `flags` of the first processor in `/proc/cpuinfo` (empty where there is none).
  static func cpuFlags() -> Set<String> {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
          let colon = line.firstIndex(of: ":") else { return [] }
    return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
  }

  /// Re-executes the process with `OPENBLAS_CORETYPE` set when ``replacementCore(current:environment:cpuFlags:)``
  /// says so; returns normally otherwise (or when `execv` fails, keeping OpenBLAS's choice).
  /// Call it before any other work: the process image is replaced.
  public static func reexecutingWithBetterCoreIfNeeded() {
    let environment = ProcessInfo.processInfo.environment
    guard let core = replacementCore(current: currentCore, environment: environment, cpuFlags: cpuFlags()) else { return }
    setenv("OPENBLAS_CORETYPE", core, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    unsetenv("OPENBLAS_CORETYPE")  // exec failed: carry on with the baseline kernels
  }
}
