// One fine-tuning run as the paper's experiments make it: a task from a GLUE-style folder (GLUE_DIR or the
// built-in suite), a model from a checkpoint directory — its pretrained weights, or the same architecture
// freshly initialised — an adapter, learning rates (η_QK and λ), a step budget and a seed. It reports the
// score before fine-tuning (the paper's first row: a random head on the backbone) and after.
// The configuration is plain JSON, so `cached` (./cache) can key results on it.
import * as fs from "fs";
import * as path from "path";
import { encodeExamples } from "../data/encode";
import { GlueTaskName, loadGlueTask, scoreTask, TaskData, TaskScore } from "../data/glue";
import { AdapterFields, attachAdapter, LearningRates } from "../lora/index";
import { configFromHf, createModel, disposeModel, loadModel, Model, trainableVariables } from "../models/index";
import { REPO_ROOT } from "../paths";
import { sha256 } from "../files/index";
import { checkpointDir } from "../pretrain/recipe";
import { loadTokenizer } from "../tokenizers/index";
import { Example, predict, ScheduleName, train, TrainOptions } from "../train/index";

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
}

export interface FineTuneResult {
  before: TaskScore;
  after: TaskScore;
  /** Training loss, mean over each twentieth of the run. */
  loss: { step: number; loss: number }[];
  diverged: boolean;
  steps: number;
  seconds: number;
  trainExamples: number;
  trainable: number;
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
  if (fs.existsSync(index)) return { dir: configPath(dir), sha256: sha256(fs.readFileSync(index, "utf8") + fs.readFileSync(path.join(dir, "config.json"), "utf8")) };
  throw new Error(`${dir}: no model.safetensors (pretrain one with \`qkv pretrain\`, or point MODEL_DIR at a Hugging Face model folder)`);
}

/**
 * The checkpoint an experiment fine-tunes: MODEL_DIR when it holds a model of this architecture (a user's
 * roberta-base or Llama folder), else the one the project pretrained on its built-in corpus.
 */
export function experimentCheckpoint(architecture: "encoder" | "decoder", env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.MODEL_DIR;
  if (dir === undefined || dir.trim() === "") return checkpointDir(architecture, "builtin");
  const configFile = path.join(dir, "config.json");
  if (!fs.existsSync(configFile)) throw new Error(`MODEL_DIR=${dir}: no config.json (expected a Hugging Face model folder)`);
  const config = configFromHf(JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>, configFile);
  return config.architecture === architecture ? path.resolve(dir) : checkpointDir(architecture, "builtin");
}

/** What a run trains and scores, set up from its configuration: the model (adapter attached) and the encoded data. */
export interface RunSetup {
  model: Model;
  data: TaskData;
  trainSet: Example[];
  evalSets: { name: string; examples: Example[] }[];
  /** Trainable parameters (adapter and head). */
  trainable: number;
}

export function setUpRun(config: FineTuneConfig): RunSetup {
  const checkpointDir = path.resolve(REPO_ROOT, config.checkpoint.dir);
  // The data seed is fixed: every run of a sweep sees the same split and sample (substitute splits of a dev
  // set included, so they never overlap the text `qkv pretrain --corpus glue` read); the run seed varies the rest.
  const data = loadGlueTask(path.resolve(REPO_ROOT, config.data.dir), config.data.task, { seed: 0, maxTrain: config.data.maxTrain, maxEval: config.data.maxEval });
  const tokenizer = loadTokenizer(checkpointDir);
  const trainSet = encodeExamples(data.train, tokenizer, config.maxLength);
  const evalSets = data.evalSets.map((e) => ({ name: e.name, examples: encodeExamples(e.examples, tokenizer, config.maxLength) }));
  const model = initialModel(checkpointDir, config, data);
  try {
    attachAdapter(model, config.adapter, config.seed);
  } catch (err) {
    disposeModel(model);
    throw err;
  }
  const trainable = [...trainableVariables(model).values()].reduce((n, v) => n + v.size, 0);
  return { model, data, trainSet, evalSets, trainable };
}

/** The training options of a run (the paper's: no warm-up). */
export function trainOptions(config: FineTuneConfig): TrainOptions {
  return { rates: config.rates, batchSize: config.batchSize, steps: config.steps, schedule: { name: config.schedule, warmupSteps: 0 }, seed: config.seed };
}

export function fineTune(config: FineTuneConfig): FineTuneResult {
  const { model, data, trainSet, evalSets, trainable } = setUpRun(config);
  try {
    const before = score(model, data, evalSets, config.batchSize);
    const run = train(model, trainSet, trainOptions(config));
    const window = Math.max(1, Math.floor(run.history.length / 20));
    const loss: FineTuneResult["loss"] = [];
    for (let end = window; end <= run.history.length; end += window) {
      const slice = run.history.slice(end - window, end);
      loss.push({ step: end, loss: slice.reduce((s, r) => s + r.loss, 0) / slice.length });
    }
    return {
      before, after: score(model, data, evalSets, config.batchSize), loss, diverged: run.diverged, steps: run.steps,
      seconds: Math.round(run.seconds * 10) / 10, trainExamples: trainSet.length, trainable,
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

function score(model: Model, data: TaskData, evalSets: { name: string; examples: Example[] }[], batchSize: number): TaskScore {
  return scoreTask(data, Object.fromEntries(evalSets.map((e) => [e.name, predict(model, e.examples, batchSize).outputs])));
}
