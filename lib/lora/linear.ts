// The LoRA forward pass: a frozen linear layer y = x W0ᵀ + b plus a low-rank update, as in microsoft/LoRA's
// loralib and peft. Weights keep torch's orientation ([out, in], the Hugging Face checkpoint layout), so
// checkpoints load without transposes; the matmuls transpose for free.
//
//   LoRA:  y = x W0ᵀ + s · drop(x) Aᵀ Bᵀ + b                      (s = lora_alpha / r)
//   DoRA:  y = (m / ‖W0 + s·B A‖) ⊙ (x W0ᵀ + s · x Aᵀ Bᵀ) + b       (norm per output row of [out, in])
//   DoRA with dropout, as peft: y = x W0ᵀ + (m/‖·‖ − 1) ⊙ drop(x) W0ᵀ + (m/‖·‖) ⊙ s · drop(x) Aᵀ Bᵀ + b
//          ("input": dropout on the adapter's input only, (m/‖·‖) ⊙ (x W0ᵀ + s · drop(x) Aᵀ Bᵀ) + b)
//
// DoRA written this way never materialises the adapted weight for the product; only its row norms.
import * as tf from "@tensorflow/tfjs";
import { applyBaseLinear, baseLinear } from "../models/layers";
import { BaseLinear, Model } from "../models/model";
import { tfSeed } from "../random/index";

/** A linear layer's tensors; adapter factors present when it is adapted. */
export interface LinearParts extends BaseLinear {
  /** lora_A.weight, [r, in]. */
  loraA?: tf.Tensor2D;
  /** lora_B.weight, [out, r]. */
  loraB?: tf.Tensor2D;
  /** DoRA's magnitude, [out]. */
  magnitude?: tf.Tensor1D;
}

export interface AdapterOptions {
  /** lora_alpha / r. */
  scaling: number;
  /** Dropout rate on the adapter's input; applied only when `seed` is given (training). */
  dropout: number;
  seed?: number;
  /** DoRA: no gradient through the weight norm (peft's choice). */
  detachNorm: boolean;
  /** DoRA with dropout: peft's forward (default) or dropout on the adapter's input only. */
  doraDropout?: "peft" | "input";
}

/** Identity forward, zero backward: tfjs has no stop_gradient op. */
const stopGradient = tf.customGrad(
  ((x: tf.Tensor) => ({ value: x.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as never,
) as (x: tf.Tensor) => tf.Tensor;

/** The tensors of the linear layer `name`: its own, and the adapter's (peft's names) when it has one. */
export function linearParts(model: Model, name: string, base: BaseLinear = baseLinear(model, name)): LinearParts {
  const get = <T extends tf.Tensor>(suffix: string): T | undefined =>
    model.tensors.get(`${name}.${suffix}`) as T | undefined;
  return {
    ...base, loraA: get("lora_A.weight"), loraB: get("lora_B.weight"), magnitude: get("lora_magnitude_vector"),
  };
}

/** y = linear(x) for x of shape [n, in]. */
export function applyLinear(x: tf.Tensor2D, parts: LinearParts, options?: AdapterOptions): tf.Tensor2D {
  if (!parts.loraA || !parts.loraB) return applyBaseLinear(x, parts);
  if (!options) throw new Error("applyLinear: an adapted layer needs its adapter options");
  let y = tf.matMul(x, parts.weight, false, true);
  const dropped = options.seed !== undefined && options.dropout > 0;
  const input = dropped ? tf.dropout(x, options.dropout, undefined, tfSeed(options.seed!)) : x;
  const lowRank = tf.mul(
    tf.matMul(tf.matMul(input, parts.loraA, false, true), parts.loraB, false, true), options.scaling,
  );
  if (!parts.magnitude) y = tf.add(y, lowRank);
  else {
    const scale = doraScale(parts, options);
    if (dropped && (options.doraDropout ?? "peft") === "peft") {
      // The rescaling's base term sees the dropped-out input too: one more product, in training only.
      const baseDropped = tf.matMul(input, parts.weight, false, true);
      y = tf.add(tf.add(y, tf.mul(baseDropped, tf.sub(scale, 1))), tf.mul(lowRank, scale));
    } else y = tf.mul(tf.add(y, lowRank), scale);
  }
  return (parts.bias ? tf.add(y, parts.bias) : y) as tf.Tensor2D;
}

/** s·B A, the adapter's change to the [out, in] weight. */
function update(loraA: tf.Tensor2D, loraB: tf.Tensor2D, scaling: number): tf.Tensor2D {
  return tf.mul(tf.matMul(loraB, loraA), scaling);
}

/** m / (row norms of an adapted [out, in] weight), optionally without a gradient through the norms. */
function rowScale(adapted: tf.Tensor2D, magnitude: tf.Tensor1D, detachNorm: boolean): tf.Tensor1D {
  let norm = tf.norm(adapted, "euclidean", 1) as tf.Tensor1D;
  if (detachNorm) norm = stopGradient(norm) as tf.Tensor1D;
  return tf.div(magnitude, norm);
}

/** DoRA's per-output factor m / ‖W0 + s·B A‖ (row norms of the [out, in] adapted weight). */
export function doraScale(parts: LinearParts, options: Pick<AdapterOptions, "scaling" | "detachNorm">): tf.Tensor1D {
  if (!parts.loraA || !parts.loraB || !parts.magnitude) throw new Error("doraScale: not a DoRA layer");
  return rowScale(
    tf.add(parts.weight, update(parts.loraA, parts.loraB, options.scaling)), parts.magnitude, options.detachNorm,
  );
}

/** A weight with its adapter folded in; `rowScale` is DoRA's m/‖W0 + s·B A‖ at merge time. */
export interface MergedWeight {
  weight: tf.Tensor2D;
  rowScale?: tf.Tensor1D;
}

/**
 * The adapted layer as one plain weight (LoRA: W0 + s·B A; DoRA: rows scaled by m/‖W0 + s·B A‖), for
 * inference without the adapter's extra matmuls (loralib's merge). `unmergeWeight` inverts it.
 */
export function mergeWeight(parts: LinearParts, scaling: number): MergedWeight {
  return tf.tidy(() => {
    if (!parts.loraA || !parts.loraB) throw new Error("mergeWeight: the layer has no adapter");
    const adapted = tf.add(parts.weight, update(parts.loraA, parts.loraB, scaling)) as tf.Tensor2D;
    if (!parts.magnitude) return { weight: adapted };
    const scale = rowScale(adapted, parts.magnitude, true);
    return { weight: tf.mul(adapted, tf.expandDims(scale, 1)) as tf.Tensor2D, rowScale: scale };
  });
}

/** W0 back from a merged weight and the same adapter tensors (the norm of DoRA cannot be re-derived). */
export function unmergeWeight(
  merged: MergedWeight, parts: Pick<LinearParts, "loraA" | "loraB">, scaling: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    if (!parts.loraA || !parts.loraB) throw new Error("unmergeWeight: the layer has no adapter");
    const adapted = merged.rowScale ? tf.div(merged.weight, tf.expandDims(merged.rowScale, 1)) : merged.weight;
    return tf.sub(adapted, update(parts.loraA, parts.loraB, scaling)) as tf.Tensor2D;
  });
}
