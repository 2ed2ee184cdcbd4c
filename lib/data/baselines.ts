// Baselines a task's numbers are read against: the majority class, and bag-of-words logistic regression.
// Generic over TextExample, so the built-in suite and real GLUE files are scored the same way.
//
// Bag of words: unigram counts of the lowercased text; for a pair the second text's words are separate
// features ("2:word"), so the model sees which side a word is on but nothing about how the two relate.
// Multinomial logistic regression (softmax; two classes is the binary case), loss = mean cross-entropy +
// (l2 / 2)·‖W‖² (the bias is not penalised), minimised by a fixed number of full-batch L-BFGS steps:
// deterministic, and on a convex objective L-BFGS reaches the optimum far sooner than gradient descent.
import { accuracy } from "../train/metrics";
import { TextExample } from "./example";

export class BaselineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BaselineError";
  }
}

/** Lowercased words, with punctuation split off as its own token. */
export function wordTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}']+|[^\s\p{L}\p{N}']/gu) ?? [];
}

/** A sparse feature vector: ascending feature indices and their values. */
export interface SparseRow {
  index: Int32Array;
  value: Float64Array;
}

/** The bag-of-words vocabulary of a training set (features unseen in training are dropped). */
export class BagOfWords {
  private constructor(readonly vocabulary: ReadonlyMap<string, number>) {}

  static fit(examples: readonly TextExample[]): BagOfWords {
    const vocabulary = new Map<string, number>();
    for (const ex of examples) {
      for (const f of featureNames(ex)) if (!vocabulary.has(f)) vocabulary.set(f, vocabulary.size);
    }
    return new BagOfWords(vocabulary);
  }

  get size(): number {
    return this.vocabulary.size;
  }

  features(ex: TextExample): SparseRow {
    const counts = new Map<number, number>();
    for (const f of featureNames(ex)) {
      const i = this.vocabulary.get(f);
      if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    const index = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
    return { index: index, value: Float64Array.from(index, (i) => counts.get(i)!) };
  }
}

function featureNames(ex: TextExample): string[] {
  const first = wordTokens(ex.text);
  return ex.pair === undefined ? first : [...first, ...wordTokens(ex.pair).map((w) => `2:${w}`)];
}

/** Softmax regression parameters: `weights` is classes × features (row-major), then one bias per class. */
export interface SoftmaxModel {
  classes: number;
  features: number;
  params: Float64Array;
}

/** Class scores W·x + b of one row. */
function scores(model: SoftmaxModel, params: Float64Array, row: SparseRow, out: Float64Array): void {
  const { classes, features } = model;
  for (let c = 0; c < classes; c++) {
    let s = params[classes * features + c];
    for (let j = 0; j < row.index.length; j++) s += params[c * features + row.index[j]] * row.value[j];
    out[c] = s;
  }
}

/** Turns scores into probabilities in place (shifted by the maximum, so exp cannot overflow); returns log Σ exp. */
function softmaxInPlace(z: Float64Array): number {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (let c = 0; c < z.length; c++) {
    z[c] = Math.exp(z[c] - max);
    sum += z[c];
  }
  for (let c = 0; c < z.length; c++) z[c] /= sum;
  return max + Math.log(sum);
}

/** The objective (mean cross-entropy + l2/2 ‖W‖²) and its gradient at `params`. */
export function softmaxObjective(
  model: SoftmaxModel, params: Float64Array, rows: readonly SparseRow[], labels: readonly number[], l2: number,
): { loss: number; grad: Float64Array } {
  const { classes, features } = model;
  const grad = new Float64Array(params.length);
  const p = new Float64Array(classes);
  let loss = 0;
  const n = rows.length;
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    scores(model, params, row, p);
    const y = labels[i];
    const zy = p[y];
    // −log p_y = log Σ exp(z) − z_y, which stays finite where p_y underflows.
    loss += softmaxInPlace(p) - zy;
    for (let c = 0; c < classes; c++) {
      const r = (p[c] - (c === y ? 1 : 0)) / n;
      for (let j = 0; j < row.index.length; j++) grad[c * features + row.index[j]] += r * row.value[j];
      grad[classes * features + c] += r;
    }
  }
  loss /= n;
  for (let k = 0; k < classes * features; k++) {
    loss += 0.5 * l2 * params[k] * params[k];
    grad[k] += l2 * params[k];
  }
  return { loss: loss, grad: grad };
}

export interface FitOptions {
  /** L2 strength on the weights (not the bias). */
  l2?: number;
  /** L-BFGS iterations (each one line search). */
  iterations?: number;
}

export const DEFAULT_FIT: Required<FitOptions> = { l2: 1e-3, iterations: 200 };

/** Fits softmax regression with L-BFGS from zero. */
export function fitSoftmaxRegression(
  rows: readonly SparseRow[], labels: readonly number[], classes: number, features: number, options: FitOptions = {},
): SoftmaxModel {
  const { l2, iterations } = { ...DEFAULT_FIT, ...options };
  if (!(l2 >= 0) || !Number.isFinite(l2)) {
    throw new BaselineError(`l2 must be a finite number ≥ 0, got ${JSON.stringify(l2)}`);
  }
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new BaselineError(`iterations must be a positive integer, got ${JSON.stringify(iterations)}`);
  }
  if (rows.length !== labels.length || rows.length === 0) {
    throw new BaselineError(
      `need as many labels as rows (and at least one), got ${rows.length} rows and ${labels.length} labels`,
    );
  }
  labels.forEach((y, i) => {
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new BaselineError(`labels[${i}] must be a class id in 0..${classes - 1}, got ${JSON.stringify(y)}`);
    }
  });
  const model: SoftmaxModel = {
    classes: classes, features: features, params: new Float64Array(classes * (features + 1)),
  };
  model.params = lbfgs((x) => softmaxObjective(model, x, rows, labels, l2), model.params, iterations);
  return model;
}

export function predict(model: SoftmaxModel, rows: readonly SparseRow[]): number[] {
  const z = new Float64Array(model.classes);
  return rows.map((row) => {
    scores(model, model.params, row, z);
    let best = 0;
    for (let c = 1; c < model.classes; c++) if (z[c] > z[best]) best = c;
    return best;
  });
}

/** Probabilities per class of each row. */
export function predictProba(model: SoftmaxModel, rows: readonly SparseRow[]): Float64Array[] {
  return rows.map((row) => {
    const z = new Float64Array(model.classes);
    scores(model, model.params, row, z);
    softmaxInPlace(z);
    return z;
  });
}

/**
 * Minimises a smooth function by L-BFGS (Nocedal & Wright, Algorithm 7.4: two-loop recursion over the last
 * `memory` steps) with a backtracking Armijo line search; stops early once the gradient vanishes.
 */
export function lbfgs(
  f: (x: Float64Array) => { loss: number; grad: Float64Array }, x0: Float64Array, iterations: number, memory = 10,
): Float64Array {
  let x = Float64Array.from(x0);
  let { loss, grad } = f(x);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  for (let it = 0; it < iterations; it++) {
    if (maxAbs(grad) < 1e-10) break;
    // Direction −H·g from the stored curvature pairs.
    const q = Float64Array.from(grad);
    const alpha: number[] = [];
    for (let k = S.length - 1; k >= 0; k--) {
      const a = dot(S[k], q) / dot(Y[k], S[k]);
      alpha[k] = a;
      axpy(-a, Y[k], q);
    }
    const gamma = S.length > 0
      ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1])
      : 1 / Math.max(1, Math.sqrt(dot(grad, grad)));
    for (let k = 0; k < q.length; k++) q[k] *= gamma;
    for (let k = 0; k < S.length; k++) axpy(alpha[k] - dot(Y[k], q) / dot(Y[k], S[k]), S[k], q);
    const direction = q.map((v) => -v);
    let slope = dot(grad, direction);
    if (!(slope < 0)) {
      // Not a descent direction (stale curvature): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      for (let k = 0; k < q.length; k++) direction[k] = -grad[k] / Math.max(1, Math.sqrt(dot(grad, grad)));
      slope = dot(grad, direction);
    }
    let step = 1;
    let next = f(addScaled(x, step, direction));
    while (next.loss > loss + 1e-4 * step * slope && step > 1e-12) {
      step *= 0.5;
      next = f(addScaled(x, step, direction));
    }
    if (!(next.loss <= loss)) break;
    const s = direction.map((v) => v * step);
    const y = next.grad.map((v, k) => v - grad[k]);
    x = addScaled(x, step, direction);
    const improvement = loss - next.loss;
    loss = next.loss;
    grad = next.grad;
    if (dot(s, y) > 1e-12) {
      S.push(s);
      Y.push(y);
      if (S.length > memory) {
        S.shift();
        Y.shift();
      }
    }
    if (improvement <= 1e-15 * Math.max(1, Math.abs(loss))) break;
  }
  return x;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}

function addScaled(x: Float64Array, a: number, d: Float64Array): Float64Array {
  const out = Float64Array.from(x);
  axpy(a, d, out);
  return out;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

// ---- Baselines on examples -----------------------------------------------------------------------------

/** The number of classes: one more than the largest label of any set (labels are GLUE's 0-based ids), at least 2. */
function classCount(train: readonly TextExample[], evals: readonly (readonly TextExample[])[]): number {
  if (train.length === 0) throw new BaselineError("train must hold at least one example, got 0");
  let max = 1;
  for (const [k, set] of [train, ...evals].entries()) {
    for (const [i, ex] of set.entries()) {
      if (!Number.isSafeInteger(ex.label) || ex.label < 0) {
        throw new BaselineError(`${k === 0 ? "train" : `evals[${k - 1}]`}[${i}].label must be a class id ` +
          `(an integer ≥ 0), got ${JSON.stringify(ex.label)}`);
      }
      max = Math.max(max, ex.label);
    }
  }
  return max + 1;
}

/** The most frequent train label (the smallest id on a tie) and its accuracy on each evaluation set. */
export function majorityBaseline(
  train: readonly TextExample[], evals: readonly (readonly TextExample[])[],
): { label: number; accuracy: number[] } {
  const counts = new Array<number>(classCount(train, evals)).fill(0);
  for (const ex of train) counts[ex.label]++;
  const label = counts.indexOf(Math.max(...counts));
  return { label: label, accuracy: evals.map((ev) => accuracy(ev.map(() => label), labelsOf(ev))) };
}

/** Bag-of-words logistic regression fitted on `train`; its accuracy on each evaluation set. */
export function bagOfWordsBaseline(
  train: readonly TextExample[], evals: readonly (readonly TextExample[])[], options: FitOptions = {},
): { accuracy: number[]; features: number } {
  const classes = classCount(train, evals);
  const bow = BagOfWords.fit(train);
  const model = fitSoftmaxRegression(train.map((ex) => bow.features(ex)), labelsOf(train), classes, bow.size, options);
  return {
    accuracy: evals.map((ev) => accuracy(predict(model, ev.map((ex) => bow.features(ex))), labelsOf(ev))),
    features: bow.size,
  };
}

const labelsOf = (examples: readonly TextExample[]) => examples.map((ex) => ex.label);
