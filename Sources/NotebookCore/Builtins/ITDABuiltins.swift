import Foundation
import SAEKit

/// `itda.*` and `similarity.*`: Inference-Time Decomposition of Activations
/// (Leask, Nanda & Al Moubayed 2025; papers-2.md §2) and the representation
/// similarity measures it is compared with, over SAEKit's `ITDA/` and
/// `Similarity/` libraries.
///
/// A dictionary is the record `ITDA`: its unit-norm atoms (real activations),
/// each atom's provenance (document, position, token id), the add rule's `τ`
/// and the build's wall-clock time. A record (rather than a new value kind)
/// keeps it in the cell cache bit-exactly (the atoms are a matrix, the labels
/// integer arrays). The builtins live in `ITDABuiltins+*.swift`: building and
/// encoding, the model-facing ones (fidelity, atoms with their source text),
/// files, and the similarity measures with the transforms of the invariance
/// experiment.
enum ITDABuiltins {
  static func register(_ r: inout Registry) {
    r.addNamespace("itda", doc: "ITDA dictionaries (Leask et al. 2025): build from activations by the reference add rule, matching-pursuit encode/decode, FVU and embedding fidelity, atoms with their source text, save/load.")
    r.addNamespace("similarity", doc: "Representation similarity: ITDA label Jaccard, linear CKA, SVCCA, relative representations, regression R², layer × layer matrices, and transforms for invariance tests.")
    for record in [dictionaryRecord, metricsRecord] { r.addRecord(record) }
    for b in [build, buildMatrix, crop, evaluate, reconstruct, encode, decode, save, load] { r.add(b) }
    for b in [fidelity, atoms, topActivations] { r.add(b) }
    for b in [jaccard, cka, svcca, relative, regression, jaccardMatrix, measureMatrix, layerMatching] { r.add(b) }
    for b in [rotate, stretch, addNoise] { r.add(b) }
  }

  static let dictionaryRecord = RecordType("ITDA", doc: "An ITDA dictionary: unit-norm atoms that are real activations, each labelled by the token occurrence it came from.", fields: [
    ("size", .int, "number of atoms m"),
    ("dim", .int, "activation dimension d"),
    ("threshold", .double, "τ of the add rule: x is added iff cos(x, x̂) < 1 − τ·d/2"),
    ("cosineThreshold", .double, "1 − τ·d/2"),
    ("l0", .int, "pursuit steps used while building (and the default for encoding)"),
    ("tokensSeen", .int, "tokens streamed through the builder"),
    ("seconds", .double, "wall-clock time of the build"),
    ("layer", .int, "the model layer of the activations (−1 when built from a plain matrix)"),
    ("atoms", .matrix, "the atoms D, (size × dim), unit-norm rows in the order they were added"),
    ("documents", .array(.int), "per atom, the document (snippet) index it came from"),
    ("positions", .array(.int), "per atom, its token position in the document"),
    ("tokenIds", .array(.int), "per atom, its token's vocabulary id (−1 without provenance)"),
    ("batch", .int, "tokens per batch while building (0 when loaded from a file)"),
    ("growth", .array(.int), "the number of atoms after each batch of the build, in order (empty when loaded from a file)"),
  ])

  static let metricsRecord = RecordType("ITDAMetrics", doc: "Reconstruction quality of matching pursuit over an ITDA dictionary.", fields: [
    ("fvu", .double, "fraction of variance unexplained, Σ‖x−x̂‖² / Σ‖x−x̄‖²"),
    ("explainedVariance", .double, "1 − FVU"),
    ("cosine", .double, "mean cosine similarity of x and x̂"),
    ("l0", .double, "mean number of distinct atoms per token"),
    ("atomsUsed", .double, "share of atoms used by at least one token"),
    ("seconds", .double, "wall-clock time of the encoding"),
  ])

  // MARK: - The ITDA record

  /// The record of `d`, built in `seconds`, from activations of `layer`.
  static func record(_ d: ITDADictionary, seconds: Double, layer: Int, batch: Int = 0, growth: [Int] = []) -> Value {
    .record(Record("ITDA", [
      ("size", .int(d.count)), ("dim", .int(d.dimension)), ("threshold", .double(d.threshold)),
      ("cosineThreshold", .double(d.addRule.cosineThreshold)), ("l0", .int(d.l0)), ("tokensSeen", .int(d.tokensSeen)),
      ("seconds", .double(seconds)), ("layer", .int(layer)), ("atoms", .matrix(d.atoms)),
      ("documents", .array(d.labels.map { .int($0.document) })), ("positions", .array(d.labels.map { .int($0.position) })),
      ("tokenIds", .array(d.labels.map { .int($0.tokenId) })),
      ("batch", .int(batch)), ("growth", .array(growth.map(Value.int))),
    ]))
  }

  /// The dictionary argument `name` (an `ITDA` record) with its layer and build time.
  static func dictionary(_ args: CallArguments, _ name: String) throws -> (dictionary: ITDADictionary, layer: Int, seconds: Double) {
    guard case .record(let r)? = args.values[name], r.typeName == "ITDA" else {
      throw RuntimeError("'\(name)' must be an ITDA dictionary, got \(args.values[name]?.type.description ?? "nothing")", argument: name)
    }
    func int(_ f: String) throws -> Int {
      guard case .int(let i)? = r[f] else { throw RuntimeError("ITDA record has no Int field '\(f)'", argument: name) }
      return i
    }
    func ints(_ f: String) throws -> [Int] {
      guard case .array(let items)? = r[f] else { throw RuntimeError("ITDA record has no array field '\(f)'", argument: name) }
      return try items.map { item in
        guard case .int(let i) = item else { throw RuntimeError("ITDA field '\(f)' must hold Ints", argument: name) }
        return i
      }
    }
    func double(_ f: String) throws -> Double {
      guard case .double(let v)? = r[f] else { throw RuntimeError("ITDA record has no Double field '\(f)'", argument: name) }
      return v
    }
    guard case .matrix(let atoms)? = r["atoms"] else { throw RuntimeError("ITDA record has no atoms", argument: name) }
    let (documents, positions, ids) = (try ints("documents"), try ints("positions"), try ints("tokenIds"))
    guard documents.count == atoms.rows, positions.count == atoms.rows, ids.count == atoms.rows else {
      throw RuntimeError("ITDA record has \(atoms.rows) atoms but \(documents.count) labels", argument: name)
    }
    let labels = (0..<atoms.rows).map { ITDADictionary.Label(document: documents[$0], position: positions[$0], tokenId: ids[$0]) }
    let d = try attributing(name) {
      try ITDADictionary(atoms: atoms, labels: labels, threshold: try double("threshold"), l0: try int("l0"),
                         tokensSeen: try int("tokensSeen"))
    }
    return (d, try int("layer"), try double("seconds"))
  }

  /// An array of `ITDA` records.
  static func dictionaries(_ args: CallArguments, _ name: String) throws -> [ITDADictionary] {
    try args.array(name).enumerated().map { i, item in
      var single = args
      single.values = ["item": item]
      do { return try dictionary(single, "item").dictionary } catch let e as RuntimeError {
        throw RuntimeError("element \(i) of '\(name)': \(e.message)", argument: name)
      }
    }
  }

  // MARK: - Shared helpers

  /// The pursuit steps `l0:` (absent: `fallback`), checked to be ≥ 0.
  static func l0(_ args: CallArguments, fallback: Int) throws -> Int {
    let k = try args.optionalInt("l0") ?? fallback
    guard k >= 0 else { throw RuntimeError("l0 must be ≥ 0, got \(k)", argument: "l0") }
    return k
  }

  /// `omp: true` selects orthogonal matching pursuit.
  static func algorithm(_ args: CallArguments) throws -> MatchingPursuit.Algorithm {
    try args.bool("omp") ? .orthogonal : .matchingPursuit
  }

  /// A matrix argument whose columns match the dictionary's dimension.
  static func data(_ args: CallArguments, _ name: String, dimension d: Int) throws -> Matrix {
    let x = try args.matrix(name)
    guard x.cols == d else {
      throw RuntimeError("'\(name)' has \(x.cols) columns but the dictionary's atoms have d = \(d)", argument: name)
    }
    return x
  }

  /// Seconds since `start` (a `DispatchTime` uptime in nanoseconds).
  static func seconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }
}
