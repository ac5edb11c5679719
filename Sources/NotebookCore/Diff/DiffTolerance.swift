import Foundation

/// When two numbers count as equal in `notebook diff`.
///
/// The old value is the reference (as in `numpy.isclose(new, old)`):
///
///     |new − old| ≤ atol + rtol · |old|
///
/// NaN equals NaN (a result that was NaN and still is has not changed), an
/// infinity equals only the same infinity, and nothing finite equals a NaN
/// or an infinity. The defaults, `rtol = 1e-9` and `atol = 0`, accept only
/// changes in the last few of a double's ~16 digits: records keep every digit,
/// so an unchanged computation gives exactly equal numbers and anything a
/// reader could see in a report counts as a change.
public struct DiffTolerance: Hashable, Sendable {
  public static let defaultRelative = 1e-9
  public static let defaultAbsolute = 0.0

  /// Relative tolerance (≥ 0).
  public var rtol: Double
  /// Absolute tolerance (≥ 0).
  public var atol: Double

  public init(rtol: Double = DiffTolerance.defaultRelative, atol: Double = DiffTolerance.defaultAbsolute) {
    self.rtol = rtol
    self.atol = atol
  }

  /// Exactly equal numbers only.
  public static let exact = DiffTolerance(rtol: 0, atol: 0)

  /// Whether `new` is within tolerance of `old`.
  public func equal(_ old: Double, _ new: Double) -> Bool {
    if old.isNaN || new.isNaN { return old.isNaN && new.isNaN }
    if old == new { return true }
    if !old.isFinite || !new.isFinite { return false }
    return abs(new - old) <= atol + rtol * abs(old)
  }

  /// `rtol 1e-09, atol 0`.
  public var description: String { "rtol \(DiffNumberFormat.short(rtol)), atol \(DiffNumberFormat.short(atol))" }
}

/// Number formats of the diff report (locale-independent, deterministic).
public enum DiffNumberFormat {
  /// A value at full precision: integral doubles below 2⁵³ without `.0`
  /// (`16`), others in shortest round-trip form (`0.15596653199544544`,
  /// `1e-05`), `nan`, `inf`, `-inf`.
  public static func value(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded(), abs(x) < 9_007_199_254_740_992 { return "\(Int(x))" }
    return "\(x)"
  }

  /// Four significant digits: `0.0043`, `1.235e-07`, `16`.
  public static func short(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    return String(format: "%.4g", x)
  }

  /// A change with its sign: `+0.0043`, `-12`.
  public static func signed(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "+inf" : "-inf" }
    return String(format: "%+.4g", x)
  }

  /// The change from `old` to `new`: `+0.0043, +2.7%`; without the relative part
  /// when `old` is 0 or either is not finite.
  public static func change(from old: Double, to new: Double) -> String {
    guard old.isFinite, new.isFinite else { return "" }
    let delta = new - old
    var text: String
    if old == old.rounded(), new == new.rounded(), abs(old) < 1e15, abs(new) < 1e15 {
      let d = Int(new) - Int(old)
      text = d > 0 ? "+\(d)" : "\(d)"
    } else {
      text = signed(delta)
    }
    if old != 0 { text += ", " + String(format: "%+.3g%%", delta / abs(old) * 100) }
    return text
  }
}
