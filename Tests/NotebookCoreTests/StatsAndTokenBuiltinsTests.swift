import Foundation
import Testing
@testable import NotebookCore

/// `stats.*`, `verdict`, `rowSlice` and the text split (`splitTexts`, `firstTokens`,
/// `subsample`) through the interpreter: known answers, the split's guarantees on the real
/// corpus, and argument errors that name the argument.
@Suite(.serialized) struct StatsAndTokenBuiltinsTests {
  func run(_ cell: String) throws -> NotebookRenderer.Result {
    try TestNotebook.run("```swift\n\(cell)\n```\n", path: "stats.md")
  }

  /// The printed lines of a successful run.
  func printed(_ cell: String) throws -> [String] {
    let result = try run(cell)
    #expect(result.succeeded, "\(result.failures)")
    return result.report.cells.flatMap { cell in
      cell.outputs.compactMap { output -> String? in
        guard case .text(let line) = output else { return nil }
        return line
      }
    }
  }

  func expectFailure(_ cell: String, contains message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let result = try run(cell)
    let failure = result.failures.first
    #expect(failure?.message.contains(message) == true, "\(result.failures)", sourceLocation: sourceLocation)
  }

  @Test func measuredWrapsNumbersAndTextInASpan() throws {
    let m = MeasuredText.wrap
    #expect(try printed("""
      print("built in \\(measured(1.234)) s, \\(measured(7, digits: 0))×")
      print(measured(stats.summary([1.0, 3.0], digits: 1)))
      """) == ["built in \(m("1.23")) s, \(m("7"))×", m("2.0 ± 1.4")])
    try expectFailure("print(measured(1.0, digits: 40))", contains: "digits must be between 0 and 17")
    try expectFailure("print(measured([1.0]))", contains: "measured needs a number or a String")
  }

  @Test func spreadOfKnownSamples() throws {
    let lines = try printed("""
      print(stats.summary([1.0, 2.0, 3.0]))
      print(format(stats.sd([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]), digits: 6))
      let one = stats.spread([5.0])
      print(one.text, one.sd, one.low, one.high)
      let s = stats.spread([1.0, 2.0, 3.0, 4.0], digits: 1)
      print(s.n, s.mean, s.min, s.max, s.text, s.low >= 1.0, s.high <= 4.0, s.low < s.mean, s.high > s.mean)
      print(stats.summary([0.25, 0.5], digits: 2))
      """)
    #expect(lines == [
      "2.000 ± 1.000",
      "2.138090",  // √(32 / 7): the sample (n − 1) standard deviation
      "5.000 0.0 5.0 5.0",
      "4 2.5 1.0 4.0 2.5 ± 1.3 true true true true",
      "0.38 ± 0.18",
    ])
  }

  @Test func columnsAreSettingsAndRowsAreRuns() throws {
    let lines = try printed("""
      let rows = [[1.0, 10.0], [3.0, 20.0], [5.0, 30.0]]
      print(stats.columnMeans(rows))
      print(stats.columnSDs(rows))
      let c = stats.columns(rows, digits: 0)
      print(c.count, c[0].text, c[1].text, c[1].n)
      print(verdict(c[1].mean > 15.0), verdict(c[0].mean > 15.0), verdict(false, yes: "a", no: "b"))
      """)
    #expect(lines == ["[3.0, 20.0]", "[2.0, 10.0]", "2 3 ± 2 20 ± 10 3", "holds differs b"])
  }

  @Test func badSamplesAreErrors() throws {
    try expectFailure("print(stats.summary([]))", contains: "'values' is empty")
    try expectFailure("print(stats.columns([[1.0, 2.0], [3.0]]))", contains: "the rows differ in length: [2, 1]")
    try expectFailure("print(stats.columnMeans([]))", contains: "'rows' is empty")
    try expectFailure("print(stats.summary([1.0], digits: 20))", contains: "digits must be between 0 and 12")
    try expectFailure("print(stats.sd([1.0, 0.0 / 0.0]))", contains: "NaN")
  }

  @Test func rowSliceKeepsTheRowsAsked() throws {
    let lines = try printed("""
      let m = synthetic.superposition(features: 8, dim: 4, sparsity: 0.5, samples: 10).x
      let s = rowSlice(m, from: 1, to: 8, every: 3)
      print(s.rows, s[0, 2] == m[1, 2], s[1, 0] == m[4, 0], s[2, 3] == m[7, 3])
      print(rowSlice(m, from: 6).rows, rowSlice(m, every: 4).rows)
      """)
    #expect(lines == ["3 true true true", "4 3"])
    try expectFailure("let m = synthetic.superposition(features: 8, dim: 4, sparsity: 0.5, samples: 10).x\nprint(rowSlice(m, from: 10))", contains: "from must be in 0..<10")
    try expectFailure("let m = synthetic.superposition(features: 8, dim: 4, sparsity: 0.5, samples: 10).x\nprint(rowSlice(m, from: 3, to: 3))", contains: "to must be in 4...10")
    try expectFailure("let m = synthetic.superposition(features: 8, dim: 4, sparsity: 0.5, samples: 10).x\nprint(rowSlice(m, every: 0))", contains: "every")
  }

  /// On real activations: every text lies on one side only, text i is held out iff
  /// i mod 4 = 3, the halves alternate, and [CLS]/[SEP] are left out unless asked for.
  @Test func splitTextsKeepsEveryTextOnOneSide() throws {
    let lines = try printed("""
      let acts = activations(minilm(), layer: 1, tokens: 3000, maxLength: 32)
      let split = splitTexts(acts)
      var wrongSide = 0
      for t in split.train.texts {
        if t % 4 == 3 {
          wrongSide += 1
        }
      }
      for t in split.heldOut.texts {
        if t % 4 != 3 {
          wrongSide += 1
        }
      }
      var shared = 0
      for t in split.fit.texts {
        if t % 4 != 3 || (t / 4) % 2 != 0 {
          shared += 1
        }
      }
      for t in split.test.texts {
        if t % 4 != 3 || (t / 4) % 2 != 1 {
          shared += 1
        }
      }
      var specials = 0
      for id in split.train.tokenIds {
        if id == 101 || id == 102 {
          specials += 1
        }
      }
      let withSpecial = splitTexts(acts, specialTokens: true)
      var specialsKept = 0
      for id in withSpecial.train.tokenIds {
        if id == 101 || id == 102 {
          specialsKept += 1
        }
      }
      print(wrongSide, shared, specials, specialsKept == 2 * withSpecial.train.texts.count)
      print(split.fit.count + split.test.count == split.heldOut.count, split.fit.texts.count + split.test.texts.count == split.heldOut.texts.count, split.period)
      print(withSpecial.train.count + withSpecial.heldOut.count == acts.count, split.train.count + split.heldOut.count < acts.count)
      let first = firstTokens(split.train, count: 100)
      let sample = subsample(split.train, count: 50)
      print(first.count, first.rows[99] == split.train.rows[99], sample.count, first.x.rows, firstTokens(split.test, count: 1000000).count == split.test.count)
      """)
    try #require(lines.count == 4, "\(lines)")
    #expect(lines[0] == "0 0 0 true", "no text on the wrong side or on two sides; no [CLS]/[SEP] unless asked: \(lines[0])")
    #expect(lines[1] == "true true 4")
    #expect(lines[2] == "true true", "with [CLS]/[SEP] the sides hold every token: \(lines[2])")
    #expect(lines[3] == "100 true 50 100 true")
  }

  @Test func splitTextsNeedsEnoughTexts() throws {
    try expectFailure("let acts = activations(minilm(), layer: 1, tokens: 40, maxLength: 32)\nlet s = splitTexts(acts)", contains: "at least 8 are needed")
    try expectFailure("let acts = activations(minilm(), layer: 1, tokens: 400, maxLength: 32)\nlet s = splitTexts(acts, heldOutEvery: 1)", contains: "heldOutEvery")
  }
}
