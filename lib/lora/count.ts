// Trainable-parameter counting, as peft reports it. Two conventions matter for the paper's Table 2
// (docs/paper.md §5.4): peft 0.5 counted the classification head twice (the original and its modules_to_save
// copy are both trainable tensors in the model), peft ≥ 0.15 counts it once. The paper's own column mixes
// them — LoRA rows as peft 0.5, DoRA rows as peft 0.15 (DoRA needs a newer peft) — which is the "paper"
// convention, `qkv params`'s default: it gives every printed #Param value (to the paper's inconsistent rounding,
// below). countParameters itself defaults to peft 0.15's, the tensors a model really trains.
import { attentionShapes, ModelConfig } from "../models/config";
import { backboneParameterCount, headParameterCount } from "../models/count";
import { AdapterConfig } from "./config";
import { adaptedModules } from "./modules";

export const COUNT_CONVENTIONS = ["paper", "peft-0.5", "peft-0.15"] as const;
export type CountConvention = (typeof COUNT_CONVENTIONS)[number];
/** The convention of the paper's Table 2, and so of `qkv params` unless told otherwise. */
export const PAPER_COUNT_CONVENTION: CountConvention = "paper";

/** One line on what a convention counts, for output that must say which one it used. */
export function describeConvention(convention: CountConvention): string {
  switch (convention) {
    case "paper":
      return "the paper's Table 2 convention: LoRA as peft 0.5 (the head and its modules_to_save copy both counted), " +
        "DoRA and full fine-tuning with the head once";
    case "peft-0.5":
      return "peft 0.5: a LoRA/DoRA model's head counted twice (the original and its modules_to_save copy)";
    case "peft-0.15":
      return "peft ≥ 0.15: the head counted once";
  }
}

/**
 * How the paper rounded its #Param (M) column, checked against the counts (test/count.test.ts): by neither
 * rule throughout. Rounding to 0.01 M gives 12 of its 20 rows, truncation 15; LoRA (QKV) r = 8 (1,626,628)
 * is printed truncated (1.62), LoRA (QKV) r = 16 (2,068,996) rounded (2.07), and DoRA (QKV) r = 16
 * (1,504,514) as 1.51, which neither gives. Every printed value is within 0.01 M of the count.
 */
export const TABLE2_PARAM_ROUNDING =
  "neither rounded nor truncated consistently: within 0.01 M of the count on every row";

export interface ParameterCount {
  /** Adapter (or fully fine-tuned matrix) parameters. */
  adapter: number;
  /** Classification/regression head parameters, as counted by the convention. */
  head: number;
  trainable: number;
  /** Every parameter of the fine-tuned model: backbone, head(s) and adapters. */
  total: number;
}

export interface CountOptions {
  labels: number;
  /** Default "peft-0.15": the trainable tensors the model holds (the head once). */
  convention?: CountConvention;
  /** Adapted layers (default: all). */
  layers?: readonly number[];
}

/** Trainable parameters of one adapted matrix of shape dIn×dOut at rank r (default the adapter's). */
export function adaptedMatrixParameters(
  adapter: AdapterConfig, dIn: number, dOut: number, hasBias: boolean, r = adapter.r,
): number {
  switch (adapter.method) {
    case "lora":
      return r * (dIn + dOut);
    case "dora": // plus one magnitude per output column
      return r * (dIn + dOut) + dOut;
    case "full":
      return dIn * dOut + (hasBias ? dOut : 0);
  }
}

export function countParameters(model: ModelConfig, adapter: AdapterConfig, options: CountOptions): ParameterCount {
  const layers = options.layers ?? Array.from({ length: model.numLayers }, (_, i) => i);
  for (const layer of layers) {
    if (!Number.isInteger(layer) || layer < 0 || layer >= model.numLayers) {
      throw new RangeError(`layer ${layer} does not exist: the model has layers 0-${model.numLayers - 1}`);
    }
  }
  if (!Number.isInteger(options.labels) || options.labels < 1) {
    throw new RangeError(`labels must be a positive integer, got ${options.labels}`);
  }
  const shapes = attentionShapes(model);
  const hasBias = model.architecture === "encoder"; // RoBERTa's projections have biases, Llama's do not
  const chosen = new Set(layers);
  // Per module (./modules): rank patterns, layer subsets and exclusions count as peft would build them.
  const adapterParams = adaptedModules(adapter, model)
    .filter((m) => chosen.has(m.layer))
    .reduce(
      (sum, m) => sum + adaptedMatrixParameters(adapter, shapes[m.matrix].dIn, shapes[m.matrix].dOut, hasBias, m.r), 0,
    );
  const oneHead = headParameterCount(model, options.labels);
  // Only peft-wrapped methods carry a modules_to_save copy; full fine-tuning is plain training.
  const convention = options.convention ?? "peft-0.15";
  const twice = convention === "peft-0.5"
    ? adapter.method !== "full"
    : convention === "paper" ? adapter.method === "lora" : false;
  const headCopies = twice ? 2 : 1;
  const head = oneHead * headCopies;
  return {
    adapter: adapterParams,
    head,
    trainable: adapterParams + head,
    // Full fine-tuning trains existing weights: they are not extra parameters.
    total: backboneParameterCount(model) + head + (adapter.method === "full" ? 0 : adapterParams),
  };
}
