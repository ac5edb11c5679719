import Testing
@testable import SAEKit

/// The per-row and per-element loops of the notebook's hot paths (issue #21) run over
/// ``Parallel`` chunks: each must give the same bits for 1, 2 and 3 workers, and the bits of
/// the serial loop it replaced (written out here as the reference). Inputs hold more than
/// ``Matrix/parallelThreshold`` elements, so the parallel path is taken.
@Suite struct ParallelAuditTests {
  static let workerCounts = [1, 2, 3]

  /// `f()` under every worker count; all results equal, the first returned.
  static func sameForAnyWorkers<T: Equatable>(_ f: () throws -> T) rethrows -> T {
    let results = try workerCounts.map { n in try Parallel.withWorkers(n) { try f() } }
    for result in results.dropFirst() { #expect(result == results[0]) }
    return results[0]
  }

  static func bits(_ m: Matrix) -> [UInt32] { m.storage.map(\.bitPattern) }
  static func bits(_ a: [Double]) -> [UInt64] { a.map(\.bitPattern) }

  /// `rows × cols` Gaussian entries, with a zero row and a tiny row for the norm floors.
  static func matrix(rows: Int = 1_100, cols: Int = 64, seed: UInt64 = 1) -> Matrix {
    var rng = RandomSource(seed: seed)
    var m = Matrix.gaussian(rows: rows, cols: cols, mean: 0.3, std: 2, using: &rng)
    for j in 0..<cols { m[3, j] = 0; m[5, j] = 1e-20 }
    return m
  }

  @Test func isFiniteFindsANonFiniteElementAnywhere() {
    var m = Self.matrix()
    #expect(m.count >= Matrix.parallelThreshold)
    #expect(Self.sameForAnyWorkers { m.isFinite })
    for (index, value) in [(0, Float.nan), (m.count / 2 + 7, .infinity), (m.count - 1, -.infinity)] {
      var bad = m
      bad.storage[index] = value
      #expect(!Self.sameForAnyWorkers { bad.isFinite })
    }
    m.storage[100] = -0.0
    #expect(Self.sameForAnyWorkers { m.isFinite } == m.storage.allSatisfy(\.isFinite))
  }

  @Test func elementwiseOperationsMatchTheSerialLoops() throws {
    let a = Self.matrix(seed: 2), b = Self.matrix(seed: 3)
    let (n, c) = (a.rows, a.cols)
    let v = (0..<c).map { Float($0) * 0.37 - 4 }
    let factors = (0..<n).map { Float($0 % 13) * 0.21 - 1 }
    func serial(_ f: (Int, Int) -> Float) -> [UInt32] {
      (0..<n).flatMap { i in (0..<c).map { j in f(i, j).bitPattern } }
    }
    #expect(try Self.sameForAnyWorkers { Self.bits(try a.adding(b)) } == serial { a[$0, $1] + b[$0, $1] })
    #expect(try Self.sameForAnyWorkers { Self.bits(try a.subtracting(b)) } == serial { a[$0, $1] - b[$0, $1] })
    #expect(try Self.sameForAnyWorkers { Self.bits(try a.hadamard(b)) } == serial { a[$0, $1] * b[$0, $1] })
    #expect(Self.sameForAnyWorkers { Self.bits(a.scaled(by: 0.3)) } == serial { a[$0, $1] * 0.3 })
    #expect(try Self.sameForAnyWorkers { Self.bits(try a.addingRowVector(v, scale: -0.5)) }
      == serial { a[$0, $1] + -0.5 * v[$1] })
    #expect(try Self.sameForAnyWorkers { var s = a; try s.scaleRows(by: factors); return Self.bits(s) }
      == serial { a[$0, $1] * factors[$0] })
    let norms = a.rowNorms()
    #expect(Self.sameForAnyWorkers { var s = a; s.normalizeRows(); return Self.bits(s) }
      == serial { norms[$0] > 1e-12 ? a[$0, $1] * Float(1 / norms[$0]) : a[$0, $1] })
    // ITDA's atoms: rows divided by max(‖row‖, 10⁻⁹).
    #expect(Self.sameForAnyWorkers { Self.bits(ITDADictionary.normalised(a)) }
      == serial { a[$0, $1] / Float(max(norms[$0], ITDAAddRule.normFloor)) })
  }

  @Test func miniLMEmbeddingNormalisationMatchesTheSerialLoop() {
    let x = Self.matrix(seed: 4)
    var expected = x
    for i in 0..<x.rows {
      var squares = 0.0
      for j in 0..<x.cols { squares += Double(x[i, j]) * Double(x[i, j]) }
      let norm = Float(max(squares.squareRoot(), 1e-12))
      for j in 0..<x.cols { expected[i, j] = x[i, j] / norm }
    }
    #expect(Self.sameForAnyWorkers { Self.bits(TransformerKernels.normalizeRows(x)) } == Self.bits(expected))
  }

  @Test func reconstructionRowStatisticsMatchTheSerialLoop() throws {
    let x = Self.matrix(seed: 5)
    var xhat = Self.matrix(seed: 6)
    for j in 0..<x.cols { xhat[3, j] = 0 }
    var expected = [Double]()
    for i in 0..<x.rows {
      var error = 0.0, dot = 0.0, normA = 0.0, normB = 0.0
      for j in 0..<x.cols {
        let u = Double(x[i, j]), v = Double(xhat[i, j])
        error += (u - v) * (u - v); dot += u * v; normA += u * u; normB += v * v
      }
      expected += [error, ReconstructionMetrics.cosine(dot: dot, normSquaredA: normA, normSquaredB: normB)]
    }
    let rows = try Self.sameForAnyWorkers {
      Self.bits(try ReconstructionMetrics.rowStatistics(x, xhat).flatMap { [$0.errorSquared, $0.cosine] })
    }
    #expect(rows == Self.bits(expected))
    let summary = try Self.sameForAnyWorkers { try ReconstructionMetrics.summary(x: x, reconstruction: xhat) }
    #expect(summary.meanSquaredError.bitPattern == (stride(from: 0, to: expected.count, by: 2)
      .reduce(0) { $0 + expected[$1] } / Double(x.count)).bitPattern)
  }

  @Test func relativeVectorsMatchTheSerialLoop() throws {
    let x = Self.matrix(rows: 1_500, cols: 48, seed: 7)
    let anchors = Array(stride(from: 1, to: 1_500, by: 25))
    var unitAnchors = x.rows(anchors)
    unitAnchors.normalizeRows(epsilon: 1e-12)
    var expected = try x.matmulTransposed(unitAnchors)
    let norms = x.rowNorms()
    for i in 0..<x.rows {
      let inv = Float(1 / max(norms[i], 1e-12))
      for j in 0..<anchors.count { expected[i, j] *= inv }
    }
    #expect(expected.count >= Matrix.parallelThreshold)
    let got = Self.sameForAnyWorkers {
      Self.bits(RelativeRepresentationSimilarity.relativeVectors(x, anchors: anchors, rows: 0..<x.rows))
    }
    #expect(got == Self.bits(expected))
  }

  @Test func crossProductBlocksLoadLikeTheSerialLoop() {
    let x = Self.matrix(seed: 8)
    let mean = x.columnMeans()
    let rows = 17..<1_090
    var expected = [Double](repeating: 0, count: rows.count * x.cols)
    for (k, i) in rows.enumerated() {
      for j in 0..<x.cols { expected[k * x.cols + j] = Double(x[i, j]) - mean[j] }
    }
    let got = Self.sameForAnyWorkers {
      var buffer = [Double](repeating: 0, count: rows.count * x.cols)
      CrossProducts.load(x, rows: rows, subtracting: mean, into: &buffer)
      return Self.bits(buffer)
    }
    #expect(got == Self.bits(expected))
  }

  /// Supports at a fixed stride with varying counts (some empty, one full).
  static func strided(rows: Int, stride: Int) -> (counts: [Int], indices: [Int32], values: [Float]) {
    var rng = RandomSource(seed: 9)
    let counts = (0..<rows).map { $0 == 0 ? stride : Int(rng.next() % UInt64(stride + 1)) }
    let indices = (0..<(rows * stride)).map { Int32($0 % 97) }
    let values = (0..<(rows * stride)).map { _ in Float(rng.gaussian(mean: 0, std: 1)) }
    return (counts, indices, values)
  }

  @Test func compactedCodesMatchTheSerialCopy() throws {
    let (rows, k) = (2_000, 40)
    let (counts, indices, values) = Self.strided(rows: rows, stride: k)
    var rowStart = [0], idx = [Int32](), val = [Float]()
    for r in 0..<rows {
      for e in 0..<counts[r] { idx.append(indices[r * k + e]); val.append(values[r * k + e]) }
      rowStart.append(idx.count)
    }
    let expected = try SparseCodes(rows: rows, width: 97, rowStart: rowStart, indices: idx, values: val)
    let got = Self.sameForAnyWorkers {
      SparseCodes.compacted(rows: rows, width: 97, stride: k, counts: counts, indices: indices, values: values)
    }
    #expect(got == expected && got.values.map(\.bitPattern) == val.map(\.bitPattern))
    // Gradient pursuit's supports are compacted the same way.
    var state = PursuitState(tokens: rows, capacity: k, record: false)
    (state.counts, state.indices, state.weights) = (counts, indices, values)
    #expect(Self.sameForAnyWorkers { state.codes(width: 97) } == expected)
  }

  @Test func gramMatrixGrowsLikeTheSerialMirror() {
    var rng = RandomSource(seed: 10)
    var atoms = Matrix.gaussian(rows: 700, cols: 16, using: &rng)
    atoms.normalizeRows()
    let got = Self.sameForAnyWorkers { () -> [UInt32] in
      var gram = GramMatrix()
      gram.extend(atoms: atoms.rows(0..<300), maximumStride: 700)
      gram.extend(atoms: atoms, maximumStride: 700)
      return (0..<700).flatMap { i in (0..<700).map { gram.storage[i * gram.stride + $0].bitPattern } }
    }
    // New rows by one sgemm per fixed row block of each extension, mirrored serially.
    var expected = [Float](repeating: 0, count: 700 * 700)
    for (old, new) in [(0, 300), (300, 700)] {
      atoms.storage.withUnsafeBufferPointer { a in
        expected.withUnsafeMutableBufferPointer { g in
          for rows in Matrix.productBlocks(rows: new - old) {
            BLAS.gemm(
              transposeA: false, transposeB: true, m: rows.count, n: new, k: 16, alpha: 1,
              a: a.baseAddress! + (old + rows.lowerBound) * 16, lda: 16, b: a.baseAddress!, ldb: 16, beta: 0,
              c: g.baseAddress! + (old + rows.lowerBound) * 700, ldc: 700)
          }
        }
      }
      for i in 0..<old { for j in old..<new { expected[i * 700 + j] = expected[j * 700 + i] } }
      for i in old..<new { for j in (i + 1)..<new { expected[j * 700 + i] = expected[i * 700 + j] } }
    }
    #expect(got == expected.map(\.bitPattern))
  }

  /// `Matrix.blockedGemm` is one sgemm per fixed row block (``Matrix/productBlocks(rows:)``), run
  /// serially here: the same bits for any worker count, with `prepare` before each block's call,
  /// `op(A)` transposed or not, and a leading dimension of `C` wider than its rows.
  @Test(arguments: [(false, 600), (true, 600), (false, 257), (true, 100)])
  func blockedGemmIsOneSgemmPerFixedRowBlock(transposeA: Bool, m: Int) {
    let (k, n, ldc) = (48, 70, 75)
    let a = Self.matrix(rows: transposeA ? k : m, cols: transposeA ? m : k, seed: 3)
    let b = Self.matrix(rows: n, cols: k, seed: 4)  // multiplied transposed
    let bias = (0..<n).map { Float($0) * 0.25 - 3 }
    func product(_ blocked: Bool) -> [UInt32] {
      var c = [Float](repeating: .nan, count: m * ldc)
      a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
          c.withUnsafeMutableBufferPointer { pc in
            let (ap, bp, cp) = (pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
            let fill = { (rows: Range<Int>) in for r in rows { (cp + r * ldc).update(from: bias, count: n) } }
            if blocked {
              Matrix.blockedGemm(
                transposeA: transposeA, transposeB: true, m: m, n: n, k: k, alpha: 0.5, a: ap, lda: a.cols, b: bp,
                ldb: k, beta: 1, c: cp, ldc: ldc, prepare: fill)
              return
            }
            for rows in Matrix.productBlocks(rows: m) {
              fill(rows)
              BLAS.gemm(
                transposeA: transposeA, transposeB: true, m: rows.count, n: n, k: k, alpha: 0.5,
                a: ap + (transposeA ? rows.lowerBound : rows.lowerBound * k), lda: a.cols, b: bp, ldb: k, beta: 1,
                c: cp + rows.lowerBound * ldc, ldc: ldc)
            }
          }
        }
      }
      return (0..<m).flatMap { r in c[(r * ldc)..<(r * ldc + n)].map(\.bitPattern) }
    }
    let got = Self.sameForAnyWorkers { product(true) }
    #expect(got == product(false))
    #expect(Matrix.productBlocks(rows: m).count == (m + 255) / 256)
  }

  @Test(arguments: [(false, 0.0), (true, 0.0), (true, 0.5)])
  func leastSquaresSystemMatchesTheSerialLoop(intercept: Bool, ridge: Double) {
    let x = Self.matrix(rows: 1_200, cols: 50, seed: 11), y = Self.matrix(rows: 1_200, cols: 7, seed: 12)
    let (n, p, q) = (x.rows, x.cols, y.cols)
    let k = p + (intercept ? 1 : 0), augment = ridge > 0 ? p : 0
    var a = [Double](repeating: 0, count: (n + augment) * k), b = [Double](repeating: 0, count: (n + augment) * q)
    for i in 0..<n {
      for j in 0..<p { a[i * k + j] = Double(x[i, j]) }
      if intercept { a[i * k + p] = 1 }
    }
    for j in 0..<augment { a[(n + j) * k + j] = ridge.squareRoot() }
    for e in 0..<(n * q) { b[e] = Double(y.storage[e]) }
    let got = Self.sameForAnyWorkers { () -> [UInt64] in
      let system = LeastSquares.augmentedSystem(x: x, y: y, intercept: intercept, ridge: ridge)
      return Self.bits(system.a + system.b)
    }
    #expect(got == Self.bits(a + b))
  }

  @Test func columnConcatenationMatchesTheSerialCopy() throws {
    let parts = [Self.matrix(seed: 13), Self.matrix(cols: 0), Self.matrix(cols: 5, seed: 14)]
    let width = parts.reduce(0) { $0 + $1.cols }
    var expected = Matrix(rows: parts[0].rows, cols: width)
    var offset = 0
    for part in parts {
      for i in 0..<part.rows { for j in 0..<part.cols { expected[i, offset + j] = part[i, j] } }
      offset += part.cols
    }
    let got = try Self.sameForAnyWorkers { Self.bits(try HeldOutRegression.columnConcatenation(parts)) }
    #expect(got == Self.bits(expected))
  }

  /// Texts of varying length, enough tokens for the parallel path at d = 384.
  static let texts = (0..<40).map { i in
    String(repeating: "the quick brown fox jumps over the lazy dog \(i) ", count: 1 + i % 4)
  }

  @Test func tokenizationMatchesTheSerialMap() throws {
    let tokenizer = try MiniLMFixtures.tokenizer()
    let expected = Self.texts.map { tokenizer.encode($0, maxLength: 30) }
    let batch = Self.sameForAnyWorkers { tokenizer.encodeBatch(Self.texts, maxLength: 30) }
    #expect(batch == TokenizedBatch(unchecked: expected))
  }

  @Test func miniLMEmbeddingsAndPoolingMatchTheSerialLoops() throws {
    let model = try MiniLMFixtures.model()
    let batch = model.tokenize(Self.texts)
    let d = model.hiddenSize, w = model.weights
    #expect(batch.tokenCount * d >= Matrix.parallelThreshold)
    var expected = Matrix(rows: batch.tokenCount, cols: d)
    for sequence in 0..<batch.count {
      for (p, t) in batch.rows(sequence).enumerated() {
        let id = batch.ids[t]
        for j in 0..<d {
          expected.storage[t * d + j] = (w.wordEmbeddings.storage[id * d + j] + w.tokenTypeEmbeddings.storage[j])
            + w.positionEmbeddings.storage[p * d + j]
        }
      }
    }
    TransformerKernels.layerNorm(
      &expected, scale: w.embeddingNormScale, shift: w.embeddingNormShift, epsilon: model.config.layerNormEpsilon)
    let embedded = Self.sameForAnyWorkers { Self.bits(model.embed(batch)) }
    #expect(embedded == Self.bits(expected))

    var pooled = Matrix(rows: batch.count, cols: d)
    for i in 0..<batch.count {
      var sum = [Double](repeating: 0, count: d)
      for t in batch.rows(i) { for j in 0..<d { sum[j] += Double(expected.storage[t * d + j]) } }
      for j in 0..<d { pooled.storage[i * d + j] = Float(sum[j] / Double(batch.length(i))) }
    }
    #expect(Self.sameForAnyWorkers { Self.bits(TransformerKernels.meanPool(expected, batch: batch)) } == Self.bits(pooled))
  }

  @Test func denseConversionsMatchTheSerialLoops() throws {
    var x = Self.matrix(rows: 1_200, cols: 70, seed: 15)
    for e in x.storage.indices where e % 3 != 0 { x.storage[e] = e % 7 == 0 ? -0.0 : 0 }
    var rowStart = [0], indices = [Int32](), values = [Float]()
    for i in 0..<x.rows {
      for j in 0..<x.cols where x[i, j] != 0 { indices.append(Int32(j)); values.append(x[i, j]) }
      rowStart.append(indices.count)
    }
    let expected = try SparseCodes(rows: x.rows, width: x.cols, rowStart: rowStart, indices: indices, values: values)
    let codes = Self.sameForAnyWorkers { SparseCodes(dense: x) }
    #expect(codes == expected)
    // Repeated latents in a row add up in entry order.
    let repeated = try SparseCodes(
      rows: x.rows, width: x.cols, rowStart: (0...x.rows).map { $0 * 3 },
      indices: (0..<(3 * x.rows)).map { Int32($0 % 3 == 2 ? 5 : $0 % 61) },
      values: (0..<(3 * x.rows)).map { Float($0 % 11) * 0.1 + 1e-3 })
    var dense = Matrix(rows: x.rows, cols: x.cols)
    for i in 0..<x.rows {
      for e in repeated.entries(row: i) { dense[i, Int(repeated.indices[e])] += repeated.values[e] }
    }
    #expect(Self.sameForAnyWorkers { Self.bits(repeated.dense()) } == Self.bits(dense))
  }

  @Test func rSquaredColumnSumsMatchTheSerialLoop() throws {
    let truth = Self.matrix(rows: 1_500, cols: 50, seed: 16)
    var prediction = Self.matrix(rows: 1_500, cols: 50, seed: 17)
    prediction.storage[77] = truth.storage[77]
    let means = truth.columnMeans()
    var residual = [Double](repeating: 0, count: 50), total = [Double](repeating: 0, count: 50)
    for i in 0..<truth.rows {
      for j in 0..<50 {
        let v = Double(truth[i, j]), e = v - Double(prediction[i, j]), c = v - means[j]
        residual[j] += e * e
        total[j] += c * c
      }
    }
    let sums = Self.sameForAnyWorkers {
      Self.bits(truth.columnSquaredDifferences(prediction) + truth.columnSumsOfSquaredDeviations())
    }
    #expect(sums == Self.bits(residual + total))
    _ = try Self.sameForAnyWorkers { try RSquared(truth: truth, prediction: prediction) }
  }

  @Test func appendingRowsIsStacking() throws {
    var a = Self.matrix(rows: 300, cols: 24, seed: 18)
    let b = Self.matrix(rows: 77, cols: 24, seed: 19)
    let stacked = try Matrix.vstack([a, b])
    a.appendRows(b)
    #expect(a.shape == stacked.shape && Self.bits(a) == Self.bits(stacked))
  }

  /// End to end: ITDA construction (Gram mirror, atom normalisation, pursuit, add rule) and
  /// encoding give the same dictionary and codes for any worker count.
  @Test(arguments: [MatchingPursuit.Algorithm.matchingPursuit, .orthogonal])
  func itdaBuildAndEncodeAreTheSameForAnyWorkers(algorithm: MatchingPursuit.Algorithm) throws {
    var rng = RandomSource(seed: 20)
    let x = Matrix.gaussian(rows: 1_200, cols: 32, mean: 0.3, std: 2, using: &rng)
    let set = try ActivationSet(
      x: x, documents: (0..<x.rows).map { $0 / 50 }, positions: (0..<x.rows).map { $0 % 50 },
      tokenIds: (0..<x.rows).map { $0 % 301 })
    let options = ITDABuilder.Options(threshold: 0.01, l0: 6, algorithm: algorithm)
    let built = try Self.sameForAnyWorkers { () -> [UInt32] in
      let dictionary = try ITDABuilder.build(from: set, tokensPerBatch: 400, options: options)
      let codes = try dictionary.encode(x, algorithm: algorithm)
      return Self.bits(dictionary.atoms) + codes.values.map(\.bitPattern) + codes.indices.map { UInt32($0) }
    }
    #expect(built.count > 32 * 32)
  }

  @Test func activationGatheringKeepsTheLeadingRowsOfEachBatch() throws {
    let corpus = TextCorpus(name: "audit", snippets: (0..<9).map { "text \($0)" })
    let d = 3
    // Text t of a batch gives t + 2 rows; row values encode (first text, row, layer).
    func streams(_ texts: [String]) throws -> ResidualStreams {
      let firstText = Int(texts[0].split(separator: " ")[1])!
      let text = texts.indices.flatMap { t in [Int](repeating: t, count: t + 2) }
      let states = try (0..<2).map { layer in
        try Matrix(rows: text.count, cols: d, storage: (0..<(text.count * d)).map { Float(firstText * 10_000 + $0 * 10 + layer) })
      }
      return ResidualStreams(
        states: states, text: text, position: text.indices.map { $0 % 5 }, tokenId: text.indices.map { $0 + 100 })
    }
    let sets = try ModelActivations.gather(
      width: d, matrices: 2, corpus: corpus, tokens: 13, batchSize: 4, progress: nil, shouldStop: nil, streams: streams)
    // The old loop: rows in order while fewer than `tokens` are kept.
    var expected = [[Float]](repeating: [], count: 2), documents = [Int](), positions = [Int](), ids = [Int]()
    var next = 0
    while ids.count < 13 && next < 9 {
      let first = next
      next = min(next + 4, 9)
      let s = try streams(Array(corpus.snippets[first..<next]))
      for row in s.text.indices where ids.count < 13 {
        documents.append(first + s.text[row]); positions.append(s.position[row]); ids.append(s.tokenId[row])
        for (i, h) in s.states.enumerated() { expected[i].append(contentsOf: h.storage[(row * d)..<((row + 1) * d)]) }
      }
    }
    for (i, set) in sets.enumerated() {
      #expect(set.x.storage == expected[i] && set.x.rows == 13)
      #expect(set.documents == documents && set.positions == positions && set.tokenIds == ids)
    }
  }
}
