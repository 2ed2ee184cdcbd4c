// The measured-gap experiment: generalization gaps of LoRA fine-tuning, for the side of Theorem 1 that can be
// observed (lib/bounds/gaps analyses the runs; lib/plot/gaps draws them beside the bound). The task
// is a teacher-student one, so that the truth is known and the only thing that varies is what the student
// may adapt: a frozen random "pretrained" encoder, a teacher that differs from it by a rank-r update of W_q,
// W_k and W_v, and students that adapt a subset of those matrices (same rank) on N labelled examples.
// Every student trains the same number of steps with λ = 1, so subsets differ only in what they adapt.
import * as tf from "@tensorflow/tfjs";
import { attachAdapter } from "../lora/attach";
import { parseTargets, targetLabel } from "../lora/targets";
import { EncoderConfig } from "../models/config";
import { createModel, disposeModel, Model, trainableVariables } from "../models/model";
import { disposeBatch, makeBatch } from "../models/forward";
import { modelLogits } from "../models/logits";
import { tfSeed } from "../random/index";
import { evaluate, Example, train } from "../train/loop";
import { GapRun } from "../bounds/index";

/** The student/teacher architecture: small enough for hundreds of runs on two cores. */
export const GAP_MODEL: EncoderConfig = {
  architecture: "encoder", vocabSize: 64, hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64,
  maxPositions: 34, typeVocabSize: 1, layerNormEps: 1e-5, padTokenId: 1, hiddenDropout: 0, attentionDropout: 0,
};

export interface GapExperiment {
  /** Target subsets, e.g. ["q,v", "q,k,v"]. */
  subsets: string[];
  /** Training-set sizes N. */
  sizes: number[];
  seeds: number[];
  rank: number;
  /** Optimizer steps per run (batch 32), the same for every N. */
  steps: number;
  etaQK: number;
  testSize: number;
  onRun?: (run: GapRun, done: number, total: number) => void;
}

/** The frozen "pretrained" encoder of a task: fan-in-scaled random weights, whose attention is not uniform. */
function pretrainedStandIn(seed: number): Model {
  return createModel(GAP_MODEL, { labels: 2, seed: seed, init: "fan-in" });
}

function randomSequences(n: number, seed: number): number[][] {
  const random = tf.randomUniform([n, 12], 3, GAP_MODEL.vocabSize, "int32", tfSeed(seed)).arraySync() as number[][];
  return random.map((row, i) => [0, ...row.slice(0, 6 + (i % 7)), 2]);
}

/** Labels from the teacher, thresholded at the median score so that the classes are balanced. */
function teacherTask(seed: number, rank: number, total: number): Example[] {
  const teacher = pretrainedStandIn(seed);
  attachAdapter(teacher, { r: rank, loraAlpha: rank, targetModules: ["query", "key", "value"] }, seed + 1);
  let i = 0;
  for (const [name, v] of trainableVariables(teacher)) {
    if (name.endsWith("lora_B.weight")) v.assign(tf.randomNormal(v.shape, 0, 1 / Math.sqrt(rank), "float32", tfSeed(seed + 100 + i++)));
  }
  const rows = randomSequences(total, seed + 7);
  const batch = makeBatch(rows, GAP_MODEL.padTokenId);
  const scores = tf.tidy(() => {
    const logits = modelLogits(teacher, batch);
    return Array.from(tf.sub(tf.slice(logits, [0, 1], [-1, 1]), tf.slice(logits, [0, 0], [-1, 1])).dataSync());
  });
  disposeBatch(batch);
  disposeModel(teacher);
  const median = [...scores].sort((a, b) => a - b)[Math.floor(total / 2)];
  return rows.map((ids, k) => ({ ids, label: scores[k] > median ? 1 : 0 }));
}

/** Trains every (subset, N, seed) student and returns one GapRun each, for analyzeGaps. */
export function measureGaps(experiment: GapExperiment): GapRun[] {
  const runs: GapRun[] = [];
  const total = experiment.subsets.length * experiment.sizes.length * experiment.seeds.length;
  for (const seed of experiment.seeds) {
    // One task per seed: the teacher, the pool of training examples and the test set.
    const maxN = Math.max(...experiment.sizes);
    const data = teacherTask(5000 + seed, experiment.rank, maxN + experiment.testSize);
    const test = data.slice(maxN);
    for (const N of experiment.sizes) {
      const trainSet = data.slice(0, N);
      for (const subset of experiment.subsets) {
        const targets = parseTargets(subset);
        const student = pretrainedStandIn(5000 + seed); // the same frozen weights the teacher started from
        attachAdapter(student, { r: experiment.rank, loraAlpha: experiment.rank, targetModules: targets }, seed * 31 + N);
        const adapterParams = [...trainableVariables(student)].filter(([n]) => n.includes("lora_")).reduce((s, [, v]) => s + v.size, 0);
        train(student, trainSet, { rates: { etaQK: experiment.etaQK, ratio: 1, grouping: "paper" }, batchSize: 32, steps: experiment.steps, seed });
        const fit = evaluate(student, trainSet);
        const held = evaluate(student, test);
        disposeModel(student);
        const run: GapRun = {
          targets: targetLabel(targets).split("").join(","), rank: experiment.rank, N, seed,
          trainLoss: fit.loss, testLoss: held.loss, trainAcc: fit.metrics.accuracy!, testAcc: held.metrics.accuracy!,
          trainableParams: adapterParams,
        };
        runs.push(run);
        experiment.onRun?.(run, runs.length, total);
      }
    }
  }
  return runs;
}
