// The optimizer's parameter groups, one function for every run (peft keeps LoRA+'s in optimizers/loraplus.py,
// nanoGPT its configure_optimizers beside the model): per-matrix rates for fine-tuning — η_QK for the query and
// key matrices, η_V = λ·η_QK for the value matrix, the paper's grouping (docs/paper.md §6), keyed on the matrix a
// tensor belongs to, or LoRA+'s (peft's create_loraplus_optimizer), keyed on the factor (A at η, B at λ·η) — and
// one rate for pretraining. AdamW (./adamw) iterates over them.
import * as tf from "@tensorflow/tfjs";

/** "uniform": one rate for every tensor (pretraining; λ is then 1). */
export const GROUPINGS = ["paper", "loraplus", "uniform"] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface LearningRates {
  /** η_QK: the base learning rate. */
  etaQK: number;
  /** λ = η_V / η_QK. */
  ratio: number;
  grouping: Grouping;
  /** Learning rate of LoRA embedding factors (LoRA+'s default 1e-6). */
  embeddingLr?: number;
  weightDecay?: number;
}

/** The fields a hand-written `rates` object may have (lib/validate rejects any other). */
export const LEARNING_RATE_FIELDS = ["etaQK", "ratio", "grouping", "embeddingLr", "weightDecay"] as const;

export interface ParameterGroup {
  label: string;
  /** Peak learning rate (the schedule multiplies it). */
  lr: number;
  weightDecay: number;
  names: string[];
}

export class LearningRateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LearningRateError";
  }
}

export function validateLearningRates(rates: LearningRates): void {
  const positive = (field: string, v: unknown): void => {
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new LearningRateError(`${field} must be a positive finite number, got ${JSON.stringify(v)}`);
    }
  };
  positive("learning rate η_QK (etaQK)", rates.etaQK);
  positive("learning-rate ratio λ (ratio)", rates.ratio);
  if (rates.embeddingLr !== undefined) positive("embeddingLr", rates.embeddingLr);
  if (rates.weightDecay !== undefined && !(rates.weightDecay >= 0 && Number.isFinite(rates.weightDecay))) {
    throw new LearningRateError(`weightDecay must be a finite number ≥ 0, got ${JSON.stringify(rates.weightDecay)}`);
  }
  if (!(GROUPINGS as readonly string[]).includes(rates.grouping)) {
    throw new LearningRateError(
      `grouping must be one of ${GROUPINGS.join(", ")}, got ${JSON.stringify(rates.grouping)}`,
    );
  }
}

const QUERY = /(^|\.)(query|q_proj)(\.|$)/;
const KEY = /(^|\.)(key|k_proj)(\.|$)/;
const VALUE = /(^|\.)(value|v_proj)(\.|$)/;
const EMBEDDING = /lora_embedding|embeddings?\./;
/**
 * Biases and the weights of LayerNorm / RMSNorm modules (RoBERTa's and BERT's LayerNorm, Llama's *_layernorm and
 * norm).
 */
const NO_DECAY = /bias$|LayerNorm|layernorm|(^|\.)norm\.weight$/;

/**
 * Which group each trainable tensor goes to. The paper's rules, first match wins: LoRA embedding factors →
 * embeddingLr; query → η; value → λη; key → η; any other 1-D tensor (biases, norms) → λη; other 2-D
 * tensors (the head) → η. LoRA+: lora_B and 1-D tensors → λη, everything else → η. Uniform (pretraining): every
 * tensor at η. Weight decay applies to
 * every tensor but biases and norm weights, as transformers' Trainer and peft's create_loraplus_optimizer decide
 * it (get_parameter_names without LayerNorm, then no "bias"): DoRA's magnitudes are decayed.
 */
export function parameterGroups(trainable: Map<string, tf.Tensor>, rates: LearningRates): ParameterGroup[] {
  validateLearningRates(rates);
  const { etaQK, ratio } = rates;
  const decay = rates.weightDecay ?? 0;
  const groups = new Map<string, ParameterGroup>();
  const put = (label: string, lr: number, weightDecay: number, name: string): void => {
    const key = `${label}|${lr}|${weightDecay}`;
    if (!groups.has(key)) groups.set(key, { label, lr, weightDecay, names: [] });
    groups.get(key)!.names.push(name);
  };
  if (rates.grouping === "uniform" && ratio !== 1) {
    throw new LearningRateError(`the uniform grouping has one rate: ratio must be 1, got ${ratio}`);
  }
  for (const [name, t] of trainable) {
    const wd = NO_DECAY.test(name) ? 0 : decay;
    if (rates.grouping === "uniform") put("all (η)", etaQK, wd, name);
    else if (EMBEDDING.test(name)) put("embedding", rates.embeddingLr ?? 1e-6, wd, name);
    else if (rates.grouping === "loraplus") {
      if (name.includes("lora_B") || t.rank === 1) put("B / 1-D (λη)", etaQK * ratio, wd, name);
      else put("A / other (η)", etaQK, wd, name);
    } else if (QUERY.test(name)) put("query (η_QK)", etaQK, wd, name);
    else if (VALUE.test(name)) put("value (η_V = λη_QK)", etaQK * ratio, wd, name);
    else if (KEY.test(name)) put("key (η_QK)", etaQK, wd, name);
    else if (t.rank === 1) put("1-D (λη_QK)", etaQK * ratio, wd, name);
    else put("head (η_QK)", etaQK, wd, name);
  }
  return [...groups.values()];
}
