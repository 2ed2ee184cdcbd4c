// qkv_fused: the element-wise and row-wise parts of a transformer training step, fused, on tfjs-wasm tensors.
//
// tfjs writes exact GELU, LayerNorm and softmax's gradient as chains of element-wise kernels (erf GELU's
// backward alone is ~9 passes over the [B·T, 4d] activations), each a separate pass through memory in
// single-threaded wasm. Here each is one pass, vectorised by gcc (AVX-512/AVX2 clones picked at load
// time, so one binary suits any x86-64) and optionally split across threads. Like native/blas.c, tensors are
// read and written where they lie in the wasm heap (byte offsets into the ArrayBuffer JS hands over), and
// every call is synchronous, as tfjs kernels are. Built by scripts/build-native.sh; used by lib/backend/fused.ts.
#define QKV_ADDON "qkv_fused"
#define QKV_ARG_CODE "QKV_FUSED_ARG"
#include "napi_args.h"
#include "vec_math.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 64
// Below this many elements a kernel runs on the calling thread: starting a thread costs tens of µs, about
// what one core needs to stream this much through the GELU loops.
#define MIN_PARALLEL_ELEMENTS 65536

static int fused_threads = 1;

// ---------------------------------------------------------------------------------------------------------
// Float32 special functions, branch-free so that the loops calling them vectorise.

// e^x is exp_f32, in native/vec_math.h (shared with blas.c's attention softmax).

// Φ(x), the standard normal CDF, and φ(x), its density, for GELU. Φ(x) = ½·erfc(−x/√2) with erfc from
// Numerical Recipes (erfcc: t·e^(−z² + P(t)), t = 1/(1 + z/2), relative error < 1.2e-7 for every z ≥ 0). P is
// evaluated in double because its terms cancel (float32 Horner cost 2× the error near 0). Measured against
// long-double erfc on every 17th float: |ΔΦ| ≤ 1.2e-7 on [−3, 3] (2 ulp of ½), relative error ≤ 4e-7 there,
// ≤ 1.2e-6 on [−6, −3] and ≤ 2.2e-6 on [−10, −6], where the float32 rounding of e^'s argument (≈ x²/2)
// dominates. The far negative tail keeps its relative accuracy, which ½·(1 + erf(x/√2)), the float32
// formula torch uses, loses to cancellation (it is 0 below x ≈ −5.5).
static inline float normal_cdf_pdf(float x, float *pdf) {
  const double z = fabsf(x) * 0.70710678118654752;
  const double t = 1.0 / (1.0 + 0.5 * z);
  double p = 0.17087277;
  p = -0.82215223 + t * p;
  p = 1.48851587 + t * p;
  p = -1.13520398 + t * p;
  p = 0.27886807 + t * p;
  p = -0.18628806 + t * p;
  p = 0.09678418 + t * p;
  p = 0.37409196 + t * p;
  p = 1.00002368 + t * p;
  p = -1.26551223 + t * p;
  const double z2 = z * z;
  const float erfc_z = (float)t * exp_f32((float)(p - z2));  // erfc(|x|/√2)
  *pdf = 0.39894228040143268f * exp_f32((float)-z2);  // e^(−x²/2) / √(2π)
  return x >= 0.0f ? 1.0f - 0.5f * erfc_z : 0.5f * erfc_z;
}

// ---------------------------------------------------------------------------------------------------------
// The kernels, each over a range [begin, end) of elements or rows so that threads can split them.

typedef struct {
  const float *x, *dy, *gamma, *beta, *mean, *rstd, *table;
  const int32_t *index;
  float *out, *out_mean, *out_rstd;
  double *partials;  // LayerNorm's backward: per thread, Σ dy·x̂ and Σ dy for each column
  size_t cols;
  double eps;
} Args;

typedef void (*RangeKernel)(const Args *args, size_t begin, size_t end, int part);

// y = x·Φ(x), torch's gelu(approximate='none').
VECTOR_CLONES static void gelu_range(const Args *a, size_t begin, size_t end, int part) {
  (void)part;
  const float *restrict x = a->x;
  float *restrict y = a->out;
  for (size_t i = begin; i < end; i++) {
    float pdf;
    y[i] = x[i] * normal_cdf_pdf(x[i], &pdf);
  }
}

// dx = dy·(Φ(x) + x·φ(x)).
VECTOR_CLONES static void gelu_grad_range(const Args *a, size_t begin, size_t end, int part) {
  (void)part;
  const float *restrict x = a->x, *restrict dy = a->dy;
  float *restrict dx = a->out;
  for (size_t i = begin; i < end; i++) {
    float pdf;
    const float cdf = normal_cdf_pdf(x[i], &pdf);
    dx[i] = dy[i] * (cdf + x[i] * pdf);
  }
}

#define LANES 8

// Σ x[j] in double, over LANES independent accumulators: a sequential sum would be one long dependency
// chain (gcc may not reorder floating-point sums itself), and doubles make the mean of a constant row exact.
VECTOR_CLONES static double row_sum(const float *restrict x, size_t n) {
  double acc[LANES] = {0};
  size_t j = 0;
  for (; j + LANES <= n; j += LANES) {
    for (int l = 0; l < LANES; l++) acc[l] += x[j + l];
  }
  double s = 0;
  for (; j < n; j++) s += x[j];
  for (int l = 0; l < LANES; l++) s += acc[l];
  return s;
}

// Σ (x[j] − c)² in double; two passes (mean, then squared deviations) avoid E[x²] − E[x]²'s cancellation.
VECTOR_CLONES static double row_sum_sq_dev(const float *restrict x, size_t n, double c) {
  double acc[LANES] = {0};
  size_t j = 0;
  for (; j + LANES <= n; j += LANES) {
    for (int l = 0; l < LANES; l++) acc[l] += (x[j + l] - c) * (x[j + l] - c);
  }
  double s = 0;
  for (; j < n; j++) s += (x[j] - c) * (x[j] - c);
  for (int l = 0; l < LANES; l++) s += acc[l];
  return s;
}

// y = (x − μ)/√(σ² + eps)·γ + β per row, σ² biased (as torch); also μ and 1/√(σ² + eps) for the backward.
VECTOR_CLONES static void layer_norm_range(const Args *a, size_t begin, size_t end, int part) {
  (void)part;
  const size_t n = a->cols;
  const float *restrict gamma = a->gamma, *restrict beta = a->beta;
  for (size_t r = begin; r < end; r++) {
    const float *restrict x = a->x + r * n;
    float *restrict y = a->out + r * n;
    const double mean = row_sum(x, n) / (double)n;
    const double var = row_sum_sq_dev(x, n, mean) / (double)n;
    const float m = (float)mean, s = (float)(1.0 / sqrt(var + a->eps));
    for (size_t j = 0; j < n; j++) y[j] = (x[j] - m) * s * gamma[j] + beta[j];
    a->out_mean[r] = m;
    a->out_rstd[r] = s;
  }
}

// With x̂ = (x − μ)·s and g = dy·γ per row: dx = s·(g − mean(g) − x̂·mean(g·x̂)); dγ = Σ_rows dy·x̂ and
// dβ = Σ_rows dy, accumulated per thread (in partials) and added up by the caller.
VECTOR_CLONES static void layer_norm_grad_range(const Args *a, size_t begin, size_t end, int part) {
  const size_t n = a->cols;
  const float *restrict gamma = a->gamma;
  double *restrict dgamma = a->partials + (size_t)part * 2 * n;
  double *restrict dbeta = dgamma + n;
  for (size_t r = begin; r < end; r++) {
    const float *restrict x = a->x + r * n, *restrict dy = a->dy + r * n;
    float *restrict dx = a->out + r * n;
    const float m = a->mean[r], s = a->rstd[r];
    double acc_g[LANES] = {0}, acc_gx[LANES] = {0};
    size_t j = 0;
    for (; j + LANES <= n; j += LANES) {
      for (int l = 0; l < LANES; l++) {
        const float xhat = (x[j + l] - m) * s, g = dy[j + l] * gamma[j + l];
        acc_g[l] += g;
        acc_gx[l] += g * xhat;
      }
    }
    double sum_g = 0, sum_gx = 0;
    for (; j < n; j++) {
      const float xhat = (x[j] - m) * s, g = dy[j] * gamma[j];
      sum_g += g;
      sum_gx += g * xhat;
    }
    for (int l = 0; l < LANES; l++) {
      sum_g += acc_g[l];
      sum_gx += acc_gx[l];
    }
    const float mean_g = (float)(sum_g / (double)n), mean_gx = (float)(sum_gx / (double)n);
    for (j = 0; j < n; j++) {
      const float xhat = (x[j] - m) * s;
      dx[j] = s * (dy[j] * gamma[j] - mean_g - xhat * mean_gx);
      dgamma[j] += dy[j] * xhat;
      dbeta[j] += dy[j];
    }
  }
}

// Softmax's backward along rows: dx = y·(dy − Σ_j dy·y).
VECTOR_CLONES static void softmax_grad_range(const Args *a, size_t begin, size_t end, int part) {
  (void)part;
  const size_t n = a->cols;
  for (size_t r = begin; r < end; r++) {
    const float *restrict y = a->x + r * n, *restrict dy = a->dy + r * n;
    float *restrict dx = a->out + r * n;
    double acc[LANES] = {0};
    size_t j = 0;
    for (; j + LANES <= n; j += LANES) {
      for (int l = 0; l < LANES; l++) acc[l] += dy[j + l] * y[j + l];
    }
    double dot = 0;
    for (; j < n; j++) dot += dy[j] * y[j];
    for (int l = 0; l < LANES; l++) dot += acc[l];
    const float d = (float)dot;
    for (j = 0; j < n; j++) dx[j] = y[j] * (dy[j] - d);
  }
}

// out[i] = table[index[i]] for rows of `cols` floats (indices checked beforehand).
static void gather_rows_range(const Args *a, size_t begin, size_t end, int part) {
  (void)part;
  for (size_t i = begin; i < end; i++) {
    memcpy(a->out + i * a->cols, a->table + (size_t)a->index[i] * a->cols, a->cols * sizeof(float));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Threads: `items` (elements or rows) in equal runs, one per thread; the calling thread, blocked in this
// call anyway, takes the first run.

typedef struct {
  RangeKernel kernel;
  const Args *args;
  size_t begin, end;
  int part;
} Run;

static void *run_thread(void *run) {
  const Run *r = run;
  r->kernel(r->args, r->begin, r->end, r->part);
  return NULL;
}

// How many runs `items` of `per_item` elements each are split into.
static int runs_for(size_t items, size_t per_item) {
  if (fused_threads <= 1 || (double)items * (double)per_item < MIN_PARALLEL_ELEMENTS) return 1;
  return items < (size_t)fused_threads ? (int)items : fused_threads;
}

static void parallel_for(RangeKernel kernel, const Args *args, size_t items, int runs) {
  if (runs <= 1) {
    kernel(args, 0, items, 0);
    return;
  }
  Run each[MAX_THREADS];
  pthread_t ids[MAX_THREADS];
  bool started[MAX_THREADS] = {false};
  for (int t = 0; t < runs; t++) {
    each[t] = (Run){kernel, args, items * (size_t)t / (size_t)runs, items * (size_t)(t + 1) / (size_t)runs, t};
  }
  for (int t = 1; t < runs; t++) started[t] = pthread_create(&ids[t], NULL, run_thread, &each[t]) == 0;
  run_thread(&each[0]);
  for (int t = 1; t < runs; t++) {
    if (started[t]) {
      pthread_join(ids[t], NULL);
    } else {
      run_thread(&each[t]);  // no thread to be had: the work still gets done, here
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// N-API entry points. Offsets are in bytes; sizes in elements.

// A float32 (or int32) operand of `count` elements at the byte offset in argv[i], as a pointer into the heap.
static bool get_operand(napi_env env, napi_value value, const char *name, double count, void *heap, size_t heap_bytes, void **out) {
  int64_t offset;
  if (!get_offset(env, value, name, &offset) || !get_region(env, name, offset, count, heap_bytes)) return false;
  *out = (char *)heap + offset;
  return true;
}

// gelu(heap, xOffset, yOffset, size) and geluGrad(heap, dyOffset, xOffset, dxOffset, size).
static napi_value gelu(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  void *heap, *x, *y;
  size_t bytes;
  int64_t size;
  if (!get_args(env, info, "gelu", 4, argv) || !get_heap(env, argv[0], &heap, &bytes) ||
      !get_index(env, argv[3], "size", &size) || !get_operand(env, argv[1], "xOffset", (double)size, heap, bytes, &x) ||
      !get_operand(env, argv[2], "yOffset", (double)size, heap, bytes, &y)) {
    return NULL;
  }
  const Args args = {.x = x, .out = y};
  parallel_for(gelu_range, &args, (size_t)size, runs_for((size_t)size, 1));
  return NULL;
}

static napi_value gelu_grad(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  void *heap, *dy, *x, *dx;
  size_t bytes;
  int64_t size;
  if (!get_args(env, info, "geluGrad", 5, argv) || !get_heap(env, argv[0], &heap, &bytes) ||
      !get_index(env, argv[4], "size", &size) || !get_operand(env, argv[1], "dyOffset", (double)size, heap, bytes, &dy) ||
      !get_operand(env, argv[2], "xOffset", (double)size, heap, bytes, &x) ||
      !get_operand(env, argv[3], "dxOffset", (double)size, heap, bytes, &dx)) {
    return NULL;
  }
  const Args args = {.x = x, .dy = dy, .out = dx};
  parallel_for(gelu_grad_range, &args, (size_t)size, runs_for((size_t)size, 1));
  return NULL;
}

// layerNorm(heap, xOffset, gammaOffset, betaOffset, yOffset, meanOffset, rstdOffset, rows, cols, eps)
static napi_value layer_norm(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  void *heap, *x, *gamma, *beta, *y, *mean, *rstd;
  size_t bytes;
  int64_t rows, cols;
  double eps;
  if (!get_args(env, info, "layerNorm", 10, argv) || !get_heap(env, argv[0], &heap, &bytes) ||
      !get_index(env, argv[7], "rows", &rows) || !get_index(env, argv[8], "cols", &cols) ||
      !get_number(env, argv[9], "eps", &eps)) {
    return NULL;
  }
  if (!(eps >= 0 && eps <= 3.4e38)) {
    throw_range(env, "eps", eps, "a finite number ≥ 0");
    return NULL;
  }
  const double size = (double)rows * (double)cols;
  if (!get_operand(env, argv[1], "xOffset", size, heap, bytes, &x) ||
      !get_operand(env, argv[2], "gammaOffset", (double)cols, heap, bytes, &gamma) ||
      !get_operand(env, argv[3], "betaOffset", (double)cols, heap, bytes, &beta) ||
      !get_operand(env, argv[4], "yOffset", size, heap, bytes, &y) ||
      !get_operand(env, argv[5], "meanOffset", (double)rows, heap, bytes, &mean) ||
      !get_operand(env, argv[6], "rstdOffset", (double)rows, heap, bytes, &rstd)) {
    return NULL;
  }
  const Args args = {.x = x, .gamma = gamma, .beta = beta, .out = y, .out_mean = mean, .out_rstd = rstd, .cols = (size_t)cols, .eps = eps};
  parallel_for(layer_norm_range, &args, (size_t)rows, runs_for((size_t)rows, (size_t)cols));
  return NULL;
}

// layerNormGrad(heap, dyOffset, xOffset, gammaOffset, meanOffset, rstdOffset, dxOffset, dgammaOffset,
//               dbetaOffset, rows, cols)
static napi_value layer_norm_grad(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  void *heap, *dy, *x, *gamma, *mean, *rstd, *dx, *dgamma, *dbeta;
  size_t bytes;
  int64_t rows, cols;
  if (!get_args(env, info, "layerNormGrad", 11, argv) || !get_heap(env, argv[0], &heap, &bytes) ||
      !get_index(env, argv[9], "rows", &rows) || !get_index(env, argv[10], "cols", &cols)) {
    return NULL;
  }
  const double size = (double)rows * (double)cols;
  if (!get_operand(env, argv[1], "dyOffset", size, heap, bytes, &dy) ||
      !get_operand(env, argv[2], "xOffset", size, heap, bytes, &x) ||
      !get_operand(env, argv[3], "gammaOffset", (double)cols, heap, bytes, &gamma) ||
      !get_operand(env, argv[4], "meanOffset", (double)rows, heap, bytes, &mean) ||
      !get_operand(env, argv[5], "rstdOffset", (double)rows, heap, bytes, &rstd) ||
      !get_operand(env, argv[6], "dxOffset", size, heap, bytes, &dx) ||
      !get_operand(env, argv[7], "dgammaOffset", (double)cols, heap, bytes, &dgamma) ||
      !get_operand(env, argv[8], "dbetaOffset", (double)cols, heap, bytes, &dbeta)) {
    return NULL;
  }
  const int runs = runs_for((size_t)rows, (size_t)cols);
  // Column sums in double, one pair of rows per run: 4096 float32 additions would lose ~12 bits.
  double *partials = calloc((size_t)runs * 2 * (size_t)cols + 1, sizeof(double));
  if (partials == NULL) {
    napi_throw_error(env, "QKV_FUSED_MEMORY", QKV_ADDON ": out of memory for layerNormGrad's column sums");
    return NULL;
  }
  const Args args = {.x = x, .dy = dy, .gamma = gamma, .mean = mean, .rstd = rstd, .out = dx, .partials = partials, .cols = (size_t)cols};
  parallel_for(layer_norm_grad_range, &args, (size_t)rows, runs);
  float *dg = dgamma, *db = dbeta;
  for (size_t j = 0; j < (size_t)cols; j++) {
    double g = 0, b = 0;
    for (int t = 0; t < runs; t++) {
      g += partials[(size_t)t * 2 * (size_t)cols + j];
      b += partials[(size_t)t * 2 * (size_t)cols + (size_t)cols + j];
    }
    dg[j] = (float)g;
    db[j] = (float)b;
  }
  free(partials);
  return NULL;
}

// softmaxGrad(heap, dyOffset, yOffset, dxOffset, rows, cols): y is softmax's output along rows of `cols`.
static napi_value softmax_grad(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  void *heap, *dy, *y, *dx;
  size_t bytes;
  int64_t rows, cols;
  if (!get_args(env, info, "softmaxGrad", 6, argv) || !get_heap(env, argv[0], &heap, &bytes) ||
      !get_index(env, argv[4], "rows", &rows) || !get_index(env, argv[5], "cols", &cols)) {
    return NULL;
  }
  const double size = (double)rows * (double)cols;
  if (!get_operand(env, argv[1], "dyOffset", size, heap, bytes, &dy) || !get_operand(env, argv[2], "yOffset", size, heap, bytes, &y) ||
      !get_operand(env, argv[3], "dxOffset", size, heap, bytes, &dx)) {
    return NULL;
  }
  const Args args = {.x = y, .dy = dy, .out = dx, .cols = (size_t)cols};
  parallel_for(softmax_grad_range, &args, (size_t)rows, runs_for((size_t)rows, (size_t)cols));
  return NULL;
}

// gatherRows(heap, tableOffset, tableRows, cols, indexOffset, count, outOffset): out[i] = table[index[i]],
// index an int32 tensor in the heap. An index outside [0, tableRows) is a RangeError naming its position.
static napi_value gather_rows(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  void *heap, *table, *index, *out;
  size_t bytes;
  int64_t table_rows, cols, count;
  if (!get_args(env, info, "gatherRows", 7, argv) || !get_heap(env, argv[0], &heap, &bytes) ||
      !get_index(env, argv[2], "tableRows", &table_rows) || !get_index(env, argv[3], "cols", &cols) ||
      !get_index(env, argv[5], "count", &count) ||
      !get_operand(env, argv[1], "tableOffset", (double)table_rows * (double)cols, heap, bytes, &table) ||
      !get_operand(env, argv[4], "indexOffset", (double)count, heap, bytes, &index) ||
      !get_operand(env, argv[6], "outOffset", (double)count * (double)cols, heap, bytes, &out)) {
    return NULL;
  }
  const int32_t *idx = index;
  for (size_t i = 0; i < (size_t)count; i++) {
    if (idx[i] < 0 || idx[i] >= table_rows) {
      char what[64], rule[80];
      snprintf(what, sizeof what, "indices[%zu]", i);
      snprintf(rule, sizeof rule, "a row index in [0, %lld)", (long long)table_rows);
      throw_range(env, what, idx[i], rule);
      return NULL;
    }
  }
  const Args args = {.table = table, .index = idx, .out = out, .cols = (size_t)cols};
  parallel_for(gather_rows_range, &args, (size_t)count, runs_for((size_t)count, (size_t)cols));
  return NULL;
}

// setThreads(n): how many threads the kernels above may use from now on.
static napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t threads;
  if (!get_args(env, info, "setThreads", 1, argv) || !get_index(env, argv[0], "threads", &threads)) return NULL;
  if (threads < 1 || threads > MAX_THREADS) {
    throw_range(env, "threads", (double)threads, "in [1, 64]");
    return NULL;
  }
  fused_threads = (int)threads;
  return NULL;
}

// info(): { threads }.
static napi_value fused_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, threads;
  CHECK_NAPI(env, napi_create_object(env, &result));
  CHECK_NAPI(env, napi_create_int32(env, fused_threads, &threads));
  CHECK_NAPI(env, napi_set_named_property(env, result, "threads", threads));
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      {"gelu", NULL, gelu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"geluGrad", NULL, gelu_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layerNorm", NULL, layer_norm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layerNormGrad", NULL, layer_norm_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"softmaxGrad", NULL, softmax_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gatherRows", NULL, gather_rows, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, fused_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) {
    return NULL;
  }
  return exports;
}
