// The building blocks both architectures share, each the textbook formula in a few tfjs ops.
import * as tf from "@tensorflow/tfjs";
import { tfSeed } from "../random/index";
import { dropoutMultiplier, fusedAttention, fusedAttentionActive } from "../backend/attention";
import { fusedGelu, fusedKernelsActive, fusedLayerNorm } from "../backend/fused";
import { ForwardOptions } from "./forward";
import { BaseLinear, Model } from "./model";

/** The weight and bias of the linear layer `name` as they are in the model. */
export function baseLinear(model: Model, name: string): BaseLinear {
  const weight = model.tensors.get(`${name}.weight`) as tf.Tensor2D | undefined;
  if (!weight) throw new Error(`the model has no linear layer ${JSON.stringify(name)}`);
  return { weight, bias: model.tensors.get(`${name}.bias`) as tf.Tensor1D | undefined };
}

/** y = x Wᵀ + b (x: [n, in]); weights keep torch's [out, in] orientation, the product transposes for free. */
export function applyBaseLinear(x: tf.Tensor2D, base: BaseLinear): tf.Tensor2D {
  const y = tf.matMul(x, base.weight, false, true);
  return (base.bias ? tf.add(y, base.bias) : y) as tf.Tensor2D;
}

/** Applies the linear layer `name` of the model: through its wrapper when one is attached (Model.wrapLinear). */
export function linear(model: Model, name: string, x: tf.Tensor2D, options: ForwardOptions): tf.Tensor2D {
  const base = baseLinear(model, name);
  return model.wrapLinear?.(name, x, base, options) ?? applyBaseLinear(x, base);
}

export function dropout<T extends tf.Tensor>(x: T, rate: number, options: ForwardOptions): T {
  return options.seeds && rate > 0 ? (tf.dropout(x, rate, undefined, tfSeed(options.seeds.next())) as T) : x;
}

/**
 * LayerNorm over the last axis (biased variance, as torch). On tfjs-wasm with the native addon it is one
 * fused kernel each way (lib/backend/fused.ts); elsewhere tfjs's own ops.
 */
export function layerNorm(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor2D {
  if (fusedKernelsActive() && weight.rank === 1 && bias.rank === 1) return fusedLayerNorm(x, weight, bias, eps);
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), weight), bias) as tf.Tensor2D;
}

/** RMSNorm (Llama): x / sqrt(mean(x²) + eps) · w. */
export function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor, eps: number): tf.Tensor2D {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), weight) as tf.Tensor2D;
}

/** The exact (erf) GELU that RoBERTa uses; fused on tfjs-wasm with the native addon, as layerNorm. */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (fusedKernelsActive() && x.dtype === "float32") return fusedGelu(x);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** [B·T, heads·dh] → [B, heads, T, dh]. */
export function splitHeads(x: tf.Tensor2D, B: number, T: number, heads: number): tf.Tensor4D {
  return tf.transpose(tf.reshape(x, [B, T, heads, -1]), [0, 2, 1, 3]);
}

/** [B, heads, T, dh] → [B·T, heads·dh]. */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor2D {
  const [B, H, T, dh] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B * T, H * dh]);
}

/**
 * Scaled dot-product attention: softmax(q kᵀ / sqrt(dh) + bias) v, with `bias` additive (0 or a large
 * negative number) and broadcast over heads. On tfjs-wasm with the native addon one kernel each way
 * (lib/backend/attention.ts); elsewhere tfjs's ops, q scaled before the product (T×dh numbers, not T×T).
 */
export function attention(
  q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor, dropoutRate: number, options: ForwardOptions,
): tf.Tensor4D {
  if (fusedAttentionActive() && bias.rank === 4) {
    const [B, H, Tq] = q.shape;
    return fusedAttention(q, k, v, bias, attentionKeep([B, H, Tq, k.shape[2]], dropoutRate, options), {
      layout: "heads",
    });
  }
  const scores = tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(q.shape[3])), k, false, true), bias);
  return tf.matMul(dropout(tf.softmax(scores), dropoutRate, options), v) as tf.Tensor4D;
}

/**
 * Self-attention over the projections' rows, q, k, v [B·T, H·dh] → the context [B·T, H·dh]: on tfjs-wasm with
 * the native addon one kernel that reads the heads in place (lib/backend/attention.ts), elsewhere split heads,
 * attention, merge heads.
 */
export function selfAttention(
  q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, B: number, T: number, H: number, bias: tf.Tensor,
  dropoutRate: number, options: ForwardOptions,
): tf.Tensor2D {
  if (fusedAttentionActive() && bias.rank === 4) {
    return fusedAttention(q, k, v, bias, attentionKeep([B, H, T, T], dropoutRate, options), {
      layout: "tokens", batch: B, heads: H,
    });
  }
  const split = (x: tf.Tensor2D) => splitHeads(x, B, T, H);
  return mergeHeads(attention(split(q), split(k), split(v), bias, dropoutRate, options));
}

/** Dropout's multiplier on the attention weights, drawn as `dropout` would draw it; null where dropout is off. */
function attentionKeep(shape: number[], rate: number, options: ForwardOptions): tf.Tensor | null {
  return options.seeds && rate > 0 ? dropoutMultiplier(shape, rate, tfSeed(options.seeds.next())) : null;
}

/** Additive attention bias that hides padded keys: [B, 1, 1, T]. */
export function paddingBias(attentionMask: tf.Tensor2D): tf.Tensor4D {
  const [B, T] = attentionMask.shape;
  return tf.reshape(tf.mul(tf.sub(1, attentionMask), -1e9), [B, 1, 1, T]);
}
