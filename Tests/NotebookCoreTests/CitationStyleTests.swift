import Foundation
import Testing

@testable import NotebookCore

/// Author–date citations and the reference list.
@Suite struct CitationStyleTests {
  static let text = ##"""
    @article{gao2024,
      author = {Gao, Leo and Dupr{\'e} la Tour, Tom and Wu, Jeffrey},
      title = {Scaling and evaluating sparse autoencoders},
      journal = {arXiv preprint}, year = 2024, eprint = {2406.04093}, archiveprefix = {arXiv},
      url = {https://arxiv.org/abs/2406.04093}}
    @article{gao2024b,
      author = {Gao, Leo and Someone, Else and Third, Person},
      title = {Another paper by {Gao} et al.}, year = 2024}
    @article{lindsey2025, author = {Lindsey, Jack and Other, Ann and Third, Tom}, title = {Biology}, year = {2025}}
    @inproceedings{reimers2019, author = {Reimers, Nils and Gurevych, Iryna},
      title = {{Sentence-BERT}: Sentence embeddings using {Siamese} {BERT}-networks},
      booktitle = {Proceedings of {EMNLP-IJCNLP}}, publisher = {Association for Computational Linguistics},
      pages = {3982--3992}, year = {2019}, doi = {10.18653/v1/D19-1410}}
    @article{ayonrinde2024, author = {Ayonrinde, Kola}, title = {Mutual choice}, journal = {J},
      volume = 3, number = 2, pages = {1-9}, date = {2024-11-04}}
    @misc{nodate, author = {{Google DeepMind}}, title = {Gemma}}
    @misc{etal, author = {Elhage, Nelson and others}, title = {Toy models of superposition}, year = 2022}
    @misc{hostile, author = {Evil, <script>}, title = {<script>alert("x")</script> & more},
      year = 2024, url = {javascript:alert(1)}}
    """##

  static let bibliography = Bibliography.parse(path: "refs.bib", text: text).0

  @Test func authorLabelsAndYears() {
    let style = CitationStyle(bibliography: Self.bibliography)
    #expect(style.label(for: "reimers2019") == "Reimers and Gurevych 2019")
    #expect(style.label(for: "ayonrinde2024") == "Ayonrinde 2024")
    #expect(style.label(for: "lindsey2025") == "Lindsey et al. 2025")
    #expect(style.label(for: "nodate") == "Google DeepMind n.d.")
    #expect(style.label(for: "etal") == "Elhage et al. 2022")
    #expect(style.label(for: "missing") == "missing?")
  }

  @Test func sameLabelAndYearGetLetters() {
    let style = CitationStyle(bibliography: Self.bibliography)
    // "Another paper…" sorts before "Scaling…", so it is 2024a.
    #expect(style.label(for: "gao2024b") == "Gao et al. 2024a")
    #expect(style.label(for: "gao2024") == "Gao et al. 2024b")
    let one = CitationStyle(bibliography: Self.bibliography, cited: ["gao2024", "lindsey2025"])
    #expect(one.label(for: "gao2024") == "Gao et al. 2024")
  }

  @Test func parentheticalAndNarrativeCitations() {
    let style = CitationStyle(bibliography: Self.bibliography, cited: ["gao2024", "lindsey2025", "reimers2019"])
    #expect(style.inText([(key: "gao2024", locator: nil)], narrative: false) == "(Gao et al. 2024)")
    #expect(
      style.inText([(key: "gao2024", locator: nil), (key: "lindsey2025", locator: "3")], narrative: false)
        == "(Gao et al. 2024; Lindsey et al. 2025, p. 3)")
    #expect(style.inText([(key: "gao2024", locator: nil)], narrative: true) == "Gao et al. (2024)")
    #expect(
      style.inText([(key: "reimers2019", locator: "10-12")], narrative: true)
        == "Reimers and Gurevych (2019, pp. 10–12)")
    #expect(
      style.inText([(key: "reimers2019", locator: "sec. 4")], narrative: false) == "(Reimers and Gurevych 2019, sec. 4)"
    )
    #expect(
      style.inText([(key: "gao2024", locator: nil), (key: "lindsey2025", locator: nil)], narrative: true)
        == "Gao et al. (2024) and Lindsey et al. (2025)")
    #expect(style.inText([(key: "nope", locator: nil)], narrative: false) == "(nope?)")
    let both = CitationStyle(bibliography: Self.bibliography)
    #expect(
      both.inText([(key: "gao2024b", locator: nil), (key: "gao2024", locator: "2")], narrative: false)
        == "(Gao et al. 2024a, 2024b, p. 2)")
  }

  @Test func referencesAreSortedAndWrittenOut() {
    let style = CitationStyle(bibliography: Self.bibliography)
    let list = style.references(cited: [
      "reimers2019", "gao2024", "nodate", "ayonrinde2024", "gao2024b", "missing", "gao2024",
    ])
    #expect(list.map(\.key) == ["ayonrinde2024", "gao2024b", "gao2024", "nodate", "reimers2019"])
    let html = Dictionary(uniqueKeysWithValues: list.map { ($0.key, $0.html) })
    #expect(
      html["gao2024"]
        == "Gao, Leo, Tom Dupré la Tour, and Jeffrey Wu. 2024b. “Scaling and Evaluating Sparse Autoencoders.” "
        + "<em>arXiv Preprint</em> arXiv:2406.04093. <a href=\"https://arxiv.org/abs/2406.04093\">https://arxiv.org/abs/2406.04093</a>"
    )
    #expect(
      html["reimers2019"]
        == "Reimers, Nils, and Iryna Gurevych. 2019. “Sentence-BERT: Sentence Embeddings Using Siamese BERT-Networks.” "
        + "In <em>Proceedings of EMNLP-IJCNLP</em>, 3982–3992. Association for Computational Linguistics. "
        + "<a href=\"https://doi.org/10.18653/v1/D19-1410\">https://doi.org/10.18653/v1/D19-1410</a>")
    #expect(html["ayonrinde2024"] == "Ayonrinde, Kola. 2024. “Mutual Choice.” <em>J</em> 3 (2): 1–9.")
    #expect(html["nodate"] == "Google DeepMind. n.d. “Gemma.”")
    #expect(
      style.references(cited: ["etal"]).first?.html == "Elhage, Nelson, et al. 2022. “Toy Models of Superposition.”")
  }

  @Test func eprintsAndLinksHaveTheirPlace() {
    let text = ##"""
      @inproceedings{p, author = {A, B}, title = {On the 9th try}, booktitle = {Findings}, pages = {1--2},
        publisher = {ACL}, eprint = {2411.10397}, archiveprefix = {arXiv}, doi = {doi:10.1/x},
        url = {https://example.org/p}}
      @article{t, author = {C, D}, title = {Toy}, journal = {Thread}, eprint = {1}, archiveprefix = {arXiv},
        url = {https://example.org/t}}
      @misc{m, author = {E, F}, title = {Bare}, eprint = {2}, eprinttype = {HAL}, url = {ftp://example.org/m}}
      @book{anon, title = {Nobody wrote this}, publisher = {Press}, year = 1999}
      """##
    let style = CitationStyle(bibliography: Bibliography.parse(path: "refs.bib", text: text).0)
    #expect(
      style.references(cited: ["p", "t", "m"]).map(\.html) == [
        "A, B. n.d. “On the 9th Try.” In <em>Findings</em>, 1–2. ACL. arXiv:2411.10397. "
          + "<a href=\"https://doi.org/10.1/x\">https://doi.org/10.1/x</a>",
        "C, D. n.d. “Toy.” <em>Thread</em>. arXiv:1. <a href=\"https://example.org/t\">https://example.org/t</a>",
        "E, F. n.d. “Bare.” HAL:2. ftp://example.org/m",
      ])
    #expect(style.references(cited: ["anon"]).map(\.html) == ["<em>Nobody Wrote This</em>. 1999. Press."])
    #expect(style.label(for: "anon") == "Nobody wrote this 1999")
  }

  @Test func hostileValuesAreEscaped() throws {
    let style = CitationStyle(bibliography: Self.bibliography)
    let html = try #require(style.references(cited: ["hostile"]).first?.html)
    #expect(!html.contains("<script"))
    #expect(!html.contains("href"))
    #expect(
      html
        == "Evil, &lt;script&gt;. 2024. “&lt;Script&gt;Alert(&quot;X&quot;)&lt;/Script&gt; &amp; More.” javascript:alert(1)"
    )
    #expect(!CitationStyle.isWebAddress("javascript:alert(1)"))
    #expect(!CitationStyle.isWebAddress("https://"))
    #expect(!CitationStyle.isWebAddress("https://a b"))
    #expect(CitationStyle.isWebAddress("HTTPS://example.org/x"))
  }

  @Test func titleCaseKeepsProtectedWords() {
    #expect(
      TitleCase.apply("scaling and evaluating sparse autoencoders") == "Scaling and Evaluating Sparse Autoencoders")
    #expect(
      TitleCase.apply("the {iPhone} of $k$-sparse models: a study in {dNA}")
        == "The {iPhone} of $k$-Sparse Models: A Study in {dNA}")
    #expect(TitleCase.apply("task-agnostic compression of arXiv papers") == "Task-Agnostic Compression of arXiv Papers")
    #expect(TitleCase.apply(#"na\"ive models of {\"o}l"#) == #"na\"ive Models of {\"o}l"#)
    #expect(TitleCase.apply("what it is for") == "What It Is For")
  }
}
