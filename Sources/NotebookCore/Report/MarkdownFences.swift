/// Fenced code blocks (``` or ~~~) of Markdown read line by line: the passes around Ink
/// (joining code-span lines, escaping brackets, capping indentation) leave what is in them alone.
struct MarkdownFences {
  /// The marker of the block the lines are in, if any.
  private var open: String?

  /// Whether the lines read so far leave a fenced block open.
  var isOpen: Bool { open != nil }

  /// Whether `line` is a fence or inside a fenced block; reads past it.
  mutating func take(_ line: some StringProtocol) -> Bool {
    let trimmed = HTMLText.trimmed(String(line))
    let marker = trimmed.hasPrefix("```") ? "```" : (trimmed.hasPrefix("~~~") ? "~~~" : nil)
    if let current = open {
      if marker == current { open = nil }
      return true
    }
    guard let marker else { return false }
    open = marker
    return true
  }
}
