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

/** Learned-position encoder (RoBERTa, or BERT with family "bert"): post-LayerNorm, GELU feed-forward, bidirectional attention. */
export interface EncoderConfig {
  architecture: "encoder";
  /** Absent for RoBERTa, so that RoBERTa configurations (and the hashes of runs keyed on them) are unchanged. */
  family?: EncoderFamily;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  /** Learned position table size; RoBERTa offsets positions by padTokenId + 1, so usable length is 2 less (BERT: all of it). */
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
  return { query: { dIn: d, dOut: d }, key: { dIn: d, dOut: kv }, value: { dIn: d, dOut: kv }, output: { dIn: d, dOut: d } };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Checks a configuration's fields, naming the first bad one. Returns the config for chaining. */
export function validateConfig<C extends ModelConfig>(config: C, source = "model config"): C {
  const positiveInts: (keyof EncoderConfig & keyof DecoderConfig)[] = [
    "vocabSize", "hiddenSize", "numLayers", "numHeads", "intermediateSize", "maxPositions",
  ];
  for (const field of positiveInts) {
    const v = config[field] as unknown as number;
    if (!Number.isInteger(v) || v <= 0) throw new ConfigError(`${source}: ${field} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (config.hiddenSize % config.numHeads !== 0) {
    throw new ConfigError(`${source}: hiddenSize ${config.hiddenSize} is not a multiple of numHeads ${config.numHeads}`);
  }
  if (config.architecture === "decoder") {
    if (!Number.isInteger(config.numKvHeads) || config.numKvHeads <= 0 || config.numHeads % config.numKvHeads !== 0) {
      throw new ConfigError(`${source}: numKvHeads must be a positive divisor of numHeads ${config.numHeads}, got ${JSON.stringify(config.numKvHeads)}`);
    }
    if (headDim(config) % 2 !== 0) throw new ConfigError(`${source}: rotary embeddings need an even head size, got ${headDim(config)}`);
  } else if (config.architecture === "encoder") {
    if (config.family !== undefined && config.family !== "roberta" && config.family !== "bert") {
      throw new ConfigError(`${source}: family must be "roberta" or "bert", got ${JSON.stringify(config.family)}`);
    }
    if (encoderFamily(config) === "bert") {
      if (!Number.isInteger(config.typeVocabSize) || config.typeVocabSize < 1) throw new ConfigError(`${source}: typeVocabSize must be a positive integer, got ${JSON.stringify(config.typeVocabSize)}`);
    } else if (config.maxPositions <= config.padTokenId + 1) {
      throw new ConfigError(`${source}: maxPositions ${config.maxPositions} leaves no position after the padding offset ${config.padTokenId + 1}`);
    }
  } else {
    throw new ConfigError(`${source}: architecture must be "encoder" or "decoder", got ${JSON.stringify((config as { architecture: unknown }).architecture)}`);
  }
  return config;
}
