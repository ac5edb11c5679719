/// The builtins of papers-2.md §1 and §3 that need no kernel beyond SAEKit's:
/// `trainGBA` (Group Bias Adaptation, `GBAAndAFABuiltins+GBA.swift`) and
/// `evaluateAFA` (the AFA evaluation of any SAE, `GBAAndAFABuiltins+AFA.swift`)
/// and `afaInequality` (the theorem on a random dictionary, `+Inequality.swift`),
/// each one builtin with its result record.
enum GBAAndAFABuiltins {
  static func register(_ r: inout Registry) {
    for record in [gbaRecord, afaRecord, afaInequalityRecord] { r.addRecord(record) }
    for b in [trainGBA, evaluateAFA, afaInequality] { r.add(b) }
  }
}
