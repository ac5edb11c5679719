/// LaTeX math to MathML Core, for the report's prose: no JavaScript, no network.
///
/// The TeX between the dollars is lexed (``TeXLexer``), parsed into a small tree
/// (``TeXParser``, ``MathNode``) and printed (``MathMLWriter``). Input is limited to
/// ``maximumLength`` scalars and nesting to ``TeXParser/maximumDepth`` levels; every
/// other problem is a ``Failure`` with the span of TeX it concerns. Never traps.
///
/// - Complexity: O(n) in the length of the TeX.
enum TeXMath {
  struct Failure: Error, Equatable, Sendable {
    /// What went wrong, e.g. "unknown command \\foo", "missing '}' for '{' at 3".
    var message: String
    /// Position in the TeX source, counted in Unicode scalars from 0.
    var offset: Int
    /// Scalars covered (≥ 1 where possible).
    var length: Int
  }

  static let maximumLength = 20_000

  /// `<math display="inline|block">…</math>` for the TeX between the dollars.
  static func mathML(_ tex: String, display: Bool) -> Result<String, Failure> {
    let scalars = Array(tex.unicodeScalars)
    guard scalars.count <= maximumLength else {
      return .failure(
        Failure(
          message: "formula longer than \(maximumLength) characters", offset: maximumLength,
          length: scalars.count - maximumLength))
    }
    let tokens: [TeXToken]
    switch TeXLexer.tokens(scalars) {
    case .success(let lexed): tokens = lexed
    case .failure(let failure): return .failure(failure)
    }
    var parser = TeXParser(scalars: scalars, tokens: tokens, display: display)
    do {
      let nodes = try parser.parseFormula()
      return .success(MathMLWriter.document(nodes, tex: tex, display: display))
    } catch {
      return .failure(error)
    }
  }
}
