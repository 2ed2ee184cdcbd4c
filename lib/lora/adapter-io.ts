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
import { safetensorsInput } from "../models/checkpoint";
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

/**
 * The peft release whose adapter files these match, checked live by test/peft.test.ts; exclude_modules needs 0.14.
 * It is recorded in qkv_adapter.json, not as adapter_config.json's peft_version: peft before 0.14 refuses any key
 * it does not know (a TypeError from LoraConfig), so that key would make the file unreadable there.
 */
export const PEFT_VERSION = "0.13.2";
const PEFT_VERSION_EXCLUDE = "0.14.0";
/** qkv-lab's own fields, beside adapter_config.json so that peft reads only its own. */
export const QKV_ADAPTER = "qkv_adapter.json";
export const MODEL_CARD = "README.md";

/** peft's names for our target matrices. */
function peftTargets(config: AdapterConfig, model: Model): string[] {
  return config.targetModules.map((t) =>
    (model.config.architecture === "decoder" ? `${t[0]}_proj` : t === "output" ? "attention.output.dense" : t));
}

/**
 * peft's adapter_config.json for our configuration: every field with peft's meaning, nothing of qkv-lab's own.
 * `baseModel` is the base model's name or folder (base_model_name_or_path, which AutoPeftModel loads).
 */
export function peftConfig(
  config: AdapterConfig, model: Model, baseModel: string | null = null,
): Record<string, unknown> {
  if (config.method === "full") throw new AdapterFileError(FULL_HAS_NO_ADAPTER);
  return {
    peft_type: "LORA",
    task_type: "SEQ_CLS",
    base_model_name_or_path: baseModel,
    // Written only when used: peft before 0.14 does not know the key.
    ...(config.excludeModules !== undefined ? { exclude_modules: config.excludeModules } : {}),
    inference_mode: true,
    r: config.r,
    lora_alpha: config.loraAlpha,
    lora_dropout: config.loraDropout,
    target_modules: config.targetRegex ?? peftTargets(config, model),
    layers_to_transform: config.layersToTransform ?? null,
    layers_pattern: null,
    rank_pattern: config.rankPattern ?? {},
    alpha_pattern: config.alphaPattern ?? {},
    use_rslora: config.useRslora === true,
    use_dora: config.method === "dora",
    modules_to_save: [model.config.architecture === "encoder" ? "classifier" : "score"],
    bias: "none",
    fan_in_fan_out: false,
    init_lora_weights: true,
  };
}

const FULL_HAS_NO_ADAPTER =
  "full fine-tuning trains the model's own matrices, so there is no adapter to save: save the model folder instead " +
  "(saveModel, or `qkv train --save-model DIR`), which transformers' from_pretrained loads with the same logits";

/**
 * Writes the trained tensors, peft's adapter_config.json, qkv-lab's own fields (qkv_adapter.json) and a model card
 * into `dir` (each file atomically). Full fine-tuning has no adapter: it is refused, naming what to use instead.
 */
export function saveAdapter(model: Model, dir: string, options: { baseModel?: string } = {}): void {
  if (!model.adapter) throw new AdapterFileError("the model has no adapter to save");
  const config = model.adapter;
  const peft = peftConfig(config, model, options.baseModel ?? null);
  fs.mkdirSync(dir, { recursive: true });
  const trainable = trainableVariables(model);
  writeSafetensors(
    path.join(dir, ADAPTER_WEIGHTS), safetensorsInput(trainable, (name) => PREFIX + name), { format: "pt" },
  );
  writeFileAtomic(path.join(dir, ADAPTER_CONFIG), JSON.stringify(peft, null, 2) + "\n");
  const own = {
    method: config.method, detach_norm: config.detachNorm, dora_dropout: config.doraDropout ?? "peft",
    peft_version: config.excludeModules !== undefined ? PEFT_VERSION_EXCLUDE : PEFT_VERSION,
  };
  writeFileAtomic(path.join(dir, QKV_ADAPTER), JSON.stringify(own, null, 2) + "\n");
  const parameters = [...trainable.values()].reduce((n, v) => n + v.size, 0);
  writeFileAtomic(path.join(dir, MODEL_CARD), [
    "---", `base_model: ${JSON.stringify(options.baseModel ?? "unknown")}`, "library_name: peft", "---", "",
    `# ${config.method === "dora" ? "DoRA" : "LoRA"} adapter written by qkv-lab`, "",
    `- base model: ${options.baseModel ?? "not recorded"} (${model.config.architecture}, ` +
      `${model.config.numLayers} layers, width ${model.config.hiddenSize})`,
    `- targets: ${JSON.stringify(peft.target_modules)}, r ${config.r}, lora_alpha ${config.loraAlpha}` +
      `${config.useRslora ? " (rsLoRA)" : ""}, lora_dropout ${config.loraDropout}`,
    `- trained tensors: ${parameters.toLocaleString("en-US")} parameters ` +
      `(adapter factors${config.method === "dora" ? ", magnitudes" : ""} and the ${peft.modules_to_save} head)`,
    `- load with peft ${own.peft_version} or later: ` +
      "`PeftModel.from_pretrained(AutoModelForSequenceClassification.from_pretrained(BASE, " +
      `num_labels=${model.labels}), DIR)\``,
    "",
  ].join("\n"));
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
  // qkv-lab's own fields, when the adapter was written here; a peft-written one takes peft's semantics.
  const ownFile = path.join(dir, QKV_ADAPTER);
  let own: Record<string, unknown> = {};
  if (fs.existsSync(ownFile)) {
    try {
      own = JSON.parse(fs.readFileSync(ownFile, "utf8")) as Record<string, unknown>;
    } catch (err) {
      throw new AdapterFileError(`${ownFile}: not valid JSON (${(err as Error).message})`);
    }
  }
  let config: AdapterConfig;
  try {
    config = adapterConfig({ ...peftFields(fields, configFile), ...own }, model.config);
    attachAdapter(model, { ...config }, 0);
  } catch (err) {
    throw new AdapterFileError(`${configFile}: ${(err as Error).message}`);
  }
  const file = path.join(dir, ADAPTER_WEIGHTS);
  const { tensors } = loadSafetensors(file);
  const trainable = trainableVariables(model);
  for (const [saved, t] of tensors) {
    const name = saved.startsWith(PREFIX) ? saved.slice(PREFIX.length) : saved;
    const target = trainable.get(name);
    if (!target) {
      throw new AdapterFileError(
        `${file}: tensor ${saved} is not part of a ${config.method} adapter on ${config.targetModules.join("+")}`,
      );
    }
    if (t.shape.length !== target.shape.length || t.shape.some((n, i) => n !== target.shape[i])) {
      throw new AdapterFileError(
        `${file}: tensor ${saved} has shape [${t.shape}], the model expects [${target.shape}]`,
      );
    }
    target.assign(tf.tensor(Float32Array.from(t.data as Float32Array), t.shape, "float32"));
  }
  const missing = [...trainable.keys()].filter((n) => !tensors.has(PREFIX + n) && !tensors.has(n) && !isHeadTensor(n));
  if (missing.length > 0) {
    throw new AdapterFileError(
      `${file}: missing ${missing.length} adapter tensor(s), e.g. ${missing.slice(0, 3).join(", ")}`,
    );
  }
  return config;
}

/** peft fields qkv-lab cannot honour are refused by name rather than ignored. */
function peftFields(fields: Record<string, unknown>, file: string): Record<string, unknown> {
  const unsupported: [string, (v: unknown) => boolean][] = [
    [
      "layers_pattern",
      (v) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0) && v !== "layer" && v !== "layers",
    ],
    ["fan_in_fan_out", (v) => v === true],
    ["bias", (v) => v !== undefined && v !== "none"],
    ["layer_replication", (v) => v !== null && v !== undefined],
    ["use_rslora", (v) => v !== undefined && typeof v !== "boolean"],
  ];
  for (const [key, bad] of unsupported) {
    if (bad(fields[key])) throw new AdapterFileError(`${file}: ${key} ${JSON.stringify(fields[key])} is not supported`);
  }
  return fields;
}
