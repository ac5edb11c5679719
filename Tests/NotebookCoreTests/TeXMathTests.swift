import Foundation
import Testing

@testable import NotebookCore

/// LaTeX math to MathML Core: exact output for small formulas, the formulas of the SAE
/// notebooks, every failure with its position, and hostile input.
@Suite struct TeXMathTests {
  /// What sits inside the outer `<mrow>`, or "failure: message @offset+length".
  static func body(_ tex: String, display: Bool = false) -> String {
    switch TeXMath.mathML(tex, display: display) {
    case .success(let xml):
      guard let start = xml.range(of: "<semantics><mrow>"),
        let end = xml.range(of: "</mrow><annotation encoding=\"application/x-tex\">", options: .backwards)
      else { return "malformed: \(xml)" }
      return String(xml[start.upperBound..<end.lowerBound])
    case .failure(let failure):
      return "failure: \(failure.message) @\(failure.offset)+\(failure.length)"
    }
  }

  static let bar = #"<mo stretchy="false" lspace="0" rspace="0">‖</mo>"#

  static let goldens: [(tex: String, display: Bool, mathML: String)] = [
    ("x", false, "<mi>x</mi>"),
    ("1.5", false, "<mn>1.5</mn>"),
    ("10^{-3}", false, #"<msup><mn>10</mn><mrow><mo lspace="0" rspace="0">−</mo><mn>3</mn></mrow></msup>"#),
    ("x'", false, "<msup><mi>x</mi><mo>′</mo></msup>"),
    ("f''", false, "<msup><mi>f</mi><mo>″</mo></msup>"),
    ("x'^2", false, "<msup><mi>x</mi><mrow><mo>′</mo><mn>2</mn></mrow></msup>"),
    ("a+b=c", false, "<mi>a</mi><mo>+</mo><mi>b</mi><mo>=</mo><mi>c</mi>"),
    ("a = -b", false, #"<mi>a</mi><mo>=</mo><mo lspace="0" rspace="0">−</mo><mi>b</mi>"#),
    ("ab", false, "<mi>a</mi><mi>b</mi>"),
    ("x^23", false, "<msup><mi>x</mi><mn>2</mn></msup><mn>3</mn>"),
    ("x_{i,j}", false, "<msub><mi>x</mi><mrow><mi>i</mi><mo>,</mo><mi>j</mi></mrow></msub>"),
    ("a < b", false, "<mi>a</mi><mo>&lt;</mo><mi>b</mi>"),
    ("a/b", false, "<mi>a</mi><mi>/</mi><mi>b</mi>"),
    (
      "\\#\\{i : j\\}", false,
      #"<mi>#</mi><mo stretchy="false">{</mo><mi>i</mi><mo lspace="0.2778em" rspace="0.2778em">:</mo><mi>j</mi><mo stretchy="false">}</mo>"#
    ),
    (#"\frac12"#, false, "<mfrac><mn>1</mn><mn>2</mn></mfrac>"),
    (
      #"\dfrac{a}{b}"#, false,
      #"<mstyle displaystyle="true" scriptlevel="0"><mfrac><mi>a</mi><mi>b</mi></mfrac></mstyle>"#
    ),
    (
      #"\binom{n}{k}"#, false,
      #"<mrow><mo stretchy="true">(</mo><mfrac linethickness="0"><mi>n</mi><mi>k</mi></mfrac><mo stretchy="true">)</mo></mrow>"#
    ),
    (#"\sqrt{x}"#, false, "<msqrt><mi>x</mi></msqrt>"),
    (#"\sqrt[3]{x}"#, false, "<mroot><mi>x</mi><mn>3</mn></mroot>"),
    (#"\Gamma\alpha\varepsilon"#, false, #"<mi mathvariant="normal">Γ</mi><mi>α</mi><mi>ε</mi>"#),
    (#"\mathbf{x}\mathbb{E}\mathcal{L}"#, false, "<mi>𝐱</mi><mi>𝔼</mi><mi>ℒ</mi>"),
    (#"\boldsymbol{\alpha}\mathbb{1}"#, false, "<mi>𝜶</mi><mn>𝟙</mn>"),
    (#"\mathbb{R}^d"#, false, "<msup><mi>ℝ</mi><mi>d</mi></msup>"),
    (#"\mathrm{ReLU}"#, false, "<mi>ReLU</mi>"),
    (#"\mathrm{d}x"#, false, #"<mi mathvariant="normal">d</mi><mi>x</mi>"#),
    (#"\text{if } x"#, false, "<mtext>if\u{A0}</mtext><mi>x</mi>"),
    (#"\hat x"#, false, #"<mover accent="true"><mi>x</mi><mo stretchy="false">^</mo></mover>"#),
    (#"\|x\|"#, false, bar + "<mi>x</mi>" + bar),
    (#"\left( x \right)"#, false, #"<mrow><mo stretchy="true">(</mo><mi>x</mi><mo stretchy="true">)</mo></mrow>"#),
    (#"\left. x \right|"#, false, #"<mrow><mi>x</mi><mo stretchy="true">|</mo></mrow>"#),
    (
      #"\sum_{i=1}^n x_i"#, true,
      "<munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></munderover><msub><mi>x</mi><mi>i</mi></msub>"
    ),
    (
      #"\sum_{i=1}^n x_i"#, false,
      "<msubsup><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></msubsup><msub><mi>x</mi><mi>i</mi></msub>"
    ),
    (#"\int_0^1"#, true, "<msubsup><mo>∫</mo><mn>0</mn><mn>1</mn></msubsup>"),
    (#"\log x"#, false, "<mi>log</mi><mo rspace=\"0.1667em\">\u{2061}</mo><mi>x</mi>"),
    (
      #"\log(x)"#, false,
      "<mi>log</mi><mo>\u{2061}</mo><mo stretchy=\"false\">(</mo><mi>x</mi><mo stretchy=\"false\">)</mo>"
    ),
    (#"\max_i x"#, true, "<munder><mi>max</mi><mi>i</mi></munder><mo rspace=\"0.1667em\">\u{2061}</mo><mi>x</mi>"),
    (#"\operatorname{TopK}"#, false, "<mi>TopK</mi><mo>\u{2061}</mo>"),
    (#"\operatorname*{argmax}_x"#, true, "<munder><mi>argmax</mi><mi>x</mi></munder><mo>\u{2061}</mo>"),
    (#"a\,b"#, false, #"<mi>a</mi><mspace width="0.1667em"></mspace><mi>b</mi>"#),
    (#"\big("#, false, #"<mo stretchy="true" minsize="1.2em" maxsize="1.2em">(</mo>"#),
    (#"\{ a \}"#, false, #"<mo stretchy="false">{</mo><mi>a</mi><mo stretchy="false">}</mo>"#),
    (#"\cdot"#, false, #"<mo lspace="0" rspace="0">⋅</mo>"#),
    (#"\not\in \not= \ne"#, false, "<mo>∉</mo><mo>≠</mo><mo>≠</mo>"),
    ("α ≤ β", false, "<mi>α</mi><mo>≤</mo><mi>β</mi>"),
    ("x % comment\n+ y", false, "<mi>x</mi><mo>+</mo><mi>y</mi>"),
    (
      #"\underbrace{x}_{n}"#, false,
      #"<munder><munder accentunder="true"><mi>x</mi><mo stretchy="true">⏟</mo></munder><mi>n</mi></munder>"#
    ),
    (
      #"\begin{pmatrix} a & b \\ c & d \end{pmatrix}"#, false,
      #"<mrow><mo stretchy="true">(</mo><mtable><mtr><mtd><mi>a</mi></mtd><mtd><mi>b</mi></mtd></mtr>"#
        + #"<mtr><mtd><mi>c</mi></mtd><mtd><mi>d</mi></mtd></mtr></mtable><mo stretchy="true">)</mo></mrow>"#
    ),
    (
      #"\begin{cases} 1 & x \end{cases}"#, false,
      #"<mrow><mo stretchy="true">{</mo><mtable><mtr><mtd><mn>1</mn></mtd><mtd><mi>x</mi></mtd></mtr></mtable></mrow>"#
    ),
    (
      #"\begin{aligned} a &= b \\ \end{aligned}"#, true,
      #"<mtable><mtr><mtd displaystyle="true"><mi>a</mi></mtd><mtd displaystyle="true"><mo>=</mo><mi>b</mi></mtd></mtr></mtable>"#
    ),
    (#"x^{\sum_i a}"#, true, "<msup><mi>x</mi><mrow><msub><mo>∑</mo><mi>i</mi></msub><mi>a</mi></mrow></msup>"),
    (
      #"\sum_{\substack{i \\ j}}"#, true,
      "<munder><mo>∑</mo><mtable><mtr><mtd><mi>i</mi></mtd></mtr><mtr><mtd><mi>j</mi></mtd></mtr></mtable></munder>"
    ),
    (#"\xrightarrow{f}"#, false, #"<mover><mo stretchy="true">→</mo><mi>f</mi></mover>"#),
    (
      #"a \pmod{n}"#, false,
      #"<mi>a</mi><mrow><mspace width="1em"></mspace><mo stretchy="false">(</mo><mi>mod</mi><mspace width="0.3333em"></mspace>"#
        + #"<mi>n</mi><mo stretchy="false">)</mo></mrow>"#
    ),
    (#"\textit{ab}\textbf{c d}"#, false, "<mtext>𝑎𝑏</mtext><mtext>𝐜\u{A0}𝐝</mtext>"),
    (#"\phantom{x}"#, false, "<mphantom><mi>x</mi></mphantom>"),
    (#"\displaystyle x"#, false, #"<mstyle displaystyle="true" scriptlevel="0"><mi>x</mi></mstyle>"#),
    ("", false, ""),
  ]

  @Test func smallFormulasGiveExactMathML() {
    for golden in Self.goldens {
      #expect(Self.body(golden.tex, display: golden.display) == golden.mathML, "\(golden.tex)")
    }
  }

  @Test func documentWrapsTheFormulaWithItsTeX() {
    #expect(
      TeXMath.mathML("x", display: true)
        == .success(
          #"<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><semantics><mrow><mi>x</mi></mrow>"#
            + #"<annotation encoding="application/x-tex">x</annotation></semantics></math>"#))
    let inline = try? TeXMath.mathML(#"\text{"a" & <b>} < c"#, display: false).get()
    #expect(inline?.hasPrefix(#"<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">"#) == true)
    #expect(inline?.contains("<mtext>&quot;a&quot;\u{A0}&amp;\u{A0}&lt;b&gt;</mtext><mo>&lt;</mo>") == true)
    #expect(
      inline?.contains(
        #"<annotation encoding="application/x-tex">\text{&quot;a&quot; &amp; &lt;b&gt;} &lt; c</annotation>"#) == true)
  }

  /// The formulas the SAE notebooks use.
  static let notebookFormulas: [(tex: String, display: Bool, contains: [String])] = [
    (
      #"\|x - \hat x\|_2^2"#, false,
      [
        bar + "<mi>x</mi><mo>−</mo>" + #"<mover accent="true"><mi>x</mi><mo stretchy="false">^</mo></mover>"#,
        "<msubsup>" + bar + "<mn>2</mn><mn>2</mn></msubsup>",
      ]
    ),
    (
      #"\mathcal{L} = \|x - \hat x\|_2^2 + \lambda \|f(x)\|_1"#, true,
      ["<mi>ℒ</mi><mo>=</mo>" + bar, "<mo>+</mo><mi>λ</mi>" + bar + "<mi>f</mi>", "<msub>" + bar + "<mn>1</mn></msub>"]
    ),
    (
      #"f(x) = \operatorname{TopK}(W_{enc}(x - b_{dec}))"#, false,
      [
        "<mo>=</mo><mi>TopK</mi><mo>\u{2061}</mo><mo stretchy=\"false\">(</mo>",
        "<msub><mi>W</mi><mrow><mi>e</mi><mi>n</mi><mi>c</mi></mrow></msub>",
        "<msub><mi>b</mi><mrow><mi>d</mi><mi>e</mi><mi>c</mi></mrow></msub>",
      ]
    ),
    (
      #"\hat x = W_{dec} f(x) + b_{dec}"#, false,
      [
        #"<mover accent="true"><mi>x</mi><mo stretchy="false">^</mo></mover><mo>=</mo><msub><mi>W</mi>"#,
        "<mo>+</mo><msub><mi>b</mi>",
      ]
    ),
    (
      #"\mathrm{FVU} = \frac{\sum_i \|x_i - \hat x_i\|^2}{\sum_i \|x_i - \bar x\|^2}"#, true,
      [
        "<mi>FVU</mi><mo>=</mo><mfrac><mrow><msub><mo>∑</mo><mi>i</mi></msub>",
        "<msup>" + bar + "<mn>2</mn></msup></mrow><mrow><msub><mo>∑</mo>",
        #"<mover accent="true"><mi>x</mi><mo stretchy="false">¯</mo></mover>"#,
      ]
    ),
    (
      #"\mathbb{E}_{x\sim\mathcal{D}}[\,\cdot\,]"#, false,
      [
        "<msub><mi>𝔼</mi><mrow><mi>x</mi><mo>∼</mo><mi>𝒟</mi></mrow></msub>",
        #"<mo stretchy="false">[</mo><mspace width="0.1667em"></mspace><mo lspace="0" rspace="0">⋅</mo>"#,
      ]
    ),
    (
      #"\sigma(z) = \begin{cases} z & z > \theta \\ 0 & \text{otherwise}\end{cases}"#, true,
      [
        #"<mo>=</mo><mrow><mo stretchy="true">{</mo><mtable><mtr><mtd><mi>z</mi></mtd><mtd><mi>z</mi><mo>&gt;</mo><mi>θ</mi></mtd></mtr>"#,
        "<mtr><mtd><mn>0</mn></mtd><mtd><mtext>otherwise</mtext></mtd></mtr></mtable></mrow>",
      ]
    ),
    (#"\epsilon \sqrt{s}"#, false, ["<mi>ϵ</mi><msqrt><mi>s</mi></msqrt>"]),
    (
      #"\sqrt{\tfrac{2}{d}\left(1 - \sum_i f_i^4 / \|f\|^4\right)}"#, true,
      [
        #"<msqrt><mrow><mstyle displaystyle="false" scriptlevel="0"><mfrac><mn>2</mn><mi>d</mi></mfrac></mstyle>"#,
        #"<mrow><mo stretchy="true">(</mo><mn>1</mn><mo>−</mo><munder><mo>∑</mo><mi>i</mi></munder>"#,
        "<msubsup><mi>f</mi><mi>i</mi><mn>4</mn></msubsup><mi>/</mi>",
        #"<mo stretchy="true">)</mo></mrow></mrow></msqrt>"#,
      ]
    ),
    (
      #"\mathbb{E}_{x \sim \mathcal{D}}\left[\|x - \hat{x}\|_2^2\right] + \lambda\, \mathbb{E}\|f(x)\|_1"#, true,
      [#"<mrow><mo stretchy="true">[</mo>"# + bar, #"<mo stretchy="true">]</mo></mrow><mo>+</mo>"#]
    ),
    (
      #"\arg\max_x f(x)"#, true,
      ["<mi>arg</mi><mo rspace=\"0.1667em\">\u{2061}</mo><munder><mi>max</mi><mi>x</mi></munder>"]
    ),
    (#"\argmin_{z} \|z\|_0"#, true, ["<munder><mi>arg min</mi><mi>z</mi></munder>"]),
  ]

  @Test func notebookFormulasRender() {
    for formula in Self.notebookFormulas {
      let body = Self.body(formula.tex, display: formula.display)
      for part in formula.contains {
        #expect(body.contains(part), "\(formula.tex)\n\(body)")
      }
    }
  }

  static let failures: [(tex: String, message: String, offset: Int, length: Int)] = [
    (#"\foo"#, #"unknown command \foo"#, 0, 4),
    (#"α + \foo"#, #"unknown command \foo"#, 4, 4),
    ("{x", "missing '}' for '{' at 0", 0, 1),
    ("x}", "unmatched '}'", 1, 1),
    (#"\left( x"#, #"\left without \right"#, 0, 5),
    (#"{\left( x}"#, #"\left without \right"#, 1, 5),
    (#"x \right)"#, #"\right without \left"#, 2, 6),
    (#"x \middle|"#, #"\middle outside \left…\right"#, 2, 7),
    (#"\left x \right)"#, #"missing delimiter after \left"#, 6, 1),
    ("& x", "'&' outside an environment", 0, 1),
    (#"x \\ y"#, #"'\\' outside an environment"#, 2, 2),
    (#"\begin{cases} {a & b} \end{cases}"#, #"misplaced '&' (inside a group or \left…\right)"#, 17, 1),
    (#"\begin{foo} x \end{foo}"#, "unknown environment 'foo'", 7, 3),
    (#"\begin{matrix} x \end{pmatrix}"#, #"\end{pmatrix} does not match \begin{matrix} at 0"#, 17, 13),
    (#"\begin{matrix} x"#, #"missing \end{matrix} for \begin{matrix}"#, 0, 6),
    (#"x \end{matrix}"#, #"\end without \begin"#, 2, 4),
    (#"\frac{x}"#, #"missing argument for \frac"#, 0, 5),
    (#"\frac"#, #"missing argument for \frac"#, 0, 5),
    ("x^", "missing argument for '^'", 1, 1),
    ("x_}", "missing argument for '_'", 1, 1),
    ("x^a^b", "double superscript", 3, 1),
    ("x_a_b", "double subscript", 3, 1),
    ("x^2'", "double superscript", 3, 1),
    (#"\sqrt[3{x}"#, "missing ']' for '[' at 5", 5, 1),
    (#"\text{abc"#, "missing '}' for '{' at 5", 5, 1),
    (#"\text{\alpha}"#, #"\alpha is not supported in \text"#, 6, 6),
    (#"\tag{1}"#, #"\tag is not supported in inline or block math"#, 0, 4),
    (#"\limits"#, #"\limits must follow an operator"#, 0, 7),
    (#"x\nolimits"#, #"\nolimits must follow an operator"#, 1, 9),
    (#"a\"#, #"a lone '\' at the end"#, 1, 1),
    ("x\u{1}", "unsupported character U+0001", 1, 1),
    ("#", "'#' is not allowed in math", 0, 1),
    (String(repeating: "{", count: 100), "nesting deeper than 64 levels", 64, 1),
    (String(repeating: "x", count: 20_001), "formula longer than 20000 characters", 20_000, 1),
  ]

  @Test func failuresNameTheProblemAndItsSpan() {
    for expected in Self.failures {
      let result = TeXMath.mathML(expected.tex, display: false)
      let failure = TeXMath.Failure(message: expected.message, offset: expected.offset, length: expected.length)
      #expect(result == .failure(failure), "\(expected.tex.prefix(40))")
    }
  }

  /// Deterministic pseudo-random numbers (SplitMix64).
  struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// Runs `tex` and fails the test if it takes longer than a second.
  static func timed(_ tex: String, display: Bool = false) -> Result<String, TeXMath.Failure> {
    let clock = ContinuousClock()
    var result: Result<String, TeXMath.Failure> = .success("")
    let elapsed = clock.measure { result = TeXMath.mathML(tex, display: display) }
    #expect(elapsed < .seconds(1), "\(tex.prefix(30))… took \(elapsed)")
    return result
  }

  @Test func hostileInputFailsQuickly() {
    let deep = [
      String(repeating: "{", count: 10_000), String(repeating: "x^{", count: 6_000),
      String(repeating: #"\frac"#, count: 4_000),
      String(repeating: #"\left("#, count: 3_000), String(repeating: #"\sqrt["#, count: 3_000),
      String(repeating: #"\hat"#, count: 4_900) + "x", String(repeating: #"\displaystyle x"#, count: 1_300),
      String(repeating: #"\begin{matrix}"#, count: 1_400), String(repeating: #"\operatorname"#, count: 1_500),
    ]
    for tex in deep {
      guard case .failure(let failure) = Self.timed(tex) else {
        Issue.record("no failure for \(tex.prefix(20))…")
        continue
      }
      #expect(failure.message == "nesting deeper than 64 levels", "\(tex.prefix(20))")
    }
    #expect(throws: TeXMath.Failure.self) { try Self.timed(String(repeating: "x^", count: 10_000)).get() }
    #expect(throws: TeXMath.Failure.self) { try Self.timed(String(repeating: "}", count: 10_000)).get() }
    #expect(throws: TeXMath.Failure.self) { try Self.timed(String(repeating: "x", count: 1_000_000)).get() }
  }

  @Test func longValidInputIsLinear() throws {
    let sum = try Self.timed(String(repeating: "x_i+", count: 4_999) + "y", display: true).get()
    #expect(sum.count > 4_999 * 20)
    let word = try Self.timed(#"\mathrm{"# + String(repeating: "a", count: 19_000) + "}").get()
    #expect(word.contains("<mi>" + String(repeating: "a", count: 19_000) + "</mi>"))
    let text = try Self.timed(#"\text{"# + String(repeating: "a b", count: 6_000) + "}").get()
    #expect(text.contains("<mtext>a\u{A0}b"))
    let deepButAllowed = try Self.timed(String(repeating: "{", count: 64) + "x" + String(repeating: "}", count: 64))
      .get()
    #expect(deepButAllowed.contains("<mi>x</mi>"))
  }

  @Test func randomInputNeverTrapsAndSuccessIsWellFormed() {
    var random = SplitMix(state: 2026)
    let pieces = [
      "{", "}", "^", "_", "&", #"\\"#, "'", "%", "\n", " ", "x", "1", ".", "-", "(", ")", "[", "]", "|", "α", "≤",
      #"\frac"#, #"\sqrt"#, #"\left"#, #"\right"#, #"\middle"#, #"\begin{cases}"#, #"\end{cases}"#, #"\begin{matrix}"#,
      #"\end{array}"#, #"\text{"#, #"\hat"#, #"\sum"#, #"\limits"#, #"\mathbf"#, #"\operatorname*"#, #"\not"#, #"\big"#,
      #"\displaystyle"#, #"\,"#, #"\|"#, #"\{"#, "~", "\u{0}", "<", "\"",
    ]
    for _ in 0..<400 {
      let tex = (0..<Int.random(in: 1...40, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
      if case .success(let xml) = Self.timed(tex) {
        #expect(SVGInspection(xml).wellFormed, "\(tex)")
      }
    }
    for _ in 0..<200 {
      let bytes = (0..<Int.random(in: 1...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
      let tex = String(decoding: bytes, as: UTF8.self)
      if case .success(let xml) = Self.timed(tex) {
        #expect(SVGInspection(xml).wellFormed, "\(tex.unicodeScalars.map { String($0.value, radix: 16) })")
      }
    }
  }

  static let coreElements: Set<String> = [
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
    "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom",
  ]

  static let coreAttributes: Set<String> = [
    "xmlns", "display", "encoding", "mathvariant", "displaystyle", "scriptlevel", "stretchy", "lspace", "rspace",
    "minsize", "maxsize", "width", "height", "depth", "accent", "accentunder", "linethickness",
  ]

  @Test func outputIsWellFormedMathMLCore() throws {
    let formulas = Self.goldens.map { ($0.tex, $0.display) } + Self.notebookFormulas.map { ($0.tex, $0.display) }
    for (tex, display) in formulas {
      let xml = try TeXMath.mathML(tex, display: display).get()
      let inspection = SVGInspection(xml)
      #expect(inspection.wellFormed, "\(tex)")
      #expect(Set(inspection.elements).isSubset(of: Self.coreElements), "\(tex)")
      #expect(Set(inspection.attributes.map(\.name)).isSubset(of: Self.coreAttributes), "\(tex)")
      #expect(
        inspection.attributes.allSatisfy { $0.name != "mathvariant" || ($0.element == "mi" && $0.value == "normal") })
      #expect(TeXMath.mathML(tex, display: display) == .success(xml), "deterministic: \(tex)")
    }
  }

  @Test func coverageOfTheCommandTables() throws {
    let samples = [
      #"\alpha\beta\gamma\delta\epsilon\varepsilon\zeta\eta\theta\vartheta\iota\kappa\lambda\mu\nu\xi\pi\varpi\rho\varrho\sigma\varsigma\tau\upsilon\phi\varphi\chi\psi\omega"#,
      #"\Gamma\Delta\Theta\Lambda\Xi\Pi\Sigma\Upsilon\Phi\Psi\Omega"#,
      #"a \cdot b \times c \div d \pm e \mp f \le g \leq h \ge i \geq j \ne k \neq l \approx m \sim n \simeq o \equiv p \propto q"#,
      #"x \in A \notin B \subset C \subseteq D \cup E \cap F \setminus G, \emptyset, \infty, \partial, \nabla"#,
      #"\forall x \exists y \neg p \wedge q \vee r \to s \rightarrow t \leftarrow u \mapsto v \Rightarrow w \Leftarrow \iff \implies"#,
      #"a \ll b \gg c \odot d \otimes e \oplus f \circ g \star h \ast i \top \perp \ell \hbar \dots \ldots \cdots \vdots \ddots"#,
      #"\lVert x \rVert \lvert y \rvert \langle u \rangle \lfloor a \rfloor \lceil b \rceil \{ c \}"#,
      #"\sum \prod \int \oint \bigcup_i \bigcap_j"#,
      #"\log \ln \exp \max \min \arg \argmax \argmin \sin \cos \tanh \det \dim \ker \Pr \sup \inf \lim"#,
      #"\mathrm{a} \mathbf{b} \mathit{c} \mathbb{D} \mathcal{E} \mathsf{f} \mathtt{g} \boldsymbol{h} \bm{i} \text{j k} \textbf{l}"#,
      #"\hat a \widehat{b} \tilde c \widetilde{d} \bar e \overline{f} \underline{g} \vec h \dot i \ddot j"#,
      #"\left( a \right) \left\| b \right. \left. c \middle| d \right\rangle \big( \Big[ \bigg\{ \Bigg| \bigl( \bigr) \Bigl[ \Bigr]"#,
      #"a\,b\:c\;d\!e\quad f\qquad g\ h~i \mathop{T}_x \underbrace{a}_{b} \overbrace{c}^{d}"#,
      #"\begin{matrix} a \end{matrix} \begin{bmatrix} a \end{bmatrix} \begin{vmatrix} a \end{vmatrix} \begin{Vmatrix} a \end{Vmatrix}"#,
      #"\begin{align*} a &= b \end{align*} \begin{gathered} a \\ b \end{gathered} \begin{split} a &= b \\ &= c \end{split}"#,
      #"\begin{array}{cc} a & b \\[2pt] c & d \end{array} \dfrac{a}{b} \tfrac{a}{b} \binom{n}{k}"#,
    ]
    for tex in samples {
      let xml = try TeXMath.mathML(tex, display: true).get()
      #expect(SVGInspection(xml).wellFormed, "\(tex)")
    }
  }
}
