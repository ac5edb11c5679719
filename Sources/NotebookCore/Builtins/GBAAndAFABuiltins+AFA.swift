import Foundation
import SAEKit

/// `evaluateAFA`: the AFA evaluation of any SAE (Lee et al. 2025; papers-2.md
/// §3a/§3c) over SAEKit's `ApproximateFeatureActivation`: the ZF plot's
/// per-token norms and εLBO, with and without the decoder-bias column.
extension GBAAndAFABuiltins {
  static let afaRecord = RecordType("AFA", doc: "The AFA evaluation of an SAE on data: per-token norms for the ZF plot, εLBO and relative error, with their medians. f̃ = (f_j‖W_dec[j]‖, …, ‖b_dec‖); the NoBias forms leave the decoder-bias column out; εLBO uses h = the SAE's width in both.", fields: [
    ("width", .int, "h, the number of latents"),
    ("inputNorm", .array(.double), "per token, ‖z‖ (the ZF plot's x)"),
    ("featureNorm", .array(.double), "per token, ‖f̃‖ with the decoder-bias column (the ZF plot's y)"),
    ("featureNormNoBias", .array(.double), "per token, ‖f̃‖ without the decoder-bias column"),
    ("epsilonLBO", .array(.double), "per token, |‖z‖² − ‖f̃‖²| / ((h − 1)‖f̃‖²), with the bias column (inf when ‖f̃‖ = 0)"),
    ("epsilonLBONoBias", .array(.double), "per token, εLBO without the bias column"),
    ("relativeError", .array(.double), "per token, ‖z − ẑ‖² / ‖z‖²"),
    ("medianRatio", .double, "median ‖f̃‖/‖z‖ (below 1: under-activated)"),
    ("medianRatioNoBias", .double, "median ‖f̃‖/‖z‖ without the bias column"),
    ("medianEpsilonLBO", .double, "median εLBO with the bias column"),
    ("medianEpsilonLBONoBias", .double, "median εLBO without the bias column"),
    ("medianRelativeError", .double, "median ‖z − ẑ‖² / ‖z‖²"),
    ("epsilonMax", .double, "the dictionary's ε: max |cos| between two decoder rows (nan unless coherence: true)"),
    ("epsilonMean", .double, "mean |cos| between two decoder rows (nan unless coherence: true)"),
  ])

  static let evaluateAFA = Builtin("evaluateAFA", [
    .positional("sae", .sae, "any SAE: trained here or loaded (SAELens, sparsify)"),
    .labeled("on", .matrix, "inputs z, (tokens × dim), e.g. one layer's activations"),
    .labeled("coherence", .bool, default: .value(.bool(false)), "also measure the dictionary's own ε (max and mean |cos| between decoder rows; 2·m²·d FLOPs)"),
  ], returns: .record("AFA"),
    doc: "The AFA evaluation (Lee et al. 2025): per token the input norm ‖z‖ against the feature norm ‖f̃‖ (activations times decoder-row norms, with and without the decoder bias as one more unit feature), the lower bound εLBO on the dictionary's quasi-orthogonality, and the relative reconstruction error, with medians for a per-layer table."
  ) { args, _ in
    let s = try args.sae("sae"), x = try args.matrix("on")
    guard x.rows > 0 else { throw RuntimeError("no data", argument: "on") }
    let afa: ApproximateFeatureActivation
    do { afa = try ApproximateFeatureActivation(sae: s.model, x: x) } catch let e as SAEKitError {
      throw RuntimeError(e.description, argument: "on")
    }
    let m = afa.summary
    var coherence: DecoderCoherence?
    if try args.bool("coherence") {
      do { coherence = try DecoderCoherence(decoder: s.model.decoderInMemory(for: "the decoder's coherence")) } catch let e as SAEKitError {
        throw RuntimeError(e.description, argument: "sae")
      }
    }
    func doubles(_ v: [Double]) -> Value { .array(v.map(Value.double)) }
    return .record(Record("AFA", [
      ("width", .int(afa.width)), ("inputNorm", doubles(afa.inputNorm)), ("featureNorm", doubles(afa.featureNorm)),
      ("featureNormNoBias", doubles(afa.featureNormWithoutBias)),
      ("epsilonLBO", doubles(afa.epsilonLowerBound(biasColumn: true))),
      ("epsilonLBONoBias", doubles(afa.epsilonLowerBound(biasColumn: false))),
      ("relativeError", doubles(afa.relativeError)), ("medianRatio", .double(m.normRatio)),
      ("medianRatioNoBias", .double(m.normRatioWithoutBias)), ("medianEpsilonLBO", .double(m.epsilonLowerBound)),
      ("medianEpsilonLBONoBias", .double(m.epsilonLowerBoundWithoutBias)), ("medianRelativeError", .double(m.relativeError)),
      ("epsilonMax", .double(coherence?.maxAbsolute ?? .nan)), ("epsilonMean", .double(coherence?.meanAbsolute ?? .nan)),
    ]))
  }
}
