import Testing
@testable import SAEKit

/// Every phase of the training step runs on ``Parallel/workers`` threads over fixed chunks: the
/// results must be the same bits for any thread count, and each parallel kernel must give the
/// bits of its one-thread reference loop.
@Suite struct ParallelPhasesTests {
  /// Training runs of 1, 2, 3 and 5 threads give the same weights and history, bit for bit,
  /// with AuxK active (a short dead window) and for rules with parameters and running state.
  /// Batches of 640 rows take three of the encoder's sgemm row blocks (on an AVX2 CPU, where
  /// OpenBLAS's bits for a row depend on its block, one block per thread failed this test).
  @Test(arguments: [ActivationKind.topK(k: 2), .relu(l1: 1), .batchTopK(k: 4), .jumpReLU(l0: 1)])
  func trainingIsBitIdenticalForAnyThreadCount(kind: ActivationKind) throws {
    var rng = RandomSource(seed: 31)
    let x = Matrix.gaussian(rows: 1024, cols: 24, mean: 0.2, std: 1.5, using: &rng)
    var config = TrainingConfig()
    config.steps = 12
    config.batchSize = 640
    config.deadWindowTokens = 700
    let runs = try [1, 2, 3, 5].map { threads in
      config.threads = threads
      return try SAETrainer.train(x, width: 384, activation: kind, config: config, random: RandomSource(seed: 5))
    }
    for run in runs.dropFirst() {
      #expect(run.model.decoderWeights == runs[0].model.decoderWeights)
      #expect(run.model.encoderWeights == runs[0].model.encoderWeights)
      #expect(run.model.encoderBias == runs[0].model.encoderBias && run.model.decoderBias == runs[0].model.decoderBias)
      #expect(run.history == runs[0].history)
    }
    if case .topK = kind { #expect(runs[0].history.deadFraction.contains { $0 > 0 }, "AuxK never ran") }
  }

  /// Random codes with empty rows, repeated latents across rows and a latent that never fires.
  static func codes(rows: Int, width: Int, seed: UInt64) throws -> SparseCodes {
    var rng = RandomSource(seed: seed)
    var rowStart = [0], indices = [Int32](), values = [Float]()
    for _ in 0..<rows {
      let n = Int(rng.next() % 7)
      let ids = rng.sample(min(n, width - 1), from: width - 1).sorted()
      for j in ids {
        indices.append(Int32(j))
        values.append(rng.next() % 5 == 0 ? 0 : Float(rng.gaussian(mean: 0, std: 1)))
      }
      rowStart.append(indices.count)
    }
    return try SparseCodes(rows: rows, width: width, rowStart: rowStart, indices: indices, values: values)
  }

  @Test(arguments: [1, 2, 3])
  func columnIndexIsTheCountingSort(workers: Int) throws {
    for (rows, width) in [(0, 5), (1, 5), (37, 11), (2_000, 40)] {
      let codes = try Self.codes(rows: rows, width: width, seed: UInt64(rows + width))
      let index = Parallel.withWorkers(workers) { ColumnIndex(codes) }
      // The one-thread counting sort.
      var start = [Int](repeating: 0, count: width + 1), entry = [Int32](), row = [Int32]()
      for j in 0..<width {
        for r in 0..<rows {
          for e in codes.rowStart[r]..<codes.rowStart[r + 1] where codes.indices[e] == Int32(j) {
            entry.append(Int32(e))
            row.append(Int32(r))
          }
        }
        start[j + 1] = entry.count
      }
      #expect(index.colStart == start && index.entry == entry && index.row == row)
      // Sums per latent in CSR order.
      let gradients = (0..<codes.indices.count).map { Float($0 % 13) * 0.37 - 2.1 }
      var expected = [Float](repeating: 0.5, count: width)
      for e in 0..<codes.indices.count { expected[Int(codes.indices[e])] += gradients[e] }
      var got = [Float](repeating: 0.5, count: width)
      Parallel.withWorkers(workers) { index.accumulate(gradients, into: &got) }
      #expect(got == expected)
    }
  }

  /// The register-row kernel against one `saxpy` per entry, bit for bit: panel widths with
  /// and without a tail, zero coefficients (skipped, even against ∞) and repeated rows, on the
  /// AVX-512 or the AVX2 + FMA kernel (whose tail columns round as OpenBLAS's AVX2 `saxpy`).
  @Test func registerRowsMatchTheSaxpyLoop() throws {
    guard SparseKernels.registerRowsAvailable else { return }
    for (rows, width, d) in [(50, 9, 384), (300, 17, 128), (64, 5, 7), (200, 12, 200), (90, 3, 1), (40, 6, 129), (30, 4, 95)] {
      let codes = try Self.codes(rows: rows, width: width, seed: UInt64(d))
      let index = ColumnIndex(codes)
      var rng = RandomSource(seed: UInt64(rows))
      var y = Matrix.gaussian(rows: rows, cols: d, mean: 0, std: 1, using: &rng)
      y.storage[d / 2] = .infinity
      let start = Matrix.gaussian(rows: width, cols: d, mean: 0, std: 0.1, using: &rng)
      var fast = start, reference = start
      SparseKernels.accumulateOuter(index, coefficients: codes.values, rows: y, into: &fast, registerRows: true)
      SparseKernels.accumulateOuter(index, coefficients: codes.values, rows: y, into: &reference, registerRows: false)
      #expect(zip(fast.storage, reference.storage).allSatisfy { $0.bitPattern == $1.bitPattern }, "d = \(d)")
    }
  }

  /// The sparse decode with each output row in registers against one `saxpy` per entry.
  @Test func registerDecodeMatchesTheSaxpyLoop() throws {
    for (rows, width, d) in [(50, 9, 384), (64, 5, 7), (200, 12, 200), (3, 4, 1), (0, 4, 16)] {
      let codes = try Self.codes(rows: rows, width: width, seed: UInt64(d + 1))
      var rng = RandomSource(seed: UInt64(width))
      var w = Matrix.gaussian(rows: width, cols: d, mean: 0, std: 1, using: &rng)
      w.storage[d - 1] = -.infinity
      for bias in [[Float](), (0..<d).map { Float($0) * 0.01 - 1 }] {
        var fast = Matrix(rows: rows, cols: d), reference = Matrix(rows: rows, cols: d)
        SparseKernels.decode(codes, weights: w, bias: bias, into: &fast)
        w.storage.withUnsafeBufferPointer { wb in
          SparseKernels.decode(codes, dimension: d, bias: bias, into: &reference) { j, _ in wb.baseAddress! + j * d }
        }
        #expect(zip(fast.storage, reference.storage).allSatisfy { $0.bitPattern == $1.bitPattern }, "d = \(d)")
      }
    }
  }

  /// The tracker, split by latents, against the plain loop over rows.
  @Test(arguments: [1, 2, 3])
  func trackerCountsAsTheRowLoop(workers: Int) throws {
    var tracker = try LatentFiringTracker(width: 40, window: 1_500)
    var counts = [Int](repeating: 0, count: 40), last = [Int](repeating: -1, count: 40), seen = 0
    for batch in 0..<4 {
      let codes = try Self.codes(rows: 700, width: 40, seed: UInt64(batch))
      try Parallel.withWorkers(workers) { try tracker.record(codes) }
      for r in 0..<codes.rows {
        for e in codes.rowStart[r]..<codes.rowStart[r + 1] where codes.values[e] != 0 {
          let j = Int(codes.indices[e])
          if last[j] != seen + r { last[j] = seen + r; counts[j] += 1 }
        }
      }
      seen += codes.rows
      #expect(tracker.firingCounts == counts)
      #expect(tracker.tokensSinceFired == last.map { seen - 1 - $0 })
      #expect(tracker.tokensSeen == seen && tracker.countedTokens == seen)
    }
    #expect(tracker.deadLatents == [39])
  }

  /// The vectorised C kernel rounds every operation as the scalar reference does.
  @Test func adamKernelMatchesTheScalarReference() {
    var rng = RandomSource(seed: 2)
    for count in [1, 7, 16, 33, 1_000] {
      let g = (0..<count).map { _ in Float(rng.gaussian(mean: 0, std: 3)) }
      var p = (0..<count).map { _ in Float(rng.gaussian(mean: 0, std: 1)) }
      var m = (0..<count).map { _ in Float(rng.gaussian(mean: 0, std: 0.1)) }
      var v = (0..<count).map { _ in abs(Float(rng.gaussian(mean: 0, std: 0.1))) }
      var (p2, m2, v2) = (p, m, v)
      for t in [1, 2, 50] {
        let step = AdamStep(learningRate: 3e-4, step: t, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        p.withUnsafeMutableBufferPointer { pb in m.withUnsafeMutableBufferPointer { mb in v.withUnsafeMutableBufferPointer { vb in
          g.withUnsafeBufferPointer { step.apply(pb.baseAddress!, $0.baseAddress!, mb.baseAddress!, vb.baseAddress!, 0..<count) }
        } } }
        p2.withUnsafeMutableBufferPointer { pb in m2.withUnsafeMutableBufferPointer { mb in v2.withUnsafeMutableBufferPointer { vb in
          g.withUnsafeBufferPointer { step.reference(pb.baseAddress!, $0.baseAddress!, mb.baseAddress!, vb.baseAddress!, count: count) }
        } } }
        #expect(p == p2 && m == m2 && v == v2, "count \(count), step \(t)")
      }
    }
  }

  /// The decoder's fused update is the three passes it replaces, row for row.
  @Test func fusedDecoderUpdateIsTheThreePasses() {
    var rng = RandomSource(seed: 9)
    var w = Matrix.gaussian(rows: 300, cols: 19, mean: 0, std: 1, using: &rng)
    SAETrainer.normalizeRows(&w)
    let g = Matrix.gaussian(rows: 300, cols: 19, mean: 0, std: 0.1, using: &rng)
    let step = AdamStep(learningRate: 1e-3, step: 3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
    var (fusedW, fusedG, fusedAdam) = (w, g, AdamState(count: w.count))
    Parallel.withWorkers(2) { SAETrainer.updateDecoder(&fusedW, gradient: &fusedG, adam: &fusedAdam, step: step) }
    var (passW, passG, passAdam) = (w, g, AdamState(count: w.count))
    SAETrainer.removeParallelComponent(&passG, decoder: passW)
    passAdam.update(&passW.storage, gradient: passG.storage, step)
    SAETrainer.normalizeRows(&passW)
    #expect(fusedW == passW && fusedG == passG)
    #expect(fusedAdam.firstMoment == passAdam.firstMoment && fusedAdam.secondMoment == passAdam.secondMoment)
  }

  /// Column reductions split in blocks of 16 columns equal the plain row-order loop, through
  /// every path of the kernel's column groups: 64 at a time (100 × 150 is one chunk of
  /// 2·64 + 16 + 6 columns; 40 × 2,500 cuts 157 blocks into chunks of 4 or 5), 16 at a time and
  /// single columns (the 5 after 37's two blocks).
  @Test(arguments: [1, 2, 3])
  func columnReductionsAreTheRowOrderLoop(workers: Int) {
    var rng = RandomSource(seed: 12)
    for (rows, cols) in [(3, 5), (5_000, 37), (300, 400), (100, 150), (40, 2_500)] {
      let a = Matrix.gaussian(rows: rows, cols: cols, mean: 1, std: 2, using: &rng)
      var sums = [Double](repeating: 0, count: cols), squares = sums
      for i in 0..<rows {
        for j in 0..<cols {
          sums[j] += Double(a[i, j])
          squares[j] += Double(a[i, j]) * Double(a[i, j])
        }
      }
      var deviations = [Double](repeating: 0, count: cols)
      let means = sums.map { $0 / Double(rows) }
      for i in 0..<rows { for j in 0..<cols { deviations[j] += (Double(a[i, j]) - means[j]) * (Double(a[i, j]) - means[j]) } }
      Parallel.withWorkers(workers) {
        #expect(a.columnSums() == sums)
        #expect(a.columnSquaredNorms() == squares)
        #expect(a.columnSumsOfSquaredDeviations() == deviations)
      }
    }
  }

  /// A worker limit changes how many threads run, never which chunks exist.
  @Test func chunksCoverEveryIndexOnceForAnyWorkerCount() {
    for workers in [1, 2, 3, 7] {
      var seen = [Int](repeating: 0, count: 1_000)
      seen.withUnsafeMutableBufferPointer { b in
        let p = b.baseAddress!
        Parallel.withWorkers(workers) {
          #expect(Parallel.workers == workers)
          Parallel.forEachChunk(count: 1_000, chunks: 13) { c, range in
            #expect(range == Parallel.range(chunk: c, of: 13, count: 1_000))
            for i in range { p[i] += 1 }
          }
        }
      }
      #expect(seen.allSatisfy { $0 == 1 })
      // Ranges without a chunk index: every index once, in contiguous ranges.
      var covered = [Int](repeating: 0, count: 1_000)
      covered.withUnsafeMutableBufferPointer { b in
        let p = b.baseAddress!
        Parallel.withWorkers(workers) {
          Parallel.forEachRange(count: 1_000) { range in for i in range { p[i] += 1 } }
        }
      }
      #expect(covered.allSatisfy { $0 == 1 })
    }
    #expect(Parallel.workers >= 1)
  }

  /// ReLU-L1's backward on the workers gives the bits of the serial loop over the entries:
  /// the penalty's gradient per entry and per decoder norm, and the penalty (without a
  /// penalty: 0, or NaN when a norm is not finite).
  @Test(arguments: [1, 2, 3])
  func reluL1BackwardIsTheEntryLoop(workers: Int) throws {
    let codes = try Self.codes(rows: 3_000, width: 50, seed: 7)
    var rng = RandomSource(seed: 8)
    let codeGradients = (0..<codes.values.count).map { _ in Float(rng.gaussian(mean: 0, std: 1)) }
    var norms = (0..<50).map { _ in Float(rng.gaussian(mean: 1, std: 0.2)) }
    for (coefficient, infiniteNorm) in [(Float(0.3), false), (0, false), (0, true)] {
      if infiniteNorm { norms[7] = .infinity }
      let input = ActivationBackwardInput(
        pre: Matrix(rows: 0, cols: 50), codes: codes, codeGradients: codeGradients, decoderNorms: norms,
        reconstructionGradient: Matrix(rows: 0, cols: 1), decoder: Matrix(rows: 0, cols: 1))
      let got = Parallel.withWorkers(workers) { ReLUL1(coefficient: coefficient).backward(input) }
      let scale = coefficient / Float(codes.rows)
      var pre = codeGradients, normGradients = [Float](repeating: 0, count: 50), penalty = 0.0
      for e in 0..<pre.count {
        let j = Int(codes.indices[e]), z = codes.values[e]
        pre[e] += scale * norms[j]
        normGradients[j] += scale * z
        penalty += Double(scale) * Double(z) * Double(norms[j])
      }
      #expect(got.preGradients.map(\.bitPattern) == pre.map(\.bitPattern))
      #expect(got.decoderNormGradients.map(\.bitPattern) == normGradients.map(\.bitPattern))
      #expect(got.penalty.bitPattern == penalty.bitPattern || (got.penalty.isNaN && penalty.isNaN))
      #expect(got.penalty.isNaN == infiniteNorm)
    }
  }
}
