// The AVX2 + FMA instantiation of a kernel template (see isa_avx512.h).
#define SAE_TARGET SAE_AVX2_FMA
#define SAE_SUFFIX avx2
#define SAE_VEC __m256
#define SAE_LANES 8
#define SAE_LOAD(p) _mm256_loadu_ps(p)
#define SAE_STORE(p, v) _mm256_storeu_ps(p, v)
#define SAE_SET1(x) _mm256_set1_ps(x)
#define SAE_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define SAE_MUL(a, b) _mm256_mul_ps(a, b)
#define SAE_SUB(a, b) _mm256_sub_ps(a, b)
#define SAE_MAX(a, b) _mm256_max_ps(a, b)
#define SAE_ABS(v) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v)
