import Testing
@testable import NotebookCore

@Test func versionIsSemantic() {
  #expect(NotebookCore.version.split(separator: ".").count == 3)
}
