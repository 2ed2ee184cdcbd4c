// Adapter-only checkpoints in peft's layout: adapter_config.json + adapter_model.safetensors holding the
// trained tensors only (adapter factors, DoRA magnitudes, the head, fully fine-tuned matrices) under
// "base_model.model.<name>". A LoRA adapter of roberta-base is a few MB where the model is 500. Key names as
// peft 0.21 saves them (read from its save_and_load.py and tuners/lora/model.py): modules_to_save tensors
// under the module's own name (base_model.model.classifier.dense.weight), DoRA magnitudes as
// "…lora_magnitude_vector" without ".weight".
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../files/index";
import * as tf from "@tensorflow/tfjs";
import { Model, trainableVariables } from "../models/model";
import { isHeadTensor } from "../models/names";
import { loadSafetensors, writeSafetensors } from "../safetensors/index";
import { attachAdapter } from "./attach";
import { AdapterConfig, adapterConfig } from "./config";

const PREFIX = "base_model.model.";
export const ADAPTER_WEIGHTS = "adapter_model.safetensors";
export const ADAPTER_CONFIG = "adapter_config.json";

export class AdapterFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AdapterFileError";
  }
}

/** peft's adapter_config.json for our configuration. */
export function peftConfig(config: AdapterConfig, model: Model): Record<string, unknown> {
  return {
    peft_type: "LORA",
    task_type: "SEQ_CLS",
    r: config.r,
    lora_alpha: config.loraAlpha,
    lora_dropout: config.loraDropout,
    target_modules: config.targetModules.map((t) => (model.config.architecture === "decoder" ? `${t[0]}_proj` : t === "output" ? "attention.output.dense" : t)),
    use_dora: config.method === "dora",
    modules_to_save: [model.config.architecture === "encoder" ? "classifier" : "score"],
    bias: "none",
    // Not peft fields: how this project trained it.
    method: config.method,
    detach_norm: config.detachNorm,
  };
}

/** Writes the trained tensors and the adapter config into `dir` (each file atomically). */
export function saveAdapter(model: Model, dir: string): void {
  if (!model.adapter) throw new AdapterFileError("the model has no adapter to save");
  fs.mkdirSync(dir, { recursive: true });
  const tensors = new Map([...trainableVariables(model)].map(([name, v]) => [PREFIX + name, { shape: v.shape, data: v.dataSync() as Float32Array }]));
  writeSafetensors(path.join(dir, ADAPTER_WEIGHTS), tensors, { format: "pt" });
  writeFileAtomic(path.join(dir, ADAPTER_CONFIG), JSON.stringify(peftConfig(model.adapter, model), null, 2) + "\n");
}

/**
 * Attaches the adapter saved in `dir` to a model that has none and loads its tensors. Every tensor must
 * belong to the adapter the config describes and have the shape the model gives it.
 */
export function loadAdapter(model: Model, dir: string): AdapterConfig {
  const configFile = path.join(dir, ADAPTER_CONFIG);
  if (!fs.existsSync(configFile)) throw new AdapterFileError(`${dir}: no ${ADAPTER_CONFIG}`);
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new AdapterFileError(`${configFile}: not valid JSON (${(err as Error).message})`);
  }
  const config = adapterConfig(fields, model.config);
  attachAdapter(model, { ...config }, 0);
  const file = path.join(dir, ADAPTER_WEIGHTS);
  const { tensors } = loadSafetensors(file);
  const trainable = trainableVariables(model);
  for (const [saved, t] of tensors) {
    const name = saved.startsWith(PREFIX) ? saved.slice(PREFIX.length) : saved;
    const target = trainable.get(name);
    if (!target) throw new AdapterFileError(`${file}: tensor ${saved} is not part of a ${config.method} adapter on ${config.targetModules.join("+")}`);
    if (t.shape.length !== target.shape.length || t.shape.some((n, i) => n !== target.shape[i])) {
      throw new AdapterFileError(`${file}: tensor ${saved} has shape [${t.shape}], the model expects [${target.shape}]`);
    }
    target.assign(tf.tensor(Float32Array.from(t.data as Float32Array), t.shape, "float32"));
  }
  const missing = [...trainable.keys()].filter((n) => !tensors.has(PREFIX + n) && !tensors.has(n) && !isHeadTensor(n));
  if (missing.length > 0) throw new AdapterFileError(`${file}: missing ${missing.length} adapter tensor(s), e.g. ${missing.slice(0, 3).join(", ")}`);
  return config;
}
