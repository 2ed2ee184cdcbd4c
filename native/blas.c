// qkv_blas: float32 matrix multiply on tfjs-wasm tensors through OpenBLAS's cblas_sgemm.
//
// The tensors live in the wasm backend's linear memory, which JS hands over as one ArrayBuffer together
// with byte offsets, so no data is copied in or out. The call is synchronous on purpose: tfjs kernels are
// synchronous, and OpenBLAS spreads each product over its own thread pool while the JS thread waits.
// Built by scripts/build-native.sh (plain gcc, no node-gyp); loaded by lib/backend/blas.ts.
#define QKV_ADDON "qkv_blas"
#define QKV_ARG_CODE "QKV_BLAS_ARG"
#include "napi_args.h"
#include "vec_math.h"
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 64
// Products up to this many multiply-adds (m·n·k = 256³) are too small for OpenBLAS's own threading to pay
// (128×64×128, the attention shape, reaches ≈ 90 GFLOP/s on 2 threads vs ≈ 65 on one): a batch of them is
// split across threads instead, one single-threaded sgemm per product.
#define SMALL_PRODUCT (256.0 * 256.0 * 256.0)
// Below this much work in all, starting threads (tens of µs) costs more than it saves.
#define MIN_PARALLEL_WORK (4.0 * 1024.0 * 1024.0)

// An Int32Array of batch indices, each in [0, limit).
static bool get_batch_index(napi_env env, napi_value value, const char *name, int64_t limit, const int32_t **out,
                            size_t *length) {
  napi_typedarray_type type;
  size_t count;
  void *data;
  bool is_typed;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, &count, &data, NULL, NULL) != napi_ok || type != napi_int32_array) {
    return throw_type(env, name, "an Int32Array");
  }
  const int32_t *index = data;
  for (size_t i = 0; i < count; i++) {
    if (index[i] < 0 || index[i] >= limit) {
      char what[80];
      snprintf(what, sizeof what, "%s[%zu]", name, i);
      return throw_range(env, what, index[i], "a batch index below the operand's batch size");
    }
  }
  *out = index;
  *length = count;
  return true;
}

// A run of consecutive output batches, [begin, end), for one thread.
typedef struct {
  const float *a, *b;
  float *out;
  const int32_t *a_index, *b_index;
  size_t begin, end;
  int m, n, k, lda, ldb;
  enum CBLAS_TRANSPOSE ta, tb;
} Chunk;

static void run_chunk(const Chunk *c) {
  const size_t a_size = (size_t)c->m * (size_t)c->k, b_size = (size_t)c->k * (size_t)c->n;
  const size_t out_size = (size_t)c->m * (size_t)c->n;
  for (size_t i = c->begin; i < c->end; i++) {
    cblas_sgemm(CblasRowMajor, c->ta, c->tb, c->m, c->n, c->k, 1.0f, c->a + (size_t)c->a_index[i] * a_size, c->lda,
                c->b + (size_t)c->b_index[i] * b_size, c->ldb, 0.0f, c->out + i * out_size, c->n);
  }
}

static void *run_chunk_thread(void *chunk) {
  run_chunk(chunk);
  return NULL;
}

// body(runs[t]) for each of `threads` runs of `size` bytes: the first on the calling thread (blocked in this call
// anyway), the others on their own threads (or here, should no thread be had), OpenBLAS single-threaded meanwhile.
static void run_on_threads(void *(*body)(void *), char *runs, size_t size, int threads) {
  pthread_t ids[MAX_THREADS];
  bool started[MAX_THREADS] = {false};
  const int blas_threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
  for (int t = 1; t < threads; t++) started[t] = pthread_create(&ids[t], NULL, body, runs + (size_t)t * size) == 0;
  body(runs);
  for (int t = 1; t < threads; t++) {
    if (started[t]) {
      pthread_join(ids[t], NULL);
    } else {
      body(runs + (size_t)t * size);  // no thread to be had: the work still gets done, here
    }
  }
  openblas_set_num_threads(blas_threads);
}

// The batch in `threads` equal runs on as many threads, each product single-threaded inside OpenBLAS.
static void run_batch_parallel(const Chunk *all, size_t batch, int threads) {
  Chunk chunks[MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    chunks[t] = *all;
    chunks[t].begin = batch * (size_t)t / (size_t)threads;
    chunks[t].end = batch * (size_t)(t + 1) / (size_t)threads;
  }
  run_on_threads(run_chunk_thread, (char *)chunks, sizeof(Chunk), threads);
}

// gemm(heap, aOffset, aBatch, bOffset, bBatch, outOffset, m, n, k, transposeA, transposeB, aIndex, bIndex)
//
// For each output batch i: out[i] (m×n) = op(A[aIndex[i]]) · op(B[bIndex[i]]), row-major, where A holds
// aBatch matrices of m×k (k×m when transposed) and B holds bBatch of k×n (n×k when transposed). Offsets
// are in bytes. The index arrays carry tfjs's batch broadcasting, worked out in JS.
static napi_value gemm(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  void *heap;
  size_t heap_bytes;
  if (!get_args(env, info, "gemm", 13, argv) || !get_heap(env, argv[0], &heap, &heap_bytes)) return NULL;

  int64_t a_offset, a_batch, b_offset, b_batch, out_offset, m, n, k;
  bool trans_a, trans_b;
  const int32_t *a_index, *b_index;
  size_t batch, b_length;
  if (!get_offset(env, argv[1], "aOffset", &a_offset) || !get_index(env, argv[2], "aBatch", &a_batch) ||
      !get_offset(env, argv[3], "bOffset", &b_offset) || !get_index(env, argv[4], "bBatch", &b_batch) ||
      !get_offset(env, argv[5], "outOffset", &out_offset) || !get_index(env, argv[6], "m", &m) ||
      !get_index(env, argv[7], "n", &n) || !get_index(env, argv[8], "k", &k) ||
      !get_bool(env, argv[9], "transposeA", &trans_a) || !get_bool(env, argv[10], "transposeB", &trans_b)) {
    return NULL;
  }
  if (!get_batch_index(env, argv[11], "aIndex", a_batch, &a_index, &batch) ||
      !get_batch_index(env, argv[12], "bIndex", b_batch, &b_index, &b_length)) {
    return NULL;
  }
  if (b_length != batch) {
    throw_range(env, "bIndex.length", (double)b_length, "aIndex.length (one pair of indices per output batch)");
    return NULL;
  }
  if (!get_region(env, "aOffset", a_offset, (double)a_batch * (double)m * (double)k, heap_bytes) ||
      !get_region(env, "bOffset", b_offset, (double)b_batch * (double)k * (double)n, heap_bytes) ||
      !get_region(env, "outOffset", out_offset, (double)batch * (double)m * (double)n, heap_bytes)) {
    return NULL;
  }

  const float *a = (const float *)((const char *)heap + a_offset);
  const float *b = (const float *)((const char *)heap + b_offset);
  float *out = (float *)((char *)heap + out_offset);
  if (m == 0 || n == 0) return NULL;
  if (k == 0) {
    // An empty sum: BLAS would reject the zero leading dimension, and wasm's malloc does not clear memory.
    memset(out, 0, (size_t)batch * (size_t)(m * n) * sizeof(float));
    return NULL;
  }
  const Chunk all = {
      .a = a, .b = b, .out = out, .a_index = a_index, .b_index = b_index, .begin = 0, .end = batch,
      .m = (int)m, .n = (int)n, .k = (int)k,
      // Row-major leading dimensions are the stored row lengths.
      .lda = (int)(trans_a ? m : k), .ldb = (int)(trans_b ? k : n),
      .ta = trans_a ? CblasTrans : CblasNoTrans, .tb = trans_b ? CblasTrans : CblasNoTrans,
  };
  const int threads = openblas_get_num_threads();
  const double product = (double)m * (double)n * (double)k;
  if (threads > 1 && threads <= MAX_THREADS && batch >= (size_t)threads && product <= SMALL_PRODUCT &&
      product * (double)batch >= MIN_PARALLEL_WORK) {
    run_batch_parallel(&all, batch, threads);
  } else {
    run_chunk(&all);
  }
  return NULL;
}

// ---------------------------------------------------------------------------------------------------------
// Scaled dot-product attention in one kernel each way, per (batch, head) pair:
//   forward   P = softmax(scale·Q·Kᵀ + bias), O = (P ⊙ keep)·V
//   backward  dV = (P ⊙ keep)ᵀ·dO, dP = (dO·Vᵀ) ⊙ keep, dS = P ⊙ (dP − Σ_row dP ⊙ P),
//             dQ = scale·dS·K, dK = scale·dSᵀ·Q
// tfjs writes this as a chain of kernels (scale, product, bias add, softmax, dropout's multiply, product),
// plus head transposes, each a pass over [B, H, Tq, Tk] in single-threaded wasm and each kept alive by the
// tape; here the products read Q, K and V in place through strides (the projections' [B·T, H·dh] rows need no
// transpose) and only P is saved. `keep` is dropout's multiplier (0 or 1/(1 − rate)), drawn by tfjs as
// tf.dropout draws it, or absent. The pairs are split across the BLAS threads, one single-threaded sgemm each.

// Where one tensor's (batch, head) block starts and how far apart its rows are, in elements.
typedef struct {
  size_t batch, head, row;
} Strides;

typedef struct {
  const float *q, *k, *v, *bias, *keep, *dout;
  float *out, *probs, *dq, *dk, *dv;
  Strides qs, ks;  // v, dk, dv are laid out as k; out, dout, dq as q
  size_t bias_batch, bias_row;
  int heads, tq, tk, dh;
  float scale;
  bool backward;
  size_t begin, end;  // pairs b·heads + h
} AttentionRun;

#define BLOCK(base, strides, b, h) ((base) + (b) * (strides).batch + (h) * (strides).head)

// Reductions over a row in LANES independent partial results, so that gcc vectorises them (it keeps a single
// running float sum or max in order otherwise); the lanes are combined at the end of the row.
#define LANES 16

// Row-wise softmax of s + bias in place (Tk columns), exp_f32 so that the loops vectorise.
VECTOR_CLONES static void softmax_rows(float *restrict s, const float *restrict bias, size_t bias_row, int rows,
                                       int cols) {
  const int whole = cols - cols % LANES;
  for (int i = 0; i < rows; i++) {
    float *restrict row = s + (size_t)i * (size_t)cols;
    const float *restrict add = bias + (size_t)i * bias_row;
    float lane[LANES];
    for (int l = 0; l < LANES; l++) lane[l] = -INFINITY;
    for (int j = 0; j < whole; j += LANES) {
      for (int l = 0; l < LANES; l++) {
        row[j + l] += add[j + l];
        lane[l] = row[j + l] > lane[l] ? row[j + l] : lane[l];
      }
    }
    float max = -INFINITY;
    for (int j = whole; j < cols; j++) {
      row[j] += add[j];
      max = row[j] > max ? row[j] : max;
    }
    for (int l = 0; l < LANES; l++) max = lane[l] > max ? lane[l] : max;
    for (int l = 0; l < LANES; l++) lane[l] = 0.0f;
    for (int j = 0; j < whole; j += LANES) {
      for (int l = 0; l < LANES; l++) {
        row[j + l] = exp_f32(row[j + l] - max);
        lane[l] += row[j + l];
      }
    }
    float sum = 0.0f;
    for (int j = whole; j < cols; j++) {
      row[j] = exp_f32(row[j] - max);
      sum += row[j];
    }
    for (int l = 0; l < LANES; l++) sum += lane[l];
    const float inv = 1.0f / sum;
    for (int j = 0; j < cols; j++) row[j] *= inv;
  }
}

VECTOR_CLONES static void multiply(float *restrict out, const float *restrict a, const float *restrict b, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = a[i] * b[i];
}

VECTOR_CLONES static void multiply_in_place(float *restrict x, const float *restrict by, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] *= by[i];
}

// dS = P ⊙ (dP − Σ_row dP ⊙ P), in place over dP.
VECTOR_CLONES static void softmax_backward_rows(float *restrict dp, const float *restrict p, int rows, int cols) {
  const int whole = cols - cols % LANES;
  for (int i = 0; i < rows; i++) {
    float *restrict d = dp + (size_t)i * (size_t)cols;
    const float *restrict y = p + (size_t)i * (size_t)cols;
    float lane[LANES] = {0};
    for (int j = 0; j < whole; j += LANES) {
      for (int l = 0; l < LANES; l++) lane[l] += d[j + l] * y[j + l];
    }
    float dot = 0.0f;
    for (int j = whole; j < cols; j++) dot += d[j] * y[j];
    for (int l = 0; l < LANES; l++) dot += lane[l];
    for (int j = 0; j < cols; j++) d[j] = y[j] * (d[j] - dot);
  }
}

// The weights V is averaged with: P ⊙ keep, written to scratch, or P itself without dropout.
static const float *attended(const float *p, const float *keep, float *scratch, size_t n) {
  if (keep == NULL) return p;
  multiply(scratch, p, keep, n);
  return scratch;
}

static void forward_pair(const AttentionRun *r, size_t pair, float *scratch) {
  const int tq = r->tq, tk = r->tk, dh = r->dh, qr = (int)r->qs.row, kr = (int)r->ks.row;
  const size_t b = pair / (size_t)r->heads, h = pair % (size_t)r->heads, square = (size_t)tq * (size_t)tk;
  float *p = r->probs + pair * square;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tq, tk, dh, r->scale, BLOCK(r->q, r->qs, b, h), qr,
              BLOCK(r->k, r->ks, b, h), kr, 0.0f, p, tk);
  softmax_rows(p, r->bias + b * r->bias_batch, r->bias_row, tq, tk);
  const float *attend = attended(p, r->keep ? r->keep + pair * square : NULL, scratch, square);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, tq, dh, tk, 1.0f, attend, tk, BLOCK(r->v, r->ks, b, h), kr,
              0.0f, BLOCK(r->out, r->qs, b, h), qr);
}

static void backward_pair(const AttentionRun *r, size_t pair, float *scratch) {
  const int tq = r->tq, tk = r->tk, dh = r->dh, qr = (int)r->qs.row, kr = (int)r->ks.row;
  const size_t b = pair / (size_t)r->heads, h = pair % (size_t)r->heads, square = (size_t)tq * (size_t)tk;
  const float *p = r->probs + pair * square, *keep = r->keep ? r->keep + pair * square : NULL;
  const float *dout = BLOCK(r->dout, r->qs, b, h);
  float *dp = keep ? scratch + square : scratch;  // after P ⊙ keep, when there is one
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, tk, dh, tq, 1.0f, attended(p, keep, scratch, square), tk, dout,
              qr, 0.0f, BLOCK(r->dv, r->ks, b, h), kr);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tq, tk, dh, 1.0f, dout, qr, BLOCK(r->v, r->ks, b, h), kr, 0.0f,
              dp, tk);
  if (keep) multiply_in_place(dp, keep, square);
  softmax_backward_rows(dp, p, tq, tk);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, tq, dh, tk, r->scale, dp, tk, BLOCK(r->k, r->ks, b, h), kr,
              0.0f, BLOCK(r->dq, r->qs, b, h), qr);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, tk, dh, tq, r->scale, dp, tk, BLOCK(r->q, r->qs, b, h), qr,
              0.0f, BLOCK(r->dk, r->ks, b, h), kr);
}

static void attention_pairs(const AttentionRun *r) {
  // Scratch per pair: P ⊙ keep under dropout, and dP in the backward pass (a few hundred kB at most).
  const size_t squares = (r->keep != NULL) + r->backward;
  float *scratch = NULL;
  if (squares > 0) {
    scratch = malloc(squares * (size_t)r->tq * (size_t)r->tk * sizeof(float));
    if (scratch == NULL) abort();  // the caller could not recover a half-written output either
  }
  for (size_t pair = r->begin; pair < r->end; pair++) {
    if (r->backward) {
      backward_pair(r, pair, scratch);
    } else {
      forward_pair(r, pair, scratch);
    }
  }
  free(scratch);
}

static void *attention_thread(void *run) {
  attention_pairs(run);
  return NULL;
}

static void run_attention(const AttentionRun *all, size_t pairs) {
  int threads = openblas_get_num_threads();
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if ((size_t)threads > pairs) threads = (int)pairs;
  if (threads <= 1) {
    attention_pairs(all);
    return;
  }
  AttentionRun runs[MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    runs[t] = *all;
    runs[t].begin = pairs * (size_t)t / (size_t)threads;
    runs[t].end = pairs * (size_t)(t + 1) / (size_t)threads;
  }
  run_on_threads(attention_thread, (char *)runs, sizeof(AttentionRun), threads);
}

// `count` non-negative integers from a JS array into out (dimensions and strides).
static bool get_integers(napi_env env, napi_value array, const char *name, uint32_t count, int64_t *out) {
  uint32_t length;
  if (napi_get_array_length(env, array, &length) != napi_ok || length != count) {
    char what[80];
    snprintf(what, sizeof what, "an array of %u integers", count);
    return throw_type(env, name, what);
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    char what[80];
    snprintf(what, sizeof what, "%s[%u]", name, i);
    if (napi_get_element(env, array, i, &element) != napi_ok || !get_index(env, element, what, &out[i])) return false;
  }
  return true;
}

// A float32 operand at a byte offset whose last element is `extent` elements in, as a pointer into the heap.
static bool get_tensor(napi_env env, napi_value value, const char *name, double extent, void *heap, size_t bytes,
                       void **out) {
  int64_t offset;
  if (!get_offset(env, value, name, &offset) || !get_region(env, name, offset, extent, bytes)) return false;
  *out = (char *)heap + offset;
  return true;
}

// Elements from a strided tensor's first to past its last, for `rows` rows of dh.
static double extent(Strides s, int64_t batches, int64_t heads, int64_t rows, int64_t dh) {
  return (double)(batches - 1) * (double)s.batch + (double)(heads - 1) * (double)s.head +
         (double)(rows - 1) * (double)s.row + (double)dh;
}

// attention(heap, q, k, v, bias, keep, out, probs, shape, strides, scale) and
// attentionGrad(heap, dout, q, k, v, bias, keep, probs, dq, dk, dv, shape, strides, scale), offsets in bytes:
//   shape   [B, H, Tq, Tk, dh]
//   strides [q batch, q head, q row, k batch, k head, k row, bias batch, bias row]; v, dk, dv are laid out as k,
//           out, dout, dq as q; a bias row has Tk contiguous values; probs and keep are dense [B, H, Tq, Tk]
//   keep    null for no dropout
static napi_value attention_call(napi_env env, napi_callback_info info, bool backward) {
  const char *function = backward ? "attentionGrad" : "attention";
  const size_t argc = backward ? 14 : 11;
  napi_value argv[14];
  void *heap;
  size_t bytes;
  if (!get_args(env, info, function, argc, argv) || !get_heap(env, argv[0], &heap, &bytes)) return NULL;
  napi_value *rest = argv + (backward ? 11 : 8);  // shape, strides, scale
  int64_t shape[5], st[8];
  double scale;
  if (!get_integers(env, rest[0], "shape", 5, shape) || !get_integers(env, rest[1], "strides", 8, st) ||
      !get_number(env, rest[2], "scale", &scale)) {
    return NULL;
  }
  const int64_t B = shape[0], H = shape[1], Tq = shape[2], Tk = shape[3], dh = shape[4];
  if (B == 0 || H == 0 || Tq == 0 || Tk == 0 || dh == 0) {
    throw_range(env, "shape", 0, "positive in every dimension");
    return NULL;
  }
  AttentionRun run = {
      .qs = {(size_t)st[0], (size_t)st[1], (size_t)st[2]}, .ks = {(size_t)st[3], (size_t)st[4], (size_t)st[5]},
      .bias_batch = (size_t)st[6], .bias_row = (size_t)st[7],
      .heads = (int)H, .tq = (int)Tq, .tk = (int)Tk, .dh = (int)dh, .scale = (float)scale, .backward = backward,
      .begin = 0, .end = (size_t)(B * H),
  };
  const double q_extent = extent(run.qs, B, H, Tq, dh), k_extent = extent(run.ks, B, H, Tk, dh);
  const double bias_extent = (double)(B - 1) * (double)run.bias_batch + (double)(Tq - 1) * (double)run.bias_row +
                             (double)Tk;
  const double dense = (double)B * (double)H * (double)Tq * (double)Tk;
  napi_valuetype keep_type;
  const int keep_arg = backward ? 6 : 5;
  if (napi_typeof(env, argv[keep_arg], &keep_type) != napi_ok) return NULL;
  void *keep = NULL, *bias;
  bool ok = true;
  if (backward) {
    void *dout, *q, *k, *v, *probs, *dq, *dk, *dv;
    ok = get_tensor(env, argv[1], "dout", q_extent, heap, bytes, &dout) &&
         get_tensor(env, argv[2], "q", q_extent, heap, bytes, &q) &&
         get_tensor(env, argv[3], "k", k_extent, heap, bytes, &k) &&
         get_tensor(env, argv[4], "v", k_extent, heap, bytes, &v) &&
         get_tensor(env, argv[5], "bias", bias_extent, heap, bytes, &bias) &&
         get_tensor(env, argv[7], "probs", dense, heap, bytes, &probs) &&
         get_tensor(env, argv[8], "dq", q_extent, heap, bytes, &dq) &&
         get_tensor(env, argv[9], "dk", k_extent, heap, bytes, &dk) &&
         get_tensor(env, argv[10], "dv", k_extent, heap, bytes, &dv);
    run.dout = dout, run.q = q, run.k = k, run.v = v, run.probs = probs, run.dq = dq, run.dk = dk, run.dv = dv;
  } else {
    void *q, *k, *v, *out, *probs;
    ok = get_tensor(env, argv[1], "q", q_extent, heap, bytes, &q) &&
         get_tensor(env, argv[2], "k", k_extent, heap, bytes, &k) &&
         get_tensor(env, argv[3], "v", k_extent, heap, bytes, &v) &&
         get_tensor(env, argv[4], "bias", bias_extent, heap, bytes, &bias) &&
         get_tensor(env, argv[6], "out", q_extent, heap, bytes, &out) &&
         get_tensor(env, argv[7], "probs", dense, heap, bytes, &probs);
    run.q = q, run.k = k, run.v = v, run.out = out, run.probs = probs;
  }
  if (!ok || (keep_type != napi_null && !get_tensor(env, argv[keep_arg], "keep", dense, heap, bytes, &keep))) {
    return NULL;
  }
  run.bias = bias;
  run.keep = keep;
  run_attention(&run, (size_t)(B * H));
  return NULL;
}

static napi_value attention(napi_env env, napi_callback_info info) { return attention_call(env, info, false); }
static napi_value attention_grad(napi_env env, napi_callback_info info) { return attention_call(env, info, true); }

// setThreads(n): the size of OpenBLAS's thread pool for the following calls.
static napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t threads;
  if (!get_args(env, info, "setThreads", 1, argv) || !get_index(env, argv[0], "threads", &threads)) return NULL;
  if (threads < 1) {
    throw_range(env, "threads", (double)threads, "at least 1");
    return NULL;
  }
  openblas_set_num_threads((int)threads);
  return NULL;
}

// info(): { threads, config, corename } of the OpenBLAS that was loaded, for the environment report.
static napi_value blas_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, threads, config, corename;
  CHECK_NAPI(env, napi_create_object(env, &result));
  CHECK_NAPI(env, napi_create_int32(env, openblas_get_num_threads(), &threads));
  CHECK_NAPI(env, napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config));
  CHECK_NAPI(env, napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &corename));
  CHECK_NAPI(env, napi_set_named_property(env, result, "threads", threads));
  CHECK_NAPI(env, napi_set_named_property(env, result, "config", config));
  CHECK_NAPI(env, napi_set_named_property(env, result, "corename", corename));
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attention", NULL, attention, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attentionGrad", NULL, attention_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, blas_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) {
    return NULL;
  }
  return exports;
}
