// Float32 maths shared by the project's addons (native/fused.c, native/blas.c): branch-free, so that the loops
// calling it vectorise.
#ifndef QKV_VEC_MATH_H
#define QKV_VEC_MATH_H

#include <stdint.h>

#ifdef VECTOR_CLONES
// defined by the includer (a plain build of the maths for checking it)
#elif defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// One copy of each hot loop per instruction-set level; the dynamic loader picks the best the CPU has.
#define VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VECTOR_CLONES
#endif

// e^x in float32: Cody-Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, then the degree-7 Taylor polynomial of e^r,
// whose truncation error |r|⁸/8! < 5.3e-9 is below float32's half ulp (3e-8): the result is within about
// 2 ulp. Inputs below -87.34 (where e^x leaves float32's normal range) give 0; inputs above 88 are not used
// here and saturate at e^88. NaN stays NaN.
static inline float exp_f32(float x) {
  const float lo = -87.33654f, hi = 88.0f;
  float xc = x < lo ? lo : x;
  xc = xc > hi ? hi : xc;
  // Round x·log2(e) to the nearest integer: adding 1.5·2²³ pushes the fraction out of the mantissa.
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  // ln2 in two parts (Cephes): n·0.693359375 is exact for |n| ≤ 127, so r keeps its low bits.
  const float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.0f / 5040.0f + r * (1.0f / 40320.0f);
  p = 1.0f / 720.0f + r * p;
  p = 1.0f / 120.0f + r * p;
  p = 1.0f / 24.0f + r * p;
  p = 1.0f / 6.0f + r * p;
  p = 0.5f + r * p;
  p = 1.0f + r * p;
  p = 1.0f + r * p;
  // 2ⁿ built from its exponent bits; n ∈ [-126, 127] after the clamp, a normal float.
  union {
    int32_t i;
    float f;
  } scale = {.i = ((int32_t)n + 127) << 23};
  return x < lo ? 0.0f : p * scale.f;
}

#endif
