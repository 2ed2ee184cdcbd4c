// One fine-tuning run as the paper's experiments make it: a task from a GLUE-style folder (GLUE_DIR or the
// built-in suite), a model from a checkpoint directory — its pretrained weights, or the same architecture
// freshly initialised — an adapter, learning rates (η_QK and λ), a step budget and a seed. It reports the
// score before fine-tuning (the paper's first row: a random head on the backbone) and after, on the protocol's
// two splits (./protocol): the selection split, where cells and λ are chosen, and the report split, where
// results are read (built-in suite: dev and test; GLUE: a slice of train held out, and dev).
// The configuration is plain JSON, so `cached` (./cache) can key results on it.
import * as fs from "fs";
import * as path from "path";
import { encodeExamples } from "../data/encode";
import * as tf from "@tensorflow/tfjs";
import { GlueTaskName, holdOutFromTrain, loadGlueTask, scoreTask, TaskData, TaskScore } from "../data/glue";
import { TextExample } from "../data/example";
import { AdapterFields, attachAdapter } from "../lora/index";
import { configFromHf, createModel, disposeModel, loadModel, Model, trainableVariables } from "../models/index";
import { REPO_ROOT } from "../paths";
import { sha256 } from "../files/index";
import { checkpointDir } from "../pretrain/recipe";
import { loadTokenizer } from "../tokenizers/index";
import { Example, LearningRates, PAPER_ADAMW, predict, ScheduleName, train, TrainOptions } from "../train/index";

export interface FineTuneConfig {
  /** Task folder (relative to the repository when inside it), task, and how much of it to use. */
  data: { dir: string; task: GlueTaskName; maxTrain?: number; maxEval?: number };
  /** Checkpoint folder and the sha256 of its model.safetensors (a re-pretrained checkpoint is a new run). */
  checkpoint: { dir: string; sha256: string };
  init: "pretrained" | "random";
  adapter: AdapterFields;
  rates: LearningRates;
  steps: number;
  batchSize: number;
  maxLength: number;
  schedule: ScheduleName;
  seed: number;
  /**
   * Score the selection split every this many steps and keep the best checkpoint (the authors'
   * `--keep_checkpoints eval`; the paper profile's). Absent: the last step is scored, as protocol v2's runs are.
   */
  evalEvery?: number;
  /** AdamW's β₂ where it is not Table 2's 0.99 (the authors' Llama scripts: 0.999). */
  beta2?: number;
  /** The verdict protocol's hash (./protocol) the run was made under: a run of another protocol is another run. */
  protocol?: string;
}

export interface FineTuneResult {
  /** On the report split. */
  before: TaskScore;
  after: TaskScore;
  /** After fine-tuning, on the selection split. */
  selection: TaskScore;
  /** Which files the two splits are, and how many examples each holds. */
  splits: { selection: string; report: string; selectionExamples: number; reportExamples: number };
  /** The majority class's score on each split, and ln(classes): what a model that learned nothing gets. */
  chance: { selection: number; report: number; loss: number };
  /** What computed the run: a hash of the library code that trains and scores, the tfjs backend, BLAS threads. */
  provenance: Provenance;
  /** Training loss, mean over each twentieth of the run. */
  loss: { step: number; loss: number }[];
  diverged: boolean;
  /** Why it diverged (lib/train DIVERGENCE); absent when it did not. */
  divergence?: string;
  steps: number;
  seconds: number;
  trainExamples: number;
  trainable: number;
  /** With evalEvery: the step of the checkpoint that was kept and scored. */
  bestStep?: number;
}

/** Where a path is stored in a configuration: relative to the repository when inside it, so keys survive a move. */
export function configPath(dir: string): string {
  const relative = path.relative(REPO_ROOT, path.resolve(dir));
  return relative.startsWith("..") || path.isAbsolute(relative) ? path.resolve(dir) : relative;
}

/**
 * The checkpoint part of a configuration: the folder and a hash of its weights (of model.safetensors, or of a
 * sharded checkpoint's index and config, which name its shards), so a re-pretrained checkpoint is a new run.
 */
export function checkpointRef(dir: string): FineTuneConfig["checkpoint"] {
  const single = path.join(dir, "model.safetensors");
  const index = path.join(dir, "model.safetensors.index.json");
  if (fs.existsSync(single)) return { dir: configPath(dir), sha256: sha256(fs.readFileSync(single)) };
  if (fs.existsSync(index)) {
    return {
      dir: configPath(dir),
      sha256: sha256(fs.readFileSync(index, "utf8") + fs.readFileSync(path.join(dir, "config.json"), "utf8")),
    };
  }
  throw new Error(
    `${dir}: no model.safetensors (pretrain one with \`qkv pretrain\`, ` +
      "or point MODEL_DIR at a Hugging Face model folder)",
  );
}

/**
 * The checkpoint an experiment fine-tunes: MODEL_DIR when it holds a model of this architecture (a user's
 * roberta-base or Llama folder), else the one the project pretrained on its built-in corpus.
 */
export function experimentCheckpoint(
  architecture: "encoder" | "decoder", env: NodeJS.ProcessEnv = process.env,
): string {
  const dir = env.MODEL_DIR;
  if (dir === undefined || dir.trim() === "") return checkpointDir(architecture, "builtin");
  const configFile = path.join(dir, "config.json");
  if (!fs.existsSync(configFile)) {
    throw new Error(`MODEL_DIR=${dir}: no config.json (expected a Hugging Face model folder)`);
  }
  const config = configFromHf(JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>, configFile);
  return config.architecture === architecture ? path.resolve(dir) : checkpointDir(architecture, "builtin");
}

/** One split of a task, scored as the paper scores it (MNLI: the mean of matched and mismatched). */
export interface ScoredSplit {
  /** The task with this split's sets as its eval sets (what scoreTask reads). */
  data: TaskData;
  sets: { name: string; examples: Example[] }[];
  description: string;
}

/** What a run trains and scores, set up from its configuration: the model (adapter attached) and the encoded data. */
export interface RunSetup {
  model: Model;
  data: TaskData;
  trainSet: Example[];
  selection: ScoredSplit;
  report: ScoredSplit;
  /** Trainable parameters (adapter and head). */
  trainable: number;
}

/**
 * Where the task's test labels are hidden, this share of train (at most SELECTION_MAX_ROWS rows) becomes the
 * selection split.
 */
export const SELECTION_FRACTION = 0.1;
export const SELECTION_MAX_ROWS = 2000;

/**
 * The protocol's splits of a loaded task: with a labelled test file (the built-in suite), select on dev and
 * report on test; without one (GLUE), select on a seeded slice of train (not trained on) and report on dev.
 */
export function protocolSplits(data: TaskData): {
  train: TextExample[];
  selection: { data: TaskData; description: string };
  report: { data: TaskData; description: string };
} {
  const describe = (d: TaskData) => d.evalSets.map((e) => `${e.name} (${e.examples.length})`).join(" + ");
  if (data.test !== undefined && data.test.length > 0) {
    const report = { ...data, evalSets: [{ name: "test", examples: data.test }] };
    return {
      train: data.train,
      selection: { data, description: describe(data) },
      report: { data: report, description: describe(report) },
    };
  }
  const { train, heldOut } = holdOutFromTrain(data.train, SELECTION_FRACTION, SELECTION_MAX_ROWS, 0);
  const selection = { ...data, train, evalSets: [{ name: "train-heldout", examples: heldOut }] };
  return {
    train,
    selection: { data: selection, description: describe(selection) },
    report: { data, description: describe(data) },
  };
}

export interface Provenance {
  code: string;
  backend: string;
  blasThreads: string;
}

/**
 * The code that decides a run's numbers: these folders of lib/, and of lib/experiments the files that compute and
 * store a run (not the summaries and verdicts, which read runs and can change without changing any).
 */
export const PROVENANCE_SOURCES = [
  "backend", "data", "lora", "models", "random", "safetensors", "tokenizers", "train",
  "experiments/finetune.ts", "experiments/cache.ts", "experiments/worker.ts",
];

/** A hash of every .ts file of PROVENANCE_SOURCES (path and content). */
export function hashLibraryCode(root = REPO_ROOT): string {
  const files: string[] = [];
  const walk = (entry: string): void => {
    if (fs.statSync(entry).isDirectory()) {
      for (const name of fs.readdirSync(entry).sort()) walk(path.join(entry, name));
    } else if (entry.endsWith(".ts")) files.push(entry);
  };
  for (const source of PROVENANCE_SOURCES) walk(path.join(root, "lib", source));
  return sha256(files.map((f) => `${path.relative(root, f)}\n${fs.readFileSync(f, "utf8")}`).join("\n")).slice(0, 12);
}

// Taken when this module loads, i.e. of the code this process runs (a later edit on disk does not change it).
const codeHash = hashLibraryCode();

/** The code hash of this process (hashLibraryCode at load time). */
export function libraryCodeHash(): string {
  return codeHash;
}

export function provenance(): Provenance {
  return {
    code: libraryCodeHash(), backend: tf.getBackend() ?? "none",
    blasThreads: process.env.QKV_BLAS_THREADS ?? "all cores",
  };
}

export function setUpRun(config: FineTuneConfig): RunSetup {
  const checkpointDir = path.resolve(REPO_ROOT, config.checkpoint.dir);
  // The data seed is fixed: every run of a sweep sees the same split and sample (substitute splits of a dev
  // set included, so they never overlap the text `qkv pretrain --corpus glue` read); the run seed varies the rest.
  const data = loadGlueTask(path.resolve(REPO_ROOT, config.data.dir), config.data.task, {
    seed: 0, maxTrain: config.data.maxTrain, maxEval: config.data.maxEval,
  });
  const tokenizer = loadTokenizer(checkpointDir);
  const splits = protocolSplits(data);
  const trainSet = encodeExamples(splits.train, tokenizer, config.maxLength, `${config.data.task} training rows`);
  const encode = (split: { data: TaskData; description: string }): ScoredSplit => ({
    ...split,
    sets: split.data.evalSets.map((e) => ({
      name: e.name, examples: encodeExamples(e.examples, tokenizer, config.maxLength),
    })),
  });
  const model = initialModel(checkpointDir, config, data);
  try {
    attachAdapter(model, config.adapter, config.seed);
  } catch (err) {
    disposeModel(model);
    throw err;
  }
  const trainable = [...trainableVariables(model).values()].reduce((n, v) => n + v.size, 0);
  return { model, data, trainSet, selection: encode(splits.selection), report: encode(splits.report), trainable };
}

/** The training options of a run (the paper's: no warm-up). */
export function trainOptions(config: FineTuneConfig): TrainOptions {
  return {
    rates: config.rates, batchSize: config.batchSize, steps: config.steps,
    schedule: { name: config.schedule, warmupSteps: 0 },
    seed: config.seed, ...(config.beta2 !== undefined ? { adamw: { ...PAPER_ADAMW, beta2: config.beta2 } } : {}),
  };
}

/**
 * The score before fine-tuning depends on the backbone, the seeded head and the data, not on the adapter (every
 * adapter starts as the identity: LoRA's B and DoRA's direction are zero, full fine-tuning starts at W) nor on
 * the rates: a grid worker scores it once per (checkpoint, data, init, seed, length) and reuses it.
 */
const beforeScores = new Map<string, TaskScore>();

export function fineTune(config: FineTuneConfig): FineTuneResult {
  const { model, data, trainSet, selection, report, trainable } = setUpRun(config);
  try {
    const beforeKey = JSON.stringify([config.checkpoint, config.data, config.init, config.seed, config.maxLength]);
    const before = beforeScores.get(beforeKey) ?? score(model, report);
    beforeScores.set(beforeKey, before);
    const keepBest = config.evalEvery === undefined ? {} : {
      evalEvery: config.evalEvery, checkpointScore: () => score(model, selection).value,
    };
    const run = train(model, trainSet, { ...trainOptions(config), ...keepBest });
    const window = Math.max(1, Math.floor(run.history.length / 20));
    const loss: FineTuneResult["loss"] = [];
    for (let end = window; end <= run.history.length; end += window) {
      const slice = run.history.slice(end - window, end);
      loss.push({ step: end, loss: slice.reduce((s, r) => s + r.loss, 0) / slice.length });
    }
    const count = (split: ScoredSplit) => split.sets.reduce((n, set) => n + set.examples.length, 0);
    return {
      before, after: score(model, report), selection: score(model, selection),
      splits: {
        selection: selection.description, report: report.description, selectionExamples: count(selection),
        reportExamples: count(report),
      },
      chance: {
        selection: majorityScore(trainSet, selection), report: majorityScore(trainSet, report),
        loss: Math.log(Math.max(2, data.labels)),
      },
      provenance: provenance(), loss, diverged: run.diverged,
      ...(run.divergence !== undefined ? { divergence: run.divergence } : {}), steps: run.steps,
      seconds: Math.round(run.seconds * 10) / 10, trainExamples: trainSet.length, trainable,
      ...(run.best !== undefined ? { bestStep: run.best.step } : {}),
    };
  } finally {
    disposeModel(model);
  }
}

function initialModel(dir: string, config: FineTuneConfig, data: TaskData): Model {
  if (config.init === "pretrained") return loadModel(dir, { labels: data.labels, seed: config.seed }).model;
  const hf = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) as Record<string, unknown>;
  return createModel(configFromHf(hf, path.join(dir, "config.json")), { labels: data.labels, seed: config.seed });
}

/**
 * Rows per forward pass when scoring: larger than a training batch (no gradients to keep), so 2000-row splits score
 * fast.
 */
export const SCORE_BATCH = 128;

function score(model: Model, split: ScoredSplit): TaskScore {
  return scoreTask(
    split.data, Object.fromEntries(split.sets.map((e) => [e.name, predict(model, e.examples, SCORE_BATCH).outputs])),
  );
}

/**
 * The score of always answering the training set's most frequent label (its mean, for a regression task, whose
 * constant prediction has no correlation: 0).
 */
export function majorityScore(train: readonly Example[], split: ScoredSplit): number {
  if (split.data.labels === 1) return 0;
  const counts = new Map<number, number>();
  for (const e of train) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  const majority = [...counts].reduce((best, c) => (c[1] > best[1] ? c : best), [0, -1])[0];
  const value = scoreTask(
    split.data, Object.fromEntries(split.sets.map((e) => [e.name, e.examples.map(() => majority)])),
  ).value;
  return Number.isFinite(value) ? value : 0;
}
