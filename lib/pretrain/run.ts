// One pretraining run: a model from scratch (HF init), a language-model objective over a tokenized corpus,
// AdamW with linear warm-up and decay, and a checkpoint directory a Hugging Face user would recognise
// (config.json, model.safetensors, vocab.txt, tokenizer_config.json) plus a model card (card.json, README.md).
//
// Reproducible and resumable: step s draws its batch, its masks and its dropout from (seed, s) alone, and
// every `checkpointEvery` steps the weights, the optimizer moments and the loss history are written
// atomically to <out>/.resume/. A run stopped at any point (crash, Ctrl-C) and started again with the same
// spec continues from the last saved step and ends with the same checkpoint bytes as an uninterrupted run.
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { attentionStatus } from "../backend/attention";
import { blasStatus } from "../backend/blas";
import { sha256, writeFileAtomic } from "../files/index";
import { fusedStatus } from "../backend/fused";
import {
  configToHf, createModel, disposeBatch, isHeadTensor, Model, modelHidden, ModelConfig, safetensorsInput, SeedSequence,
  trainableVariables,
} from "../models/index";
import { Rng, tfSeed } from "../random/index";
import { loadSafetensors, writeSafetensors } from "../safetensors/index";
import { PRETRAIN_SPECIALS } from "../tokenizers/index";
import { AdamW, parameterGroups, scheduleFactor, taskLoss } from "../train/index";
import { lmHeadShapes, lmLogits } from "./heads";
import { causalLmBatch, LmBatch, MASK_RATE, maskedLmBatch, MaskingVocab } from "./objectives";

export interface PretrainSpec {
  /** The architecture's shape, with vocabSize and padTokenId matching `vocab`. */
  config: ModelConfig;
  steps: number;
  batchSize: number;
  /** Peak learning rate. */
  lr: number;
  warmupSteps: number;
  weightDecay: number;
  seed: number;
  /** Validation loss every this many steps (and at the end). */
  evalEvery: number;
  /**
   * A curriculum: for the first `steps` steps each row is drawn from `corpus.lexicon` with probability `share`
   * (else from the whole corpus, as after them). Masked LM at this budget learns what the corpus's sentiment words
   * mean only when such lines are a large share early on (notebook 00b measures it); causal LM needs none.
   */
  curriculum?: { share: number; steps: number };
}

export interface PretrainCorpus {
  /** What the text is, for the model card ("built-in suite, seed 0", "GLUE train sets in /data/glue"). */
  description: string;
  /** sha256 of the sentences joined by newlines: the card names exactly the data it was trained on. */
  sha256: string;
  vocab: string[];
  /** Token ids of each sentence, [CLS] … [SEP]. */
  train: number[][];
  validation: number[][];
  /** Training rows a curriculum oversamples (a subset of `train`): lines that say what a word means. */
  lexicon?: number[][];
}

export interface LossPoint {
  step: number;
  loss: number;
}

export interface ModelCard {
  objective: "masked-lm" | "causal-lm";
  config: Record<string, unknown>;
  parameters: number;
  corpus: {
    description: string; sha256: string; trainSentences: number; validationSentences: number; vocabSize: number;
    lexiconSentences?: number;
  };
  training: Omit<PretrainSpec, "config"> & { maskRate?: number; optimizer: string };
  /** Mean training loss over each `evalEvery` window, and the validation loss at its end. */
  trainLoss: LossPoint[];
  validationLoss: LossPoint[];
  wallSeconds: number;
  backend: string;
  /** sha256 of model.safetensors: the same seed on the same backend gives the same hash. */
  modelSha256: string;
  modelBytes: number;
}

export interface PretrainProgress {
  step: number;
  steps: number;
  loss: number;
  validationLoss?: number;
  resumedFrom?: number;
}

export interface PretrainOptions {
  /** Save resumable state every this many steps (0: never). Default 100. */
  checkpointEvery?: number;
  onProgress?: (p: PretrainProgress) => void;
  /** Stop (resumably) after this step; for tests of resumption. */
  stopAfter?: number;
}

interface ResumeState {
  specHash: string;
  step: number;
  history: number[];
  validationLoss: LossPoint[];
  wallSeconds: number;
}

export class PretrainError extends Error {
  override name = "PretrainError";
}

const RESUME_DIR = ".resume";
/** BERT's and Llama's pretraining optimizer (the paper's β2 = 0.99 is its fine-tuning setting). */
const PRETRAIN_ADAMW = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** Runs (or resumes) pretraining and writes the checkpoint into `out`. Returns its model card. */
export function pretrain(
  spec: PretrainSpec, corpus: PretrainCorpus, out: string, options: PretrainOptions = {},
): ModelCard | undefined {
  validate(spec, corpus);
  const objective = spec.config.architecture === "encoder" ? "masked-lm" : "causal-lm";
  const specHash = sha256(JSON.stringify({ spec, corpus: corpus.sha256, vocab: corpus.vocab.length }));
  const model = pretrainingModel(spec.config, spec.seed);
  const variables = trainableVariables(model);
  // One rate, decay on matrices only (BERT's and Llama's recipe).
  const optimizer = new AdamW(
    variables,
    parameterGroups(variables, { etaQK: spec.lr, ratio: 1, grouping: "uniform", weightDecay: spec.weightDecay }),
    PRETRAIN_ADAMW,
  );
  const names = [...variables.keys()];
  const list = names.map((n) => variables.get(n)!);
  const vocab = maskingVocab(corpus.vocab);
  const resumeDir = path.join(out, RESUME_DIR);
  const state: ResumeState = loadResumeState(resumeDir, specHash, model, optimizer) ??
    { specHash, step: 0, history: [], validationLoss: [], wallSeconds: 0 };
  const resumedFrom = state.step > 0 ? state.step : undefined;
  const checkpointEvery = options.checkpointEvery ?? 100;
  const schedule = { name: "linear" as const, warmupSteps: spec.warmupSteps, totalSteps: spec.steps };
  const lastStep = Math.min(spec.steps, options.stopAfter ?? spec.steps);
  let clock = performance.now();
  const elapsed = (): number => {
    const now = performance.now();
    state.wallSeconds += (now - clock) / 1000;
    clock = now;
    return state.wallSeconds;
  };
  try {
    for (let step = state.step; step < lastStep; step++) {
      const rng = new Rng(spec.seed, 0x10000 + step);
      const rows = sampleRows(spec, corpus, step, rng);
      const lm = objective === "masked-lm" ? maskedLmBatch(rows, vocab, rng) : causalLmBatch(rows, vocab.padId);
      const seeds = new SeedSequence(rng.nextUint32());
      const { value, grads } = tf.variableGrads(() => lmLoss(model, lm, seeds), list);
      const loss = value.dataSync()[0];
      if (!Number.isFinite(loss)) {
        throw new PretrainError(`the loss is ${loss} at step ${step + 1}; lower the learning rate (${spec.lr})`);
      }
      optimizer.apply(new Map(names.map((n, i) => [n, grads[list[i].name]])), scheduleFactor(schedule, step));
      tf.dispose([value, ...Object.values(grads)]);
      disposeBatch(lm.batch);
      state.history.push(loss);
      state.step = step + 1;
      let validationLoss: number | undefined;
      if (state.step % spec.evalEvery === 0 || state.step === spec.steps) {
        validationLoss = meanLmLoss(model, corpus.validation, vocab, spec.seed);
        state.validationLoss.push({ step: state.step, loss: validationLoss });
      }
      options.onProgress?.({ step: state.step, steps: spec.steps, loss, validationLoss, resumedFrom });
      if (checkpointEvery > 0 && state.step % checkpointEvery === 0 && state.step < spec.steps) {
        elapsed();
        saveResumeState(resumeDir, state, model, optimizer);
      }
    }
    elapsed();
    if (state.step < spec.steps) {
      saveResumeState(resumeDir, state, model, optimizer);
      return undefined;
    }
    const card = writeCheckpoint(out, model, spec, corpus, state, objective);
    fs.rmSync(resumeDir, { recursive: true, force: true });
    return card;
  } finally {
    optimizer.dispose();
    for (const t of model.tensors.values()) t.dispose();
  }
}

/** A fresh model with an LM head instead of a classification head, every tensor trainable. */
export function pretrainingModel(config: ModelConfig, seed: number): Model {
  const model = createModel(config, { labels: 2, seed });
  for (const [name, t] of [...model.tensors]) {
    if (isHeadTensor(name)) {
      t.dispose();
      model.tensors.delete(name);
    }
  }
  let index = 0;
  for (const [name, shape] of lmHeadShapes(config)) {
    const init = tf.tidy(() => {
      if (name.endsWith("bias")) return tf.zeros(shape);
      if (name.includes("layer_norm")) return tf.ones(shape);
      return tf.randomNormal(shape, 0, 0.02, "float32", tfSeed(seed * 100003 + 50000 + index++));
    });
    model.tensors.set(name, init);
  }
  for (const [name, t] of [...model.tensors]) {
    model.tensors.set(name, tf.variable(t, true));
    t.dispose();
  }
  return model;
}

/** Mean cross-entropy of the predicted positions. */
export function lmLoss(model: Model, lm: LmBatch, seeds?: SeedSequence): tf.Scalar {
  return tf.tidy(() => {
    const options = { seeds };
    const hidden = modelHidden(model, lm.batch, options);
    const picked = tf.gather(hidden, tf.tensor1d(lm.positions, "int32")) as tf.Tensor2D;
    return taskLoss(lmLogits(model, picked, options), tf.tensor1d(lm.targets, "int32"));
  });
}

/**
 * Step `step`'s rows. Outside a curriculum each row is uniform over the corpus; inside it, a row comes from the
 * lexicon with the curriculum's share. The extra draw happens only inside, so runs without one are unchanged.
 */
export function sampleRows(spec: PretrainSpec, corpus: PretrainCorpus, step: number, rng: Rng): number[][] {
  const curriculum = spec.curriculum !== undefined && step < spec.curriculum.steps ? spec.curriculum : undefined;
  return Array.from({ length: spec.batchSize }, () => {
    if (curriculum && rng.uniform() < curriculum.share) return corpus.lexicon![rng.int(corpus.lexicon!.length)];
    return corpus.train[rng.int(corpus.train.length)];
  });
}

/** The validation loss, without dropout, with masks fixed by the seed (the same positions at every evaluation). */
export function meanLmLoss(
  model: Model, sentences: number[][], vocab: MaskingVocab, seed: number, batchSize = 64,
): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < sentences.length; i += batchSize) {
    const rows = sentences.slice(i, i + batchSize);
    const rng = new Rng(seed, 0x7fff0000 + i);
    const lm = model.config.architecture === "encoder"
      ? maskedLmBatch(rows, vocab, rng)
      : causalLmBatch(rows, vocab.padId);
    const loss = tf.tidy(() => lmLoss(model, lm).dataSync()[0]);
    disposeBatch(lm.batch);
    sum += loss * lm.targets.length;
    count += lm.targets.length;
  }
  return sum / count;
}

export function maskingVocab(vocab: readonly string[]): MaskingVocab {
  const id = (token: string): number => {
    const i = vocab.indexOf(token);
    if (i < 0) throw new PretrainError(`the vocabulary lacks the special token ${token}`);
    return i;
  };
  const specials = Object.values(PRETRAIN_SPECIALS).map(id);
  return {
    size: vocab.length, maskId: id(PRETRAIN_SPECIALS.mask), padId: id(PRETRAIN_SPECIALS.pad),
    specialIds: new Set(specials),
  };
}

function validate(spec: PretrainSpec, corpus: PretrainCorpus): void {
  const positiveInt = (field: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new PretrainError(`${field} must be a positive integer, got ${v}`);
  };
  positiveInt("steps", spec.steps);
  positiveInt("batchSize", spec.batchSize);
  positiveInt("evalEvery", spec.evalEvery);
  if (!Number.isInteger(spec.warmupSteps) || spec.warmupSteps < 0 || spec.warmupSteps > spec.steps) {
    throw new PretrainError(`warmupSteps must be an integer in [0, steps], got ${spec.warmupSteps}`);
  }
  if (!(spec.lr > 0 && Number.isFinite(spec.lr))) {
    throw new PretrainError(`lr must be a positive number, got ${spec.lr}`);
  }
  if (!(spec.weightDecay >= 0)) throw new PretrainError(`weightDecay must be ≥ 0, got ${spec.weightDecay}`);
  if (spec.config.vocabSize !== corpus.vocab.length) {
    throw new PretrainError(
      `config.vocabSize ${spec.config.vocabSize} ≠ the vocabulary's ${corpus.vocab.length} tokens`,
    );
  }
  if (corpus.vocab[spec.config.padTokenId] !== PRETRAIN_SPECIALS.pad) {
    throw new PretrainError(
      `config.padTokenId ${spec.config.padTokenId} is not ${PRETRAIN_SPECIALS.pad} in the vocabulary`,
    );
  }
  if (corpus.train.length === 0 || corpus.validation.length === 0) {
    throw new PretrainError("the corpus needs training and validation sentences");
  }
  if (spec.curriculum) {
    const { share, steps } = spec.curriculum;
    if (!(share >= 0 && share <= 1)) throw new PretrainError(`curriculum.share must be in [0, 1], got ${share}`);
    if (!Number.isInteger(steps) || steps < 0 || steps > spec.steps) {
      throw new PretrainError(`curriculum.steps must be an integer in [0, steps], got ${steps}`);
    }
    if (!corpus.lexicon || corpus.lexicon.length === 0) {
      throw new PretrainError(`a curriculum needs lexicon lines, and ${corpus.description} has none`);
    }
  }
  const longest = Math.max(...corpus.train.map((r) => r.length), ...corpus.validation.map((r) => r.length));
  const room = spec.config.architecture === "encoder"
    ? spec.config.maxPositions - spec.config.padTokenId - 1
    : spec.config.maxPositions;
  if (longest > room) {
    throw new PretrainError(`a sentence has ${longest} tokens but the model has positions for ${room}`);
  }
}

function saveResumeState(dir: string, state: ResumeState, model: Model, optimizer: AdamW): void {
  fs.mkdirSync(dir, { recursive: true });
  const { step, moments } = optimizer.state();
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of [...model.tensors, ...moments]) {
    tensors.set(name, { shape: t.shape, data: t.dataSync() as Float32Array });
  }
  // The weights first, then the JSON that names their step: a crash between the two leaves the previous
  // JSON, whose step no longer matches the weights' metadata, and the stale pair is refused on load.
  writeSafetensors(path.join(dir, "state.safetensors"), tensors, { step: String(step) });
  writeFileAtomic(path.join(dir, "state.json"), JSON.stringify(state));
}

function loadResumeState(dir: string, specHash: string, model: Model, optimizer: AdamW): ResumeState | undefined {
  const jsonPath = path.join(dir, "state.json");
  const weightsPath = path.join(dir, "state.safetensors");
  if (!fs.existsSync(jsonPath) || !fs.existsSync(weightsPath)) return undefined;
  const state = JSON.parse(fs.readFileSync(jsonPath, "utf8")) as ResumeState;
  if (state.specHash !== specHash) {
    throw new PretrainError(`${dir} holds a run of a different spec or corpus; ` +
      "delete it to start over, or rerun with the original settings");
  }
  const { tensors, metadata } = loadSafetensors(weightsPath);
  if (metadata?.step !== String(state.step)) {
    throw new PretrainError(`${dir}: state.json (step ${state.step}) and state.safetensors (step ${metadata?.step}) ` +
      "disagree; delete the folder to start over");
  }
  const saved = new Map([...tensors].map(([name, t]) => [name, tf.tensor(t.data as Float32Array, t.shape, "float32")]));
  try {
    for (const [name, variable] of model.tensors) {
      const t = saved.get(name);
      if (!t) throw new PretrainError(`${weightsPath}: lacks ${name}`);
      (variable as tf.Variable).assign(t);
    }
    optimizer.restore(state.step, saved);
  } finally {
    for (const t of saved.values()) t.dispose();
  }
  return state;
}

function writeCheckpoint(
  out: string, model: Model, spec: PretrainSpec, corpus: PretrainCorpus, state: ResumeState,
  objective: ModelCard["objective"],
): ModelCard {
  fs.mkdirSync(out, { recursive: true });
  const modelPath = path.join(out, "model.safetensors");
  writeSafetensors(modelPath, safetensorsInput(model.tensors), { format: "pt" });
  const hf = configToHf(spec.config, 2);
  delete hf.id2label;
  hf.architectures = [objective === "masked-lm" ? "RobertaForMaskedLM" : "LlamaForCausalLM"];
  const bytes = fs.readFileSync(modelPath);
  const { config: _config, ...training } = spec;
  const card: ModelCard = {
    objective,
    config: hf,
    parameters: [...model.tensors.values()].reduce((n, t) => n + t.size, 0),
    corpus: {
      description: corpus.description, sha256: corpus.sha256, trainSentences: corpus.train.length,
      validationSentences: corpus.validation.length, vocabSize: corpus.vocab.length,
      ...(spec.curriculum ? { lexiconSentences: corpus.lexicon!.length } : {}),
    },
    training: {
      ...training, ...(objective === "masked-lm" ? { maskRate: MASK_RATE } : {}),
      optimizer: "AdamW β=(0.9, 0.999) ε=1e-8, linear warm-up and decay",
    },
    trainLoss: windowMeans(state.history, spec.evalEvery),
    validationLoss: state.validationLoss,
    wallSeconds: Math.round(state.wallSeconds * 10) / 10,
    backend: backendDescription(),
    modelSha256: sha256(bytes),
    modelBytes: bytes.length,
  };
  writeFileAtomic(path.join(out, "config.json"), JSON.stringify(hf, null, 2) + "\n");
  writeFileAtomic(path.join(out, "vocab.txt"), corpus.vocab.join("\n") + "\n");
  writeFileAtomic(path.join(out, "tokenizer_config.json"), JSON.stringify(tokenizerConfig(), null, 2) + "\n");
  writeFileAtomic(path.join(out, "card.json"), JSON.stringify(card, null, 2) + "\n");
  writeFileAtomic(path.join(out, "README.md"), cardMarkdown(card));
  return card;
}

function tokenizerConfig(): Record<string, unknown> {
  const s = PRETRAIN_SPECIALS;
  return {
    tokenizer_class: "BertTokenizer", do_lower_case: true,
    cls_token: s.cls, sep_token: s.sep, pad_token: s.pad, unk_token: s.unk, mask_token: s.mask,
  };
}

function windowMeans(values: number[], window: number): LossPoint[] {
  const points: LossPoint[] = [];
  for (let end = window; end <= values.length + window - 1; end += window) {
    const slice = values.slice(end - window, Math.min(end, values.length));
    if (slice.length === 0) break;
    points.push({ step: Math.min(end, values.length), loss: slice.reduce((a, b) => a + b, 0) / slice.length });
  }
  return points;
}

function backendDescription(): string {
  const parts = [tf.getBackend()];
  if (tf.getBackend() === "wasm") {
    if (blasStatus().installed) parts.push("OpenBLAS matMul");
    if (fusedStatus().installed) parts.push("fused kernels");
    if (attentionStatus().installed) parts.push("fused attention");
  }
  return parts.join(" + ");
}

/** The model card a reader sees first in the checkpoint folder. */
export function cardMarkdown(card: ModelCard): string {
  const c = card.config;
  const first = card.validationLoss[0];
  const last = card.validationLoss[card.validationLoss.length - 1];
  return [
    `# ${c.architectures} pretrained by qkv-lab`,
    "",
    `A ${c.model_type}-style ` +
      `${card.objective === "masked-lm" ? "encoder pretrained with masked-LM" : "decoder pretrained with causal-LM"} ` +
      `(${c.num_hidden_layers} layers, hidden ${c.hidden_size}, ${c.num_attention_heads} heads, ` +
      `${card.parameters.toLocaleString("en-US")} parameters), ` +
      "made by `qkv pretrain` so the paper's fine-tuning experiments have a pretrained model to start from.",
    "",
    `- data: ${card.corpus.description}; ${card.corpus.trainSentences} training and ` +
      `${card.corpus.validationSentences} validation sentences (sha256 ${card.corpus.sha256.slice(0, 16)}…), ` +
      `vocabulary ${card.corpus.vocabSize}`,
    `- training: ${card.training.steps} steps × batch ${card.training.batchSize}, peak lr ${card.training.lr}, ` +
      `${card.training.warmupSteps} warm-up steps, weight decay ${card.training.weightDecay}, ` +
      `seed ${card.training.seed}`,
    ...(card.training.curriculum
      ? [`- curriculum: the first ${card.training.curriculum.steps} steps draw ` +
        `${100 * card.training.curriculum.share} % of their rows from the corpus's ` +
        `${card.corpus.lexiconSentences} lexicon lines`]
      : []),
    `- validation loss: ${first ? first.loss.toFixed(3) : "–"} at step ${first?.step ?? "–"} → ` +
      `${last ? last.loss.toFixed(3) : "–"} at step ${last?.step ?? "–"}`,
    `- wall time: ${(card.wallSeconds / 60).toFixed(1)} min on ${card.backend}`,
    `- model.safetensors: ${card.modelBytes.toLocaleString("en-US")} bytes, sha256 ${card.modelSha256}`,
    "",
    "The full loss curves and settings are in card.json. Load it for fine-tuning with `loadModel(dir, { labels })`",
    "(lib/models), which sets the LM head aside and initialises a classification head.",
    "",
  ].join("\n");
}

