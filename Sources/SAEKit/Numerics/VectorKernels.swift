import CVectorKernels

/// Whether this CPU runs SAEKit's AVX-512 C kernels of TopK selection and threshold-code
/// collection (`topk_scan.c`). Where it does not, the portable Swift loops run instead; they are
/// the kernels' references in the tests, with the same results. Every caller takes its default
/// from here (a `kernels:` parameter lets the tests run both paths). (The C functions themselves
/// run on any CPU, in portable C where AVX-512 is missing. The sparse decode and backward rows,
/// `sparse_outer.c`, and matching pursuit's scans, `pursuit_scan.c`, also have AVX2 kernels: see
/// ``SparseKernels/registerRowsAvailable`` and ``ArgmaxMagnitude/kernelsAvailable``.)
public enum AVX512Kernels {
  public static let available = sae_avx512_available() != 0
  /// The widest vector kernels of `CVectorKernels` this CPU runs: 512 (AVX-512F), 256 (AVX2 and
  /// FMA) or 0 (`sae_vector_kernel_bits`): the packed linear layer, the sparse rows and matching
  /// pursuit's scans take their paths from it.
  public static let vectorBits = Int(sae_vector_kernel_bits())
}
