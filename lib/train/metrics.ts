// GLUE metrics (docs/paper.md §7.2): the paper reports accuracy, Matthews correlation (CoLA) and Pearson (STS-B);
// F1 of the positive class and Spearman are computed too, as GLUE defines them. Inputs are plain arrays.

export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkLengths(predictions, labels);
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) right++;
  return right / labels.length;
}

/** F1 of class `positive` (MRPC, QQP report class 1); 0 when it is never predicted nor present. */
export function f1(predictions: ArrayLike<number>, labels: ArrayLike<number>, positive = 1): number {
  checkLengths(predictions, labels);
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = predictions[i] === positive;
    const l = labels[i] === positive;
    if (p && l) tp++;
    else if (p) fp++;
    else if (l) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** Matthews correlation for any number of classes (sklearn's multiclass form); 0 when undefined. */
export function matthews(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkLengths(predictions, labels);
  const n = labels.length;
  const predicted = new Map<number, number>();
  const actual = new Map<number, number>();
  let correct = 0;
  for (let i = 0; i < n; i++) {
    predicted.set(predictions[i], (predicted.get(predictions[i]) ?? 0) + 1);
    actual.set(labels[i], (actual.get(labels[i]) ?? 0) + 1);
    if (predictions[i] === labels[i]) correct++;
  }
  let pt = 0, pp = 0, tt = 0;
  for (const [k, p] of predicted) pt += p * (actual.get(k) ?? 0);
  for (const p of predicted.values()) pp += p * p;
  for (const t of actual.values()) tt += t * t;
  const denominator = Math.sqrt((n * n - pp) * (n * n - tt));
  return denominator === 0 ? 0 : (correct * n - pt) / denominator;
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkLengths(x, y);
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ: Pearson of the ranks, ties given their average rank (scipy's default). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(ranks(x), ranks(y));
}

function ranks(x: ArrayLike<number>): number[] {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Array<number>(x.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new RangeError(`predictions (${a.length}) and labels (${b.length}) differ in length`);
  }
  if (a.length === 0) throw new RangeError("no examples to score");
}

export const METRICS = ["accuracy", "f1", "mcc", "pearson", "spearman"] as const;
export type MetricName = (typeof METRICS)[number];

/** Every metric that applies: classification scores for labels > 1, correlations for regression. */
export function scoreAll(
  outputs: ArrayLike<number>, labels: ArrayLike<number>, regression: boolean,
): Partial<Record<MetricName, number>> {
  if (regression) return { pearson: pearson(outputs, labels), spearman: spearman(outputs, labels) };
  return { accuracy: accuracy(outputs, labels), f1: f1(outputs, labels), mcc: matthews(outputs, labels) };
}
