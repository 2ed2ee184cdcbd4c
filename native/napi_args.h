// Argument checking shared by the project's N-API addons (native/blas.c, native/fused.c): tensors arrive as
// byte offsets into the wasm heap, an ArrayBuffer, so every offset and size is checked against it before any
// pointer is formed. Each failure throws a JS error naming the argument and its value and returns false;
// the caller then returns NULL, which N-API turns into the exception.
//
// Define QKV_ADDON (the addon's name, which prefixes messages) and QKV_ARG_CODE (the `code` of argument
// errors) before including; a failed N-API call itself throws with code QKV_NAPI.
#ifndef QKV_NAPI_ARGS_H
#define QKV_NAPI_ARGS_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CHECK_NAPI(env, call)                                                        \
  do {                                                                               \
    if ((call) != napi_ok) {                                                         \
      napi_throw_error((env), "QKV_NAPI", QKV_ADDON ": N-API call failed: " #call);   \
      return NULL;                                                                   \
    }                                                                                \
  } while (0)

static inline bool throw_range(napi_env env, const char *name, double value, const char *rule) {
  char message[200];
  snprintf(message, sizeof message, QKV_ADDON ": %s = %.17g must be %s", name, value, rule);
  napi_throw_range_error(env, QKV_ARG_CODE, message);
  return false;
}

static inline bool throw_type(napi_env env, const char *name, const char *what) {
  char message[160];
  snprintf(message, sizeof message, QKV_ADDON ": %s must be %s", name, what);
  napi_throw_type_error(env, QKV_ARG_CODE, message);
  return false;
}

// Exactly `expected` arguments into argv.
static inline bool get_args(napi_env env, napi_callback_info info, const char *function, size_t expected, napi_value *argv) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) {
    char message[120];
    snprintf(message, sizeof message, QKV_ADDON ": %s takes %zu arguments", function, expected);
    napi_throw_type_error(env, QKV_ARG_CODE, message);
    return false;
  }
  return true;
}

// A non-negative integer that fits a 32-bit int (BLAS indices, tensor dimensions).
static inline bool get_index(napi_env env, napi_value value, const char *name, int64_t *out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) return throw_type(env, name, "a number");
  if (!(d >= 0 && d <= INT_MAX) || d != (double)(int64_t)d) {
    return throw_range(env, name, d, "an integer in [0, 2^31)");
  }
  *out = (int64_t)d;
  return true;
}

// A byte offset into the wasm heap: wasm32 memory reaches 4 GiB, past a 32-bit int; get_region checks the
// offset against the heap's actual size.
static inline bool get_offset(napi_env env, napi_value value, const char *name, int64_t *out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) return throw_type(env, name, "a number");
  if (!(d >= 0 && d <= 9007199254740991.0) || d != (double)(int64_t)d) return throw_range(env, name, d, "a byte offset, an integer in [0, 2^53)");
  *out = (int64_t)d;
  return true;
}

static inline bool get_bool(napi_env env, napi_value value, const char *name, bool *out) {
  if (napi_get_value_bool(env, value, out) != napi_ok) return throw_type(env, name, "a boolean");
  return true;
}

static inline bool get_number(napi_env env, napi_value value, const char *name, double *out) {
  if (napi_get_value_double(env, value, out) != napi_ok) return throw_type(env, name, "a number");
  return true;
}

// The wasm memory, handed over as a plain ArrayBuffer.
static inline bool get_heap(napi_env env, napi_value value, void **heap, size_t *bytes) {
  bool is_buffer = false;
  if (napi_is_arraybuffer(env, value, &is_buffer) != napi_ok || !is_buffer ||
      napi_get_arraybuffer_info(env, value, heap, bytes) != napi_ok) {
    return throw_type(env, "heap", "an ArrayBuffer (the wasm memory)");
  }
  return true;
}

// A region of `count` 4-byte elements (float32 or int32) [offset, offset + count * 4) inside the heap.
// The size may be a product of several 31-bit numbers, so it is compared as a double (exact below 2^53,
// and far beyond any heap above it).
static inline bool get_region(napi_env env, const char *name, int64_t offset, double count, size_t heap_bytes) {
  if (offset % 4 != 0) return throw_range(env, name, (double)offset, "a multiple of 4 (4-byte alignment)");
  if ((double)offset + count * 4 > (double)heap_bytes) {
    return throw_range(env, name, (double)offset, "such that the operand lies inside the wasm heap");
  }
  return true;
}

#endif
