// The paper's figures drawn from a grid's rows: the (η_QK, η_V) accuracy heatmap (Figures 1 and 2) and the
// training-loss curves of chosen cells (Figures 2 right, 3 and 4), as plain Plotly JSON like any other figure.
import {
  cellRows, chancePercent, GridRow, isAtChance, RateCell, rateCells, rateHeatmap, RateHeatmap,
} from "../experiments/index";
import { Figure, heatmap, LineSeries, lines } from "./figure";

export interface AccuracyHeatmap {
  figure: Figure;
  map: RateHeatmap;
  cells: RateCell[];
}

/**
 * One task's rows as the paper draws them: mean accuracy (%) over seeds, η_QK along x, η_V along y (large on
 * top), the best cell in solid red, the λ = 1 diagonal dashed, cells below `clipBelow` coloured at it. A cell
 * with diverged runs says how many ("div. 1/3"), one the grid did not run says "not run"; when no run beat the
 * majority baseline by more than the chance band (the protocol's "no signal"), the panel is greyed out and says so.
 */
export function accuracyHeatmap(
  rows: readonly GridRow[], title: string, clipBelow = chancePercent(rows[0]?.task ?? ""),
): AccuracyHeatmap {
  const cells = rateCells(rows);
  const map = rateHeatmap(cells);
  const runsAt = map.etaV.map((etaV) => map.etaQK.map((etaQK) => cellRows(rows, { etaQK, etaV })));
  const diverged = runsAt.flatMap((line, row) => line.flatMap((runs, col) => {
    const bad = runs.filter((r) => r.status === "diverged").length;
    return bad > 0 ? [{ row, col, label: `${bad}/${runs.length}` }] : [];
  }));
  // A cell the grid has no run for (a profile that runs part of the grid) is not a diverged one.
  const text = runsAt.map((line) => line.map((runs) => (runs.length === 0 ? "not run" : null)));
  const noSignal = isAtChance(rows) ? "no run beat the majority baseline beyond the chance band" : undefined;
  const figure = heatmap({
    title, z: map.mean.map((row) => row.map((v) => (v === null ? null : 100 * v))), x: map.etaQK, y: map.etaV,
    xTitle: "η_QK (learning rate of W_q, W_k)", yTitle: "η_V (learning rate of W_v)", zTitle: "acc. %",
    clipBelow, highlight: [{ row: map.best.row, col: map.best.col }], diagonal: map.diagonal, textFormat: ".1f",
    diverged, noSignal, text,
  });
  return { figure, map, cells };
}

/** A cell of a rate grid to draw the loss of: its rows (one per seed) and the legend name. */
export interface LossCurveCell {
  name: string;
  rows: readonly GridRow[];
}

/**
 * Training loss against step, the mean over each cell's seeds with a min–max band. The loss is the mean over
 * each twentieth of a run (FineTuneResult.loss); a diverged seed is left out of its cell's mean.
 */
export function lossCurves(cells: readonly LossCurveCell[], title: string): Figure {
  const series: LineSeries[] = cells.map((cell) => {
    const kept = cell.rows.filter((r) => r.status === "ok" && r.result.loss.length > 0);
    if (kept.length === 0) return { name: `${cell.name} (diverged)`, x: [0], y: [NaN] };
    const steps = kept[0].result.loss.map((p) => p.step);
    const at = (i: number) => kept.map((r) => r.result.loss[i]?.loss ?? NaN);
    const mean = steps.map((_, i) => at(i).reduce((a, b) => a + b, 0) / kept.length);
    const band = kept.length > 1
      ? { lower: steps.map((_, i) => Math.min(...at(i))), upper: steps.map((_, i) => Math.max(...at(i))) }
      : {};
    return { name: `${cell.name}${kept.length > 1 ? `, ${kept.length} seeds` : ""}`, x: steps, y: mean, ...band };
  });
  return lines({ series, title, xTitle: "step", yTitle: "training loss" });
}
