// A model is its configuration plus a map of Hugging Face-named tensors. Frozen weights are plain tensors;
// whatever is trained (adapter factors, the head, fully fine-tuned matrices) is a tf.Variable. Everything
// else — saving, loading, learning-rate groups, counting — works on the names.
import * as tf from "@tensorflow/tfjs";
import { tfSeed } from "../random/index";
import { ConfigError, ModelConfig, validateConfig } from "./config";
import type { ForwardOptions } from "./forward";
import { tensorShapes } from "./names";
import { checkFits, weightBytes } from "./memory";

export interface Model {
  config: ModelConfig;
  /** Outputs of the head: classes, or 1 for regression (STS-B). */
  labels: number;
  tensors: Map<string, tf.Tensor>;
  /**
   * The forward of the linear layers something has wrapped (lib/lora's adapters, as peft wraps a base_layer):
   * given a layer's name, input, own weight and bias, and the forward options, the wrapped output, or undefined
   * for a layer left as it is. The model knows nothing else of adapters (lib/lora adds its `adapter` field).
   */
  wrapLinear?: (name: string, x: tf.Tensor2D, base: BaseLinear, options: ForwardOptions) => tf.Tensor2D | undefined;
}

/** A linear layer's own tensors: weight [out, in] (a tf.Variable when fine-tuned itself) and bias. */
export interface BaseLinear {
  weight: tf.Tensor2D;
  bias?: tf.Tensor1D;
}

/** HF's initializer_range for both RoBERTa and Llama. */
const INIT_STD = 0.02;

/**
 * How weight matrices are drawn. "hf": N(0, 0.02²) as transformers initialises a model to pretrain it.
 * "fan-in": N(0, 1/fan_in) for the layers' matrices (embeddings stay at 0.02): a random network whose
 * attention is far from uniform, the project's stand-in for pretrained weights where only the mechanics of
 * fine-tuning matter (gradient checks, the Theorem 1 gap experiment).
 */
export type WeightInit = "hf" | "fan-in";

/**
 * A randomly initialised model: weights as `init` says (default "hf"), biases 0, norms 1 (and 0), the
 * padding row of the embeddings 0. Same seed, same weights.
 */
export function createModel(config: ModelConfig, options: { labels: number; seed: number; init?: WeightInit }): Model {
  validateConfig(config);
  if (!Number.isInteger(options.labels) || options.labels < 1) {
    throw new ConfigError(`labels must be a positive integer, got ${options.labels}`);
  }
  checkFits(
    `a model of ${(weightBytes(config, options.labels) / 4).toExponential(2)} parameters (${options.labels} labels)`,
    weightBytes(config, options.labels),
  );
  const tensors = new Map<string, tf.Tensor>();
  let index = 0;
  for (const [name, shape] of tensorShapes(config, options.labels)) {
    const seed = options.seed * 100003 + index++;
    tensors.set(name, tf.tidy(() => initialTensor(name, shape, seed, config, options.init ?? "hf")));
  }
  return { config, labels: options.labels, tensors };
}

function initialTensor(name: string, shape: number[], seed: number, config: ModelConfig, init: WeightInit): tf.Tensor {
  const isNorm = /LayerNorm|layernorm|norm\.weight$/.test(name);
  if (isNorm) return name.endsWith(".bias") ? tf.zeros(shape) : tf.ones(shape);
  if (name.endsWith(".bias")) return tf.zeros(shape);
  const isEmbedding = /embeddings|embed_tokens/.test(name);
  const std = init === "fan-in" && !isEmbedding ? 1 / Math.sqrt(shape[1]) : INIT_STD;
  const weight = tf.randomNormal(shape, 0, std, "float32", tfSeed(seed));
  if (/word_embeddings|embed_tokens/.test(name) && config.padTokenId < shape[0]) {
    // The mask is built on the host: tfjs-wasm's OneHot of a scalar index reads past its input (measured: the
    // same seed gave different embeddings from run to run).
    const keep = new Float32Array(shape[0]).fill(1);
    keep[config.padTokenId] = 0;
    return tf.mul(weight, tf.tensor2d(keep, [shape[0], 1]));
  }
  return weight;
}

/** The tensor called `name`, or an error that names it. */
export function tensor(model: Model, name: string): tf.Tensor {
  const t = model.tensors.get(name);
  if (!t) throw new Error(`the model has no tensor ${JSON.stringify(name)}`);
  return t;
}

/** The trained tensors, name → variable, in a stable order. */
export function trainableVariables(model: Model): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const [name, t] of model.tensors) if (t instanceof tf.Variable && t.trainable) out.set(name, t);
  return out;
}

export function disposeModel(model: Model): void {
  for (const t of model.tensors.values()) t.dispose();
  model.tensors.clear();
}
