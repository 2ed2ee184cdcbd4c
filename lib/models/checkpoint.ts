// Model directories in Hugging Face's layout: config.json + model.safetensors (or a sharded
// model.safetensors.index.json). A user's real roberta-base or Llama directory loads; the project's own
// checkpoints are written the same way, so transformers can read them back.
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../files/index";
import * as tf from "@tensorflow/tfjs";
import { loadSafetensors, TensorInput, writeSafetensors } from "../safetensors/index";
import { ConfigError, DecoderConfig, EncoderConfig, encoderFamily, ModelConfig, validateConfig } from "./config";
import { createModel, Model } from "./model";
import { isHeadTensor, tensorShapes } from "./names";

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

/** Our configuration from a transformers config.json (BERT, RoBERTa or Llama), checking what we can run. */
export function configFromHf(json: Record<string, unknown>, source = "config.json"): ModelConfig {
  // A key that is absent takes transformers' default; one set to null or a non-number is refused (transformers keeps
  // it, and its model then fails or misbehaves).
  const num = (key: string, fallback?: number): number => {
    const v = key in json ? json[key] : fallback;
    if (typeof v !== "number") throw new ConfigError(`${source}: ${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const v = key in json ? json[key] : fallback;
    if (typeof v !== "boolean") {
      throw new ConfigError(`${source}: ${key} must be true or false, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const type = json.model_type;
  if (type === "bert") {
    // hidden_act "gelu" is transformers' exact (erf) GELU; other activations and relative positions are not ours.
    if ((json.hidden_act ?? "gelu") !== "gelu") {
      throw new ConfigError(`${source}: hidden_act ${JSON.stringify(json.hidden_act)} is not supported (only gelu)`);
    }
    if ((json.position_embedding_type ?? "absolute") !== "absolute") {
      throw new ConfigError(`${source}: position_embedding_type ${JSON.stringify(json.position_embedding_type)} ` +
        "is not supported (only absolute)");
    }
    const config: EncoderConfig = {
      architecture: "encoder", family: "bert",
      vocabSize: num("vocab_size"), hiddenSize: num("hidden_size"), numLayers: num("num_hidden_layers"),
      numHeads: num("num_attention_heads"), intermediateSize: num("intermediate_size"),
      maxPositions: num("max_position_embeddings"), typeVocabSize: num("type_vocab_size", 2),
      layerNormEps: num("layer_norm_eps", 1e-12), padTokenId: num("pad_token_id", 0),
      // BertForSequenceClassification's dropout is classifier_dropout when set; this project uses one rate for both.
      hiddenDropout: num("hidden_dropout_prob", 0.1), attentionDropout: num("attention_probs_dropout_prob", 0.1),
    };
    const classifierDropout = json.classifier_dropout;
    if (classifierDropout !== undefined && classifierDropout !== null && classifierDropout !== config.hiddenDropout) {
      throw new ConfigError(`${source}: classifier_dropout ${JSON.stringify(classifierDropout)} differs from ` +
        `hidden_dropout_prob ${config.hiddenDropout}; not supported`);
    }
    return validateConfig(config, source);
  }
  if (type === "roberta" || type === "xlm-roberta") {
    if ((json.hidden_act ?? "gelu") !== "gelu") {
      throw new ConfigError(`${source}: hidden_act ${JSON.stringify(json.hidden_act)} is not supported (only gelu)`);
    }
    const config: EncoderConfig = {
      architecture: "encoder",
      vocabSize: num("vocab_size"), hiddenSize: num("hidden_size"), numLayers: num("num_hidden_layers"),
      numHeads: num("num_attention_heads"), intermediateSize: num("intermediate_size"),
      // A missing key means what transformers' RobertaConfig defaults to (roberta-base's own file sets 1 and 1e-5).
      maxPositions: num("max_position_embeddings"), typeVocabSize: num("type_vocab_size", 2),
      layerNormEps: num("layer_norm_eps", 1e-12), padTokenId: num("pad_token_id", 1),
      hiddenDropout: num("hidden_dropout_prob", 0.1), attentionDropout: num("attention_probs_dropout_prob", 0.1),
    };
    return validateConfig(config, source);
  }
  if (type === "llama") {
    if ((json.hidden_act ?? "silu") !== "silu") {
      throw new ConfigError(`${source}: hidden_act ${JSON.stringify(json.hidden_act)} is not supported (only silu)`);
    }
    if (json.attention_bias === true || json.mlp_bias === true) {
      throw new ConfigError(`${source}: attention_bias/mlp_bias are not supported`);
    }
    const config: DecoderConfig = {
      architecture: "decoder",
      vocabSize: num("vocab_size"), hiddenSize: num("hidden_size"), numLayers: num("num_hidden_layers"),
      numHeads: num("num_attention_heads"), numKvHeads: num("num_key_value_heads", num("num_attention_heads")),
      intermediateSize: num("intermediate_size"), maxPositions: num("max_position_embeddings"),
      rmsNormEps: num("rms_norm_eps", 1e-6), ropeTheta: num("rope_theta", 10000),
      // Llama has no padding token (pad_token_id absent or null); batches then pad with id 0, masked out.
      tieEmbeddings: flag("tie_word_embeddings", false),
      padTokenId: json.pad_token_id === undefined || json.pad_token_id === null ? 0 : num("pad_token_id"),
    };
    const ropeScaling = ropeScalingFromHf(json.rope_scaling, source);
    if (ropeScaling) config.ropeScaling = ropeScaling;
    return validateConfig(config, source);
  }
  throw new ConfigError(`${source}: model_type ${JSON.stringify(type)} is not supported; ` +
    `use a BERT ("bert"), RoBERTa ("roberta") or Llama ("llama") checkpoint`);
}

function ropeScalingFromHf(value: unknown, source: string): DecoderConfig["ropeScaling"] {
  if (value === undefined || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const type = v.rope_type ?? v.type;
  if (type !== "llama3") {
    throw new ConfigError(`${source}: rope_scaling type ${JSON.stringify(type)} is not supported (only "llama3")`);
  }
  return {
    factor: v.factor as number, lowFreqFactor: v.low_freq_factor as number,
    highFreqFactor: v.high_freq_factor as number,
    originalMaxPositions: v.original_max_position_embeddings as number,
  };
}

/** The transformers config.json for our configuration. */
export function configToHf(config: ModelConfig, labels: number): Record<string, unknown> {
  const id2label = Object.fromEntries(Array.from({ length: labels }, (_, i) => [String(i), `LABEL_${i}`]));
  if (config.architecture === "encoder" && encoderFamily(config) === "bert") {
    return {
      architectures: ["BertForSequenceClassification"], model_type: "bert", vocab_size: config.vocabSize,
      hidden_size: config.hiddenSize, num_hidden_layers: config.numLayers, num_attention_heads: config.numHeads,
      intermediate_size: config.intermediateSize, max_position_embeddings: config.maxPositions,
      type_vocab_size: config.typeVocabSize, layer_norm_eps: config.layerNormEps, pad_token_id: config.padTokenId,
      hidden_act: "gelu", hidden_dropout_prob: config.hiddenDropout,
      attention_probs_dropout_prob: config.attentionDropout,
      position_embedding_type: "absolute", initializer_range: 0.02, id2label,
      ...(labels === 1 ? { problem_type: "regression" } : {}),
    };
  }
  if (config.architecture === "encoder") {
    return {
      architectures: ["RobertaForSequenceClassification"], model_type: "roberta", vocab_size: config.vocabSize,
      hidden_size: config.hiddenSize, num_hidden_layers: config.numLayers, num_attention_heads: config.numHeads,
      intermediate_size: config.intermediateSize, max_position_embeddings: config.maxPositions,
      type_vocab_size: config.typeVocabSize, layer_norm_eps: config.layerNormEps, pad_token_id: config.padTokenId,
      bos_token_id: 0, eos_token_id: 2, hidden_act: "gelu", hidden_dropout_prob: config.hiddenDropout,
      attention_probs_dropout_prob: config.attentionDropout, initializer_range: 0.02, id2label,
      ...(labels === 1 ? { problem_type: "regression" } : {}),
    };
  }
  return {
    architectures: ["LlamaForSequenceClassification"], model_type: "llama", vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize, num_hidden_layers: config.numLayers, num_attention_heads: config.numHeads,
    num_key_value_heads: config.numKvHeads, intermediate_size: config.intermediateSize,
    max_position_embeddings: config.maxPositions, rms_norm_eps: config.rmsNormEps, rope_theta: config.ropeTheta,
    tie_word_embeddings: config.tieEmbeddings, pad_token_id: config.padTokenId, hidden_act: "silu", id2label,
    rope_scaling: config.ropeScaling
      ? {
          rope_type: "llama3", factor: config.ropeScaling.factor, low_freq_factor: config.ropeScaling.lowFreqFactor,
          high_freq_factor: config.ropeScaling.highFreqFactor,
          original_max_position_embeddings: config.ropeScaling.originalMaxPositions,
        }
      : null,
  };
}

/** Our name for a checkpoint tensor, or undefined for tensors we do not use (MLM/LM heads, pooler, buffers). */
function canonicalName(name: string, config: ModelConfig): string | undefined {
  if (config.architecture === "encoder" && encoderFamily(config) === "bert") {
    // saved from BertModel (sentence-transformers)
    if (/^(embeddings|encoder|pooler)\./.test(name)) name = `bert.${name}`;
    name = name.replace(/LayerNorm\.gamma$/, "LayerNorm.weight").replace(/LayerNorm\.beta$/, "LayerNorm.bias");
    // position_ids / token_type_ids are buffers; cls.* is the pretraining (MLM/NSP) head.
    return /^bert\.embeddings\.(position_ids|token_type_ids)$/.test(name) || name.startsWith("cls.") ? undefined : name;
  }
  if (config.architecture === "encoder") {
    if (/^(embeddings|encoder)\./.test(name)) name = `roberta.${name}`; // saved from RobertaModel
    // TF-era names
    name = name.replace(/LayerNorm\.gamma$/, "LayerNorm.weight").replace(/LayerNorm\.beta$/, "LayerNorm.bias");
    return name.startsWith("roberta.embeddings.position_ids") || name.startsWith("roberta.pooler.") ||
      name.startsWith("lm_head.")
      ? undefined
      : name;
  }
  if (/^(embed_tokens|layers|norm)\./.test(name)) name = `model.${name}`; // saved from LlamaModel
  return name.startsWith("lm_head.") || name.includes("rotary_emb.inv_freq") ? undefined : name;
}

export interface LoadedModel {
  model: Model;
  /** Tensors the checkpoint lacked, freshly initialised (usually the head of a pretrained-only model). */
  initialized: string[];
  /** Checkpoint tensors not used by a sequence-classification model. */
  unused: string[];
}

/**
 * Loads a model directory. Every tensor's shape must agree with config.json; a checkpoint without a head
 * (a pretrained MLM or causal LM) gets a newly initialised one, as transformers does, and says so.
 */
export function loadModel(dir: string, options: { labels?: number; seed?: number } = {}): LoadedModel {
  const configPath = path.join(dir, "config.json");
  if (!fs.existsSync(configPath)) {
    throw new CheckpointError(`${dir}: no config.json (expected a Hugging Face model directory)`);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(fs.readFileSync(configPath, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new CheckpointError(`${configPath}: not valid JSON (${(err as Error).message})`);
  }
  const config = configFromHf(json, configPath);
  const fromConfig = json.id2label ? Object.keys(json.id2label as object).length : undefined;
  const labels = options.labels ?? (json.problem_type === "regression" ? 1 : fromConfig ?? 2);
  const expected = tensorShapes(config, labels);
  const model = createModel(config, { labels, seed: options.seed ?? 0 });
  const seen = new Set<string>();
  const unused: string[] = [];
  const unexpected: string[] = [];
  for (const file of weightFiles(dir)) {
    const { infos } = loadSafetensors(file, { names: [] });
    const wanted: string[] = [];
    for (const [name, info] of infos) {
      const ours = canonicalName(name, config);
      const shape = ours === undefined ? undefined : expected.get(ours);
      if (ours === undefined) {
        unused.push(name);
        continue;
      }
      if (shape === undefined) {
        // A tensor of the architecture that config.json does not describe (a 12-layer checkpoint read as 6 layers).
        unexpected.push(name);
        continue;
      }
      if (info.shape.length !== shape.length || info.shape.some((n, i) => n !== shape[i])) {
        // A head trained for another number of labels is replaced, as transformers does with ignore_mismatched_sizes.
        if (isHeadTensor(ours) && options.labels !== undefined) {
          unused.push(name);
          continue;
        }
        throw new CheckpointError(
          `${file}: tensor ${name} has shape [${info.shape}] but config.json implies [${shape}]`,
        );
      }
      if (!["F32", "F16", "BF16", "F64"].includes(info.dtype)) {
        throw new CheckpointError(`${file}: tensor ${name} has dtype ${info.dtype}; weights must be floating point`);
      }
      wanted.push(name);
    }
    for (const [name, t] of loadSafetensors(file, { names: wanted }).tensors) {
      const ours = canonicalName(name, config)!;
      const values = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as Float64Array);
      model.tensors.get(ours)!.dispose();
      model.tensors.set(ours, tf.tensor(values, t.shape, "float32"));
      seen.add(ours);
    }
  }
  if (unexpected.length > 0) {
    const layers = unexpected
      .map((n) => /\blayers?\.(\d+)\./.exec(n)).filter((m) => m !== null).map((m) => Number(m![1]));
    const hint = layers.length > 0
      ? `: it holds layers up to ${Math.max(...layers)} but config.json's num_hidden_layers is ${config.numLayers}`
      : "";
    throw new CheckpointError(`${dir}: the checkpoint holds ${unexpected.length} tensor(s) that config.json does not ` +
      `describe, e.g. ${unexpected.slice(0, 3).join(", ")}${hint}`);
  }
  const initialized = [...expected.keys()].filter((n) => !seen.has(n));
  // A BERT saved without its pooler (BertModel(add_pooling_layer=False), BertForMaskedLM) gets a fresh one, as
  // transformers does.
  const missingBody = initialized.filter((n) => !isHeadTensor(n) && !n.startsWith("bert.pooler."));
  if (missingBody.length > 0) {
    throw new CheckpointError(
      `${dir}: the checkpoint lacks ${missingBody.length} backbone tensor(s), ` +
        `e.g. ${missingBody.slice(0, 3).join(", ")}`,
    );
  }
  return { model, initialized, unused };
}

/** The safetensors files of a directory: model.safetensors, or the shards its index names. */
function weightFiles(dir: string): string[] {
  const single = path.join(dir, "model.safetensors");
  if (fs.existsSync(single)) return [single];
  const index = path.join(dir, "model.safetensors.index.json");
  if (fs.existsSync(index)) {
    let json: { weight_map?: unknown };
    try {
      json = JSON.parse(fs.readFileSync(index, "utf8")) as typeof json;
    } catch (err) {
      throw new CheckpointError(`${index}: not valid JSON (${(err as Error).message})`);
    }
    const map = json.weight_map;
    if (typeof map !== "object" || map === null || Array.isArray(map)) {
      throw new CheckpointError(`${index}: weight_map must be an object of tensor name → shard file`);
    }
    const root = path.resolve(dir);
    return [...new Set(Object.values(map))].map((shard) => {
      // Shards are files of this folder: a path that climbs out of it (../x, /etc/passwd) is refused, not opened.
      const file = typeof shard === "string" ? path.resolve(root, shard) : "";
      if (typeof shard !== "string" || path.isAbsolute(shard) || path.dirname(file) !== root) {
        throw new CheckpointError(
          `${index}: weight_map names shard ${JSON.stringify(shard)}, which is not a file name in ${dir}`,
        );
      }
      if (!fs.existsSync(file)) {
        throw new CheckpointError(`${index}: weight_map names shard ${shard}, which ${dir} lacks`);
      }
      return file;
    });
  }
  const bin = fs.existsSync(path.join(dir, "pytorch_model.bin"));
  throw new CheckpointError(
    `${dir}: no model.safetensors` +
      (bin
        ? " (pytorch_model.bin is not read: convert it with transformers' save_pretrained(safe_serialization=True))"
        : ""),
  );
}

/** Named tensors as writeSafetensors takes them (their float32 data), each name passed through `rename`. */
export function safetensorsInput(
  tensors: Iterable<[string, tf.Tensor]>, rename: (name: string) => string = (name) => name,
): Map<string, TensorInput> {
  return new Map([...tensors].map(([name, t]) => [
    rename(name), { shape: t.shape, data: t.dataSync() as Float32Array },
  ]));
}

/** Writes config.json and model.safetensors (every tensor, adapters included under peft's names), atomically. */
export function saveModel(model: Model, dir: string, metadata: Record<string, string> = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  writeSafetensors(path.join(dir, "model.safetensors"), safetensorsInput(model.tensors), { format: "pt", ...metadata });
  writeFileAtomic(
    path.join(dir, "config.json"), JSON.stringify(configToHf(model.config, model.labels), null, 2) + "\n",
  );
}

