import Foundation
import Testing
@testable import SAEKit

/// SAELens files at the edges, each written and evaluated by sae-lens 6.54.0 itself
/// (`bench/make_saelens_edge_fixtures.py`): its version rules for `activation_fn`, training
/// checkpoints whose activation scaler sits beside the weights, and saving two formats into
/// one folder.
@Suite struct SAELensEdgeCaseTests {
  @Test(arguments: [
    ("saelens6_relu_with_old_topk_key", "ReLU"),
    ("saelens5_topk_by_activation_fn", "TopK(k: 3)"),
    ("saelens_checkpoint_scaled", "TopK(k: 3)"),
    ("saelens_checkpoint_whitened", "ReLU"),
  ])
  func computesWhatSAELensComputes(folder: String, activation: String) throws {
    let sae = try SAEFile.load(directory: try InterchangeTests.fixture(folder))
    let x = try NPY.readMatrix(try InterchangeTests.fixture("input.npy"))
    let expected = try NPY.readMatrix(try InterchangeTests.fixture("expected_\(folder).npy"))
    #expect("\(sae.activation)".hasPrefix(activation), "\(sae.activation)")
    // The whitened checkpoint is folded in Float32 here, in Float64 by SAELens.
    #expect(try InterchangeTests.maxError(try sae.reconstruct(x), expected) <= (folder.contains("whitened") ? 1e-4 : 1e-5))
  }

  @Test func aGivenScaleWinsOverTheSavedOneAndSparsifyRefusesIt() throws {
    let folder = try InterchangeTests.fixture("saelens_checkpoint_scaled")
    #expect(try SAEFile.load(directory: folder).inputScale == 2.5)
    #expect(try SAEFile.load(directory: folder, normScalingFactor: 4).inputScale == 4)
    #expect(throws: SAEKitError.self) {
      _ = try SAEFile.load(directory: try InterchangeTests.fixture("sparsify/layers.0"), normScalingFactor: 2)
    }
  }

  @Test func whiteningWithoutItsFileIsAnErrorThatSaysWhy() throws {
    try InterchangeTests.withScratch { dir in
      let source = try InterchangeTests.fixture("saelens_checkpoint_whitened")
      for name in ["cfg.json", "sae_weights.safetensors"] {
        try FileManager.default.copyItem(atPath: source + "/" + name, toPath: dir + "/" + name)
      }
      expectFileError(dir + "/cfg.json", "activation_whitening.safetensors is missing") { _ = try SAEFile.load(directory: dir) }
    }
  }

  /// `handle_config_defaulting`'s version rule, PEP 440 pre-releases included.
  @Test(arguments: [
    ("5.9.1", true), ("6.0.0", false), ("6.0.0-rc.0", false), ("6.0.0rc2", false), ("6.0.0a1", true),
    ("6.0.0b3", true), ("6.0.0.dev4", true), ("6.54.0", false), ("7.0", false), ("3.22.2", true),
  ])
  func versionsBeforeSixFollowThePre6Rules(version: String, before: Bool) throws {
    let cfg = InterchangeConfig(path: "cfg.json", entries: [:])
    #expect(try SAELensFormat.isBefore6(version, cfg) == before)
  }

  @Test func configReadingFollowsSAELens() throws {
    func read(_ entries: [String: SafeTensors.JSONValue]) throws -> SAELensFormat.ConfigReading {
      try SAELensFormat.reading(InterchangeConfig(path: "cfg.json", entries: entries))
    }
    let kwargs: SafeTensors.JSONValue = .object(["k": .int(5)])
    // No version: pre-6; topk by activation_fn with a k.
    #expect(try read(["activation_fn": .string("topk"), "activation_fn_kwargs": kwargs])
            == .init(architecture: "topk", k: 5, isPre6: true))
    // Pre-6 topk without a k stays standard (ReLU), as in SAELens.
    #expect(try read(["activation_fn": .string("topk")]) == .init(architecture: "standard", k: nil, isPre6: true))
    // Version 6 (top level or in metadata): activation_fn is ignored.
    #expect(try read(["sae_lens_version": .string("6.2.0"), "architecture": .string("standard"),
                      "activation_fn": .string("topk"), "activation_fn_kwargs": kwargs])
            == .init(architecture: "standard", k: nil, isPre6: false))
    #expect(try read(["metadata": .object(["sae_lens_version": .string("6.0.0")]), "architecture": .string("topk"), "k": .int(7)])
            == .init(architecture: "topk", k: 7, isPre6: false))
    #expect(throws: SAEKitError.self) { _ = try read(["sae_lens_version": .string("6.1.0")]) }  // no architecture
    #expect(throws: SAEKitError.self) { _ = try read(["sae_lens_version": .string("latest")]) }
  }

  /// Model, hook and writer come in from the file and go out again; SAELens 6's
  /// training_architecture_details gives a loaded ReLU SAE its L1 coefficient.
  @Test func metadataIsCarriedBothWays() throws {
    let loaded = try SAEFile.load(directory: try InterchangeTests.fixture("saelens_topk"))
    #expect(loaded.provenance == SAEProvenance(modelName: "tiny", hookName: "blocks.0.hook_resid_post", writtenBy: "SAELens 6.5.0", filePrecision: "float32"))
    #expect(try SAEFile.load(directory: try InterchangeTests.fixture("saelens5_topk_by_activation_fn")).provenance
            == SAEProvenance(hookName: "blocks.0.hook_resid_post", writtenBy: "SAELens < 6 (no version)", filePrecision: "float32"))
    #expect(try SAEFile.load(directory: try InterchangeTests.fixture("sparsify/layers.0")).provenance
            == SAEProvenance(hookName: "layers.0", writtenBy: "sparsify", filePrecision: "float32"))
    try InterchangeTests.withScratch { dir in
      try SAEFile.save(loaded, format: .saeLens, to: dir)
      #expect(try SAEFile.load(directory: dir).provenance
              == SAEProvenance(modelName: "tiny", hookName: "blocks.0.hook_resid_post", writtenBy: "SAEKit", filePrecision: "float32"))
      try SAEFile.save(loaded, format: .saeLens, to: dir, hookName: "blocks.1.hook_resid_post", modelName: "minilm")
      #expect(try SAEFile.load(directory: dir).provenance.hookName == "blocks.1.hook_resid_post")
      try InterchangeTests.editConfig(dir) { cfg in
        cfg["architecture"] = "standard"
        cfg["saekit"] = nil
        var metadata = cfg["metadata"] as? [String: Any] ?? [:]
        metadata["training_architecture_details"] = ["l1_coefficient": 5.0, "lp_norm": 1.0]
        cfg["metadata"] = metadata
      }
      #expect((try SAEFile.load(directory: dir).activation as? ReLUL1)?.coefficient == 5)
    }
  }

  @Test func aSecondFormatIsNotSavedOverTheFirst() throws {
    try InterchangeTests.withScratch { dir in
      let sae = try InterchangeTests.makeSAE(.topK(k: 4))
      try SAEFile.save(sae, format: .saeLens, to: dir)
      try SAEFile.save(sae, format: .saeLens, to: dir)  // the same format again: replaced
      expectFileError(dir, "already holds a SAELens SAE", "its own folder") { try SAEFile.save(sae, format: .sparsify, to: dir) }
      #expect(try SAEFile.detect(directory: dir) == .saeLens)
      _ = try SAEFile.load(directory: dir)
    }
  }
}
