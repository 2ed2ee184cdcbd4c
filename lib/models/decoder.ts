// The Llama-style decoder (LlamaForSequenceClassification): pre-RMSNorm residual blocks, rotary position
// embeddings, grouped-query causal attention, SwiGLU feed-forward, and a `score` head on each row's last token.
import * as tf from "@tensorflow/tfjs";
import { DecoderConfig, headDim } from "./config";
import { Batch, ForwardOptions } from "./forward";
import { attention, linear, mergeHeads, paddingBias, rmsNorm, splitHeads } from "./layers";
import { Model, tensor } from "./model";
import { attentionLinearName } from "./names";

/**
 * cos and sin tables [T, dh] of rotary embeddings as transformers builds them: frequencies θ^(−2j/dh) for
 * j < dh/2 (rescaled by Llama 3.1's rule when the config has ropeScaling), each used twice (the two halves
 * that rotateHalf pairs up).
 */
export function rotaryTables(
  T: number, dh: number, config: Pick<DecoderConfig, "ropeTheta" | "ropeScaling">,
): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const frequencies = Array.from({ length: dh / 2 }, (_, j) => Math.pow(config.ropeTheta, (-2 * j) / dh))
    .map((f) => scaleFrequency(f, config.ropeScaling));
  const angles = new Float32Array(T * dh);
  for (let t = 0; t < T; t++) {
    frequencies.forEach((f, j) => {
      angles[t * dh + j] = t * f;
      angles[t * dh + j + dh / 2] = t * f;
    });
  }
  return tf.tidy(() => {
    const table = tf.tensor2d(angles, [T, dh]);
    return { cos: tf.cos(table), sin: tf.sin(table) };
  });
}

/**
 * Llama 3.1's "llama3" scaling: wavelengths shorter than original/highFreqFactor are kept, longer than
 * original/lowFreqFactor are divided by `factor`, and those in between interpolated smoothly.
 */
function scaleFrequency(f: number, scaling: DecoderConfig["ropeScaling"]): number {
  if (!scaling) return f;
  const wavelength = (2 * Math.PI) / f;
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositions } = scaling;
  if (wavelength < originalMaxPositions / highFreqFactor) return f;
  if (wavelength > originalMaxPositions / lowFreqFactor) return f / factor;
  const smooth = (originalMaxPositions / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
  return (1 - smooth) * (f / factor) + smooth * f;
}

/** x·cos + rotateHalf(x)·sin with rotateHalf([x1, x2]) = [−x2, x1]; x: [B, H, T, dh]. */
export function applyRotary(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const [x1, x2] = tf.split(x, [half, half], 3);
  const rotated = tf.concat([tf.neg(x2), x1], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor4D;
}

/** Final hidden states after the last RMSNorm, [B·T, d]. */
export function decoderHidden(model: Model, batch: Batch, options: ForwardOptions): tf.Tensor2D {
  const config = model.config as DecoderConfig;
  const [B, T] = batch.inputIds.shape;
  const t = (name: string) => tensor(model, name);
  const dh = headDim(config);
  const { cos, sin } = rotaryTables(T, dh, config);
  // Grouped-query attention without copying keys and values: the `groups` query heads that share a kv
  // head are stacked along the sequence axis, [B, H, T, dh] → [B, Hkv, groups·T, dh], so one product per kv
  // head serves them all. The causal mask is stacked the same way; the padding mask broadcasts.
  const groups = config.numHeads / config.numKvHeads;
  const causal = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9);
  const bias = tf.add(
    tf.reshape(tf.tile(causal, [groups, 1]), [1, 1, groups * T, T]), paddingBias(batch.attentionMask),
  );
  let x = tf.gather(t("model.embed_tokens.weight"), tf.reshape(batch.inputIds, [B * T])) as tf.Tensor2D;
  for (let i = 0; i < config.numLayers; i++) {
    const layer = `model.layers.${i}`;
    const h = rmsNorm(x, t(`${layer}.input_layernorm.weight`), config.rmsNormEps);
    const project = (m: "query" | "key" | "value", heads: number) =>
      splitHeads(linear(model, attentionLinearName(config, i, m), h, options), B, T, heads);
    const q = tf.reshape(
      applyRotary(project("query", config.numHeads), cos, sin), [B, config.numKvHeads, groups * T, dh],
    ) as tf.Tensor4D;
    const k = applyRotary(project("key", config.numKvHeads), cos, sin);
    const v = project("value", config.numKvHeads);
    const context = mergeHeads(tf.reshape(attention(q, k, v, bias, 0, options), [B, config.numHeads, T, dh]));
    x = tf.add(x, linear(model, attentionLinearName(config, i, "output"), context, options)) as tf.Tensor2D;
    const g = rmsNorm(x, t(`${layer}.post_attention_layernorm.weight`), config.rmsNormEps);
    const gate = linear(model, `${layer}.mlp.gate_proj`, g, options);
    // SwiGLU
    const gated = tf.mul(
      tf.mul(gate, tf.sigmoid(gate)), linear(model, `${layer}.mlp.up_proj`, g, options),
    ) as tf.Tensor2D;
    x = tf.add(x, linear(model, `${layer}.mlp.down_proj`, gated, options)) as tf.Tensor2D;
  }
  return rmsNorm(x, t("model.norm.weight"), config.rmsNormEps);
}

/** Logits [B, labels] from each row's last token (right padding: lastIndex). */
export function decoderLogits(model: Model, batch: Batch, options: ForwardOptions): tf.Tensor2D {
  const [B, T] = batch.inputIds.shape;
  const hidden = decoderHidden(model, batch, options);
  // A one-hot sum rather than a gather: gather's gradient (UnsortedSegmentSum) has no wasm kernel.
  const pick = tf.reshape(tf.oneHot(batch.lastIndex, T), [B, T, 1]);
  const last = tf.sum(tf.mul(tf.reshape(hidden, [B, T, -1]), pick), 1) as tf.Tensor2D;
  return linear(model, "score", last, options);
}
