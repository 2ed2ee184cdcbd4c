// Measured generalization gaps beside Theorem 1. The training itself lives elsewhere; this takes one record
// per fine-tuning run and answers the questions the bound raises:
//   - per target subset, rank and N: the gap's mean and spread over seeds;
//   - does the gap fall like N^(-1/2), the bound's rate? (log-log slope of the mean gap against N, with a
//     t interval. Descriptive: at these sizes the bound sits orders of magnitude above the gaps, so it rules out
//     no slope; only as N grows must a gap under it fall at least as fast as N^(-1/2));
//   - does QV generalize at least as well as QKV at equal rank? (paired by seed, per N).
// Gaps are "test minus train" for the loss (the L_μ - L_S that Theorem 1 bounds) and "train minus test" for
// the accuracy, so both are positive when the model overfits. Accuracy is one minus the 0-1 loss, which lies
// in [0, 1] and so is 1/2-subGaussian: the bound with R = 1/2 applies to the accuracy gap as stated, while the
// cross-entropy loss is unbounded and R = 1/2 is only an assumption for it.
import { parseTargets, targetLabel } from "../lora/targets";
import { BoundsError, positiveInteger } from "./math";
import { fitLine, LineFit, meanInterval, Summary, summarize } from "../stats/index";

export interface GapRun {
  /** "q,v", ["query", "value"], ... */
  targets: string | readonly string[];
  rank: number;
  /** Training-set size. */
  N: number;
  seed: number;
  trainLoss: number;
  testLoss: number;
  trainAcc: number;
  testAcc: number;
  /** Adapter parameters P of the run (the P of Theorem 1). */
  trainableParams: number;
}

export const GAP_METRICS = ["loss", "acc"] as const;
export type GapMetric = (typeof GAP_METRICS)[number];

export interface GapCell {
  /** Paper label of the target subset: "QV", "QKV", ... */
  subset: string;
  rank: number;
  N: number;
  trainableParams: number;
  seeds: number[];
  /** testLoss - trainLoss over seeds. */
  loss: Summary;
  /** trainAcc - testAcc over seeds. */
  acc: Summary;
}

export interface SlopeFit extends LineFit {
  subset: string;
  rank: number;
  metric: GapMetric;
  /** Training-set sizes used: those whose mean gap is > 0 (a logarithm needs it). */
  sizes: number[];
  /** Sizes left out because the mean gap was ≤ 0. */
  excluded: number[];
  /** -1/2 lies inside the slope's interval (null when there is no interval: fewer than 3 sizes). */
  includesMinusHalf: boolean | null;
}

export type ComparisonVerdict = "QV smaller gap" | "QKV smaller gap" | "no significant difference";

export interface QvQkvComparison {
  rank: number;
  N: number;
  metric: GapMetric;
  /** Seeds run for both QV and QKV (the pairs). */
  seeds: number[];
  qv: number;
  qkv: number;
  /** Mean over seeds of gap(QV) - gap(QKV); negative when QV generalizes better. */
  difference: number;
  /** t interval of the mean paired difference; null with fewer than 2 pairs. */
  interval: [number, number] | null;
  /** Seeds where gap(QV) ≤ gap(QKV). */
  qvNotWorse: number;
  verdict: ComparisonVerdict;
}

export interface GapAnalysis {
  confidence: number;
  cells: GapCell[];
  slopes: SlopeFit[];
  comparisons: QvQkvComparison[];
}

const NUMBER_FIELDS = ["trainLoss", "testLoss", "trainAcc", "testAcc"] as const;

function gapOf(run: GapRun, metric: GapMetric): number {
  return metric === "loss" ? run.testLoss - run.trainLoss : run.trainAcc - run.testAcc;
}

/** Groups runs by subset, rank and N; checks every field, duplicate seeds and a consistent P per subset and rank. */
export function analyzeGaps(runs: readonly GapRun[], options: { confidence?: number } = {}): GapAnalysis {
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new BoundsError(`confidence must be in (0, 1), got ${JSON.stringify(confidence)}`);
  if (!Array.isArray(runs) || runs.length === 0) throw new BoundsError("runs must be a non-empty array of measured runs");

  const groups = new Map<string, { subset: string; rank: number; N: number; params: number; runs: GapRun[] }>();
  const paramsOf = new Map<string, number>();
  runs.forEach((run, i) => {
    const field = `runs[${i}]`;
    const subset = targetLabel(parseTargets(run.targets, `${field}.targets`));
    const rank = positiveInteger(run.rank, `${field}.rank`);
    const N = positiveInteger(run.N, `${field}.N`);
    const params = positiveInteger(run.trainableParams, `${field}.trainableParams`);
    if (!Number.isInteger(run.seed)) throw new BoundsError(`${field}.seed must be an integer, got ${JSON.stringify(run.seed)}`);
    for (const f of NUMBER_FIELDS) {
      if (typeof run[f] !== "number" || !Number.isFinite(run[f])) throw new BoundsError(`${field}.${f} must be a finite number, got ${JSON.stringify(run[f])}`);
    }
    const setting = `${subset} r=${rank}`;
    const known = paramsOf.get(setting);
    if (known !== undefined && known !== params) {
      throw new BoundsError(`${field}.trainableParams = ${params} but other ${setting} runs have ${known}: one setting, one adapter size`);
    }
    paramsOf.set(setting, params);
    const key = `${setting} N=${N}`;
    const group = groups.get(key) ?? { subset, rank, N, params, runs: [] };
    if (group.runs.some((r) => r.seed === run.seed)) throw new BoundsError(`${field}: seed ${run.seed} of ${key} appears twice`);
    group.runs.push(run);
    groups.set(key, group);
  });

  const cells: GapCell[] = [...groups.values()]
    .sort((a, b) => a.subset.localeCompare(b.subset) || a.rank - b.rank || a.N - b.N)
    .map((g) => ({
      subset: g.subset, rank: g.rank, N: g.N, trainableParams: g.params,
      seeds: g.runs.map((r) => r.seed).sort((a, b) => a - b),
      loss: summarize(g.runs.map((r) => gapOf(r, "loss"))),
      acc: summarize(g.runs.map((r) => gapOf(r, "acc"))),
    }));

  const slopes: SlopeFit[] = [];
  for (const setting of new Set(cells.map((c) => `${c.subset} r=${c.rank}`))) {
    const own = cells.filter((c) => `${c.subset} r=${c.rank}` === setting);
    for (const metric of GAP_METRICS) {
      const used = own.filter((c) => c[metric].mean > 0);
      if (used.length < 2) continue;
      const fit = fitLine(used.map((c) => Math.log(c.N)), used.map((c) => Math.log(c[metric].mean)), confidence);
      slopes.push({
        ...fit, subset: own[0].subset, rank: own[0].rank, metric,
        sizes: used.map((c) => c.N), excluded: own.filter((c) => !(c[metric].mean > 0)).map((c) => c.N),
        includesMinusHalf: fit.slopeInterval ? fit.slopeInterval[0] <= -0.5 && -0.5 <= fit.slopeInterval[1] : null,
      });
    }
  }

  const comparisons: QvQkvComparison[] = [];
  const byKey = (subset: string, rank: number, N: number) => groups.get(`${subset} r=${rank} N=${N}`);
  for (const cell of cells.filter((c) => c.subset === "QV")) {
    const qkv = byKey("QKV", cell.rank, cell.N);
    if (qkv === undefined) continue;
    const qv = byKey("QV", cell.rank, cell.N)!;
    const pairs = qv.runs.flatMap((a) => qkv.runs.filter((b) => b.seed === a.seed).map((b) => ({ seed: a.seed, qv: a, qkv: b })));
    if (pairs.length === 0) continue;
    for (const metric of GAP_METRICS) {
      const diffs = pairs.map((p) => gapOf(p.qv, metric) - gapOf(p.qkv, metric));
      const interval = meanInterval(diffs, confidence);
      const verdict: ComparisonVerdict = interval === null || (interval[0] <= 0 && interval[1] >= 0)
        ? "no significant difference"
        : interval[1] < 0 ? "QV smaller gap" : "QKV smaller gap";
      comparisons.push({
        rank: cell.rank, N: cell.N, metric, seeds: pairs.map((p) => p.seed),
        qv: summarize(pairs.map((p) => gapOf(p.qv, metric))).mean,
        qkv: summarize(pairs.map((p) => gapOf(p.qkv, metric))).mean,
        difference: summarize(diffs).mean, interval, qvNotWorse: diffs.filter((d) => d <= 0).length, verdict,
      });
    }
  }
  return { confidence, cells, slopes, comparisons };
}
