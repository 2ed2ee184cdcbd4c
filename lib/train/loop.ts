// One fine-tuning run: seeded shuffling and dropout, batches padded to their longest row, AdamW over the
// learning-rate groups with a schedule, evaluation every k steps, and a stop marked "diverged" the moment
// the loss is not finite or stays far above where it started (DIVERGENCE; the paper's collapsed cells are such runs).
import * as tf from "@tensorflow/tfjs";
import { parameterGroups, LearningRates } from "./groups";
import { chosenBackend } from "../backend/index";
import {
  checkFits, ConfigError, disposeBatch, makeBatch, Model, modelLogits, SeedSequence, trainableVariables, trainingNeed,
  usablePositions,
} from "../models/index";
import { Rng } from "../random/index";
import { AdamW, AdamWOptions, PAPER_ADAMW } from "./adamw";
import { taskLoss } from "./loss";
import { MetricName, scoreAll } from "./metrics";
import { Schedule, scheduleFactor, validateSchedule } from "./schedule";

export interface Example {
  ids: number[];
  /** Token types, one per id (BERT's segment 1 for a pair's second text); absent means all 0. */
  typeIds?: number[];
  /** Class id, or a score for regression. */
  label: number;
}

export interface TrainOptions {
  rates: LearningRates;
  batchSize: number;
  /** Total optimizer steps (epochs are steps / ⌈N / batchSize⌉). */
  steps: number;
  schedule?: Omit<Schedule, "totalSteps">;
  adamw?: AdamWOptions;
  seed: number;
  /** Evaluate on `evaluation` every this many steps (0: only at the end). */
  evalEvery?: number;
  evaluation?: Example[];
  /**
   * Keep the best checkpoint, as the authors' `--keep_checkpoints eval`: every `evalEvery` steps and at the end the
   * trained tensors are scored by this function (higher is better) and the best are restored when training ends.
   */
  checkpointScore?: () => number;
  /** Called after every step and evaluation (progress bars, logs). */
  onStep?: (record: StepRecord) => void;
}

export interface StepRecord {
  step: number;
  loss: number;
  /** The schedule's multiplier at this step. */
  lrFactor: number;
}

export interface EvalRecord {
  step: number;
  loss: number;
  metrics: Partial<Record<MetricName, number>>;
}

export interface TrainResult {
  history: StepRecord[];
  evals: EvalRecord[];
  /** With checkpointScore: the step whose tensors the model holds at the end, and their score. */
  best?: { step: number; score: number };
  /** True when the run diverged by DIVERGENCE's rule; training stopped at that step, and `divergence` says why. */
  diverged: boolean;
  divergence?: string;
  steps: number;
  seconds: number;
}

/**
 * When a run counts as diverged: its loss is not finite, or its mean over `window` steps is above `factor` × the
 * larger of its first step's loss (before any update) and ln(classes) (the loss of a uniform guess) for `patience`
 * windows in a row.
 * AdamW at η 1e3 takes a 2-class loss from 0.69 to thousands and stays there: diverged, though finite.
 */
export const DIVERGENCE = { factor: 4, window: 10, patience: 3 } as const;

let warnedCpu = false;

/**
 * Refuses, before the first step, inputs longer than the model's position table (they would fail inside a
 * gather) and a run whose memory cannot fit (../models/memory).
 */
function checkInputs(model: Model, data: Example[], options: TrainOptions, trainable: number): void {
  const longest = data.concat(options.evaluation ?? []).reduce((n, e) => Math.max(n, e.ids.length), 0);
  const positions = usablePositions(model.config);
  if (longest > positions) {
    throw new ConfigError(`an example has ${longest} tokens but the model takes at most ${positions} ` +
      `(its max_position_embeddings is ${model.config.maxPositions}): set maxLength to ${positions} or less`);
  }
  const batchSize = Math.min(options.batchSize, data.length);
  checkFits(`training (batch ${batchSize} × ${longest} tokens, ${trainable} trained parameters)`,
    trainingNeed(model.config, { labels: model.labels, trainable, batchSize, sequenceLength: longest }));
}

/** Trains the model's trainable tensors in place. */
export function train(model: Model, data: Example[], options: TrainOptions): TrainResult {
  if (data.length === 0) throw new RangeError("no training examples");
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
  }
  if (!Number.isInteger(options.steps) || options.steps < 1) {
    throw new RangeError(`steps must be a positive integer, got ${options.steps}`);
  }
  if (options.checkpointScore && !((options.evalEvery ?? 0) > 0)) {
    throw new RangeError("checkpointScore needs evalEvery > 0: the steps at which checkpoints are scored");
  }
  const schedule: Schedule = { name: "constant", warmupSteps: 0, ...options.schedule, totalSteps: options.steps };
  validateSchedule(schedule);
  if (tf.getBackend() === "cpu" && chosenBackend() === undefined && !warnedCpu) {
    // tfjs starts on its pure-JS cpu backend; training there is tens of times slower than wasm + OpenBLAS.
    process.stderr.write("qkv-lab: training on tfjs's cpu backend; " +
      "call `await selectBackend()` (lib/backend) first to use the fastest one\n");
    warnedCpu = true;
  }
  const variables = trainableVariables(model);
  if (variables.size === 0) throw new Error("the model has nothing to train: attach an adapter first");
  checkInputs(model, data, options, [...variables.values()].reduce((n, v) => n + v.size, 0));
  const optimizer = new AdamW(variables, parameterGroups(variables, options.rates), options.adamw ?? PAPER_ADAMW);
  const seeds = new SeedSequence(options.seed);
  const order = shuffledBatches(data.length, options.batchSize, options.seed);
  const names = [...variables.keys()];
  const list = names.map((n) => variables.get(n)!);
  const result: TrainResult = { history: [], evals: [], diverged: false, steps: 0, seconds: 0 };
  const start = performance.now();
  const evalEvery = options.evalEvery ?? 0;
  const watch = divergenceWatch(model.labels > 1 ? Math.log(model.labels) : 0);
  const keeper = options.checkpointScore ? bestCheckpoint(list, options.checkpointScore) : undefined;
  try {
    for (let step = 0; step < options.steps; step++) {
      const rows = order.next();
      const batch = makeBatch(
        rows.map((i) => data[i].ids), model.config.padTokenId, undefined, rows.map((i) => data[i].typeIds),
      );
      const targets = tf.tensor1d(rows.map((i) => data[i].label), model.labels === 1 ? "float32" : "int32");
      const { value, grads } = tf.variableGrads(() => taskLoss(modelLogits(model, batch, { seeds }), targets), list);
      const loss = value.dataSync()[0];
      const lrFactor = scheduleFactor(schedule, step);
      if (Number.isFinite(loss)) optimizer.apply(new Map(names.map((n, i) => [n, grads[list[i].name]])), lrFactor);
      tf.dispose([value, targets, ...Object.values(grads)]);
      disposeBatch(batch);
      const record = { step: step + 1, loss, lrFactor };
      result.history.push(record);
      result.steps = step + 1;
      options.onStep?.(record);
      const divergence = watch(loss);
      if (divergence !== undefined) {
        result.diverged = true;
        result.divergence = divergence;
        break;
      }
      const last = step + 1 === options.steps;
      const due = (evalEvery > 0 && (step + 1) % evalEvery === 0) || last;
      if (options.evaluation && due) {
        result.evals.push({ step: step + 1, ...evaluate(model, options.evaluation, options.batchSize) });
      }
      if (keeper && due) keeper.consider(step + 1);
    }
    if (keeper) result.best = keeper.restore();
  } finally {
    optimizer.dispose();
    keeper?.dispose();
  }
  result.seconds = (performance.now() - start) / 1000;
  return result;
}

/**
 * The best-scoring copy of the trained tensors: `consider(step)` scores the current ones and keeps a copy when
 * they beat the best so far (ties keep the earlier); `restore()` writes the best back. A diverged run keeps the
 * best checkpoint before it diverged.
 */
function bestCheckpoint(variables: tf.Variable[], score: () => number) {
  let best: { step: number; score: number; values: tf.Tensor[] } | undefined;
  return {
    consider(step: number): void {
      const scored = score();
      const value = Number.isNaN(scored) ? -Infinity : scored;
      if (best !== undefined && !(value > best.score)) return;
      best?.values.forEach((t) => t.dispose());
      best = { step, score: value, values: variables.map((v) => tf.clone(v)) };
    },
    restore(): { step: number; score: number } | undefined {
      if (best === undefined) return undefined;
      variables.forEach((v, i) => v.assign(best!.values[i]));
      return { step: best.step, score: best.score };
    },
    dispose(): void {
      best?.values.forEach((t) => t.dispose());
    },
  };
}

/** Feeds each step's loss; returns why the run diverged (DIVERGENCE), or undefined while it has not. */
export function divergenceWatch(
  reference: number, rule: { factor: number; window: number; patience: number } = DIVERGENCE,
): (loss: number) => string | undefined {
  let step = 0;
  let sum = 0;
  let baseline: number | undefined;
  let strikes = 0;
  return (loss) => {
    step++;
    if (!Number.isFinite(loss)) return `loss ${loss} at step ${step}`;
    baseline ??= Math.max(loss, reference);
    sum += loss;
    if (step % rule.window !== 0) return undefined;
    const mean = sum / rule.window;
    sum = 0;
    strikes = mean > rule.factor * baseline ? strikes + 1 : 0;
    return strikes >= rule.patience
      ? `mean loss ${mean.toPrecision(4)} over steps ${step - rule.window + 1}-${step}, ` +
        `above ${rule.factor} × ${baseline.toPrecision(4)} for ${rule.patience} windows of ${rule.window} steps`
      : undefined;
  };
}

/** Loss and metrics on a data set, without dropout. */
export function evaluate(
  model: Model, data: Example[], batchSize = 64,
): { loss: number; metrics: Partial<Record<MetricName, number>> } {
  const { loss, outputs } = predict(model, data, batchSize);
  return { loss, metrics: scoreAll(outputs, data.map((e) => e.label), model.labels === 1) };
}

/**
 * The model's outputs on a data set without dropout (class ids, or scores for regression, in the data's order) and
 * the mean loss. Rows are batched by length (shortest first) so each batch pads only to its own longest row: on the
 * mini tasks' 2,000-row splits that scores 28 % fewer token positions than batching in data order. A row's output
 * does not depend on its batch (padding is masked), so the order changes no prediction.
 */
export function predict(model: Model, data: Example[], batchSize = 64): { loss: number; outputs: number[] } {
  const byLength = data.map((_, i) => i).sort((a, b) => data[a].ids.length - data[b].ids.length || a - b);
  const outputs = new Array<number>(data.length);
  let lossSum = 0;
  for (let i = 0; i < byLength.length; i += batchSize) {
    const rows = byLength.slice(i, i + batchSize);
    const chunk = rows.map((r) => data[r]);
    const batch = makeBatch(chunk.map((e) => e.ids), model.config.padTokenId, undefined, chunk.map((e) => e.typeIds));
    const [loss, out] = tf.tidy(() => {
      const logits = modelLogits(model, batch);
      const targets = tf.tensor1d(chunk.map((e) => e.label), model.labels === 1 ? "float32" : "int32");
      const predicted = model.labels === 1 ? tf.reshape(logits, [-1]) : tf.argMax(logits, 1);
      return [taskLoss(logits, targets).dataSync()[0], predicted.dataSync()];
    });
    disposeBatch(batch);
    lossSum += loss * chunk.length;
    rows.forEach((r, j) => (outputs[r] = out[j]));
  }
  return { loss: lossSum / data.length, outputs };
}

/** Endless batches of example indices: a fresh seeded permutation each epoch. */
function shuffledBatches(n: number, batchSize: number, seed: number): { next(): number[] } {
  const random = new Rng(seed, 2);
  let permutation: number[] = [];
  let position = n;
  return {
    next() {
      if (position >= n) {
        permutation = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = random.int(i + 1);
          [permutation[i], permutation[j]] = [permutation[j], permutation[i]];
        }
        position = 0;
      }
      const rows = permutation.slice(position, position + batchSize);
      position += batchSize;
      return rows;
    },
  };
}
