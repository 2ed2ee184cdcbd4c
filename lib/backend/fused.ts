// Fused native kernels for the element-wise and row-wise parts of a training step on the tfjs wasm backend.
//
// Once matrix products run through OpenBLAS (./blas.ts), most of a LoRA step's remaining time is tfjs's
// composite formulas run one single-threaded wasm pass per op: exact GELU (erf, and erf's gradient through
// Exp, ~9 passes over the [B·T, 4d] activations), LayerNorm (moments, broadcasts, and as many again
// backward), softmax's gradient (4 passes), and wasm's GatherV2, which gathers embedding rows element by
// element. The addon build/qkv_fused.node (native/fused.c, built by scripts/build-native.sh) does each in
// one vectorised pass over the tensors where they lie in the wasm heap. This module registers
//   QkvGelu / QkvGeluGrad            GELU (torch's approximate='none') and its gradient
//   QkvLayerNorm / QkvLayerNormGrad  LayerNorm over the last axis, also returning mean and 1/std; dx, dγ, dβ
//   QkvSoftmaxGrad                   dx = y·(dy − Σ dy·y), through a wrapper of tfjs's Softmax gradient
//   GatherV2                         row gathers (axis 0 of a 2-D float32 table); anything else goes to wasm's
// lib/models/layers.ts calls fusedGelu / fusedLayerNorm when fusedKernelsActive(), and keeps tfjs's
// composite formulas on every other backend. QKV_FUSED=0 turns all of this off; QKV_FUSED_THREADS sets
// how many threads the kernels use (default 1, see below). The fused ops have first-order gradients only.
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { locate, WasmBackend } from "./wasm-heap";
import { REPO_ROOT } from "../paths";

export const FUSED_ADDON_PATH = path.join(REPO_ROOT, "build", "qkv_fused.node");

export class FusedError extends Error {
  override name = "FusedError";
}

export interface FusedStatus {
  /** Whether the fused kernels are registered on the wasm backend now. */
  installed: boolean;
  /** What runs and why, in a few words (for `qkv env`). */
  reason: string;
}

/** The addon's exports (native/fused.c); offsets are bytes into the wasm heap, sizes are element counts. */
interface FusedAddon {
  gelu(heap: ArrayBuffer, xOffset: number, yOffset: number, size: number): void;
  geluGrad(heap: ArrayBuffer, dyOffset: number, xOffset: number, dxOffset: number, size: number): void;
  layerNorm(
    heap: ArrayBuffer, x: number, gamma: number, beta: number, y: number, mean: number, rstd: number, rows: number,
    cols: number, eps: number,
  ): void;
  layerNormGrad(
    heap: ArrayBuffer, dy: number, x: number, gamma: number, mean: number, rstd: number, dx: number, dgamma: number,
    dbeta: number, rows: number, cols: number,
  ): void;
  softmaxGrad(heap: ArrayBuffer, dyOffset: number, yOffset: number, dxOffset: number, rows: number, cols: number): void;
  gatherRows(
    heap: ArrayBuffer, tableOffset: number, tableRows: number, cols: number, indexOffset: number, count: number,
    outOffset: number,
  ): void;
  setThreads(threads: number): void;
  info(): { threads: number };
}

/** The parts of tfjs-backend-wasm's BackendWasm used here (declared, not imported: see ./blas.ts). */
interface KernelArgs<I> {
  inputs: I;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}

/** A gradient function's result: per input, a thunk for its gradient. */
type Gradients = Record<string, () => tf.Tensor>;

/** The kernels this module adds to the wasm backend (function declarations below are hoisted). */
const KERNELS: Record<string, (args: KernelArgs<never>) => tf.TensorInfo | tf.TensorInfo[]> = {
  QkvGelu: geluKernel,
  QkvGeluGrad: geluGradKernel,
  QkvLayerNorm: layerNormKernel,
  QkvLayerNormGrad: layerNormGradKernel,
  QkvSoftmaxGrad: softmaxGradKernel,
};
const GATHER = "GatherV2";
const SOFTMAX = "Softmax";

let addon: FusedAddon | null = null;
/** What install replaced, put back by uninstallFusedKernels. */
let replaced: { gather: tf.KernelConfig; softmaxGrad: tf.GradConfig } | null = null;
let status: FusedStatus = { installed: false, reason: "off: the wasm backend is not in use" };

/**
 * QKV_FUSED (0 or 1, default 1) and QKV_FUSED_THREADS (default 1), or a FusedError naming the bad one.
 * One thread by default: on the 2-core project machines a second thread speeds up GELU on its own but made the
 * LoRA step slower, as OpenBLAS's workers spin on the other core between products (measured in
 * bench/README.md). Selected by selectBackend, which checks these before trying any backend.
 */
export function fusedSettings(env: NodeJS.ProcessEnv = process.env): { enabled: boolean; threads: number } {
  const enabled = env.QKV_FUSED ?? "1";
  if (enabled !== "0" && enabled !== "1") {
    throw new FusedError(`QKV_FUSED=${JSON.stringify(enabled)} must be 0 (off) or 1 (on, the default)`);
  }
  const value = env.QKV_FUSED_THREADS ?? "";
  const threads = value === "" ? 1 : Number(value);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new FusedError(`QKV_FUSED_THREADS=${JSON.stringify(value)} must be an integer from 1 to 64`);
  }
  return { enabled: enabled === "1", threads };
}

/**
 * Registers the fused kernels on the wasm backend (which must be initialised). Never throws for a missing
 * or unloadable addon: it reports why, and the composite formulas run. Throws FusedError only for a
 * malformed QKV_FUSED / QKV_FUSED_THREADS.
 */
export function installFusedKernels(env: NodeJS.ProcessEnv = process.env): FusedStatus {
  const { enabled, threads } = fusedSettings(env);
  if (!enabled) {
    uninstallFusedKernels();
    return setStatus(false, "off: disabled by QKV_FUSED=0");
  }
  const backend = tf.findBackend("wasm") as unknown as WasmBackend | null;
  if (backend == null) return setStatus(false, "off: the wasm backend is not initialised");
  if (!(backend.wasm.HEAPU8.buffer instanceof ArrayBuffer)) {
    return setStatus(false, "off: the wasm memory is a SharedArrayBuffer (threaded wasm build)");
  }
  const loaded = loadAddon();
  if (typeof loaded === "string") return setStatus(false, `off: ${loaded}`);
  loaded.setThreads(threads);

  if (replaced == null) {
    const gather = tf.getKernel(GATHER, "wasm");
    const softmaxGrad = tf.getGradient(SOFTMAX);
    if (gather == null || softmaxGrad == null) {
      return setStatus(false, `off: tfjs has no wasm ${GATHER} kernel or ${SOFTMAX} gradient to wrap`);
    }
    replaced = { gather, softmaxGrad };
    for (const [kernelName, kernelFunc] of Object.entries(KERNELS)) {
      tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc: kernelFunc as unknown as tf.KernelFunc });
    }
    tf.unregisterKernel(GATHER, "wasm");
    // wasm's setup (binding its C function) stays attached, for the cases handed back to its kernel.
    tf.registerKernel({ ...gather, kernelFunc: gatherKernel as unknown as tf.KernelFunc });
    // Gradients are global in tfjs, not per backend: the fused ones run only where the kernels exist, and
    // those of QkvGelu/QkvLayerNorm may stay registered after an uninstall (nothing dispatches to them).
    tf.registerGradient({
      kernelName: "QkvGelu", inputsToSave: ["x"], gradFunc: geluGradient as unknown as tf.GradFunc,
    });
    tf.registerGradient({
      kernelName: "QkvLayerNorm", inputsToSave: ["x", "gamma"], outputsToSave: [false, true, true],
      gradFunc: layerNormGradient as unknown as tf.GradFunc,
    });
    tf.registerGradient({ ...softmaxGrad, gradFunc: softmaxGradient(softmaxGrad.gradFunc) });
  }
  const threadCount = `${threads} thread${threads === 1 ? "" : "s"}`;
  return setStatus(true, "GELU, LayerNorm, softmax gradient and row gathers fused in " +
    `${path.relative(REPO_ROOT, FUSED_ADDON_PATH)}, ${threadCount}`);
}

/** Unregisters the fused kernels and puts tfjs's GatherV2 kernel and Softmax gradient back. */
export function uninstallFusedKernels(): void {
  if (replaced == null) return;
  for (const name of Object.keys(KERNELS)) tf.unregisterKernel(name, "wasm");
  tf.unregisterKernel(GATHER, "wasm");
  tf.registerKernel(replaced.gather);
  tf.registerGradient(replaced.softmaxGrad);
  replaced = null;
  setStatus(false, "off: uninstalled, tfjs's composite formulas run");
}

/** Whether the fused kernels are registered, and why (for the environment report). */
export function fusedStatus(): FusedStatus {
  return status;
}

/** Whether fusedGelu / fusedLayerNorm can run now: installed, and wasm is the active backend. */
export function fusedKernelsActive(): boolean {
  return replaced != null && tf.getBackend() === "wasm";
}

/** GELU, exact (erf) form, as one kernel: x·Φ(x). x must be float32. */
export function fusedGelu<T extends tf.Tensor>(x: T): T {
  if (x.dtype !== "float32") throw new FusedError(`fusedGelu: x has dtype ${x.dtype}; the fused kernel takes float32`);
  return tf.engine().runKernel("QkvGelu", { x }, {}) as T;
}

/**
 * LayerNorm over the last axis of x [rows, cols] (biased variance, as torch), as one kernel forward and one
 * backward. The mean and 1/std the kernel also returns are kept only for the backward pass.
 */
export function fusedLayerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor2D {
  const cols = x.shape[1];
  for (const [name, t] of [["x", x], ["gamma", gamma], ["beta", beta]] as const) {
    if (t.dtype !== "float32") {
      throw new FusedError(`fusedLayerNorm: ${name} has dtype ${t.dtype}; the fused kernel takes float32`);
    }
  }
  for (const [name, t] of [["gamma", gamma], ["beta", beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== cols) {
      throw new FusedError(`fusedLayerNorm: ${name} has shape [${t.shape}]; ` +
        `it must be [${cols}], one value per column of x [${x.shape}]`);
    }
  }
  if (!(Number.isFinite(eps) && eps >= 0)) {
    throw new FusedError(`fusedLayerNorm: eps = ${eps} must be a finite number ≥ 0`);
  }
  const [y, mean, rstd] = tf.engine().runKernel("QkvLayerNorm", { x, gamma, beta }, { eps }) as tf.Tensor[];
  // The backward pass holds its own references (tfjs saved them); nothing else may use these.
  mean.dispose();
  rstd.dispose();
  return y as tf.Tensor2D;
}

function setStatus(installed: boolean, reason: string): FusedStatus {
  status = { installed, reason };
  return status;
}

/** The addon, or why it cannot be had. */
function loadAddon(): FusedAddon | string {
  if (addon) return addon;
  const where = path.relative(REPO_ROOT, FUSED_ADDON_PATH);
  if (!fs.existsSync(FUSED_ADDON_PATH)) return `${where} is not built (scripts/build-native.sh; needs gcc)`;
  try {
    addon = require(FUSED_ADDON_PATH) as FusedAddon;
    return addon;
  } catch (err) {
    return `${where} does not load: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`;
  }
}

function geluKernel({ inputs, backend }: KernelArgs<{ x: tf.TensorInfo }>): tf.TensorInfo {
  const { x } = inputs;
  const y = backend.makeOutput(x.shape, "float32");
  const size = tf.util.sizeFromShape(x.shape);
  if (size > 0) {
    const [heap, [xOff, yOff]] = locate(backend, [x, y]);
    (addon as FusedAddon).gelu(heap, xOff, yOff, size);
  }
  return y;
}

function geluGradKernel({ inputs, backend }: KernelArgs<{ dy: tf.TensorInfo; x: tf.TensorInfo }>): tf.TensorInfo {
  const { dy, x } = inputs;
  const dx = backend.makeOutput(x.shape, "float32");
  const size = tf.util.sizeFromShape(x.shape);
  if (size > 0) {
    const [heap, [dyOff, xOff, dxOff]] = locate(backend, [dy, x, dx]);
    (addon as FusedAddon).geluGrad(heap, dyOff, xOff, dxOff, size);
  }
  return dx;
}

function geluGradient(dy: tf.Tensor, saved: tf.Tensor[]): Gradients {
  return { x: () => tf.engine().runKernel("QkvGeluGrad", { dy, x: saved[0] }, {}) as tf.Tensor };
}

type LayerNormInputs = { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };

function layerNormKernel({ inputs, backend, attrs }: KernelArgs<LayerNormInputs>): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs;
  const [rows, cols] = x.shape;
  const y = backend.makeOutput(x.shape, "float32");
  const mean = backend.makeOutput([rows], "float32");
  const rstd = backend.makeOutput([rows], "float32");
  if (rows > 0) {
    const [heap, o] = locate(backend, [x, gamma, beta, y, mean, rstd]);
    (addon as FusedAddon).layerNorm(heap, o[0], o[1], o[2], o[3], o[4], o[5], rows, cols, attrs.eps as number);
  }
  return [y, mean, rstd];
}

type LayerNormGradInputs = {
  dy: tf.TensorInfo; x: tf.TensorInfo; gamma: tf.TensorInfo; mean: tf.TensorInfo; rstd: tf.TensorInfo;
};

function layerNormGradKernel({ inputs, backend }: KernelArgs<LayerNormGradInputs>): tf.TensorInfo[] {
  const { dy, x, gamma, mean, rstd } = inputs;
  const [rows, cols] = x.shape;
  const dx = backend.makeOutput(x.shape, "float32");
  const dgamma = backend.makeOutput(gamma.shape, "float32");
  const dbeta = backend.makeOutput(gamma.shape, "float32");
  if (cols > 0) {
    // rows = 0 still writes dγ = dβ = 0 (wasm's malloc does not clear memory).
    const [heap, o] = locate(backend, [dy, x, gamma, mean, rstd, dx, dgamma, dbeta]);
    (addon as FusedAddon).layerNormGrad(heap, o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], rows, cols);
  }
  return [dx, dgamma, dbeta];
}

function layerNormGradient(dys: tf.Tensor[], saved: tf.Tensor[]): Gradients {
  const [x, gamma, mean, rstd] = saved;
  // One kernel gives all three gradients. It runs here, in the backward pass's scope, rather than inside the
  // per-input closures, each of which tfjs runs in its own tidy that would dispose the other two.
  const [dx, dgamma, dbeta] = tf.engine().runKernel(
    "QkvLayerNormGrad", { dy: dys[0], x, gamma, mean, rstd }, {},
  ) as tf.Tensor[];
  return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
}

/** tfjs's Softmax gradient, with the fused kernel in its place on the wasm backend with the addon. */
function softmaxGradient(composite: tf.GradFunc): tf.GradFunc {
  return ((dy: tf.Tensor, saved: tf.Tensor[], attrs: { dim: number }) => {
    const [y] = saved;
    // Softmax only runs along the last axis (tfjs's op enforces it); the check guards a future change.
    if (!fusedKernelsActive() || attrs.dim !== y.rank - 1 || y.dtype !== "float32") {
      return composite(dy, saved, attrs as never);
    }
    return { logits: () => tf.engine().runKernel("QkvSoftmaxGrad", { dy, y }, {}) as tf.Tensor };
  }) as unknown as tf.GradFunc;
}

function softmaxGradKernel({ inputs, backend }: KernelArgs<{ dy: tf.TensorInfo; y: tf.TensorInfo }>): tf.TensorInfo {
  const { dy, y } = inputs;
  const cols = y.shape[y.shape.length - 1];
  const size = tf.util.sizeFromShape(y.shape);
  const dx = backend.makeOutput(y.shape, "float32");
  if (size > 0) {
    const [heap, [dyOff, yOff, dxOff]] = locate(backend, [dy, y, dx]);
    (addon as FusedAddon).softmaxGrad(heap, dyOff, yOff, dxOff, size / cols, cols);
  }
  return dx;
}

type GatherArgs = KernelArgs<{ x: tf.TensorInfo; indices: tf.TensorInfo }> &
  { attrs: { axis: number; batchDims: number } };

/** Embedding lookups (rows of a 2-D float32 table by int32 ids) by memcpy; every other gather to wasm's kernel. */
function gatherKernel(args: GatherArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, indices } = inputs;
  const rowGather = x.shape.length === 2 && x.dtype === "float32" && indices.dtype === "int32" &&
    (attrs.axis === 0 || attrs.axis === -2) && attrs.batchDims === 0;
  if (!rowGather) {
    return (replaced as { gather: tf.KernelConfig }).gather
      .kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const [rows, cols] = x.shape;
  const count = tf.util.sizeFromShape(indices.shape);
  const out = backend.makeOutput([...indices.shape, cols], "float32");
  if (count > 0) {
    const [heap, [xOff, indexOff, outOff]] = locate(backend, [x, indices, out]);
    try {
      (addon as FusedAddon).gatherRows(heap, xOff, rows, cols, indexOff, count, outOff);
    } catch (err) {
      backend.disposeData(out.dataId); // an index out of range: no tensor will own the output
      throw err;
    }
  }
  return out;
}
