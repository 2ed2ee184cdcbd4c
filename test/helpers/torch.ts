// Runs the independent PyTorch reference (test/reference/torch_models.py) on a model's exact weights.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { disposeBatch, makeBatch, modelLogits, trainableVariables } from "../../lib/models/index";
import { Model } from "../../lib/models/model";
import { taskLoss } from "../../lib/train/loss";

export const PYTHON = "/usr/bin/python3";

/** Why PyTorch cannot be used here, or "" when it can. */
export function torchProblem(): string {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  return r.status === 0 ? "" : `PyTorch is not importable by ${PYTHON} (Debian: apt-get install python3-torch): ${r.stderr.trim().split("\n").pop()}`;
}

export interface TorchResult {
  loss: number;
  logits: number[];
  grads: Record<string, number[]>;
  /** Central finite difference of the loss along `direction`, when one was given. */
  fd: number | null;
}

export interface TorchCase {
  model: Model;
  rows: number[][];
  /** Token types per row (BERT's segments); absent means 0 throughout. */
  typeIds?: number[][];
  targets: number[];
  /** Names of the tensors to differentiate. */
  trainable: string[];
  direction?: Record<string, number[]>;
  eps?: number;
  /** Send only these tensors; the reference reads the rest from a safetensors file (a real checkpoint, too big for JSON). */
  safetensors?: { file: string; prefix: string; send: string[] };
  /** Pretraining's language-model loss at these flat positions instead of the classification loss. */
  lm?: { positions: number[]; targets: number[] };
}

/** Runs every case through the reference in one Python process (importing torch takes a second). */
export function torchReference(cases: TorchCase[]): TorchResult[] {
  const input = JSON.stringify(cases.map(toJson));
  const script = path.join(__dirname, "..", "reference", "torch_models.py");
  const r = spawnSync(PYTHON, [script], { input, encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`torch reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as TorchResult[];
}

function toJson({ model, rows, typeIds, targets, trainable, direction, eps, lm, safetensors }: TorchCase): unknown {
  const T = Math.max(...rows.map((r) => r.length));
  const pad = model.config.padTokenId;
  const tensors: Record<string, { shape: number[]; data: number[] }> = {};
  for (const [name, t] of model.tensors) {
    if (!safetensors || safetensors.send.includes(name)) tensors[name] = { shape: t.shape, data: Array.from(t.dataSync()) };
  }
  return {
    config: model.config,
    adapter: model.adapter,
    labels: model.labels,
    tensors,
    trainable,
    input_ids: rows.map((r) => [...r, ...Array(T - r.length).fill(pad)]),
    attention_mask: rows.map((r) => [...r.map(() => 1), ...Array(T - r.length).fill(0)]),
    token_type_ids: rows.map((r, i) => [...(typeIds?.[i] ?? r.map(() => 0)), ...Array(T - r.length).fill(0)]),
    targets,
    ...(direction ? { direction, eps } : {}),
    ...(lm ? { lm } : {}),
    ...(safetensors ? { safetensors: { file: safetensors.file, prefix: safetensors.prefix } } : {}),
  };
}

/** ‖a − b‖ / ‖b‖ (norm-wise, so tiny entries do not dominate). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
}

export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Our loss, logits and the gradient of every trainable tensor, by name, on one batch (token types optional: BERT pairs). */
export function lossAndGrads(model: Model, rows: number[][], targets: number[], types?: number[][]): { loss: number; logits: number[]; grads: Map<string, number[]> } {
  const batch = makeBatch(rows, model.config.padTokenId, undefined, types);
  const y = tf.tensor1d(targets, model.labels === 1 ? "float32" : "int32");
  const vars = trainableVariables(model);
  const { value, grads } = tf.variableGrads(() => taskLoss(modelLogits(model, batch), y), [...vars.values()]);
  const logits = modelLogits(model, batch);
  const out = { loss: value.dataSync()[0], logits: values(logits), grads: new Map([...vars.keys()].map((n) => [n, values(grads[vars.get(n)!.name])])) };
  tf.dispose([value, logits, y, ...Object.values(grads)]);
  disposeBatch(batch);
  return out;
}
