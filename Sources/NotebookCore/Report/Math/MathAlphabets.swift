/// Font commands (`\mathbf`, `\mathbb`, `\mathcal`, …) as Unicode Mathematical Alphanumeric
/// Symbols, since MathML Core keeps only `mathvariant="normal"`.
enum MathFont: Equatable, Sendable {
  case roman, bold, italic, boldItalic, doubleStruck, script, fraktur, sansSerif, monospace

  /// The font of a `\mathxx`/`\textxx` command, nil for other names.
  init?(command: String) {
    switch command {
    case "mathrm", "textrm", "rm", "textup", "textnormal": self = .roman
    case "mathbf", "textbf", "bf": self = .bold
    case "mathit", "textit", "it": self = .italic
    case "boldsymbol", "bm", "pmb": self = .boldItalic
    case "mathbb", "Bbb": self = .doubleStruck
    case "mathcal", "mathscr", "cal": self = .script
    case "mathfrak": self = .fraktur
    case "mathsf", "textsf", "sf": self = .sansSerif
    case "mathtt", "texttt", "tt": self = .monospace
    default: return nil
    }
  }

  /// `scalar` in this font; unchanged where Unicode has no such letter. `roman` and
  /// `italic` leave letters alone here: the writer makes them upright or italic.
  func apply(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    let v = scalar.value
    if let exception = Self.exceptions[self]?[scalar] { return exception }
    switch v {
    case 0x41...0x5A, 0x61...0x7A:
      guard let base = latinBase else { return scalar }
      let index = v <= 0x5A ? v - 0x41 : 26 + v - 0x61
      return Unicode.Scalar(base + index) ?? scalar
    case 0x30...0x39:
      guard let base = digitBase else { return scalar }
      return Unicode.Scalar(base + v - 0x30) ?? scalar
    default:
      guard var base = greekBase, let index = Self.greekIndex(v) else { return scalar }
      if self == .boldItalic && index < 26 { base = 0x1D6A8 }  // \boldsymbol{\Sigma} stays upright
      return Unicode.Scalar(base + index) ?? scalar
    }
  }

  private var latinBase: UInt32? {
    switch self {
    case .bold: 0x1D400
    case .italic: 0x1D434
    case .boldItalic: 0x1D468
    case .script: 0x1D49C
    case .fraktur: 0x1D504
    case .doubleStruck: 0x1D538
    case .sansSerif: 0x1D5A0
    case .monospace: 0x1D670
    case .roman: nil
    }
  }

  private var digitBase: UInt32? {
    switch self {
    case .bold, .boldItalic: 0x1D7CE
    case .doubleStruck: 0x1D7D8
    case .sansSerif: 0x1D7E2
    case .monospace: 0x1D7F6
    default: nil
    }
  }

  private var greekBase: UInt32? {
    switch self {
    case .bold: 0x1D6A8
    case .italic: 0x1D6E2
    case .boldItalic: 0x1D71C
    default: nil
    }
  }

  /// Position in the 58-letter Greek blocks: Α…Ω (ϴ in Ρ's gap), ∇, α…ω, ∂ ϵ ϑ ϰ ϕ ϱ ϖ.
  private static func greekIndex(_ v: UInt32) -> UInt32? {
    switch v {
    case 0x391...0x3A9: v == 0x3A2 ? nil : v - 0x391
    case 0x3F4: 17
    case 0x2207: 25
    case 0x3B1...0x3C9: 26 + v - 0x3B1
    case 0x2202: 51
    case 0x3F5: 52
    case 0x3D1: 53
    case 0x3F0: 54
    case 0x3D5: 55
    case 0x3F1: 56
    case 0x3D6: 57
    default: nil
    }
  }

  /// Letters that Unicode had before the Mathematical Alphanumeric block (ℝ, ℒ, ℎ).
  private static let exceptions: [MathFont: [Unicode.Scalar: Unicode.Scalar]] = [
    .italic: ["h": "ℎ"],
    .script: [
      "B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ", "R": "ℛ", "e": "ℯ", "g": "ℊ", "o": "ℴ",
    ],
    .fraktur: ["C": "ℭ", "H": "ℌ", "I": "ℑ", "R": "ℜ", "Z": "ℨ"],
    .doubleStruck: ["C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"],
  ]
}
