import Foundation
import Testing

@testable import NotebookCore

/// BibTeX files: syntax, TeX decoding, names, diagnostics and hostile input.
@Suite struct BibliographyTests {
  static func parse(_ text: String) -> (Bibliography, [Diagnostic]) { Bibliography.parse(path: "refs.bib", text: text) }

  /// "line:column severity: message" of each diagnostic.
  static func described(_ diagnostics: [Diagnostic]) -> [String] {
    diagnostics.map { "\($0.range.start) \($0.severity.rawValue): \($0.message)" }
  }

  @Test func everySyntaxForm() throws {
    let text = ##"""
      Text outside entries is ignored, as BibTeX ignores it.
      @String{ acl = "Association for " # "Computational Linguistics" }
      @comment{ this {is} ignored @article{not, title = {x}} }
      @preamble{ "\newcommand{\noop}[1]{#1}" }
      @ARTICLE{Key1,
        Title = {Braced {Nested} value},
        journal = "Quoted {"}value",
        YEAR = 2024,
        publisher = acl # { and } # "more",
        month = jan,
        author = {Doe, Jane},
      }
      @misc(key2, title = {Parentheses}, author = {A B})
      @misc{key3, title = {No trailing comma}, author = {C D}}
      """##
    let (bib, diagnostics) = Self.parse(text)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    #expect(bib.entries.keys.sorted() == ["Key1", "key2", "key3"])
    let entry = try #require(bib.entries["Key1"])
    #expect(entry.type == "article")
    #expect(entry.fields["title"] == "Braced Nested value")
    #expect(entry.rawFields["title"] == "Braced {Nested} value")
    #expect(entry.fields["journal"] == "Quoted \"value")
    #expect(entry.fields["year"] == "2024")
    #expect(entry.fields["publisher"] == "Association for Computational Linguistics and more")
    #expect(entry.fields["month"] == "January")
    #expect(entry.authors == [PersonName(given: "Jane", family: "Doe")])
    #expect(entry.range.start == SourcePosition(line: 5, column: 10))
    #expect(entry.range.end == SourcePosition(line: 5, column: 14))
    #expect(bib.entries["key1"] == nil)
    #expect(bib.entries["not"] == nil)
    #expect(bib.entries["key2"]?.fields["title"] == "Parentheses")
  }

  @Test(arguments: [
    (#"{\"o}"#, "ö"), (#"\"{o}"#, "ö"), (#"\'e"#, "é"), (#"\`a"#, "à"), (#"\^o"#, "ô"), (#"\~n"#, "ñ"),
    (#"\c{c}"#, "ç"), (#"\v{s}"#, "š"), (#"{\ss}"#, "ß"), (#"{\o}"#, "ø"), (#"{\aa}"#, "å"), (#"{\l}ódź"#, "łódź"),
    (#"Kram\'{a}r"#, "Kramár"), (#"Dupr{\'e}"#, "Dupré"), (#"na{\"\i}ve"#, "naïve"), (#"\v s"#, "š"),
    (##"\& \% \$ \_ \#"##, "& % $ _ #"), ("1--2", "1–2"), ("a---b", "a—b"), ("a-b", "a-b"), ("a~b", "a\u{A0}b"),
    (#"\textit{x} and \emph{y}"#, "x and y"), (#"\url{https://a.org/~c_d--e}"#, "https://a.org/~c_d--e"),
    (#"$\ell_0$ norm"#, "ℓ_0 norm"), ("top-$k$", "top-k"), ("  many   spaces\n here ", "many spaces here"),
    ("{{{deep}}}", "deep"), (#"\href{https://x.org}{text}"#, "text"),
  ])
  func texDecoding(raw: String, text: String) {
    #expect(TeXDecoder.decode(raw) == text)
  }

  @Test func verbatimFieldsKeepTheirCharacters() throws {
    let (bib, _) = Self.parse(
      #"@misc{k, title = {T}, author = {A B}, url = {https://a.org/x~y--z\_w}, doi = {10.1/a--b}}"#)
    let entry = try #require(bib.entries["k"])
    #expect(entry.fields["url"] == "https://a.org/x~y--z_w")
    #expect(entry.fields["doi"] == "10.1/a--b")
  }

  @Test func namesAsBibTeXSplitsThem() {
    func names(_ raw: String) -> [String] {
      NameListParser.parse(raw).names.map { "\($0.family)|\($0.given)" }
    }
    #expect(names("Gao, Leo and Dupr{\\'e} la Tour, Tom") == ["Gao|Leo", "Dupré la Tour|Tom"])
    #expect(names("Leo Gao and Jeffrey Wu") == ["Gao|Leo", "Wu|Jeffrey"])
    #expect(names("Ludwig van Beethoven") == ["van Beethoven|Ludwig"])
    #expect(names("van der Waals, Johannes Diderik") == ["van der Waals|Johannes Diderik"])
    #expect(names("Davis, Jr, Sammy") == ["Davis Jr|Sammy"])
    #expect(names("{Google DeepMind}") == ["Google DeepMind|"])
    #expect(names("{Barnes and Noble} AND Doe, Jane") == ["Barnes and Noble|", "Doe|Jane"])
    #expect(names("Jean-Paul Sartre") == ["Sartre|Jean-Paul"])
    #expect(names("Plato") == ["Plato|"])
    #expect(names("{\\'E}mile Zola") == ["Zola|Émile"])
    let (list, truncated) = NameListParser.parse("Smith, Ann and Jones, Bob and others")
    #expect(list.count == 2 && truncated)
    #expect(!NameListParser.parse("Smith, Ann").truncated)
  }

  @Test func editorsWhenThereAreNoAuthors() throws {
    let (bib, diagnostics) = Self.parse("@book{k, title = {T}, editor = {Ed Itor and Other Editor}}")
    #expect(diagnostics.isEmpty)
    #expect(try #require(bib.entries["k"]).authors.map(\.family) == ["Itor", "Editor"])
  }

  @Test(arguments: [
    ("@article{k,\n  title = {ab{c}\n", ["2:11 error: unbalanced braces: this '{' is never closed"]),
    ("@misc{k, author = {A B},\n  title = \"abc\n", ["2:11 error: unbalanced quotes: this '\"' is never closed"]),
    ("@misc{k, title = \"a}b\", author = {A B}}", ["1:20 error: unbalanced braces: '}' without a matching '{'"]),
    ("@article{\n  title = {T},\n  author = {A B}\n}", ["1:10 error: missing citation key after '@article{'"]),
    ("@article{, title = {T}, author = {A B}}", ["1:10 error: missing citation key after '@article{'"]),
    ("@article{k,\n  title {T},\n  author = {A B}\n}", ["2:9 error: expected '=' after the field name 'title'"]),
    ("@article{k,\n  title = {T}\n  author = {A B}\n}", ["3:3 error: expected ',' or '}' after the value of 'title'"]),
    ("@article{k title = {T}, author = {A B}}", ["1:12 error: expected ',' after the key 'k'"]),
    (
      "@misc{k, title={A}, author={X Y}}\n@misc{k, title={B}, author={X Y}}",
      ["2:7 warning: duplicate key 'k': the first entry with this key is kept"]
    ),
    ("@misc{k, title = foo # {x}, author = {X Y}}", ["1:18 error: undefined @string macro 'foo'"]),
    ("@misc{k, author = {X Y}}", ["1:7 warning: entry 'k' has no title"]),
    ("@misc{k, title = {T}}", ["1:7 warning: entry 'k' has no author or editor"]),
    (
      "@misc{k, title = {T}, title = {U}, author = {X Y}}",
      ["1:23 warning: duplicate field 'title': the first value is kept"]
    ),
    ("@misc{k, title = {T},\n", ["1:6 error: '@misc' is never closed: expected '}'"]),
    (
      "@misc{k, title = {T}, author = {A B}\n@misc{j, title = {U}, author = {A B}}",
      ["1:6 error: '@misc' is never closed: expected '}'"]
    ),
    ("@ {x}", ["1:1 error: expected an entry type after '@'"]),
    ("@misc k", ["1:7 error: expected '{' after '@misc'"]),
    ("@misc{k, note = {e\u{301}e\u{301}}, title = zz, author = {A B}}", ["1:33 error: undefined @string macro 'zz'"]),
  ])
  func diagnosticsAtTheirPlace(text: String, expected: [String]) {
    #expect(Self.described(Self.parse(text).1) == expected)
  }

  @Test func entriesAfterAnErrorAreStillRead() {
    let (bib, diagnostics) = Self.parse("@misc{a, title = {T}, author = {A B}\n@misc{b, title = {U}, author = {C D}}")
    #expect(diagnostics.count == 1)
    #expect(bib.entries.keys.sorted() == ["a", "b"])
    #expect(bib.entries["a"]?.fields["title"] == "T")
  }

  @Test func hostileInputEndsFastWithADiagnostic() {
    let clock = ContinuousClock()
    let unclosed = "@misc{k, title = " + String(repeating: "{", count: 10_000)
    let balanced =
      "@misc{k, title = " + String(repeating: "{", count: 10_000) + String(repeating: "}", count: 10_000) + "}"
    var garbage = String.UnicodeScalarView()
    var x: UInt64 = 42
    let alphabet = Array("@{}\"=#,() abc\n\\$~-%'é".unicodeScalars)
    for _ in 0..<1_000_000 {
      x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      garbage.append(alphabet[Int(x >> 33) % alphabet.count])
    }
    var macros = "@string{a0 = \"xxxxxxxxxxxxxxxx\"}\n"
    for k in 1..<64 { macros += "@string{a\(k) = a\(k - 1) # a\(k - 1)}\n" }
    macros += "@misc{m, title = a63, author = {A B}}"
    let cases: [(String, String)] = [
      (unclosed, "1:18 error: unbalanced braces: this '{' is never closed"),
      (balanced, "1:118 error: braces nested deeper than 100 levels"),
      ("@article{k, title = {T}, author = {A B},", "1:9 error: '@article' is never closed: expected '}'"),
      (String(garbage), "error"),
      (macros, "error: @string macros expand to too much text; later uses are left empty"),
    ]
    for (text, expected) in cases {
      var diagnostics: [Diagnostic] = []
      let elapsed = clock.measure { diagnostics = Self.parse(text).1 }
      #expect(elapsed < .seconds(5))
      #expect(Self.described(diagnostics).contains { $0.contains(expected) }, "\(diagnostics.prefix(3))")
      #expect(diagnostics.count <= BibTeXParser.maxErrors + 5)
    }
    // Unclosed comments are skipped as BibTeX skips them (the word only), without a
    // search for their end each time.
    let comments = String(repeating: "@comment{ {", count: 100_000) + "@misc{k, title = {T}, author = {A B}}"
    var parsed: (Bibliography, [Diagnostic]) = (Bibliography(), [])
    #expect(clock.measure { parsed = Self.parse(comments) } < .seconds(5))
    #expect(parsed.1.isEmpty && parsed.0.entries["k"] != nil)
  }

  @Test func aLargeFileParsesInLinearTime() {
    var text = ""
    var n = 0
    while text.utf8.count < 1_000_000 {
      text += """
        @article{key\(n),
          author = {Gao, Leo and Dupr{\\'e} la Tour, Tom and Tillman, Henk and others},
          title = {Scaling and evaluating {sparse} autoencoders --- part \(n)}, journal = {arXiv preprint},
          year = {2024}, eprint = {2406.04093}, archiveprefix = {arXiv}, url = {https://arxiv.org/abs/2406.04093},
        }

        """
      n += 1
    }
    var parsed: (Bibliography, [Diagnostic]) = (Bibliography(), [])
    let elapsed = ContinuousClock().measure { parsed = Self.parse(text) }
    #expect(parsed.1.isEmpty)
    #expect(parsed.0.entries.count == n)
    #expect(parsed.0.entries["key7"]?.fields["title"] == "Scaling and evaluating sparse autoencoders — part 7")
    #expect(elapsed < .seconds(10))  // about 0.05 s in release; debug builds are far slower
  }

  @Test func diagnosticsShowTheBibLine() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bib-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let bib = "@misc{ok, title = {T}, author = {A B}}\r\n@misc{bad,\r\n  title = {Gödel}\r\n  author = {A B}}\r\n"
    try bib.write(to: folder.appendingPathComponent("refs.bib"), atomically: true, encoding: .utf8)
    let notebook = folder.appendingPathComponent("nb.md").path
    let (nb, problems) = Notebook.parse(path: notebook, text: "---\nbibliography: [refs.bib, missing.bib]\n---\n")
    #expect(problems.isEmpty)
    let loaded = LoadedBibliography.load(nb.frontMatter.bibliography, notebookPath: notebook)
    #expect(loaded.bibliography.entries.keys.sorted() == ["bad", "ok"])
    let bibPath = folder.appendingPathComponent("refs.bib").path
    #expect(Set(loaded.sources.keys) == [bibPath])
    let renderer = DiagnosticRenderer(sources: loaded.sources.merging([notebook: nb.source]) { _, notebook in notebook })
    #expect(loaded.diagnostics.count == 2)
    let missing = try #require(loaded.diagnostics.first { $0.range.file == notebook })
    let missingPath = folder.appendingPathComponent("missing.bib").path
    #expect(
      renderer.render(missing)
        == [
          "\(notebook):2:26: error: bibliography file '\(missingPath)' does not exist",
          "    bibliography: [refs.bib, missing.bib]",
          "    " + String(repeating: " ", count: 25) + "^" + String(repeating: "~", count: 10), "",
        ].joined(separator: "\n"))
    let comma = try #require(loaded.diagnostics.first { $0.range.file == bibPath })
    #expect(
      renderer.render(comma)
        == [
          "\(bibPath):4:3: error: expected ',' or '}' after the value of 'title'",
          "      author = {A B}}",
          "      ^", "",
        ].joined(separator: "\n"))
  }

  @Test func resolvesPathsAgainstTheNotebookFolder() {
    #expect(LoadedBibliography.resolve("refs.bib", notebookPath: "notebooks/x.md") == "notebooks/refs.bib")
    #expect(LoadedBibliography.resolve("refs.bib", notebookPath: "x.md") == "refs.bib")
    #expect(LoadedBibliography.resolve("/abs/refs.bib", notebookPath: "notebooks/x.md") == "/abs/refs.bib")
  }

  @Test func theProjectReferencesParseCleanly() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let path = root.appendingPathComponent("notebooks/references.bib").path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let (bib, diagnostics) = Bibliography.parse(path: path, text: text)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    #expect(bib.entries.count >= 16)
    let gao = try #require(bib.entries["gao2024scaling"])
    #expect(gao.authors.count == 9)
    #expect(gao.authors[1] == PersonName(given: "Tom", family: "Dupré la Tour"))
    for entry in bib.entries.values {
      #expect(CitationStyle.year(entry) != "n.d.", "\(entry.key)")
    }
  }
}
