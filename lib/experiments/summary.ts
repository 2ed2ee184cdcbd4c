// From a grid's rows to what the figures and tables show: mean ± sd over seeds per cell (report split), and
// heatmap matrices with the best cell (selected on the selection split) and the λ = 1 diagonal. The verdicts
// are ./verdicts' (protocol v2); these summaries only describe.
import { GridRow } from "./grid/index";

export interface CellStats {
  /** Mean and sample standard deviation of the report-split score over the seeds that did not diverge. */
  mean: number;
  /** Mean selection-split score over the same seeds: what a "best cell" is chosen by. */
  selectionMean: number;
  sd: number;
  min: number;
  max: number;
  /** Runs in the cell, and how many of them diverged (their score is left out of the mean). */
  runs: number;
  diverged: number;
  /** Mean final training loss over the seeds that did not diverge. */
  loss: number;
}

export function cellStats(rows: readonly GridRow[]): CellStats {
  const kept = rows.filter((r) => r.status === "ok");
  const values = kept.map((r) => r.after);
  const mean = values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  const selectionMean = kept.length > 0 ? kept.reduce((a, r) => a + r.selection, 0) / kept.length : NaN;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  const losses = kept.map((r) => r.loss).filter((l): l is number => l !== null);
  return {
    mean, selectionMean, sd, min: values.length > 0 ? Math.min(...values) : NaN,
    max: values.length > 0 ? Math.max(...values) : NaN, runs: rows.length, diverged: rows.length - kept.length,
    loss: losses.length > 0 ? losses.reduce((a, b) => a + b, 0) / losses.length : NaN,
  };
}

/** Rows grouped by a key, in the order the keys first appear. */
export function groupBy<R, K>(rows: readonly R[], key: (row: R) => K): Map<K, R[]> {
  const groups = new Map<K, R[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

export interface RateCell extends CellStats {
  etaQK: number;
  etaV: number;
  /** λ = η_V / η_QK. */
  ratio: number;
}

/** Every (η_QK, η_V) cell of one task's rows, over seeds. */
export function rateCells(rows: readonly GridRow[]): RateCell[] {
  return [...groupBy(rows, (r) => `${r.etaQK} ${r.etaV}`).values()].map((cell) => ({
    etaQK: cell[0].etaQK, etaV: cell[0].etaV, ratio: cell[0].ratio, ...cellStats(cell),
  }));
}

export interface RateHeatmap {
  /** Columns: η_QK ascending. Rows: η_V descending (large rates on top, as both of the paper's heatmaps). */
  etaQK: number[];
  etaV: number[];
  /** Mean report-split score per cell (null where every seed diverged or the cell is missing). */
  mean: (number | null)[][];
  sd: (number | null)[][];
  /** The best cell, selected on the selection split. */
  best: { row: number; col: number; cell: RateCell };
  /** Cells with η_V = η_QK. */
  diagonal: { row: number; col: number }[];
}

export function rateHeatmap(cells: readonly RateCell[]): RateHeatmap {
  if (cells.length === 0) throw new Error("rateHeatmap: no cells (has the grid been run?)");
  const etaQK = [...new Set(cells.map((c) => c.etaQK))].sort((a, b) => a - b);
  const etaV = [...new Set(cells.map((c) => c.etaV))].sort((a, b) => b - a);
  const at = (row: number, col: number) => cells.find((c) => c.etaV === etaV[row] && c.etaQK === etaQK[col]);
  const matrix = (f: (c: RateCell) => number) => etaV.map((_, row) => etaQK.map((_, col) => {
    const c = at(row, col);
    return c === undefined || !Number.isFinite(c.mean) ? null : f(c);
  }));
  const best = bestCell(cells);
  const diagonal = etaV.flatMap((v, row) => etaQK.flatMap((q, col) => (sameRate(v, q) ? [{ row, col }] : [])));
  return {
    etaQK, etaV, mean: matrix((c) => c.mean), sd: matrix((c) => c.sd),
    best: { row: etaV.indexOf(best.etaV), col: etaQK.indexOf(best.etaQK), cell: best }, diagonal,
  };
}

/** The cell with the highest mean selection-split score (the first of equals in the order given). */
export function bestCell<C extends CellStats>(cells: readonly C[]): C {
  const finite = cells.filter((c) => Number.isFinite(c.selectionMean));
  if (finite.length === 0) throw new Error("bestCell: every cell diverged");
  return finite.reduce((best, c) => (c.selectionMean > best.selectionMean ? c : best));
}

/** Rates equal up to the rounding of their product with a scale (1e-3 × 5 vs 5e-3). */
export function sameRate(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * What the stored runs actually did, per task (the deviation tables' "here" column, read from the runs, not
 * typed): training rows, steps, batch, epochs, the two splits and their sizes, seeds, and the runs' protocol.
 */
export function runSettings(rows: readonly GridRow[]): Record<string, string | number>[] {
  return [...groupBy(rows, (r) => r.task)].map(([task, taskRows]) => {
    const r = taskRows[0];
    const steps = [...new Set(taskRows.map((x) => x.steps))].join(", ");
    const epochs = [
      ...new Set(taskRows.map((x) => +((x.steps * x.config.batchSize) / x.result.trainExamples).toFixed(2))),
    ].join(", ");
    return {
      task, "training rows": r.result.trainExamples, steps, batch: r.config.batchSize, epochs,
      "max length": r.config.maxLength, "selection split": r.result.splits.selection,
      "report split": r.result.splits.report,
      seeds: [...new Set(taskRows.map((x) => x.seed))].sort((a, b) => a - b).join(", "), runs: taskRows.length,
      protocol: r.config.protocol ?? "none",
    };
  });
}
