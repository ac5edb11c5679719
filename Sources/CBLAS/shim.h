// CBLAS: a system-library shim. It provides no Swift API of its own; SAEKit's
// Numerics/BLAS.swift is the only file that imports it.
#ifndef SAE_NOTEBOOK_CBLAS_SHIM_H
#define SAE_NOTEBOOK_CBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
