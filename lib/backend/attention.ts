// Scaled dot-product attention as one native kernel each way on the tfjs wasm backend (native/blas.c).
//
// tfjs runs attention as a chain of kernels, scale, batched product, bias add, softmax, dropout's multiply and a
// second product, plus the head transposes around them, each a pass over [B, H, Tq, Tk] in single-threaded wasm,
// and its tape keeps every one of those tensors alive until the backward pass. Here the products read Q, K and V
// where the projections wrote them (rows of [B·T, H·dh], or [B, H, T, dh]) through strides, the softmax is done
// between the two products, and the backward pass needs only the softmax output P (and dropout's multiplier).
// The (batch, head) pairs are split across the BLAS threads. Installed with the OpenBLAS kernel when the fused
// kernels are on (QKV_FUSED=0 turns it off with them, QKV_FUSED_ATTENTION=0 alone); lib/models/layers.ts keeps
// tfjs's composite elsewhere.
import * as tf from "@tensorflow/tfjs";
import { BlasAddon, installedBlasAddon } from "./blas";
import { fusedSettings } from "./fused";
import { locate, WasmBackend } from "./wasm-heap";

export class AttentionError extends Error {
  override name = "AttentionError";
}

/** How q, k, v and the output are laid out: rows of [B·T, H·dh] ("tokens") or [B, H, T, dh] ("heads"). */
export type AttentionLayout = "tokens" | "heads";

interface AttentionAttrs {
  layout: AttentionLayout;
  /** [B, H, Tq, Tk, dh]. */
  shape: number[];
  scale: number;
}

const FORWARD = "QkvAttention";
const FORWARD_DROPOUT = "QkvAttentionDropout";
const BACKWARD = "QkvAttentionGrad";

let installed = false;
let reason = "off: the wasm backend is not in use";

/** QKV_FUSED_ATTENTION (0 or 1, default 1), or an AttentionError naming a bad value (selectBackend checks it first). */
export function attentionEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.QKV_FUSED_ATTENTION ?? "1";
  if (value !== "0" && value !== "1") {
    throw new AttentionError(`QKV_FUSED_ATTENTION=${JSON.stringify(value)} must be 0 (off) or 1 (on, the default)`);
  }
  return value === "1";
}

/**
 * Registers the attention kernels when the OpenBLAS kernel is installed and the fused kernels are enabled;
 * returns whether they are. Gradients are global in tfjs: they stay registered, and run only where the kernels do.
 */
export function installAttentionKernels(env: NodeJS.ProcessEnv = process.env): boolean {
  const off = !attentionEnabled(env) ? "disabled by QKV_FUSED_ATTENTION=0"
    : !fusedSettings(env).enabled ? "disabled with the other fused kernels by QKV_FUSED=0"
    : installedBlasAddon() == null ? "needs the OpenBLAS addon, which is not installed" : null;
  if (off != null) {
    uninstallAttentionKernels();
    reason = `off: ${off}`;
    return false;
  }
  reason = "scores, softmax, dropout and both products in one native call each way, on the OpenBLAS addon's threads";
  if (installed) return true;
  for (const kernelName of [FORWARD, FORWARD_DROPOUT]) {
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc: forwardKernel as unknown as tf.KernelFunc });
  }
  tf.registerKernel({
    kernelName: BACKWARD, backendName: "wasm", kernelFunc: backwardKernel as unknown as tf.KernelFunc,
  });
  tf.registerGradient({
    kernelName: FORWARD, inputsToSave: ["q", "k", "v", "bias"], outputsToSave: [false, true],
    gradFunc: attentionGradient as unknown as tf.GradFunc,
  });
  tf.registerGradient({
    kernelName: FORWARD_DROPOUT, inputsToSave: ["q", "k", "v", "bias", "keep"], outputsToSave: [false, true],
    gradFunc: attentionGradient as unknown as tf.GradFunc,
  });
  installed = true;
  return true;
}

export function uninstallAttentionKernels(): void {
  if (!installed) return;
  for (const name of [FORWARD, FORWARD_DROPOUT, BACKWARD]) tf.unregisterKernel(name, "wasm");
  installed = false;
  reason = "off: uninstalled, tfjs's composite runs";
}

/** Whether the attention kernel is registered, and why (for the environment report). */
export function attentionStatus(): { installed: boolean; reason: string } {
  return { installed, reason };
}

/** Whether fusedAttention can run now: installed, the OpenBLAS kernel still in place, wasm the active backend. */
export function fusedAttentionActive(): boolean {
  return installed && installedBlasAddon() != null && tf.getBackend() === "wasm";
}

/**
 * softmax(scale·q·kᵀ + bias) (⊙ keep) · v, in q's layout. "tokens": q, k, v are [B·T, H·dh] (self-attention,
 * Tq = Tk = T, `batch` = B). "heads": q is [B, H, Tq, dh], k and v [B, H, Tk, dh]. bias is additive,
 * [B or 1, 1, Tq or 1, Tk]; keep, when given, is dropout's multiplier [B, H, Tq, Tk].
 */
export function fusedAttention<T extends tf.Tensor>(
  q: T, k: tf.Tensor, v: tf.Tensor, bias: tf.Tensor, keep: tf.Tensor | null,
  options: { layout: AttentionLayout; batch?: number; heads?: number },
): T {
  const shape = attentionShape(q, k, v, options);
  const [B, H, Tq, Tk] = shape as [number, number, number, number, number];
  const [bb, one, br, bk] = bias.rank === 4 ? (bias.shape as number[]) : [NaN, NaN, NaN, NaN];
  if (bias.rank !== 4 || (bb !== 1 && bb !== B) || one !== 1 || (br !== 1 && br !== Tq) || bk !== Tk) {
    throw new AttentionError(
      `fusedAttention: bias has shape [${bias.shape}]; it must be [${B} or 1, 1, ${Tq} or 1, ${Tk}]`,
    );
  }
  if (keep != null && !tf.util.arraysEqual(keep.shape, [B, H, Tq, Tk])) {
    throw new AttentionError(`fusedAttention: keep has shape [${keep.shape}]; it must be [${B}, ${H}, ${Tq}, ${Tk}]`);
  }
  for (const [name, t] of [["q", q], ["k", k], ["v", v], ["bias", bias], ["keep", keep]] as const) {
    if (t != null && t.dtype !== "float32") {
      throw new AttentionError(`fusedAttention: ${name} has dtype ${t.dtype}; the fused kernel takes float32`);
    }
  }
  const attrs: AttentionAttrs = { layout: options.layout, shape, scale: 1 / Math.sqrt(shape[4] as number) };
  const [out, probs] = (keep == null
    ? tf.engine().runKernel(FORWARD, { q, k, v, bias }, attrs as never)
    : tf.engine().runKernel(FORWARD_DROPOUT, { q, k, v, bias, keep }, attrs as never)) as tf.Tensor[];
  probs.dispose(); // the backward pass holds its own reference (tfjs saved it); nothing else may use it
  return out as T;
}

/** Dropout's multiplier, drawn exactly as tf.dropout draws it: ⌊u + (1 − rate)⌋ / (1 − rate), u ~ U[0, 1). */
export function dropoutMultiplier(shape: number[], rate: number, seed: number): tf.Tensor {
  const keepProb = 1 - rate;
  return tf.tidy(() => tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, "float32", seed), keepProb)), keepProb));
}

function attentionShape(
  q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: { layout: AttentionLayout; batch?: number; heads?: number },
): number[] {
  if (!tf.util.arraysEqual(k.shape, v.shape)) {
    throw new AttentionError(`fusedAttention: k [${k.shape}] and v [${v.shape}] must have one shape`);
  }
  const qs = q.shape as number[], ks = k.shape as number[];
  if (options.layout === "heads") {
    if (q.rank !== 4 || k.rank !== 4 || q.shape[0] !== k.shape[0] || q.shape[1] !== k.shape[1] ||
      q.shape[3] !== k.shape[3]) {
      throw new AttentionError(`fusedAttention: q [${q.shape}] and k [${k.shape}] must be [B, H, Tq, dh] and ` +
        "[B, H, Tk, dh]");
    }
    return [qs[0], qs[1], qs[2], ks[2], qs[3]] as number[];
  }
  const { batch, heads } = options;
  if (q.rank !== 2 || !tf.util.arraysEqual(q.shape, k.shape) || batch == null || heads == null ||
    !(batch > 0 && qs[0] % batch === 0 && heads > 0 && qs[1] % heads === 0)) {
    throw new AttentionError(`fusedAttention: q [${q.shape}] and k [${k.shape}] must be one [B·T, H·dh] shape ` +
      `with B = ${batch} and H = ${heads} dividing it`);
  }
  const [rows, width] = q.shape as [number, number];
  return [batch, heads, rows / batch, rows / batch, width / heads];
}

/** The kernel's strides: q's (batch, head, row), k's, then the bias's (batch, row), in elements. */
function strides(attrs: AttentionAttrs, biasShape: number[]): number[] {
  const [B, H, Tq, Tk, dh] = attrs.shape;
  const of = (T: number) => (attrs.layout === "tokens" ? [T * H * dh, dh, H * dh] : [H * T * dh, T * dh, dh]);
  const biasRow = biasShape[2] === 1 ? 0 : Tk;
  const biasBatch = biasShape[0] === 1 || B === 1 ? 0 : biasShape[2] * Tk;
  return [...of(Tq), ...of(Tk), biasBatch, biasRow];
}

type KernelArgs<I> = { inputs: I; backend: WasmBackend; attrs: AttentionAttrs };
type ForwardInputs = {
  q: tf.TensorInfo; k: tf.TensorInfo; v: tf.TensorInfo; bias: tf.TensorInfo; keep?: tf.TensorInfo;
};

function forwardKernel({ inputs, backend, attrs }: KernelArgs<ForwardInputs>): tf.TensorInfo[] {
  const { q, k, v, bias, keep } = inputs;
  const [B, H, Tq, Tk] = attrs.shape;
  const out = backend.makeOutput(q.shape, "float32");
  const probs = backend.makeOutput([B, H, Tq, Tk], "float32");
  const [heap, o] = locate(backend, keep ? [q, k, v, bias, out, probs, keep] : [q, k, v, bias, out, probs]);
  (installedBlasAddon() as BlasAddon).attention(
    heap, o[0], o[1], o[2], o[3], keep ? o[6] : null, o[4], o[5], attrs.shape, strides(attrs, bias.shape), attrs.scale,
  );
  return [out, probs];
}

type BackwardInputs = ForwardInputs & { dy: tf.TensorInfo; probs: tf.TensorInfo };

function backwardKernel({ inputs, backend, attrs }: KernelArgs<BackwardInputs>): tf.TensorInfo[] {
  const { dy, q, k, v, bias, probs, keep } = inputs;
  const dq = backend.makeOutput(q.shape, "float32");
  const dk = backend.makeOutput(k.shape, "float32");
  const dv = backend.makeOutput(v.shape, "float32");
  const tensors = [dy, q, k, v, bias, probs, dq, dk, dv];
  const [heap, o] = locate(backend, keep ? [...tensors, keep] : tensors);
  (installedBlasAddon() as BlasAddon).attentionGrad(
    heap, o[0], o[1], o[2], o[3], o[4], keep ? o[9] : null, o[5], o[6], o[7], o[8], attrs.shape,
    strides(attrs, bias.shape), attrs.scale,
  );
  return [dq, dk, dv];
}

function attentionGradient(
  dys: tf.Tensor[], saved: tf.Tensor[], attrs: AttentionAttrs,
): Record<string, () => tf.Tensor> {
  // saved: q, k, v, bias[, keep], then the outputs kept (probs).
  const [q, k, v, bias] = saved;
  const keep = saved.length === 6 ? saved[4] : undefined;
  const probs = saved[saved.length - 1];
  // One kernel gives all three gradients; it runs here, not in the per-input closures (each its own tidy).
  const [dq, dk, dv] = tf.engine().runKernel(
    BACKWARD, { dy: dys[0], q, k, v, bias, probs, ...(keep ? { keep } : {}) }, attrs as never,
  ) as tf.Tensor[];
  const none = (what: string) => () => {
    throw new AttentionError(`fusedAttention has no gradient with respect to its ${what}`);
  };
  return { q: () => dq, k: () => dk, v: () => dv, bias: none("bias"), keep: none("dropout multiplier") };
}
