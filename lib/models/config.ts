// Model configurations: the two architectures the paper fine-tunes, in the field names of their Hugging Face
// config.json (converted to camelCase), so a user's real checkpoint directory maps onto them one to one.

/** The four projections of an attention block, in the peft `target_modules` vocabulary of RoBERTa. */
export const ATTENTION_MATRICES = ["query", "key", "value", "output"] as const;
export type AttentionMatrix = (typeof ATTENTION_MATRICES)[number];

/**
 * The two encoder families. Both are post-LayerNorm with erf-GELU and bidirectional attention; they differ in
 * positions (RoBERTa offsets them past padTokenId, BERT counts from 0), token types (RoBERTa has one, BERT
 * segments 0 and 1), tensor names ("roberta." / "bert.") and the head (RoBERTa: dense → tanh → out_proj on
 * <s>; BERT: the backbone's tanh pooler on [CLS], then one linear `classifier`).
 */
export type EncoderFamily = "roberta" | "bert";

/** An encoder's family: absent means RoBERTa (every configuration written before BERT was added). */
export function encoderFamily(config: EncoderConfig): EncoderFamily {
  return config.family ?? "roberta";
}

/**
 * Learned-position encoder (RoBERTa, or BERT with family "bert"): post-LayerNorm, GELU feed-forward, bidirectional
 * attention.
 */
export interface EncoderConfig {
  architecture: "encoder";
  /** Absent for RoBERTa, so that RoBERTa configurations (and the hashes of runs keyed on them) are unchanged. */
  family?: EncoderFamily;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  /**
   * Learned position table size; RoBERTa offsets positions by padTokenId + 1, so usable length is 2 less (BERT: all
   * of it).
   */
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  hiddenDropout: number;
  attentionDropout: number;
}

/** Llama-style decoder: RMSNorm, rotary positions, SwiGLU, grouped-query causal attention. */
export interface DecoderConfig {
  architecture: "decoder";
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads (grouped-query attention): numHeads must be a multiple of it. */
  numKvHeads: number;
  intermediateSize: number;
  maxPositions: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Llama 3.1's long-context frequency scaling ("llama3" rope_type); absent for plain RoPE. */
  ropeScaling?: { factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number };
  tieEmbeddings: boolean;
  padTokenId: number;
}

export type ModelConfig = EncoderConfig | DecoderConfig;

/** A linear map x ↦ xW with W ∈ R^{dIn×dOut} (the paper's orientation; torch stores the transpose). */
export interface MatrixShape {
  dIn: number;
  dOut: number;
}

export function headDim(config: ModelConfig): number {
  return config.hiddenSize / config.numHeads;
}

/** The true shape of each attention projection of one layer (key/value are narrower under GQA). */
export function attentionShapes(config: ModelConfig): Record<AttentionMatrix, MatrixShape> {
  const d = config.hiddenSize;
  const kv = config.architecture === "decoder" ? config.numKvHeads * headDim(config) : d;
  return {
    query: { dIn: d, dOut: d }, key: { dIn: d, dOut: kv }, value: { dIn: d, dOut: kv }, output: { dIn: d, dOut: d },
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Checks a configuration's fields, naming the first bad one. Returns the config for chaining. */
/** The longest input the position table allows: RoBERTa's positions start after padTokenId, BERT's and Llama's at 0. */
export function usablePositions(config: ModelConfig): number {
  return config.architecture === "encoder" && encoderFamily(config) !== "bert"
    ? config.maxPositions - config.padTokenId - 1
    : config.maxPositions;
}

/** Our fields as transformers' config.json names them, so that an error about a file names the file's key. */
const HF_NAMES: Record<string, string> = {
  vocabSize: "vocab_size", hiddenSize: "hidden_size", numLayers: "num_hidden_layers", numHeads: "num_attention_heads",
  numKvHeads: "num_key_value_heads", intermediateSize: "intermediate_size", maxPositions: "max_position_embeddings",
  typeVocabSize: "type_vocab_size", layerNormEps: "layer_norm_eps", padTokenId: "pad_token_id",
  hiddenDropout: "hidden_dropout_prob", attentionDropout: "attention_probs_dropout_prob", rmsNormEps: "rms_norm_eps",
  ropeTheta: "rope_theta", "ropeScaling.factor": "rope_scaling.factor",
  "ropeScaling.lowFreqFactor": "rope_scaling.low_freq_factor",
  "ropeScaling.highFreqFactor": "rope_scaling.high_freq_factor",
  "ropeScaling.originalMaxPositions": "rope_scaling.original_max_position_embeddings",
};

/**
 * Checks a configuration's values; errors name `source` and the field (as config.json names it when `source` is a
 * config.json, else as ModelConfig does).
 */
export function validateConfig<C extends ModelConfig>(config: C, source = "model config"): C {
  const fieldName = (field: string) => (source.endsWith("config.json") ? HF_NAMES[field] ?? field : field);
  const positiveInts: (keyof EncoderConfig & keyof DecoderConfig)[] = [
    "vocabSize", "hiddenSize", "numLayers", "numHeads", "intermediateSize", "maxPositions",
  ];
  for (const field of positiveInts) {
    const v = config[field] as unknown as number;
    if (!Number.isInteger(v) || v <= 0) {
      throw new ConfigError(`${source}: ${fieldName(field)} must be a positive integer, got ${JSON.stringify(v)}`);
    }
  }
  const inRange = (field: string, value: unknown, ok: (v: number) => boolean, rule: string) => {
    if (typeof value !== "number" || !ok(value)) {
      throw new ConfigError(`${source}: ${fieldName(field)} must be ${rule}, got ${JSON.stringify(value)}`);
    }
  };
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  const probability = (v: number) => v >= 0 && v < 1;
  inRange(
    "padTokenId", config.padTokenId, (v) => Number.isInteger(v) && v >= 0 && v < config.vocabSize,
    `an integer in [0, vocabSize ${config.vocabSize})`,
  );
  if (config.architecture === "encoder") {
    inRange("layerNormEps", config.layerNormEps, positive, "a positive finite number");
    inRange("hiddenDropout", config.hiddenDropout, probability, "a probability in [0, 1)");
    inRange("attentionDropout", config.attentionDropout, probability, "a probability in [0, 1)");
  } else if (config.architecture === "decoder") {
    inRange("rmsNormEps", config.rmsNormEps, positive, "a positive finite number");
    inRange("ropeTheta", config.ropeTheta, positive, "a positive finite number");
    if (config.ropeScaling) {
      for (const [field, value] of Object.entries(config.ropeScaling)) {
        inRange(`ropeScaling.${field}`, value, positive, "a positive finite number");
      }
    }
  }
  if (config.hiddenSize % config.numHeads !== 0) {
    throw new ConfigError(
      `${source}: hiddenSize ${config.hiddenSize} is not a multiple of numHeads ${config.numHeads}`,
    );
  }
  if (config.architecture === "decoder") {
    if (!Number.isInteger(config.numKvHeads) || config.numKvHeads <= 0 || config.numHeads % config.numKvHeads !== 0) {
      throw new ConfigError(`${source}: numKvHeads must be a positive divisor of numHeads ${config.numHeads}, ` +
        `got ${JSON.stringify(config.numKvHeads)}`);
    }
    if (headDim(config) % 2 !== 0) {
      throw new ConfigError(`${source}: rotary embeddings need an even head size, got ${headDim(config)}`);
    }
  } else if (config.architecture === "encoder") {
    if (config.family !== undefined && config.family !== "roberta" && config.family !== "bert") {
      throw new ConfigError(`${source}: family must be "roberta" or "bert", got ${JSON.stringify(config.family)}`);
    }
    if (encoderFamily(config) === "bert") {
      if (!Number.isInteger(config.typeVocabSize) || config.typeVocabSize < 1) {
        throw new ConfigError(
          `${source}: typeVocabSize must be a positive integer, got ${JSON.stringify(config.typeVocabSize)}`,
        );
      }
    } else if (config.maxPositions <= config.padTokenId + 1) {
      throw new ConfigError(`${source}: maxPositions ${config.maxPositions} leaves no position after the padding ` +
        `offset ${config.padTokenId + 1}`);
    }
  } else {
    throw new ConfigError(`${source}: architecture must be "encoder" or "decoder", ` +
      `got ${JSON.stringify((config as { architecture: unknown }).architecture)}`);
  }
  return config;
}
