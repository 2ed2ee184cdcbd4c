// Turning a model into a fine-tunable one: adapter factors next to the frozen target weights (LoRA, DoRA),
// or the target weights themselves made trainable (full fine-tuning). The head is always trained, as peft's
// modules_to_save does for sequence classification. Also merging adapters into the weights and back.
import * as tf from "@tensorflow/tfjs";
import { tfSeed } from "../random/index";
import { Model } from "../models/model";
import { baseLinear } from "../models/layers";
import { isHeadTensor } from "../models/names";
import { AdapterConfig, adapterConfig, AdapterFields } from "./config";
import { applyLinear, linearParts, mergeWeight, unmergeWeight } from "./linear";
import { adaptedModules, moduleScaling } from "./modules";

// The adapter's configuration on the model it adapts: lib/models declares no such field; this folder adds it.
declare module "../models/model" {
  interface Model {
    /** Set once an adapter (or full fine-tuning) is attached. */
    adapter?: AdapterConfig;
  }
}

/**
 * Attaches the adapter described by `fields` (peft vocabulary accepted) to the modules it selects (./modules:
 * every layer's target matrices unless layers, exclusions or a regular expression say otherwise). A's
 * init is torch's kaiming_uniform_(a=√5), i.e. U(−1/√in, 1/√in); B = 0, so the model's function is
 * unchanged at step 0. DoRA's magnitude starts at the row norms of W0 for the same reason.
 */
export function attachAdapter(model: Model, fields: AdapterFields, seed: number): AdapterConfig {
  if (model.adapter) throw new Error("the model already has an adapter attached");
  const config = adapterConfig(fields, model.config);
  let index = 0;
  for (const { name, r } of adaptedModules(config, model.config)) {
    const { weight, bias } = baseLinear(model, name);
    if (config.method === "full") {
      makeTrainable(model, `${name}.weight`);
      if (bias) makeTrainable(model, `${name}.bias`);
      continue;
    }
    const [dOut, dIn] = weight.shape;
    const bound = 1 / Math.sqrt(dIn);
    const a = tf.randomUniform([r, dIn], -bound, bound, "float32", tfSeed(seed * 7919 + index++));
    model.tensors.set(`${name}.lora_A.weight`, tf.variable(a, true));
    a.dispose();
    const b = tf.zeros([dOut, r]);
    model.tensors.set(`${name}.lora_B.weight`, tf.variable(b, true));
    b.dispose();
    if (config.method === "dora") {
      const norms = tf.tidy(() => tf.norm(weight, "euclidean", 1));
      model.tensors.set(`${name}.lora_magnitude_vector`, tf.variable(norms, true));
      norms.dispose();
    }
  }
  for (const name of [...model.tensors.keys()]) if (isHeadTensor(name)) makeTrainable(model, name);
  model.adapter = config;
  // The adapted layers' forward, in place of the base layer's (a merged layer's factors are moved aside, so it
  // reads as unadapted). Full fine-tuning trains the base weights themselves and needs none.
  if (config.method !== "full") {
    model.wrapLinear = (name, x, base, options) => {
      const parts = linearParts(model, name, base);
      if (!parts.loraA) return undefined;
      const { loraDropout, detachNorm, doraDropout } = config;
      return applyLinear(x, parts, {
        scaling: moduleScaling(config, model.config, name), dropout: loraDropout, detachNorm,
        doraDropout: doraDropout ?? "peft", seed: options.seeds?.next(),
      });
    };
  }
  return config;
}

function makeTrainable(model: Model, name: string): void {
  const t = model.tensors.get(name);
  if (!t) throw new Error(`the model has no tensor ${JSON.stringify(name)}`);
  if (t instanceof tf.Variable) return;
  // tfjs variable names are global and unique: the model's map, not tfjs, names the tensors.
  model.tensors.set(name, tf.variable(t, true));
  t.dispose();
}

/** The adapted linear layers' names (LoRA/DoRA): those with a lora_A next to their weight. */
export function adaptedLinearNames(model: Model): string[] {
  return [...model.tensors.keys()]
    .filter((n) => n.endsWith(".lora_A.weight"))
    .map((n) => n.slice(0, -".lora_A.weight".length));
}

/**
 * Folds every adapter into its weight (loralib's merge) and moves the factors aside, so the forward pass is
 * the plain model's. `unmergeAdapters` restores the exact adapted state.
 */
export function mergeAdapters(model: Model): void {
  if (!model.adapter || model.adapter.method === "full") {
    throw new Error("mergeAdapters: the model has no LoRA or DoRA adapter");
  }
  const adapter = model.adapter;
  for (const name of adaptedLinearNames(model)) {
    const parts = linearParts(model, name);
    const merged = mergeWeight(parts, moduleScaling(adapter, model.config, name));
    parts.weight.dispose();
    model.tensors.set(`${name}.weight`, merged.weight);
    if (merged.rowScale) model.tensors.set(`${name}.merged_row_scale`, merged.rowScale);
    for (const suffix of ["lora_A.weight", "lora_B.weight", "lora_magnitude_vector"]) {
      rename(model, `${name}.${suffix}`, `${name}.merged.${suffix}`);
    }
  }
}

export function unmergeAdapters(model: Model): void {
  if (!model.adapter) throw new Error("unmergeAdapters: the model has no adapter");
  const adapter = model.adapter;
  const names = [...model.tensors.keys()]
    .filter((n) => n.endsWith(".merged.lora_A.weight"))
    .map((n) => n.slice(0, -".merged.lora_A.weight".length));
  if (names.length === 0) throw new Error("unmergeAdapters: nothing is merged");
  for (const name of names) {
    for (const suffix of ["lora_A.weight", "lora_B.weight", "lora_magnitude_vector"]) {
      rename(model, `${name}.merged.${suffix}`, `${name}.${suffix}`);
    }
    const rowScale = model.tensors.get(`${name}.merged_row_scale`) as tf.Tensor1D | undefined;
    const merged = model.tensors.get(`${name}.weight`) as tf.Tensor2D;
    const parts = linearParts(model, name);
    model.tensors.set(
      `${name}.weight`, unmergeWeight({ weight: merged, rowScale }, parts, moduleScaling(adapter, model.config, name)),
    );
    merged.dispose();
    rowScale?.dispose();
    model.tensors.delete(`${name}.merged_row_scale`);
  }
}

function rename(model: Model, from: string, to: string): void {
  const t = model.tensors.get(from);
  if (!t) return;
  model.tensors.delete(from);
  model.tensors.set(to, t);
}
