// One training loop for both sweep models (the LoRA network and the attention head): mini-batches drawn
// from a fixed training set with a seeded generator (so every cell of a grid sees the same batches and
// differs only in its learning rates), held-out loss recorded every few steps, divergence detected.
import { DynamicsError, oneOf, positiveFinite, positiveInteger } from "./errors";
import { SweepOptimizer, OptimizerName, OPTIMIZERS, SweepRateGroup } from "./optim";
import { Rng } from "../random/index";

/** The fields both sweep models share: a student of rank `rank` learns a teacher's rank-`teacherRank` change. */
export interface SweepModelConfig {
  width: number;
  rank: number;
  teacherRank: number;
  trainSize: number;
  evalSize: number;
  batch: number;
  steps: number;
  evalEvery: number;
  optimizer: OptimizerName;
  /** Draws the data, the frozen weights, the initial factors, the teacher and the batches. */
  seed: number;
  /** Scale of the teacher's change (1: each output coordinate it moves is about N(0, 1)). */
  teacherStrength: number;
}

/** Checks a sweep model's config: the named fields are positive integers, plus the shared fields' rules. */
export function checkSweepConfig<C extends SweepModelConfig>(c: C, integers: readonly (keyof C & string)[]): C {
  for (const key of integers) positiveInteger(c[key] as unknown as number, key);
  if (c.rank > c.width) throw new DynamicsError(`rank must be ≤ width (${c.width}), got ${c.rank}`);
  positiveFinite(c.teacherStrength, "teacherStrength");
  oneOf(c.optimizer, OPTIMIZERS, "optimizer");
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) {
    throw new DynamicsError(`seed must be an integer ≥ 0, got ${JSON.stringify(c.seed)}`);
  }
  return c;
}

/** A model with its data: parameters grouped by learning rate, a batch loss that fills the gradients. */
export interface Trainable {
  /** groups[k] is trained at rates[k]. */
  groups: { params: Float64Array[]; grads: Float64Array[] }[];
  trainSize: number;
  /** Mean loss over the given training examples; overwrites the gradients with its gradient. */
  batchLoss(indices: Int32Array): number;
  /** Mean loss over the held-out set (no gradients). */
  evalLoss(): number;
}

export interface SweepTrainOptions {
  steps: number;
  batch: number;
  evalEvery: number;
  optimizer: OptimizerName;
  seed: number;
}

export interface TrainCurve {
  /** Steps at which the held-out loss was measured: 0, evalEvery, …, steps. */
  steps: number[];
  /** Held-out loss at those steps; NaN from the first non-finite or exploded loss on (diverged). */
  loss: number[];
  /** Held-out loss after the last step; NaN when the run diverged. */
  final: number;
  diverged: boolean;
}

/** A loss above this multiple of the initial held-out loss counts as diverged (it never comes back). */
const EXPLODED = 1e6;

export function trainSweepModel(model: Trainable, rates: number[], opts: SweepTrainOptions): TrainCurve {
  const groups: SweepRateGroup[] = model.groups.map((g, k) => ({ params: g.params, grads: g.grads, lr: rates[k] }));
  const optimizer = new SweepOptimizer(opts.optimizer, groups);
  const rng = new Rng(opts.seed, 0xba7c4);
  const batch = new Int32Array(opts.batch);
  const steps = checkpoints(opts.steps, opts.evalEvery);
  // NaN until measured: a diverged run keeps NaN from its divergence on, so curves of one sweep line up.
  const loss = steps.map(() => NaN);
  const initial = model.evalLoss();
  loss[0] = initial;
  const exploded = (l: number) => !Number.isFinite(l) || l > EXPLODED * initial;
  let next = 1;
  let diverged = false;
  for (let s = 1; s <= opts.steps && !diverged; s++) {
    for (let k = 0; k < batch.length; k++) batch[k] = rng.int(model.trainSize);
    if (exploded(model.batchLoss(batch))) {
      diverged = true;
      break;
    }
    optimizer.step();
    if (s === steps[next]) {
      const e = model.evalLoss();
      diverged = exploded(e);
      if (!diverged) loss[next++] = e;
    }
  }
  return { steps: steps, loss: loss, final: loss[loss.length - 1], diverged: diverged };
}

/** 0, every, 2·every, …, and the last step. */
export function checkpoints(steps: number, every: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < steps; s += every) out.push(s);
  out.push(steps);
  return out;
}
