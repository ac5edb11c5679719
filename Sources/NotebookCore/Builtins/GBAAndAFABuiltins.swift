/// The builtins of papers-2.md §1 and §3 that need no kernel beyond SAEKit's:
/// `trainGBA` (Group Bias Adaptation, `GBAAndAFABuiltins+GBA.swift`) and
/// `evaluateAFA` (the AFA evaluation of any SAE, `GBAAndAFABuiltins+AFA.swift`),
/// each one builtin with its result record.
enum GBAAndAFABuiltins {
  static func register(_ r: inout Registry) {
    for record in [gbaRecord, afaRecord] { r.addRecord(record) }
    for b in [trainGBA, evaluateAFA] { r.add(b) }
  }
}
