/// Compares two `data` payloads of value outputs leaf by leaf.
///
/// - numbers (and the strings `"nan"`, `"inf"`, `"-inf"`) by ``DiffTolerance``;
/// - strings as ``NumericText``: equal words, numbers within tolerance, measured
///   spans (wall-clock times) not compared;
/// - other leaves (bools, null) by equality;
/// - objects key by key (keys sorted; a `type` field names the path's root:
///   `Metrics.fvu`); a key on one side only is an added or removed leaf;
/// - arrays element by element (`value[2]`); extra elements are added or removed;
/// - `Table` values (`{"type": "Table", "columns": [...], "rows": [[...]]}`)
///   cell by cell, matching columns by name (repeated names in order): `Table[row 3, FVU]` (rows 1-based);
/// - a leaf whose kind changes (number → string, object → array) is one change.
public struct ValueComparer: Sendable {
  public var tolerance: DiffTolerance

  public init(tolerance: DiffTolerance) { self.tolerance = tolerance }

  /// The root name of a value: its `type` field, else `value`.
  public static func rootName(_ data: ReportJSON?) -> String {
    if case .object(let members)? = data, case .string(let type)? = members["type"] { return type }
    return "value"
  }

  /// Whether `data` is a `Table` value with columns and rows.
  public static func isTable(_ data: ReportJSON?) -> Bool {
    guard case .object(let m)? = data, case .string("Table")? = m["type"], case .array? = m["columns"],
      case .array? = m["rows"]
    else { return false }
    return true
  }

  /// The leaves that differ, in a stable order; empty when equal within tolerance.
  public func changes(_ old: ReportJSON, _ new: ReportJSON, root: String) -> [ValueChange] {
    var out: [ValueChange] = []
    compare(old, new, path: root, into: &out)
    return out
  }

  /// Whether two leaves are equal: numbers within tolerance, others exactly.
  public func leafEqual(_ old: ReportJSON, _ new: ReportJSON) -> Bool {
    if let a = old.doubleValue, let b = new.doubleValue { return tolerance.equal(a, b) }
    if case .string(let a) = old, case .string(let b) = new, a != b {
      return NumericText.same(NumericText.tokens(a), NumericText.tokens(b), tolerance)
    }
    return old == new
  }

  private func compare(_ old: ReportJSON, _ new: ReportJSON, path: String, into out: inout [ValueChange]) {
    switch (old, new) {
    case (.object(let a), .object(let b)):
      if Self.isTable(old), Self.isTable(new), a["type"] == b["type"] {
        compareTables(a, b, path: path, into: &out)
        return
      }
      if a["type"] != b["type"] {  // a different kind of value altogether
        out.append(ValueChange(path: path, old: old, new: new))
        return
      }
      let keys = Set(a.keys).union(b.keys).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
      for key in keys where key != "type" {
        let sub = path + "." + key
        switch (a[key], b[key]) {
        case (let x?, let y?): compare(x, y, path: sub, into: &out)
        case (let x?, nil): out.append(ValueChange(path: sub, old: x, new: nil))
        case (nil, let y?): out.append(ValueChange(path: sub, old: nil, new: y))
        case (nil, nil): break
        }
      }
    case (.array(let a), .array(let b)):
      for i in 0..<max(a.count, b.count) {
        let sub = "\(path)[\(i)]"
        if i < a.count, i < b.count {
          compare(a[i], b[i], path: sub, into: &out)
        } else {
          out.append(ValueChange(path: sub, old: i < a.count ? a[i] : nil, new: i < b.count ? b[i] : nil))
        }
      }
    default:
      if !leafEqual(old, new) { out.append(ValueChange(path: path, old: old, new: new)) }
    }
  }

  /// Cell by cell, columns matched by name; a changed column list is one change.
  private func compareTables(
    _ a: [String: ReportJSON], _ b: [String: ReportJSON], path: String, into out: inout [ValueChange]
  ) {
    let oldColumns = Self.columnNames(a), newColumns = Self.columnNames(b)
    if oldColumns != newColumns {
      out.append(ValueChange(path: path + ".columns", old: a["columns"], new: b["columns"]))
    }
    let oldRows = Self.rows(a), newRows = Self.rows(b)
    for r in 0..<max(oldRows.count, newRows.count) {
      guard r < oldRows.count, r < newRows.count else {
        let row = r < oldRows.count ? oldRows[r] : newRows[r]
        let value = ReportJSON.array(row)
        out.append(ValueChange(path: "\(path)[row \(r + 1)]", old: r < oldRows.count ? value : nil,
                               new: r < newRows.count ? value : nil))
        continue
      }
      for (c, column) in newColumns.enumerated() {
        guard let oc = Self.matchingColumn(c, of: newColumns, in: oldColumns) else { continue }
        let x = oc < oldRows[r].count ? oldRows[r][oc] : nil
        let y = c < newRows[r].count ? newRows[r][c] : nil
        let cell = ValueChange.TableCell(row: r, column: column)
        let sub = "\(path)[row \(r + 1), \(column)]"
        switch (x, y) {
        case (let x?, let y?):
          var inner: [ValueChange] = []
          compare(x, y, path: sub, into: &inner)
          out += inner.map { ValueChange(path: $0.path, old: $0.old, new: $0.new, tableCell: cell) }
        case (nil, nil): break
        default: out.append(ValueChange(path: sub, old: x, new: y, tableCell: cell))
        }
      }
    }
  }

  /// The column of `old` that column `c` of `new` is compared with: the same name at the same
  /// occurrence (the second `(−b)` with the second `(−b)`), so repeated headers pair in order.
  static func matchingColumn(_ c: Int, of new: [String], in old: [String]) -> Int? {
    let occurrence = new[..<c].filter { $0 == new[c] }.count
    return old.indices.filter { old[$0] == new[c] }.dropFirst(occurrence).first
  }

  static func columnNames(_ table: [String: ReportJSON]) -> [String] {
    guard case .array(let items)? = table["columns"] else { return [] }
    return items.enumerated().map { i, item in
      if case .string(let s) = item { return s }
      return "column \(i + 1)"
    }
  }

  static func rows(_ table: [String: ReportJSON]) -> [[ReportJSON]] {
    guard case .array(let rows)? = table["rows"] else { return [] }
    return rows.map { row in
      if case .array(let cells) = row { return cells }
      return [row]
    }
  }
}
