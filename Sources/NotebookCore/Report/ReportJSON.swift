import SAEKit

/// The JSON values of report records: SAEKit's ``JSONValue`` (sorted keys, two-space layout,
/// numbers in their shortest round-trip form, NaN and infinities as `"nan"`/`"inf"` strings).
public typealias ReportJSON = JSONValue
