/// ITDA's representation similarity (papers-2.md §2c; paper eq. 8 and 10; the
/// reference code's `get_similarity_measure` and `model_similarity.py`): the
/// Jaccard index of the dictionaries' atom labels,
///
/// ```
/// S(D₀, D₁) = |L(D₀) ∩ L(D₁)| / |L(D₀) ∪ L(D₁)|,   L(D) = {(document, position)}
/// ```
///
/// Atoms are never compared as vectors: two dictionaries share an atom iff the
/// same token occurrence entered both, which is why the token stream must be
/// identical (same order, same batching) for every model compared. Labels are
/// sets (duplicates collapse). For a whole model the label sets of all its
/// layers are unioned first (eq. 10). Two empty sets have similarity 1.
public enum LabelJaccard {
  /// `|A ∩ B| / |A ∪ B|` (1 for two empty sets).
  public static func similarity(_ a: Set<TokenOccurrence>, _ b: Set<TokenOccurrence>) -> Double {
    let (small, large) = a.count <= b.count ? (a, b) : (b, a)
    let intersection = small.reduce(0) { $0 + (large.contains($1) ? 1 : 0) }
    let union = a.count + b.count - intersection
    return union == 0 ? 1 : Double(intersection) / Double(union)
  }

  /// The similarity of two dictionaries (e.g. one layer of two models).
  public static func similarity(_ a: ITDADictionary, _ b: ITDADictionary) -> Double {
    similarity(a.occurrences, b.occurrences)
  }

  /// The model-level similarity: Jaccard of the unions of the layers' label sets.
  public static func modelSimilarity(_ a: [ITDADictionary], _ b: [ITDADictionary]) -> Double {
    similarity(union(a), union(b))
  }

  /// `∪_layers L(D_layer)`.
  public static func union(_ layers: [ITDADictionary]) -> Set<TokenOccurrence> {
    layers.reduce(into: Set<TokenOccurrence>()) { $0.formUnion($1.occurrences) }
  }
}
