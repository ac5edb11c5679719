import CVectorKernels

/// The sparse products of an SAE step. With `nnz` stored code entries and
/// model dimension `d`, each kernel costs `2·nnz·d` FLOPs — for TopK that is
/// `2·B·k·d`, against the encoder GEMM's `2·B·d·m`.
///
/// The row operations are OpenBLAS level-1 calls (`saxpy`, `sdot`): OpenBLAS
/// picks AVX-512/AVX2 kernels for the CPU at run time, while Swift code is
/// compiled for baseline x86-64 (SSE2) so that the binary runs everywhere.
/// Level-1 calls on rows this short run single-threaded inside our workers.
/// On AVX-512 and AVX2 + FMA CPUs the decode and the outer-product accumulation keep
/// each output row in registers across its entries instead (`sae_accumulate_rows`),
/// rounding every element as the `saxpy` loop does, so the bits are the same.
enum SparseKernels {
  /// Whether `sae_accumulate_rows` runs vectorised on this CPU (AVX-512 or AVX2 + FMA).
  static let registerRowsAvailable = VectorKernels.bits > 0

  /// `out[r,:] = bias + Σ_{e ∈ row r} values[e] · W[indices[e], :]`.
  ///
  /// codes `(B × m)` sparse, `W (m × d)`, bias `(d)` or empty → out `(B × d)`.
  static func decode(_ codes: SparseCodes, values: [Float]? = nil, weights w: Matrix, bias: [Float], into out: inout Matrix) {
    precondition(w.rows == codes.width)
    let d = w.cols
    if registerRowsAvailable, codes.rows > 0, !w.storage.isEmpty {
      return decodeInRegisters(codes, values: values ?? codes.values, weights: w, bias: bias, into: &out)
    }
    w.storage.withUnsafeBufferPointer { wb in
      // (No base address only for an empty W: then no code entry reads a row.)
      decode(codes, values: values, dimension: d, bias: bias, into: &out) { j, scratch in wb.baseAddress.map { $0 + j * d } ?? UnsafePointer(scratch) }
    }
  }

  /// ``decode(_:values:weights:bias:into:)`` with each output row kept in registers across
  /// its entries (`sae_accumulate_rows`): the same fma per element in entry order as `saxpy`.
  private static func decodeInRegisters(
    _ codes: SparseCodes, values vals: [Float], weights w: Matrix, bias: [Float], into out: inout Matrix
  ) {
    let d = w.cols
    precondition(out.rows == codes.rows && out.cols == d && vals.count == codes.indices.count)
    codes.indices.withUnsafeBufferPointer { ib in
      vals.withUnsafeBufferPointer { vb in
        bias.withUnsafeBufferPointer { bb in
          w.storage.withUnsafeBufferPointer { wb in
            out.storage.withUnsafeMutableBufferPointer { ob in
              let (ip, vp, wp, op) = (ib.baseAddress, vb.baseAddress, wb.baseAddress!, ob.baseAddress!)
              let bp = bias.isEmpty ? nil : bb.baseAddress
              Parallel.forEachRange(count: codes.rows) { rows in
                for r in rows {
                  let o = op + r * d
                  if let bp { o.update(from: bp, count: d) } else { o.update(repeating: 0, count: d) }
                  let (start, end) = (codes.rowStart[r], codes.rowStart[r + 1])
                  if end > start { sae_accumulate_rows(o, d, wp, ip! + start, nil, vp! + start, end - start) }
                }
              }
            }
          }
        }
      }
    }
  }

  /// ``decode(_:values:weights:bias:into:)`` with the rows of `W` given by `row(j, scratch)`: a
  /// pointer to row `j` (`d` floats), which it may write into `scratch` (`d` floats of the worker's).
  static func decode(
    _ codes: SparseCodes, values: [Float]? = nil, dimension d: Int, bias: [Float], into out: inout Matrix,
    row: (_ j: Int, _ scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float>
  ) {
    let vals = values ?? codes.values
    precondition(out.rows == codes.rows && out.cols == d)
    codes.indices.withUnsafeBufferPointer { ib in
      vals.withUnsafeBufferPointer { vb in
        bias.withUnsafeBufferPointer { bb in
          out.storage.withUnsafeMutableBufferPointer { ob in
            guard let op = ob.baseAddress else { return }
            let (ip, vp) = (ib.baseAddress, vb.baseAddress)
            let bp = bias.isEmpty ? nil : bb.baseAddress
            Parallel.forEachRange(count: codes.rows) { rows in
              let scratch = UnsafeMutablePointer<Float>.allocate(capacity: d)
              defer { scratch.deallocate() }
              for r in rows {
                let o = op + r * d
                if let bp { o.update(from: bp, count: d) } else { o.update(repeating: 0, count: d) }
                for e in codes.rowStart[r]..<codes.rowStart[r + 1] {
                  let a = vp![e]
                  if a == 0 { continue }
                  BLAS.axpy(d, a, row(Int(ip![e]), scratch), o)
                }
              }
            }
          }
        }
      }
    }
  }

  /// `g[e] = ⟨dOut[r,:], W[indices[e],:]⟩` for every stored entry `e` of row `r`:
  /// the gradient of the loss with respect to each code value.
  static func codeGradients(_ codes: SparseCodes, outputGradient dOut: Matrix, weights w: Matrix) -> [Float] {
    let d = w.cols
    var g = [Float](repeating: 0, count: codes.indices.count)
    codes.indices.withUnsafeBufferPointer { ib in
      w.storage.withUnsafeBufferPointer { wb in
        dOut.storage.withUnsafeBufferPointer { db in
          g.withUnsafeMutableBufferPointer { gb in
            let (ip, wp, dp, gp) = (ib.baseAddress, wb.baseAddress!, db.baseAddress!, gb.baseAddress)
            Parallel.forEachRange(count: codes.rows) { rows in
              for r in rows {
                for e in codes.rowStart[r]..<codes.rowStart[r + 1] {
                  gp![e] = BLAS.dot(d, dp + r * d, wp + Int(ip![e]) * d)
                }
              }
            }
          }
        }
      }
    }
    return g
  }

  /// `G[j,:] += Σ_{entries e of latent j} coefficients[e] · Y[row(e), :]`.
  ///
  /// With coefficients = code values and `Y = dL/dx̂` this is the decoder
  /// gradient; with coefficients = `dL/dpre` and `Y` = encoder input it is the
  /// (transposed) encoder gradient. Work is split over latents through the
  /// column index, so no two threads write the same row of `G`. With `registerRows`, each
  /// gradient row stays in registers across its entries (`sae_accumulate_rows`) rather than one
  /// BLAS `saxpy` per entry; both round every element as one fma.
  static func accumulateOuter(
    _ columns: ColumnIndex, coefficients: [Float], rows y: Matrix, into g: inout Matrix,
    registerRows: Bool = registerRowsAvailable
  ) {
    let d = y.cols
    precondition(g.cols == d && g.rows == columns.width)
    columns.entry.withUnsafeBufferPointer { eb in
      columns.row.withUnsafeBufferPointer { rb in
        coefficients.withUnsafeBufferPointer { cb in
          y.storage.withUnsafeBufferPointer { yb in
            g.storage.withUnsafeMutableBufferPointer { gb in
              let (ep, rp, cp, yp, gp) = (eb.baseAddress, rb.baseAddress, cb.baseAddress, yb.baseAddress!, gb.baseAddress!)
              Parallel.forEachRange(count: columns.width) { latents in
                for j in latents {
                  let gj = gp + j * d
                  let (start, end) = (columns.colStart[j], columns.colStart[j + 1])
                  if registerRows {
                    if end > start { sae_accumulate_rows(gj, d, yp, rp! + start, ep! + start, cp!, end - start) }
                    continue
                  }
                  for t in start..<end {
                    let a = cp![Int(ep![t])]
                    if a == 0 { continue }
                    BLAS.axpy(d, a, yp + Int(rp![t]) * d, gj)
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

/// Column (per-latent) view of a ``SparseCodes`` batch: for latent `j`, the
/// entries `entry[colStart[j]..<colStart[j+1]]` (positions in the CSR arrays)
/// and their rows, in increasing row order. Built by a counting sort, `O(nnz + m)`
/// work, in parallel: each fixed chunk of rows counts its entries per latent, a
/// prefix over (latent, chunk) gives every chunk its slots, and the chunks scatter
/// into them. The result is the one-thread counting sort's, for any thread count.
struct ColumnIndex {
  let width: Int
  var colStart: [Int]
  var entry: [Int32]
  var row: [Int32]

  init(_ codes: SparseCodes) {
    let m = codes.width, nnz = codes.indices.count
    width = m
    // Chunks of rows; few enough that the per-chunk counts (chunks × m) stay small.
    let chunks = max(1, min(Parallel.defaultChunks, codes.rows, nnz / max(1, 4 * m)))
    var slots = [Int](repeating: 0, count: chunks * m)  // [c·m + j]: chunk c's count, then its first slot
    var start = [Int](repeating: 0, count: m + 1)
    var entry = [Int32](repeating: 0, count: nnz)
    var row = [Int32](repeating: 0, count: nnz)
    codes.rowStart.withUnsafeBufferPointer { rsb in
      codes.indices.withUnsafeBufferPointer { ib in
        slots.withUnsafeMutableBufferPointer { slb in
          start.withUnsafeMutableBufferPointer { stb in
            entry.withUnsafeMutableBufferPointer { eb in
              row.withUnsafeMutableBufferPointer { rb in
                let (rs, sl, st) = (rsb.baseAddress!, slb.baseAddress!, stb.baseAddress!)
                let (ip, ep, rp) = (ib.baseAddress, eb.baseAddress, rb.baseAddress)
                Parallel.forEachChunk(count: codes.rows, chunks: chunks) { c, rows in
                  let counts = sl + c * m
                  for e in rs[rows.lowerBound]..<rs[rows.upperBound] { counts[Int(ip![e])] += 1 }
                }
                // Column totals, then each chunk's first slot within its column.
                Parallel.forEachRange(count: m) { latents in
                  for j in latents {
                    var total = 0
                    for c in 0..<chunks { total += sl[c * m + j] }
                    st[j + 1] = total
                  }
                }
                for j in 0..<m { st[j + 1] += st[j] }
                Parallel.forEachRange(count: m) { latents in
                  for j in latents {
                    var next = st[j]
                    for c in 0..<chunks {
                      let n = sl[c * m + j]
                      sl[c * m + j] = next
                      next += n
                    }
                  }
                }
                Parallel.forEachChunk(count: codes.rows, chunks: chunks) { c, rows in
                  let fill = sl + c * m
                  for r in rows {
                    for e in rs[r]..<rs[r + 1] {
                      let j = Int(ip![e])
                      ep![fill[j]] = Int32(e)
                      rp![fill[j]] = Int32(r)
                      fill[j] += 1
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    self.colStart = start
    self.entry = entry
    self.row = row
  }

  /// `out[j] += Σ_{entries e of latent j} values[e]`, added in increasing row order (the order
  /// of a loop over the CSR entries), latents split over the workers.
  func accumulate(_ values: [Float], into out: inout [Float]) {
    precondition(out.count == width)
    entry.withUnsafeBufferPointer { eb in
      values.withUnsafeBufferPointer { vb in
        out.withUnsafeMutableBufferPointer { ob in
          guard let ep = eb.baseAddress, let vp = vb.baseAddress, let op = ob.baseAddress else { return }
          Parallel.forEachRange(count: width) { latents in
            for j in latents {
              var s = op[j]
              for t in colStart[j]..<colStart[j + 1] { s += vp[Int(ep[t])] }
              op[j] = s
            }
          }
        }
      }
    }
  }
}
