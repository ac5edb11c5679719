/// The AFA norm-matching loss of Top-AFA (Lee et al. 2025; the reference
/// code's `afa_loss` in `get_loss_dict`), for any activation:
///
/// ```
/// L_AFA      = λ · Σ_r (‖z_r‖ − T_r)² / B            ‖z_r‖ over the token's stored codes
/// ∂L/∂z_e    = 2λ/B · (‖z_r‖ − T_r) · z_e / ‖z_r‖     (0 when ‖z_r‖ = 0)
/// ∂L/∂T_r    = −2λ/B · (‖z_r‖ − T_r)
/// ```
/// The code's target is the (standardised) input's norm `‖x‖` (here `‖s·x‖`,
/// ``Target/input``), while its selection matches `‖x − b_dec‖`; the other
/// reading, the selection's own target `‖s·x − b_dec‖` (``Target/centered``),
/// is an option, and its gradient reaches `b_dec` through
/// `∂T_r/∂b_dec = −(s·x_r − b_dec)/T_r`. The code uses the plain codes `‖z‖`
/// (its decoder rows are unit-norm, as the trainer keeps them).
public struct NormMatchingLoss: Sendable, Equatable {
  /// What `T_r` is.
  public enum Target: String, Sendable, Equatable, CaseIterable {
    /// `‖s·x_r‖`, the reference code's loss.
    case input
    /// `‖s·x_r − b_dec‖`, the norm the selection matches.
    case centered
  }

  /// `λ_AFA` (the code's sweep: 1/128 … 1/16).
  public var coefficient: Float
  public var target: Target

  public init(coefficient: Float, target: Target = .input) {
    self.coefficient = coefficient
    self.target = target
  }

  /// What ``forward(codes:targets:batch:)`` computes and ``backward(_:codes:codeGradients:)`` reads.
  struct Pass {
    /// `‖z_r‖` and `T_r` per row.
    var codeNorms: [Double], targets: [Double]
    /// `L_AFA`, already divided by the batch size.
    var loss: Double
  }

  /// `‖z_r‖` per row and the loss against `targets (B)`.
  func forward(codes: SparseCodes, targets: [Float]) -> Pass {
    let norms = codes.rowSquaredNorms().map { $0.squareRoot() }
    let t = targets.map(Double.init)
    var loss = 0.0
    for r in 0..<codes.rows { loss += (norms[r] - t[r]) * (norms[r] - t[r]) }
    return Pass(codeNorms: norms, targets: t, loss: Double(coefficient) * loss / Double(max(1, codes.rows)))
  }

  /// Adds `∂L_AFA/∂z_e` to `codeGradients` (aligned with the codes' entries)
  /// and returns `∂L_AFA/∂T_r` per row.
  func backward(_ pass: Pass, codes: SparseCodes, codeGradients: inout [Float]) -> [Double] {
    let c = 2 * Double(coefficient) / Double(max(1, codes.rows))
    var dTarget = [Double](repeating: 0, count: codes.rows)
    for r in 0..<codes.rows {
      let gap = pass.codeNorms[r] - pass.targets[r]
      dTarget[r] = -c * gap
      guard pass.codeNorms[r] > 0 else { continue }
      let scale = c * gap / pass.codeNorms[r]
      for e in codes.entries(row: r) { codeGradients[e] += Float(scale * Double(codes.values[e])) }
    }
    return dTarget
  }
}
