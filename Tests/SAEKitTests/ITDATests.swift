import Foundation
import Testing
@testable import SAEKit

/// The reference `mp_encode` (papers-2.md §2a), written out per token in
/// Double: dense coefficients after `l0` steps, and the atoms picked in order.
func referenceMatchingPursuit(_ x: [Double], atoms: [[Double]], l0: Int) -> (coefficients: [Double], picks: [Int]) {
  var r = x
  var c = [Double](repeating: 0, count: atoms.count)
  var picks = [Int]()
  for _ in 0..<l0 {
    let corr = atoms.map { a in zip(a, r).reduce(0) { $0 + $1.0 * $1.1 } }
    var best = 0
    for j in 1..<corr.count where abs(corr[j]) > abs(corr[best]) { best = j }
    c[best] += corr[best]
    picks.append(best)
    for k in 0..<r.count { r[k] -= corr[best] * atoms[best][k] }
  }
  return (c, picks)
}

/// A random orthogonal `(d × d)` matrix: `U` of the SVD of a Gaussian matrix.
func randomOrthogonal(_ d: Int, seed: UInt64) throws -> Matrix {
  var rng = RandomSource(seed: seed)
  return try SingularValueDecomposition(Matrix.gaussian(rows: d, cols: d, using: &rng)).u
}

/// Unit-norm Gaussian rows.
func unitRows(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
  var rng = RandomSource(seed: seed)
  var m = Matrix.gaussian(rows: rows, cols: cols, using: &rng)
  m.normalizeRows()
  return m
}

/// Activations with provenance: document `i / 10`, position `i % 10`, token id `i`.
func labelled(_ x: Matrix) throws -> ActivationSet {
  try ActivationSet(
    x: x, documents: (0..<x.rows).map { $0 / 10 }, positions: (0..<x.rows).map { $0 % 10 },
    tokenIds: Array(0..<x.rows))
}

/// Tokens that are sparse signed mixtures of 24 random directions plus a little noise.
func mixtureTokens(_ n: Int, d: Int, seed: UInt64) throws -> Matrix {
  var rng = RandomSource(seed: seed)
  let features = unitRows(24, d, seed: seed &+ 1)
  var x = Matrix(rows: n, cols: d)
  for i in 0..<n {
    for _ in 0..<3 {
      let f = rng.int(below: 24), a = Float(rng.gaussian(mean: 0, std: 2))
      for j in 0..<d { x[i, j] += a * features[f, j] + Float(rng.gaussian(mean: 0, std: 0.05)) }
    }
  }
  return x
}

@Suite struct MatchingPursuitTests {
  @Test func recoversAnExactSparseCombinationOfOrthonormalAtoms() throws {
    let atoms = try randomOrthogonal(16, seed: 3)  // rows are orthonormal atoms
    let support = [2, 7, 11, 14], weights: [Float] = [1.5, -0.8, 2.5, 0.3]
    var x = Matrix(rows: 1, cols: 16)
    for (j, w) in zip(support, weights) { for k in 0..<16 { x[0, k] += w * atoms[j, k] } }
    for limit in [0, 512 << 20] {  // product and Gram residual updates
      let result = try MatchingPursuit(l0: 4, gramLimitBytes: limit).run(x, atoms: atoms)
      #expect(result.codes.indices == support.map { Int32($0) })
      for (got, want) in zip(result.codes.values, weights) { #expect(abs(got - want) < 1e-5) }
      for k in 0..<16 { #expect(abs(result.reconstruction[0, k] - x[0, k]) < 1e-5) }
      #expect(try MatchingPursuit.decode(result.codes, atoms: atoms) == result.reconstruction)
    }
  }

  @Test func orthogonalPursuitRecoversASparseCombinationOfCoherentAtoms() throws {
    let atoms = unitRows(96, 48, seed: 5)
    let support = [4, 19, 33, 60, 81], weights: [Float] = [1.2, -1.7, 1.4, -1.1, 1.9]
    var x = Matrix(rows: 1, cols: 48)
    for (j, w) in zip(support, weights) { for k in 0..<48 { x[0, k] += w * atoms[j, k] } }
    let result = try MatchingPursuit(l0: 5, algorithm: .orthogonal).run(x, atoms: atoms)
    #expect(result.codes.indices == support.map { Int32($0) })
    for (got, want) in zip(result.codes.values, weights) { #expect(abs(got - want) < 1e-4) }
    for k in 0..<48 { #expect(abs(result.reconstruction[0, k] - x[0, k]) < 1e-4) }
    // Plain MP on the same coherent atoms does not finish in 5 steps.
    let mp = try MatchingPursuit(l0: 5).run(x, atoms: atoms)
    let error = try mp.reconstruction.subtracting(x).frobeniusNorm
    #expect(error > 1e-3)
  }

  @Test func matchesTheReferenceEncoderIncludingRepeatedAtoms() throws {
    let atoms = unitRows(40, 12, seed: 8)
    var rng = RandomSource(seed: 9)
    let x = Matrix.gaussian(rows: 70, cols: 12, using: &rng)
    let dAtoms = (0..<40).map { atoms.row($0).map(Double.init) }
    var repeats = 0
    for limit in [0, 512 << 20] {
      let codes = try MatchingPursuit(l0: 9, gramLimitBytes: limit).encode(x, atoms: atoms)
      let dense = codes.dense()
      for i in 0..<70 {
        let ref = referenceMatchingPursuit(x.row(i).map(Double.init), atoms: dAtoms, l0: 9)
        repeats += ref.picks.count - Set(ref.picks).count
        let entries = codes.entries(row: i)
        #expect(Set(codes.indices[entries]).count == entries.count)  // merged, distinct
        #expect(codes.indices[entries].sorted() == Array(codes.indices[entries]))
        for j in 0..<40 { #expect(abs(Double(dense[i, j]) - ref.coefficients[j]) < 1e-4) }
      }
    }
    #expect(repeats > 0)  // the case exercises re-picked atoms
  }

  @Test func aPreparedEncoderGivesTheSameCodes() throws {
    let atoms = unitRows(30, 10, seed: 12)
    var rng = RandomSource(seed: 13)
    let x = Matrix.gaussian(rows: 25, cols: 10, using: &rng)
    for algorithm in MatchingPursuit.Algorithm.allCases {
      let pursuit = MatchingPursuit(l0: 6, algorithm: algorithm)
      #expect(try pursuit.prepare(atoms: atoms).run(x) == pursuit.run(x, atoms: atoms))
    }
  }

  @Test func removesDuplicateAtoms() throws {
    let labels = (0..<4).map { ITDADictionary.Label(document: $0, position: 0, tokenId: $0) }
    let dictionary = try ITDADictionary(
      atoms: Matrix([[1, 0], [0, 2], [2, 0], [0, -1]]), labels: labels, threshold: 0.1, l0: 1)
    let unique = dictionary.removingDuplicateAtoms()
    let expected = try Matrix([[1, 0], [0, 1], [0, -1]])
    #expect(unique.atoms == expected && unique.labels.map(\.document) == [0, 1, 3])
  }

  @Test func rejectsAtomsThatAreNotUnitNorm() throws {
    let atoms = try Matrix([[2, 0], [0, 1]])
    #expect(throws: SAEKitError.self) { try MatchingPursuit(l0: 1).encode(Matrix(rows: 1, cols: 2), atoms: atoms) }
  }
}

@Suite struct ITDABuilderTests {
  /// d = 4, L0 = 1, cosine threshold 0.9: after the first batch (e₁…e₄), a
  /// token is reconstructed by its largest coordinate, cos = max|x_j| / ‖x‖.
  @Test func addsExactlyTheActivationsBelowTheCosineThreshold() throws {
    let tau = ITDAAddRule.threshold(forCosine: 0.9, dimension: 4)
    #expect(abs(ITDAAddRule(threshold: tau, dimension: 4).cosineThreshold - 0.9) < 1e-12)
    var builder = try ITDABuilder(dimension: 4, options: .init(threshold: tau, l0: 1))
    let first = try builder.update(labelled(Matrix.identity(4)))
    #expect(first.initialised == 4 && first.added == 0 && builder.dictionary.count == 4)
    let rows: [[Float]] = [
      [1, 0.1, 0, 0],  // cos 0.995 keep out
      [1, 1, 0, 0],  // cos 0.707 add
      [1, 0.4, 0, 0],  // cos 0.928 keep out
      [0, 0, 0, 0],  // zero: never added
      [1, 0.5, 0.1, 0],  // cos 0.891 add
      [-2, 0.3, 0, 0],  // cos 0.989 (signed coefficient) keep out
      [1, 1, 0, 0],  // duplicate of row 1: no re-check within a batch, added again
      [0, 0.2, 0, -0.6],  // cos 0.949 keep out
    ]
    let batch = try ActivationSet(
      x: Matrix(rows), documents: Array(100..<108), positions: Array(0..<8), tokenIds: Array(500..<508))
    let report = try builder.update(batch)
    #expect(report.added == 3 && report.initialised == 0 && report.atoms == 7)
    #expect(builder.dictionary.labels.suffix(3).map(\.document) == [101, 104, 106])
    #expect(builder.dictionary.labels.last == ITDADictionary.Label(document: 106, position: 6, tokenId: 506))
    let added = builder.dictionary.atoms.rows(4..<7)
    for i in 0..<3 { #expect(abs(added.rowNorms()[i] - 1) < 1e-6) }
    #expect(abs(added[1, 0] - 1 / Float(1.26).squareRoot()) < 1e-6)
    // The reported error is the reference's (2 − 2cos)/d, averaged over the batch.
    let cosines = [1 / 1.01.squareRoot(), 0.5.squareRoot(), 1 / 1.16.squareRoot(), 1, 1 / 1.26.squareRoot(),
                   2 / 4.09.squareRoot(), 0.5.squareRoot(), 0.6 / 0.4.squareRoot()]
    let expected = cosines.enumerated().map { $0.offset == 3 ? 0 : (2 - 2 * $0.element) / 4 }.reduce(0, +) / 8
    #expect(abs(report.meanError - expected) < 1e-6)
  }

  @Test func cropsToTheMaximumSizeAndThenIgnoresBatches() throws {
    let tau = ITDAAddRule.threshold(forCosine: 0.9, dimension: 4)
    var builder = try ITDABuilder(dimension: 4, options: .init(threshold: tau, l0: 1, maxAtoms: 5))
    try builder.update(labelled(Matrix.identity(4)))
    let report = try builder.update(labelled(Matrix([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]])))
    #expect(report.added == 3 && report.atoms == 5 && builder.isFull)
    #expect(builder.dictionary.labels.last?.tokenId == 0)  // the first addition survives the crop
    let skipped = try builder.update(labelled(Matrix([[1, 0, 0, 1]])))
    #expect(skipped.skipped && builder.dictionary.count == 5 && builder.dictionary.batchesSeen == 2)
  }

  @Test func initialisesFromDistinctRowsMostFrequentFirst() throws {
    let x = try Matrix([[3, 0], [1, 1], [1, 1], [0, 2], [-0.0, 2.5]])
    let firstOccurrence = ITDABuilder.initialCandidates(x, order: .firstOccurrence)
    #expect(firstOccurrence.map(\.row) == [1, 0, 3, 4] && firstOccurrence.map(\.count) == [2, 1, 1, 1])
    let lexicographic = ITDABuilder.initialCandidates(x, order: .referenceLexicographic)
    #expect(lexicographic.map(\.row) == [1, 3, 4, 0])
    var builder = try ITDABuilder(
      dimension: 2, options: .init(threshold: 0.5, l0: 2, initialOrder: .referenceLexicographic))
    let report = try builder.update(labelled(x))
    #expect(report.initialised == 2 && builder.dictionary.labels.prefix(2).map(\.tokenId) == [1, 3])
  }

  @Test func jaccardIsExactlyOneUnderAnOrthogonalRotation() throws {
    let x = try mixtureTokens(400, d: 16, seed: 21)
    let q = try randomOrthogonal(16, seed: 22)
    let rotated = try x.matmulTransposed(q)
    let options = ITDABuilder.Options(threshold: ITDAAddRule.threshold(forCosine: 0.85, dimension: 16), l0: 3)
    let a = try ITDABuilder.build(from: labelled(x), tokensPerBatch: 80, options: options)
    let b = try ITDABuilder.build(from: labelled(rotated), tokensPerBatch: 80, options: options)
    #expect(a.count > 16 && a.count < 400)
    #expect(LabelJaccard.similarity(a, b) == 1)
    // Noise and the reference's coordinate-dependent tie order both break it.
    var rng = RandomSource(seed: 23)
    let noisy = try x.adding(Matrix.gaussian(rows: 400, cols: 16, std: 0.3, using: &rng))
    let c = try ITDABuilder.build(from: labelled(noisy), tokensPerBatch: 80, options: options)
    #expect(LabelJaccard.similarity(a, c) < 0.95)
    var lexicographic = options
    lexicographic.initialOrder = .referenceLexicographic
    let lx = try ITDABuilder.build(from: labelled(x), tokensPerBatch: 80, options: lexicographic)
    let lq = try ITDABuilder.build(from: labelled(rotated), tokensPerBatch: 80, options: lexicographic)
    #expect(LabelJaccard.similarity(lx, lq) < 1)
  }

  @Test func gramAndProductUpdatesBuildTheSameDictionary() throws {
    let x = try labelled(mixtureTokens(300, d: 12, seed: 31))
    var options = ITDABuilder.Options(threshold: ITDAAddRule.threshold(forCosine: 0.9, dimension: 12), l0: 4)
    let gram = try ITDABuilder.build(from: x, tokensPerBatch: 64, options: options)
    options.gramLimitBytes = 0
    let products = try ITDABuilder.build(from: x, tokensPerBatch: 64, options: options)
    #expect(gram.labels == products.labels && gram.count > 12)
    options.algorithm = .orthogonal
    let omp = try ITDABuilder.build(from: x, tokensPerBatch: 64, options: options)
    #expect(omp.count > 12 && omp.count < gram.count)  // OMP reconstructs better, so adds fewer
  }

  @Test func reportsProgressAndStopsWhenCancelled() throws {
    let x = try labelled(mixtureTokens(200, d: 8, seed: 41))
    let options = ITDABuilder.Options(threshold: 0.01, l0: 2)
    var seen = [Int]()
    _ = try ITDABuilder.build(from: x, tokensPerBatch: 50, options: options, progress: { seen.append($0.tokensSeen) })
    #expect(seen == [50, 100, 150, 200])
    var calls = 0
    #expect(throws: SAEKitError.cancelled) {
      _ = try ITDABuilder.build(from: x, tokensPerBatch: 50, options: options, isCancelled: {
        calls += 1
        return calls > 2
      })
    }
  }
}

@Suite struct ITDAFileTests {
  @Test func savesAndLoadsADictionary() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let options = ITDABuilder.Options(threshold: 0.0123, l0: 3, maxAtoms: 30)
    let built = try ITDABuilder.build(from: labelled(mixtureTokens(120, d: 8, seed: 51)), tokensPerBatch: 40, options: options)
    let path = scratch + "/itda.safetensors"
    try built.save(to: path)
    let loaded = try ITDADictionary.load(from: path)
    #expect(loaded == built)
    #expect(loaded.maxAtoms == 30 && loaded.threshold == 0.0123 && loaded.l0 == 3 && loaded.tokensSeen > 0)
    let file = try SafeTensors.read(path)
    #expect(try file.shape(of: "labels") == [built.count, 3] && file.tensors["labels"]?.dtype == .int64)
    #expect(file.metadata["format"] == "saekit-itda" && file.metadata["version"] == "1")
    // Deterministic bytes.
    try loaded.save(to: scratch + "/again.safetensors")
    #expect(try DataFiles.bytes(path) == DataFiles.bytes(scratch + "/again.safetensors"))

    let empty = try ITDABuilder(dimension: 5, options: options).dictionary
    try empty.save(to: scratch + "/empty.safetensors")
    let back = try ITDADictionary.load(from: scratch + "/empty.safetensors")
    #expect(back == empty && back.dimension == 5 && back.count == 0)

    try SafeTensors.write(matrices: ["atoms": Matrix(rows: 1, cols: 2)], metadata: ["format": "pt"], to: scratch + "/sae.safetensors")
    expectFileError(scratch + "/sae.safetensors", "not an ITDA dictionary") {
      _ = try ITDADictionary.load(from: scratch + "/sae.safetensors")
    }
  }

  /// A file whose l0 is Int.max loads, and encoding with it is a size error, not a trap in
  /// `tokens × L0` (nor in OMP's `L0²`).
  @Test func aHugeL0IsASizeErrorNotATrap() throws {
    let scratch = try DataFiles.scratchFolder()
    defer { DataFiles.remove(scratch) }
    let labels = (0..<2).map { ITDADictionary.Label(document: $0, position: 0, tokenId: $0) }
    let huge = try ITDADictionary(atoms: try Matrix(rows: 2, cols: 2, storage: [1, 0, 0, 1]), labels: labels, threshold: 0.5, l0: .max)
    try huge.save(to: scratch + "/huge.safetensors")
    let loaded = try ITDADictionary.load(from: scratch + "/huge.safetensors")
    #expect(loaded.l0 == .max)
    let x = try Matrix(rows: 3, cols: 2, storage: [1, 2, 3, 4, 5, 6])
    for algorithm in [MatchingPursuit.Algorithm.matchingPursuit, .orthogonal] {
      #expect(throws: SAEKitError.self) { _ = try loaded.encode(x, algorithm: algorithm) }
    }
  }
}
