import Foundation
import Testing
@testable import SAEKit

@Suite struct PowerLawFitTests {
  static let widths: [Double] = [2, 4, 8, 16, 32, 64].map { 384 * $0 }

  static func law(c: Double, a: Double, m: Double) -> [Double] {
    widths.map { c + a * pow($0, -m) }
  }

  @Test(arguments: [
    (c: 0.05, a: 3.0, m: 0.6), (c: 0.2, a: 40.0, m: 0.9), (c: 0.0, a: 2.0, m: 0.3), (c: 0.31, a: 0.5, m: 0.15),
  ])
  func recoversExactParameters(c: Double, a: Double, m: Double) throws {
    let fit = try PowerLawFit(widths: Self.widths, values: Self.law(c: c, a: a, m: m))
    #expect(abs(fit.c - c) < 1e-6)
    #expect(abs(fit.m - m) < 1e-5 * max(1, m))
    #expect(abs(fit.a - a) < 1e-4 * a)
    #expect(fit.sumOfSquaredResiduals < 1e-16)
    for w in Self.widths { #expect(abs(fit.predict(w) - (c + a * pow(w, -m))) < 1e-9) }
  }

  @Test func recoversParametersFromNoisyPoints() throws {
    // Ten widths, 0.5% multiplicative noise, averaged over a few noise draws.
    let widths = (0..<10).map { 384 * pow(2, 1 + Double($0) * 0.6) }
    let (c, a, m) = (0.08, 5.0, 0.55)
    var rng = RandomSource(seed: 17)
    for _ in 0..<5 {
      let values = widths.map { w in (c + a * pow(w, -m)) * (1 + 0.005 * rng.gaussian()) }
      let fit = try PowerLawFit(widths: widths, values: values)
      #expect(abs(fit.c - c) < 0.01, "c = \(fit.c)")
      #expect(abs(fit.m - m) < 0.08, "m = \(fit.m)")
      // The curve itself is accurate where there is data.
      for w in widths { #expect(abs(fit.predict(w) - (c + a * pow(w, -m))) < 0.003) }
      // Residuals are the data minus the fitted curve.
      for (i, w) in widths.enumerated() { #expect(abs(fit.residuals[i] - (values[i] - fit.predict(w))) < 1e-12) }
      // Least squares: no better point nearby.
      let s = fit.sumOfSquaredResiduals
      for (dc, dm) in [(1e-3, 0.0), (-1e-3, 0.0), (0.0, 1e-2), (0.0, -1e-2)] {
        let alt = fit.c + dc, altM = fit.m + dm
        // Best a for the perturbed (c, m), in closed form.
        let u = widths.map { pow($0, -altM) }
        let altA = zip(u, values).reduce(0) { $0 + $1.0 * ($1.1 - alt) } / u.reduce(0) { $0 + $1 * $1 }
        let altS = zip(u, values).reduce(0) { $0 + pow($1.1 - alt - altA * $1.0, 2) }
        #expect(altS >= s * (1 - 1e-9))
      }
    }
  }

  @Test func keepsTheParametersInBounds() throws {
    // Falling to a negative asymptote: the best feasible fit has c = 0.
    let falling = try PowerLawFit(widths: Self.widths, values: Self.law(c: -0.05, a: 3, m: 0.4))
    #expect(falling.c == 0 && falling.a > 0 && falling.m > 0)
    // Rising data: no a > 0 helps, so the fit is (nearly) the constant mean.
    let rising = try PowerLawFit(widths: Self.widths, values: [0.1, 0.12, 0.14, 0.16, 0.18, 0.2])
    #expect(rising.c >= 0 && rising.a > 0 && rising.m > 0)
    #expect(abs(rising.predict(Self.widths[0]) - rising.predict(Self.widths[5])) < 1e-3)
    #expect(abs(rising.c - 0.15) < 1e-3)
  }

  @Test func rejectsTooFewOrInvalidPoints() {
    #expect(throws: SAEKitError.self) { try PowerLawFit(widths: [1, 2], values: [1, 0.5]) }
    #expect(throws: SAEKitError.self) { try PowerLawFit(widths: [1, 2, 3], values: [1, 0.5]) }
    #expect(throws: SAEKitError.self) { try PowerLawFit(widths: [1, 0, 3], values: [1, 0.5, 0.2]) }
    #expect(throws: SAEKitError.self) { try PowerLawFit(widths: [2, 2, 2], values: [1, 0.5, 0.2]) }
    #expect(throws: SAEKitError.self) { try PowerLawFit(widths: [1, 2, 3], values: [1, .nan, 0.2]) }
  }

  @Test func widthDecompositionFollowsThePaper() throws {
    let (c, a, m) = (0.12, 4.0, 0.5)
    let total = Self.law(c: c, a: a, m: m)
    let nonlinear = [0.071, 0.069, 0.070, 0.072, 0.068, 0.070]
    let pursuit = nonlinear.map { $0 - 0.002 }
    let parts = try WidthScalingDecomposition(
      widths: Self.widths, totalFVU: total, nonlinearFVU: nonlinear, pursuitNonlinearFVU: pursuit)
    #expect(abs(parts.totalFit.c - c) < 1e-6)
    #expect(abs(parts.nonlinearError - 0.07) < 1e-12)
    #expect(abs(parts.linearError - (c - 0.07)) < 1e-6)
    for (i, w) in Self.widths.enumerated() { #expect(abs(parts.absentFeatures[i] - a * pow(w, -m)) < 1e-6) }
    // absent + linear + nonlinear adds back up to the total FVU at every width.
    for i in total.indices {
      #expect(abs(parts.absentFeatures[i] + parts.linearError + parts.nonlinearError - total[i]) < 1e-12)
    }
    #expect(parts.encoderError!.allSatisfy { abs($0 - 0.002) < 1e-12 })
    #expect(throws: SAEKitError.self) {
      try WidthScalingDecomposition(widths: Self.widths, totalFVU: total, nonlinearFVU: [0.1])
    }
  }
}
