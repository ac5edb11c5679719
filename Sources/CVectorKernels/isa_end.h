// Ends an instantiation begun with isa_avx512.h or isa_avx2.h.
#undef SAE_TARGET
#undef SAE_SUFFIX
#undef SAE_VEC
#undef SAE_LANES
#undef SAE_LOAD
#undef SAE_STORE
#undef SAE_SET1
#undef SAE_FMA
#undef SAE_MUL
#undef SAE_SUB
#undef SAE_MAX
#undef SAE_ABS
