import ArgumentParser
import NotebookCore

struct Functions: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List every builtin available to notebook cells.")

  @Flag(help: "Print the Markdown reference (docs/functions.md).") var markdown = false

  func run() {
    print(markdown ? FunctionReference.markdown(Registry.standard) : FunctionReference.text(Registry.standard), terminator: "")
  }
}
