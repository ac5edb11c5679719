import SAEKit

/// `notebook render --memory-limit`: SAEKit's ``MemoryLimit`` as the command line sets it.
public enum MemoryLimitOption {
  /// Bytes from `16G`, `512M`, `75%` or a number of bytes; nil when not a size.
  public static func parse(_ text: String) -> Double? { MemoryLimit.parse(text) }
  /// Sets the limit for this process (nil: the default share of physical memory).
  public static func apply(_ bytes: Double?) { MemoryLimit.set(bytes) }
}
