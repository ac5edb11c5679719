/// What the single-symbol commands mean: letters, operators, delimiters, large operators
/// and named functions. Characters typed directly (α, ≤, ‖) are classified by the same tables.
enum TeXSymbols {
  enum Symbol: Equatable, Sendable {
    /// `<mi>`; `normal` for upright single letters (capital Greek, ∇, ∞).
    case identifier(String, normal: Bool)
    case op(String, MathOperator.TeXClass)
    /// `\sum`, `\int`: `limits` puts scripts under and over in display style.
    case largeOperator(String, limits: Bool)
  }

  static let lowercaseGreek: [String: String] = [
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "varkappa": "ϰ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π",
    "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ",
    "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "digamma": "ϝ",
  ]

  static let capitalGreek: [String: String] = [
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
  ]

  static let symbols: [String: Symbol] = {
    var table: [String: Symbol] = [:]
    for (name, letter) in lowercaseGreek { table[name] = .identifier(letter, normal: false) }
    for (name, letter) in capitalGreek { table[name] = .identifier(letter, normal: true) }
    let ordinary: [String: (String, Bool)] = [
      "infty": ("∞", true), "partial": ("∂", false), "nabla": ("∇", true), "emptyset": ("∅", true),
      "varnothing": ("∅", true), "ell": ("ℓ", false), "hbar": ("ℏ", false), "top": ("⊤", true),
      "bot": ("⊥", true), "imath": ("ı", false), "jmath": ("ȷ", false), "Re": ("ℜ", true), "Im": ("ℑ", true),
      "aleph": ("ℵ", true), "wp": ("℘", true), "prime": ("′", true), "angle": ("∠", true),
      "triangle": ("△", true), "Box": ("□", true), "checkmark": ("✓", true), "dagger": ("†", true),
    ]
    for (name, (text, normal)) in ordinary { table[name] = .identifier(text, normal: normal) }
    let operators: [MathOperator.TeXClass: [String: String]] = [
      .binary: [
        "cdot": "⋅", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "cup": "∪", "cap": "∩",
        "setminus": "∖", "wedge": "∧", "land": "∧", "vee": "∨", "lor": "∨", "odot": "⊙", "otimes": "⊗",
        "oplus": "⊕", "ominus": "⊖", "circ": "∘", "star": "⋆", "ast": "∗", "bullet": "∙", "diamond": "⋄",
        "sqcup": "⊔", "sqcap": "⊓", "uplus": "⊎", "oslash": "⊘", "wr": "≀", "amalg": "⨿",
      ],
      .relation: [
        "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "sim": "∼",
        "simeq": "≃", "cong": "≅", "equiv": "≡", "propto": "∝", "in": "∈", "notin": "∉", "ni": "∋",
        "subset": "⊂", "subseteq": "⊆", "supset": "⊃", "supseteq": "⊇", "subsetneq": "⊊", "to": "→",
        "rightarrow": "→", "leftarrow": "←", "gets": "←", "mapsto": "↦", "Rightarrow": "⇒",
        "Leftarrow": "⇐", "Leftrightarrow": "⇔", "leftrightarrow": "↔", "iff": "⟺", "implies": "⟹",
        "impliedby": "⟸", "longrightarrow": "⟶", "longleftarrow": "⟵", "longmapsto": "⟼",
        "Longrightarrow": "⟹", "Longleftarrow": "⟸", "hookrightarrow": "↪", "uparrow": "↑",
        "downarrow": "↓", "ll": "≪", "gg": "≫", "perp": "⊥", "parallel": "∥", "mid": "∣", "nmid": "∤",
        "vdash": "⊢", "models": "⊨", "prec": "≺", "succ": "≻", "preceq": "⪯", "succeq": "⪰",
        "leqslant": "⩽", "geqslant": "⩾", "lesssim": "≲", "gtrsim": "≳", "asymp": "≍", "doteq": "≐",
        "triangleq": "≜", "coloneqq": "≔", "sqsubseteq": "⊑", "nsim": "≁",
      ],
      .ordinary: [
        "forall": "∀", "exists": "∃", "nexists": "∄", "neg": "¬", "lnot": "¬", "dots": "…",
        "ldots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱", "therefore": "∴", "because": "∵",
        "backslash": "\\", "%": "%", "$": "$", "_": "_", "#": "#", "&": "&",
      ],
      .punctuation: ["colon": ":"],
    ]
    for (texClass, entries) in operators {
      for (name, text) in entries { table[name] = .op(text, texClass) }
    }
    let large: [String: (String, Bool)] = [
      "sum": ("∑", true), "prod": ("∏", true), "coprod": ("∐", true), "bigcup": ("⋃", true),
      "bigcap": ("⋂", true), "bigvee": ("⋁", true), "bigwedge": ("⋀", true), "bigoplus": ("⨁", true),
      "bigotimes": ("⨂", true), "bigodot": ("⨀", true), "bigsqcup": ("⨆", true), "biguplus": ("⨄", true),
      "int": ("∫", false), "iint": ("∬", false), "iiint": ("∭", false), "oint": ("∮", false),
    ]
    for (name, (text, limits)) in large { table[name] = .largeOperator(text, limits: limits) }
    for (name, text) in delimiters { table[name] = .op(text, delimiterClass(name)) }
    return table
  }()

  /// Delimiter commands, usable bare or after `\left`, `\right`, `\middle` and `\big`.
  static let delimiters: [String: String] = [
    "{": "{", "}": "}", "lbrace": "{", "rbrace": "}", "lbrack": "[", "rbrack": "]", "|": "‖",
    "Vert": "‖", "vert": "|", "lVert": "‖", "rVert": "‖", "lvert": "|", "rvert": "|", "langle": "⟨",
    "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "lgroup": "⟮", "rgroup": "⟯",
  ]

  /// Characters that can follow `\left`, `\right`, `\middle` and `\big`.
  static let delimiterCharacters: Set<Unicode.Scalar> = [
    "(", ")", "[", "]", "|", "/", "<", ">", ".", "‖", "⟨", "⟩", "⌊", "⌋", "⌈", "⌉", "↑", "↓",
  ]

  private static func delimiterClass(_ name: String) -> MathOperator.TeXClass {
    switch name {
    case "{", "lbrace", "lbrack", "lVert", "lvert", "langle", "lfloor", "lceil", "lgroup": .open
    case "}", "rbrace", "rbrack", "rVert", "rvert", "rangle", "rfloor", "rceil", "rgroup": .close
    default: .ordinary
    }
  }

  /// A character typed in math: its `<mo>` text and class, or nil for letters and digits.
  static func operatorCharacter(_ c: Unicode.Scalar) -> (String, MathOperator.TeXClass) {
    switch c {
    case "+": ("+", .binary)
    case "-", "−": ("−", .binary)
    case "*": ("∗", .binary)
    case "=", "<", ">", ":": (String(c), .relation)
    case ",", ";": (String(c), .punctuation)
    case "(", "[", "⟨", "⌊", "⌈": (String(c), .open)
    case ")", "]", "⟩", "⌋", "⌉", "!", "?": (String(c), .close)
    default: (String(c), characterClasses[c] ?? .ordinary)
    }
  }

  private static let characterClasses: [Unicode.Scalar: MathOperator.TeXClass] = {
    var classes: [Unicode.Scalar: MathOperator.TeXClass] = [:]
    for symbol in symbols.values {
      guard case .op(let text, let texClass) = symbol, text.unicodeScalars.count == 1,
        let scalar = text.unicodeScalars.first, texClass == .binary || texClass == .relation
      else { continue }
      classes[scalar] = texClass
    }
    return classes
  }()

  /// Large operators typed directly (∑, ∫).
  static func largeOperatorCharacter(_ c: Unicode.Scalar) -> Bool? {
    switch c {
    case "∑", "∏", "∐", "⋃", "⋂", "⋁", "⋀", "⨁", "⨂", "⨀": true
    case "∫", "∬", "∭", "∮": false
    default: nil
    }
  }

  /// Named functions, set upright: `limits` puts scripts under in display style (`\max_i`).
  static let functions: [String: (text: String, limits: Bool)] = {
    var table: [String: (String, Bool)] = [:]
    for name in [
      "log", "ln", "lg", "exp", "arg", "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh",
      "coth", "arcsin", "arccos", "arctan", "dim", "ker", "hom", "deg",
    ] { table[name] = (name, false) }
    for name in ["max", "min", "sup", "inf", "lim", "det", "Pr", "gcd", "limsup", "liminf"] {
      table[name] = (name, true)
    }
    table["limsup"] = ("lim sup", true)
    table["liminf"] = ("lim inf", true)
    table["argmax"] = ("arg max", true)
    table["argmin"] = ("arg min", true)
    return table
  }()

  /// `\big` and friends: the size and the class the suffix (l, r, m) gives.
  static func bigDelimiter(_ name: String) -> (size: String, texClass: MathOperator.TeXClass)? {
    let sizes: [(String, String)] = [("Bigg", "2.470em"), ("bigg", "2.047em"), ("Big", "1.623em"), ("big", "1.2em")]
    for (prefix, size) in sizes where name.hasPrefix(prefix) {
      switch name.dropFirst(prefix.count) {
      case "": return (size, .ordinary)
      case "l": return (size, .open)
      case "r": return (size, .close)
      case "m": return (size, .relation)
      default: return nil
      }
    }
    return nil
  }

  /// Spacing commands and their widths.
  static let spaces: [String: String] = [
    ",": "0.1667em", "thinspace": "0.1667em", ":": "0.2222em", ">": "0.2222em", "medspace": "0.2222em",
    ";": "0.2778em", "thickspace": "0.2778em", "!": "-0.1667em", "negthinspace": "-0.1667em",
    "quad": "1em", "qquad": "2em", " ": "0.3333em", "enspace": "0.5em",
  ]

  /// Accents: the mark, whether it stretches, and whether it sits above.
  static let accents: [String: (mark: String, stretchy: Bool, above: Bool)] = [
    "hat": ("^", false, true), "widehat": ("^", true, true), "tilde": ("~", false, true),
    "widetilde": ("~", true, true), "bar": ("¯", false, true), "overline": ("‾", true, true),
    "underline": ("‾", true, false), "vec": ("→", false, true), "overrightarrow": ("→", true, true),
    "overleftarrow": ("←", true, true), "dot": ("˙", false, true), "ddot": ("¨", false, true),
    "check": ("ˇ", false, true), "breve": ("˘", false, true), "acute": ("´", false, true),
    "grave": ("`", false, true), "mathring": ("˚", false, true),
    "overbrace": ("⏞", true, true), "underbrace": ("⏟", true, false),
  ]
}
