// The AVX-512 instantiation of a kernel template (accumulate_panels.h, pursuit_steps.h): include
// this, then the template, then isa_end.h (no include guard: it is included once per template).
#define SAE_TARGET SAE_AVX512
#define SAE_SUFFIX avx512
#define SAE_VEC __m512
#define SAE_LANES 16
#define SAE_LOAD(p) _mm512_loadu_ps(p)
#define SAE_STORE(p, v) _mm512_storeu_ps(p, v)
#define SAE_SET1(x) _mm512_set1_ps(x)
#define SAE_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SAE_MUL(a, b) _mm512_mul_ps(a, b)
#define SAE_SUB(a, b) _mm512_sub_ps(a, b)
#define SAE_MAX(a, b) _mm512_max_ps(a, b)
#define SAE_ABS(v) _mm512_abs_ps(v)
