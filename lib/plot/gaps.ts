// Theorem 1's measured gaps drawn beside the bound (lib/bounds/gaps analyses the runs).
import { BoundForm, BoundsError, GAP_METRICS, GapAnalysis, GapCell, GapMetric, parameterBound } from "../bounds/index";
import { positiveFinite } from "../bounds/math";
import { Figure, lines, LineSeries } from "./figure";

export interface GapFigureOptions {
  metric: GapMetric;
  /** The bound drawn beside the gaps: sqrt(2R² q P / N) (× ln 2 in the zhu form), a line in sqrt(P/N). */
  subgaussian: number;
  bits: number;
  form: BoundForm;
  title?: string;
}

/**
 * Mean gap over seeds (band: min to max) against sqrt(P/N), one series per subset and rank, with Theorem 1's
 * bound, which is the straight line sqrt(2R²q)·sqrt(P/N) on these axes. Log-log, because the bound sits
 * orders of magnitude above the gaps; a mean gap ≤ 0 cannot be drawn on a log axis and leaves a hole.
 */
export function gapFigure(analysis: GapAnalysis, opts: GapFigureOptions): Figure {
  if (!(GAP_METRICS as readonly unknown[]).includes(opts.metric)) {
    throw new BoundsError(`metric must be one of ${GAP_METRICS.join(", ")}, got ${JSON.stringify(opts.metric)}`);
  }
  positiveFinite(opts.subgaussian, "subgaussian (R)");
  positiveFinite(opts.bits, "bits (q)");
  const metric = opts.metric;
  const positive = (v: number) => (v > 0 ? v : NaN);
  const xOf = (c: GapCell) => Math.sqrt(c.trainableParams / c.N);
  const series: LineSeries[] = [];
  for (const setting of new Set(analysis.cells.map((c) => c.setting))) {
    const own = analysis.cells.filter((c) => c.setting === setting).sort((a, b) => xOf(a) - xOf(b));
    series.push({
      name: setting,
      x: own.map(xOf),
      y: own.map((c) => positive(c[metric].mean)),
      lower: own.map((c) => positive(c[metric].min)),
      upper: own.map((c) => positive(c[metric].max)),
    });
  }
  // The bound divided by sqrt(P/N) does not depend on P or N: evaluate it once at P = N = 1.
  const slope = parameterBound(1, opts.bits, opts.subgaussian, 1, opts.form).toNumber();
  const xs = [...new Set(analysis.cells.map(xOf))].sort((a, b) => a - b);
  series.push({
    name: `Theorem 1 (${opts.form} form, R = ${opts.subgaussian}, q = ${opts.bits})`,
    x: xs, y: xs.map((x) => slope * x),
  });
  const what = metric === "loss" ? "test − train loss" : "train − test accuracy";
  return lines({
    title: opts.title ?? `Measured gap (${what}) and the bound`,
    xTitle: "sqrt(P / N)",
    yTitle: `${what} (mean over seeds; band min–max)`,
    logX: true,
    logY: true,
    series,
  });
}
