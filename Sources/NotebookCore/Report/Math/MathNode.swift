/// The small tree the TeX parser builds and ``MathMLWriter`` prints. Each case is one
/// MathML Core construct; nothing here knows about TeX syntax.
indirect enum MathNode: Equatable, Sendable {
  /// `<mi>`; `normal` adds `mathvariant="normal"` (a single upright letter).
  case identifier(String, normal: Bool)
  /// `<mn>`.
  case number(String)
  /// `<mo>` with its TeX class (spacing rules) and attributes.
  case op(MathOperator)
  /// `<mtext>`.
  case text(String)
  /// `<mspace width="…"/>`.
  case space(width: String)
  /// `<mrow>` (a single child is printed without the row).
  case row([MathNode])
  /// `msub`/`msup`/`msubsup`, or `munder`/`mover`/`munderover` when `limits` is set.
  case scripts(base: MathNode, sub: MathNode?, sup: MathNode?, limits: Bool)
  /// `<mfrac>`; `thickness` "0" for `\binom`.
  case fraction(MathNode, MathNode, thickness: String?)
  case squareRoot(MathNode)
  case root(MathNode, index: MathNode)
  /// `<mover accent="true">` / `<munder accentunder="true">`: a mark above or below.
  case accent(MathNode, mark: MathOperator, above: Bool)
  /// `<mtable>`: rows of cells; `displayCells` sets `displaystyle="true"` on each cell.
  case table([[MathNode]], displayCells: Bool)
  /// `<mstyle displaystyle=… scriptlevel=…>`.
  case style(MathNode, display: Bool, scriptLevel: Int?)
  case phantom(MathNode)
  /// `<mpadded>` with zero width or zero height and depth (`\vphantom`, `\hphantom`).
  case padded(MathNode, zeroWidth: Bool, zeroHeight: Bool)
  /// U+2061 after a named function; the writer gives it a thin space before an ordinary atom.
  case applyFunction
}

/// One `<mo>`: the character(s), the TeX spacing class and explicit attributes.
struct MathOperator: Equatable, Sendable {
  enum TeXClass: Equatable, Sendable { case ordinary, largeOperator, binary, relation, open, close, punctuation }

  var text: String
  var texClass: TeXClass
  var stretchy: Bool? = nil
  /// "prefix"/"postfix"/"infix", only where the position in the row would guess wrong.
  var form: String? = nil
  var lspace: String? = nil
  var rspace: String? = nil
  /// `\big` and friends: both `minsize` and `maxsize`.
  var size: String? = nil
}
