import Testing
@testable import SAEKit

@Suite struct MatrixTests {
  @Test func placeholder() { #expect(Matrix.identity(2)[1, 1] == 1) }
}
