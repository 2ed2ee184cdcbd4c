// An OpenBLAS matrix multiply for the tfjs wasm backend.
//
// tfjs-backend-wasm runs single-threaded under Node; OpenBLAS's sgemm on two threads is several times faster
// (measured in bench/README.md, matmul.ts), and matrix products are most of a training step's FLOPs. The
// native addon (native/blas.c, built into build/ by scripts/build-native.sh) multiplies the tensors where
// they lie in the wasm heap, so registering it for BatchMatMul, the kernel that tf.matMul and the
// gradients of every matMul dispatch to, speeds up all of the project's matrix products without copies.
// _FusedMatMul (tf.fused.matMul, tf.layers) keeps wasm's own kernel: the project does not use it.
//
// Without the addon (no compiler or OpenBLAS at setup) nothing is registered and wasm's kernel runs;
// QKV_BLAS=0 turns the addon off, QKV_BLAS_THREADS sets OpenBLAS's thread count (default: all cores).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { locate, WasmBackend } from "./wasm-heap";
import { REPO_ROOT } from "../paths";

export const BLAS_ADDON_PATH = path.join(REPO_ROOT, "build", "qkv_blas.node");

export class BlasError extends Error {
  override name = "BlasError";
}

export interface BlasStatus {
  /** Whether BatchMatMul on the wasm backend runs through OpenBLAS now. */
  installed: boolean;
  /** What runs and why, in a few words (for `qkv env`). */
  reason: string;
}

/** The addon's exports (native/blas.c). */
export interface BlasAddon {
  gemm(
    heap: ArrayBuffer,
    aOffset: number,
    aBatch: number,
    bOffset: number,
    bBatch: number,
    outOffset: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    aIndex: Int32Array,
    bIndex: Int32Array,
  ): void;
  /** Fused attention (./attention.ts): offsets in bytes; shape [B, H, Tq, Tk, dh]; strides as native/blas.c says. */
  attention(
    heap: ArrayBuffer, q: number, k: number, v: number, bias: number, keep: number | null, out: number, probs: number,
    shape: number[], strides: number[], scale: number,
  ): void;
  attentionGrad(
    heap: ArrayBuffer, dout: number, q: number, k: number, v: number, bias: number, keep: number | null,
    probs: number, dq: number, dk: number, dv: number, shape: number[], strides: number[], scale: number,
  ): void;
  setThreads(threads: number): void;
  info(): { threads: number; config: string; corename: string };
}

/**
 * The parts of tfjs-backend-wasm's BackendWasm the kernel uses. Declared here rather than imported so that
 * this file type-checks without the wasm package's Emscripten typings (tslab compiles lib/ on its own).
 */
const KERNEL = "BatchMatMul";

let addon: BlasAddon | null = null;
/** The OPENBLAS_CORETYPE this module set before loading OpenBLAS, if it did. */
let coretypeFromFlags: string | null = null;
/** wasm's own BatchMatMul, put back by uninstallBlasKernels and used for dtypes the addon does not take. */
let wasmKernel: tf.KernelConfig | null = null;
let status: BlasStatus = { installed: false, reason: "off: the wasm backend is not in use" };

/**
 * Registers the OpenBLAS BatchMatMul on the wasm backend (which must be initialised). Never throws for a
 * missing or unloadable addon: it reports why and leaves wasm's kernel in place. Throws BlasError only
 * for a malformed QKV_BLAS / QKV_BLAS_THREADS, like selectBackend does for QKV_BACKEND.
 */
export function installBlasKernels(env: NodeJS.ProcessEnv = process.env): BlasStatus {
  const { enabled, threads } = blasSettings(env);
  if (!enabled) {
    uninstallBlasKernels();
    return setStatus(false, "off: disabled by QKV_BLAS=0");
  }
  const backend = tf.findBackend("wasm") as unknown as WasmBackend | null;
  if (backend == null) return setStatus(false, "off: the wasm backend is not initialised");
  if (!(backend.wasm.HEAPU8.buffer instanceof ArrayBuffer)) {
    // The threaded wasm build shares its memory; tfjs never picks it under Node, and the addon takes only
    // a plain ArrayBuffer.
    return setStatus(false, "off: the wasm memory is a SharedArrayBuffer (threaded wasm build)");
  }
  const loaded = loadAddon(env);
  if (typeof loaded === "string") return setStatus(false, `off: ${loaded}`);
  loaded.setThreads(threads);

  if (wasmKernel == null) {
    const original = tf.getKernel(KERNEL, "wasm");
    if (original == null) return setStatus(false, `off: the wasm backend has no ${KERNEL} kernel to replace`);
    wasmKernel = original;
    tf.unregisterKernel(KERNEL, "wasm");
    // wasm's setup (binding its C function) stays attached: should the backend be initialised again, its
    // kernel is still ready for the int32 fallback and for uninstallBlasKernels.
    tf.registerKernel({
      kernelName: KERNEL,
      backendName: "wasm",
      kernelFunc: blasBatchMatMul as unknown as tf.KernelFunc,
      setupFunc: original.setupFunc,
    });
  }
  const info = loaded.info();
  const version = info.config.split(" ").slice(0, 2).join(" ");
  const kernels = `${info.corename} kernels${coretypeFromFlags ? " (picked from the CPU flags)" : ""}`;
  const threadCount = `${info.threads} thread${info.threads === 1 ? "" : "s"}`;
  return setStatus(true, `${version} sgemm, ${kernels}, ${threadCount}, for ${KERNEL}`);
}

/** Puts wasm's own BatchMatMul back (tests and benchmarks compare the two). */
export function uninstallBlasKernels(): void {
  if (wasmKernel == null) return;
  tf.unregisterKernel(KERNEL, "wasm");
  tf.registerKernel(wasmKernel);
  wasmKernel = null;
  setStatus(false, "off: uninstalled, wasm's own kernel runs");
}

/** Whether the OpenBLAS kernel is active, and why (for the environment report). */
export function blasStatus(): BlasStatus {
  return status;
}

/** The loaded addon while its kernels are installed (./attention.ts runs its attention on it), else null. */
export function installedBlasAddon(): BlasAddon | null {
  return status.installed ? addon : null;
}

function setStatus(installed: boolean, reason: string): BlasStatus {
  status = { installed, reason };
  return status;
}

/**
 * QKV_BLAS (0 or 1, default 1) and QKV_BLAS_THREADS (default: all cores), or a BlasError naming the bad
 * one. selectBackend checks them before it tries any backend, so that a typo is an error rather than a
 * failed wasm candidate and a silent fall back to the cpu backend.
 */
export function blasSettings(env: NodeJS.ProcessEnv = process.env): { enabled: boolean; threads: number } {
  const enabled = env.QKV_BLAS ?? "1";
  if (enabled !== "0" && enabled !== "1") {
    throw new BlasError(`QKV_BLAS=${JSON.stringify(enabled)} must be 0 (off) or 1 (on, the default)`);
  }
  const value = env.QKV_BLAS_THREADS ?? "";
  const threads = value === "" ? os.availableParallelism() : Number(value);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new BlasError(`QKV_BLAS_THREADS=${JSON.stringify(value)} must be a positive integer`);
  }
  return { enabled: enabled === "1", threads };
}

/** The addon, or why it cannot be had. */
function loadAddon(env: NodeJS.ProcessEnv): BlasAddon | string {
  if (addon) return addon;
  if (!fs.existsSync(BLAS_ADDON_PATH)) {
    return `${path.relative(REPO_ROOT, BLAS_ADDON_PATH)} is not built ` +
      "(scripts/build-native.sh; needs gcc and libopenblas-dev)";
  }
  // OpenBLAS picks its kernels when the library loads, so the choice must be in the environment first.
  coretypeFromFlags = openblasCoretype(env);
  if (coretypeFromFlags) process.env.OPENBLAS_CORETYPE = coretypeFromFlags;
  try {
    addon = require(BLAS_ADDON_PATH) as BlasAddon;
    return addon;
  } catch (err) {
    return `${path.relative(REPO_ROOT, BLAS_ADDON_PATH)} does not load: ` +
      `${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`;
  }
}

/**
 * OpenBLAS's kernel family for this CPU, when its own detection is known to fall short. OpenBLAS 0.3.21
 * (Debian 12) identifies Intel CPUs by model number and falls back to its SSE3 "Prescott" kernels for
 * models newer than it knows, e.g. the Xeon (family 6, model 207) of the project machines, at a fraction of
 * the speed (measured in bench/README.md, matmul.ts). Intel's AVX-512 and AVX2 parts all run the SkylakeX and
 * Haswell kernels respectively, so the CPU flags decide. A user's own OPENBLAS_CORETYPE, and other vendors, are
 * left alone.
 */
function openblasCoretype(env: NodeJS.ProcessEnv): string | null {
  if (env.OPENBLAS_CORETYPE) return null;
  let cpuinfo: string;
  try {
    cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return null;
  }
  if (!/^vendor_id\s*:\s*GenuineIntel$/m.test(cpuinfo)) return null;
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? "").trim().split(/\s+/));
  if (["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].every((f) => flags.has(f))) return "SkylakeX";
  if (flags.has("avx2") && flags.has("fma")) return "Haswell";
  return null;
}

interface BatchMatMulArgs {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
  backend: WasmBackend;
  attrs: { transposeA: boolean; transposeB: boolean };
}

/**
 * BatchMatMul as tfjs defines it: the last two dims multiply, the leading (batch) dims broadcast. Batches
 * pair up numpy-style; tfjs's own wasm and cpu kernels pair them modulo the batch sizes, which agrees
 * except when both sides broadcast ([2,1,…]·[1,3,…]), where theirs is wrong.
 */
function blasBatchMatMul(args: BatchMatMulArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs;
  if (a.dtype !== "float32" || b.dtype !== "float32") {
    // wasm's kernel owns the message for the dtypes it does not support either.
    return (wasmKernel as tf.KernelConfig).kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (k !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} and ` +
        `transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const out = backend.makeOutput([...outBatchShape, m, n], "float32");
  const aBatch = tf.util.sizeFromShape(aBatchShape);
  const bBatch = tf.util.sizeFromShape(bBatchShape);
  const [heap, offsets] = locate(backend, [a, b, out]);
  const api = addon as BlasAddon;
  if (bBatch === 1 && !transposeA && aBatch > 1) {
    // x[..., m, k] · W[k, n]: B is shared and A's batches are consecutive rows (A cannot broadcast here, as
    // B has no batch to broadcast against), so one (batch·m)×k product does it all and lets OpenBLAS block
    // and thread over all rows instead of running many small products.
    const single = new Int32Array(1);
    api.gemm(heap, offsets[0], 1, offsets[1], 1, offsets[2], aBatch * m, n, k, false, transposeB, single, single);
  } else {
    const [aIndex, bIndex] = batchIndices(aBatchShape, bBatchShape, outBatchShape);
    api.gemm(heap, offsets[0], aBatch, offsets[1], bBatch, offsets[2], m, n, k, transposeA, transposeB, aIndex, bIndex);
  }
  return out;
}

/**
 * For each output batch (row-major over outShape), the batch index into A and into B under numpy-style
 * broadcasting: shapes align on the right, and a dimension of size 1 repeats.
 */
export function batchIndices(aShape: number[], bShape: number[], outShape: number[]): [Int32Array, Int32Array] {
  const total = tf.util.sizeFromShape(outShape);
  const aIndex = new Int32Array(total);
  const bIndex = new Int32Array(total);
  const aStrides = broadcastStrides(aShape, outShape);
  const bStrides = broadcastStrides(bShape, outShape);
  const coord = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < total; i++) {
    let ai = 0;
    let bi = 0;
    for (let d = 0; d < outShape.length; d++) {
      ai += coord[d] * aStrides[d];
      bi += coord[d] * bStrides[d];
    }
    aIndex[i] = ai;
    bIndex[i] = bi;
    // odometer increment of the output coordinate
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++coord[d] < outShape[d]) break;
      coord[d] = 0;
    }
  }
  return [aIndex, bIndex];
}

/** Row-major strides of `shape` laid against the longer `outShape`; 0 where the operand broadcasts. */
function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const outD = d + outShape.length - shape.length;
    strides[outD] = shape[d] === 1 ? 0 : stride;
    stride *= shape[d];
  }
  return strides;
}
