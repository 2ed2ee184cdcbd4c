// qkv_blas: float32 matrix multiply on tfjs-wasm tensors through OpenBLAS's cblas_sgemm.
//
// The tensors live in the wasm backend's linear memory, which JS hands over as one ArrayBuffer together
// with byte offsets, so no data is copied in or out. The call is synchronous on purpose: tfjs kernels are
// synchronous, and OpenBLAS spreads each product over its own thread pool while the JS thread waits.
// Built by scripts/build-native.sh (plain gcc, no node-gyp); loaded by lib/backend/blas.ts.
#define QKV_ADDON "qkv_blas"
#define QKV_ARG_CODE "QKV_BLAS_ARG"
#include "napi_args.h"
#include <cblas.h>
#include <pthread.h>
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

// The batch in `threads` equal runs on as many threads, each product single-threaded inside OpenBLAS.
// The JS thread is blocked in this call anyway, so it computes the first run itself.
static void run_batch_parallel(const Chunk *all, size_t batch, int threads) {
  Chunk chunks[MAX_THREADS];
  pthread_t ids[MAX_THREADS];
  bool started[MAX_THREADS] = {false};
  for (int t = 0; t < threads; t++) {
    chunks[t] = *all;
    chunks[t].begin = batch * (size_t)t / (size_t)threads;
    chunks[t].end = batch * (size_t)(t + 1) / (size_t)threads;
  }
  openblas_set_num_threads(1);
  for (int t = 1; t < threads; t++) {
    started[t] = pthread_create(&ids[t], NULL, run_chunk_thread, &chunks[t]) == 0;
  }
  run_chunk(&chunks[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) {
      pthread_join(ids[t], NULL);
    } else {
      run_chunk(&chunks[t]);  // no thread to be had: the work still gets done, here
    }
  }
  openblas_set_num_threads(threads);
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
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, blas_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) {
    return NULL;
  }
  return exports;
}
