// The measured-gap experiment: generalization gaps of LoRA fine-tuning, for the side of Theorem 1 that can be
// observed (lib/bounds/gaps analyses the runs; lib/plot/gaps draws them beside the bound). The task is a
// teacher-student one, so that the truth is known: a frozen random "pretrained" encoder, a teacher that differs
// from it by a rank-r update of some attention matrices, and students that adapt a subset of W_q, W_k, W_v (same
// rank) on N labelled examples.
//
// Well-specified by default (teacher "matched"): each student subset has its own teacher, which adapts exactly
// that subset, so every student can represent its teacher and its gap is a generalization gap, not under-fitting
// of a function it cannot express. The teachers of one seed are nested: an update of W_q in layer 0 is the same
// draw in every teacher that adapts W_q (drawn from the tensor's name), and they label the same input sequences.
// A fixed teacher (e.g. "q,k,v", as in the first version of this experiment) makes every student lacking one of
// its matrices misspecified; it is kept as an option ("q,v" instead gives one task that QV and QKV both represent).
//
// The budget is in epochs: steps = max(minSteps, ⌈epochs·N / batch⌉), so every N gets the same passes over its data
// (more at the small N where the floor binds). The head: "trained" as peft trains it (modules_to_save), or
// "frozen" at the teacher's own head, so that only the adapters learn and P is the adapters' alone. Every student
// starts from the teacher's frozen weights and head, with λ = 1.
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { attachAdapter } from "../lora/attach";
import { parseTargets, targetLabel } from "../lora/targets";
import { EncoderConfig } from "../models/config";
import { createModel, disposeModel, Model, trainableVariables } from "../models/model";
import { disposeBatch, makeBatch } from "../models/forward";
import { modelLogits } from "../models/logits";
import { isHeadTensor } from "../models/names";
import { tfSeed } from "../random/index";
import { evaluate, Example, train } from "../train/loop";
import { runPool } from "../workers/index";
import { GapHead, GapRun } from "../bounds/index";

/** The student/teacher architecture: small enough for hundreds of runs on two cores. */
export const GAP_MODEL: EncoderConfig = {
  architecture: "encoder", vocabSize: 64, hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64,
  maxPositions: 34, typeVocabSize: 1, layerNormEps: 1e-5, padTokenId: 1, hiddenDropout: 0, attentionDropout: 0,
};

/** "matched": each student's teacher adapts exactly the student's subset; otherwise one subset for every teacher. */
export const MATCHED_TEACHER = "matched";

export interface GapExperiment {
  /** Target subsets, e.g. ["q,v", "q,k,v"]. */
  subsets: string[];
  /** Training-set sizes N. */
  sizes: number[];
  seeds: number[];
  rank: number;
  /** Passes over the N examples, the same at every N. */
  epochs: number;
  /** The floor on the steps of a run (it binds at the small N). */
  minSteps: number;
  /** Default 32. */
  batchSize?: number;
  /** MATCHED_TEACHER (well-specified students) or one subset for every teacher, e.g. "q,k,v". */
  teacher: string;
  /** The head variants to run: trained (peft's modules_to_save) and/or frozen at the teacher's head. */
  heads: readonly GapHead[];
  etaQK: number;
  testSize: number;
  /** Worker processes (default 0: this process); not part of the result (the runs are the same either way). */
  workers?: number;
  onRun?: (run: GapRun, done: number, total: number) => void;
}

/** Optimizer steps of a run on N examples: max(minSteps, ⌈epochs·N / batch⌉). */
export function gapSteps(N: number, budget: { epochs: number; minSteps: number; batchSize?: number }): number {
  const batch = budget.batchSize ?? 32;
  const integer = (v: number) => Number.isInteger(v) && v >= 1;
  if (!(budget.epochs > 0) || !integer(budget.minSteps) || !integer(batch)) {
    const got = JSON.stringify(budget);
    throw new RangeError(`the budget needs epochs > 0, an integer minSteps ≥ 1 and batchSize ≥ 1, got ${got}`);
  }
  return Math.max(budget.minSteps, Math.ceil((budget.epochs * N) / batch));
}

/** The frozen "pretrained" encoder of a task: fan-in-scaled random weights, whose attention is not uniform. */
function pretrainedStandIn(seed: number): Model {
  return createModel(GAP_MODEL, { labels: 2, seed: seed, init: "fan-in" });
}

/** `n` random token sequences of 8 to 14 tokens (with the start and end tokens), seeded. */
export function gapSequences(n: number, seed: number): number[][] {
  const random = tf.randomUniform([n, 12], 3, GAP_MODEL.vocabSize, "int32", tfSeed(seed)).arraySync() as number[][];
  return random.map((row, i) => [0, ...row.slice(0, 6 + (i % 7)), 2]);
}

/** FNV-1a of a tensor name: the teacher's draw for one matrix does not depend on which other matrices it adapts. */
function nameSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h % 1_000_003;
}

export interface GapTeacher {
  /** The teacher itself (the caller disposes it): the frozen encoder plus its rank-r update, its head unchanged. */
  model: Model;
  labels: number[];
  /** The median score: label 1 above it. Students' heads start (and frozen, stay) with their bias moved by it. */
  threshold: number;
}

/**
 * The teacher of seed `seed` that adapts `targets`, and its labels for `rows`: its score (logit 1 − logit 0)
 * thresholded at the median, so that the classes are balanced. Its update of one matrix is drawn from the
 * tensor's name, so two teachers of one seed share the updates of the matrices they both adapt.
 */
export function gapTeacher(
  seed: number, rank: number, targets: string | readonly string[], rows: number[][],
): GapTeacher {
  const teacher = pretrainedStandIn(seed);
  attachAdapter(teacher, { r: rank, loraAlpha: rank, targetModules: parseTargets(targets) }, seed + 1);
  for (const [name, v] of trainableVariables(teacher)) {
    const s = tfSeed(seed * 1_000_003 + nameSeed(name));
    // A as attachAdapter draws it (U(−1/√d_in, 1/√d_in)), B ~ N(0, 1/r): a rank-r update of order one.
    const bound = 1 / Math.sqrt(v.shape[1]!);
    if (name.endsWith("lora_A.weight")) v.assign(tf.randomUniform(v.shape, -bound, bound, "float32", s));
    if (name.endsWith("lora_B.weight")) v.assign(tf.randomNormal(v.shape, 0, 1 / Math.sqrt(rank), "float32", s));
  }
  const batch = makeBatch(rows, GAP_MODEL.padTokenId);
  const scores = tf.tidy(() => {
    const logits = modelLogits(teacher, batch);
    return Array.from(tf.sub(tf.slice(logits, [0, 1], [-1, 1]), tf.slice(logits, [0, 0], [-1, 1])).dataSync());
  });
  disposeBatch(batch);
  const threshold = [...scores].sort((a, b) => a - b)[Math.floor(rows.length / 2)];
  return { model: teacher, labels: scores.map((s) => (s > threshold ? 1 : 0)), threshold };
}

/** A student before its adapter: the teacher's frozen weights and head, the head's bias moved to the threshold. */
export function gapStudent(seed: number, threshold: number): Model {
  const model = pretrainedStandIn(seed);
  const name = "classifier.out_proj.bias";
  const bias = model.tensors.get(name)!;
  model.tensors.set(name, tf.tidy(() => tf.sub(bias, tf.tensor1d([0, threshold]))));
  bias.dispose();
  return model;
}

/** Makes the head's variables plain (frozen) tensors again. */
function freezeHead(model: Model): void {
  for (const name of [...model.tensors.keys()].filter(isHeadTensor)) {
    const t = model.tensors.get(name)!;
    model.tensors.set(name, tf.clone(t));
    t.dispose();
  }
}

export type GapJobExperiment = Omit<GapExperiment, "onRun" | "workers">;

/** One job of the experiment: every (N, head) student of one seed and one subset. */
export interface GapJob {
  experiment: GapJobExperiment;
  seed: number;
  subset: string;
  /** The tfjs backend the job must run on (a worker on another one refuses it: the arithmetic differs). */
  backend?: string;
}

function checkExperiment(experiment: GapJobExperiment): void {
  for (const N of experiment.sizes) gapSteps(N, experiment); // the budget, before any run
  if (experiment.heads.length === 0) throw new RangeError("heads is empty: run at least one of trained, frozen");
  for (const head of experiment.heads) {
    if (head !== "trained" && head !== "frozen") {
      throw new RangeError(`heads: ${JSON.stringify(head)} is neither "trained" nor "frozen"`);
    }
  }
  if (experiment.teacher !== MATCHED_TEACHER) parseTargets(experiment.teacher, "teacher");
  for (const subset of experiment.subsets) parseTargets(subset, "subsets");
}

/** The runs of one job, in order of N, then head. The same numbers whichever process computes them. */
export function measureGapJob(job: GapJob): GapRun[] {
  const { experiment, seed } = job;
  if (job.backend !== undefined && tf.getBackend() !== job.backend) {
    throw new Error(`this process runs tfjs on ${tf.getBackend()}, the experiment on ${job.backend}`);
  }
  const batchSize = experiment.batchSize ?? 32;
  const targets = parseTargets(job.subset);
  const label = targetLabel(targets);
  const teacherSubset = experiment.teacher === MATCHED_TEACHER
    ? label : targetLabel(parseTargets(experiment.teacher, "teacher"));
  // One pool of input sequences per seed; every teacher of the seed labels the same sequences.
  const maxN = Math.max(...experiment.sizes);
  const rows = gapSequences(maxN + experiment.testSize, 5000 + seed + 7);
  const teacher = gapTeacher(5000 + seed, experiment.rank, teacherSubset.toLowerCase().split("").join(","), rows);
  disposeModel(teacher.model);
  const data: Example[] = rows.map((ids, k) => ({ ids, label: teacher.labels[k] }));
  const test = data.slice(maxN);
  const runs: GapRun[] = [];
  for (const N of experiment.sizes) {
    const trainSet = data.slice(0, N);
    const steps = gapSteps(N, { ...experiment, batchSize });
    for (const head of experiment.heads) {
      const model = gapStudent(5000 + seed, teacher.threshold);
      attachAdapter(model, { r: experiment.rank, loraAlpha: experiment.rank, targetModules: targets }, seed * 31 + N);
      if (head === "frozen") freezeHead(model);
      const trained = [...trainableVariables(model)];
      const params = trained.reduce((s, [, v]) => s + v.size, 0);
      const headParams = trained.filter(([n]) => isHeadTensor(n)).reduce((s, [, v]) => s + v.size, 0);
      const rates = { etaQK: experiment.etaQK, ratio: 1, grouping: "paper" as const };
      train(model, trainSet, { rates: rates, batchSize: batchSize, steps: steps, seed: seed });
      const fit = evaluate(model, trainSet);
      const held = evaluate(model, test);
      disposeModel(model);
      runs.push({
        targets: label.split("").join(","), rank: experiment.rank, N, seed, head, teacher: teacherSubset,
        trainLoss: fit.loss, testLoss: held.loss, trainAcc: fit.metrics.accuracy!, testAcc: held.metrics.accuracy!,
        trainableParams: params, headParams: headParams, steps: steps, epochs: (steps * Math.min(batchSize, N)) / N,
      });
    }
  }
  return runs;
}

/** What a gap worker (./gaps-worker) answers. */
export type GapJobAnswer = { runs: GapRun[] } | { error: string };

/**
 * Trains every (seed, subset, N, head) student and returns one GapRun each, for analyzeGaps: in this process
 * (workers 0, the default) or on `workers` processes, one job per seed and subset; the runs are the same and in
 * the same order (seed, subset, N, head) either way.
 */
export async function measureGaps(experiment: GapExperiment): Promise<GapRun[]> {
  const { onRun, workers = 0, ...plain } = experiment;
  checkExperiment(plain);
  if (!Number.isInteger(workers) || workers < 0) {
    throw new RangeError(`workers must be an integer ≥ 0, got ${JSON.stringify(workers)}`);
  }
  const backend = tf.getBackend();
  const jobs: GapJob[] = plain.seeds.flatMap((seed) =>
    plain.subsets.map((subset) => ({ experiment: plain, seed, subset, backend })));
  const total = jobs.length * plain.sizes.length * plain.heads.length;
  const answers: GapRun[][] = new Array(jobs.length);
  let done = 0;
  const report = (runs: GapRun[]) => {
    for (const run of runs) onRun?.(run, ++done, total);
  };
  if (workers === 0) {
    jobs.forEach((job, i) => report((answers[i] = measureGapJob(job))));
    return answers.flat();
  }
  let next = 0;
  await runPool<number, GapJobAnswer>({
    entry: path.join(__dirname, "gaps-worker.ts"), count: Math.min(workers, jobs.length), name: "gap worker",
    take: () => (next < jobs.length ? next++ : undefined),
    request: (i) => jobs[i],
    onAnswer: (i, answer) => {
      if ("error" in answer) {
        throw new Error(`gap job (seed ${jobs[i].seed}, ${jobs[i].subset}) failed: ${answer.error}`);
      }
      report((answers[i] = answer.runs));
    },
    onLost: (i, why) => {
      throw new Error(`a gap worker (${why}) ended with the job of seed ${jobs[i].seed}, ${jobs[i].subset} unfinished`);
    },
  });
  return answers.flat();
}
