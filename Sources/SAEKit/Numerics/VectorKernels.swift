import CVectorKernels

/// Which vector kernels of `CVectorKernels` this CPU runs, said once (`sae_vector_kernel_bits`):
/// 512 (AVX-512F), 256 (AVX2 and FMA) or 0. Every family of kernels derives its flag from it —
/// the packed linear layer (``PackedWeight``), TopK selection and threshold-code collection
/// (``TopKSelection/kernelsAvailable``), the sparse decode and backward rows
/// (``SparseKernels/registerRowsAvailable``) and matching pursuit's scans
/// (``ArgmaxMagnitude/kernelsAvailable``). Where a flag is false, SAEKit's own Swift loops (or
/// BLAS calls) run instead, with the same results; they are the kernels' references in the tests.
/// (The C functions themselves run on any CPU: each picks its widest version at run time.)
public enum VectorKernels {
  public static let bits = Int(sae_vector_kernel_bits())
}
