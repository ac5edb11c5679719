import Foundation
import SAEKit
import Testing
@testable import NotebookCore

/// `maxCosine` and `synthetic.sparse` through the interpreter: exact supports
/// give every sample exactly s active features, frequencies give Bernoulli
/// supports, and the best cosine of a matrix with itself is 1 per row.
@Suite(.serialized) struct RecoveryBuiltinsTests {
  func run(_ text: String) throws -> NotebookRenderer.Result { try TestNotebook.run(text, path: "recovery.md") }

  @Test func exactSupportsAndMaxCosine() throws {
    let result = try run("""
      ```swift
      let a = synthetic.sparse(features: 16, dim: 8, samples: 200, test: 50, active: [3], seed: 2)
      print(a.active.min() ?? -1, a.active.max() ?? -1, a.testActive.min() ?? -1, a.x.rows, a.test.rows, a.meanActive)
      let b = synthetic.sparse(features: 16, dim: 8, samples: 400, active: [1, 5], seed: 3)
      print(b.active.filter { (n: Int) in n == 1 || n == 5 }.count, b.active.contains(1), b.active.contains(5))
      let c = maxCosine(a.features, a.features)
      print(c.count, minimum(c) > 0.999999, maximum(c) < 1.000001)
      let m = maxCosine(Matrix([[1.0, 0.0], [0.0, -1.0]]), Matrix([[2.0, 0.0], [0.0, 3.0]]))
      print(m[0], m[1])
      let f = synthetic.sparse(features: 4, dim: 8, samples: 2000, frequencies: [1.0, 0.0, 0.0, 0.5], low: 1.0, high: 1.0, seed: 4)
      print(f.active.min() ?? -1, f.active.max() ?? -1)
      ```
      """)
    #expect(result.failures.isEmpty, "\(result.failures.map(\.message))")
    let lines = TestNotebook.printed(result)
    #expect(lines.count == 5, "\(lines)")
    #expect(lines[0] == "3 3 3 200 50 3.0", "\(lines[0])")
    #expect(lines[1] == "400 true true", "\(lines[1])")
    #expect(lines[2] == "16 true true", "\(lines[2])")
    // Cosines are signed: [0, −1] against [0, 3] is −1, and against [2, 0] it is 0.
    #expect(lines[3] == "1.0 0.0", "\(lines[3])")
    #expect(lines[4] == "1 2", "\(lines[4])")
  }

  @Test func badArgumentsAreReported() throws {
    let noSupport = try run("""
      ```swift
      let a = synthetic.sparse(features: 16, dim: 8, samples: 20)
      ```
      """)
    #expect(noSupport.failures.first?.message.contains("give active") == true, "\(noSupport.failures.map(\.message))")
    let tooMany = try run("""
      ```swift
      let a = synthetic.sparse(features: 4, dim: 8, samples: 20, active: [5])
      ```
      """)
    #expect(tooMany.failures.first?.message.contains("0…4") == true, "\(tooMany.failures.map(\.message))")
    let shapes = try run("""
      ```swift
      let c = maxCosine(Matrix([[1.0, 0.0]]), Matrix([[1.0, 0.0, 0.0]]))
      ```
      """)
    #expect(!shapes.failures.isEmpty)
    // samples + test past Int.max trapped (found by make fuzz); now an error at 'test', in both builtins.
    for call in ["synthetic.sparse(features: 4, dim: 2, samples: 9223372036854775807, test: 1000, active: [1])",
                 "synthetic.superposition(features: 4, dim: 2, sparsity: 0.5, samples: 9223372036854775807, test: 5)"] {
      let overflow = try run("```swift\nlet a = \(call)\n```\n")
      let d = try #require(overflow.failures.first)
      #expect(d.message.contains("is more rows than an Int can count"), "\(d.message)")
      #expect(d.range.start.column == call.range(of: "test:")!.lowerBound.utf16Offset(in: call) + 15, "at the value of test: \(d)")
    }
  }
}
