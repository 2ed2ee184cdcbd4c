// The MiniLM addendum's experiments in one call (docs/PROTOCOL.md §8), so the notebooks that show its parts
// (00b, 03, 08, 09) run the same thing: the rate-scale sweep, then the verdict cells at the chosen rate, then the
// five verdicts. Both grids are stored runs, so every notebook after the first reads them back.
import { Profile } from "./profile";
import { GridResult, GridRow, methodLabel, runGrid } from "./grid/index";
import { cellStats, groupBy } from "./summary";
import { minilmGrid, minilmLambdas, minilmScale, minilmTasks, namedGrid, scaleOfSweep, SweptScale } from "./grids";
import { MINILM_ADDENDUM, MINILM_ADDENDUM_HASH } from "./protocol";
import { addendumVerdicts } from "./verdicts";

export interface MinilmExperiments {
  profile: Profile;
  /** Where the tasks came from: "GLUE (DIR)" or "the built-in suite". */
  source: string;
  sweep: GridResult;
  scale: { scale: number; etaQK: number; swept: SweptScale[] };
  grid: GridResult;
  design: { etaQK: number; lambdas: number[] };
  verdicts: ReturnType<typeof addendumVerdicts>;
  addendum: string;
}

export async function runMinilmExperiments(profile: Profile, options: { workers: number }): Promise<MinilmExperiments> {
  const glue = minilmTasks(profile)[0].dir !== "data/tasks";
  const source = glue ? `GLUE (${process.env.GLUE_DIR})` : "the built-in suite (set GLUE_DIR for real GLUE)";
  // Each runGrid prints its own summary (and any failed run's reason).
  const sweep = await runGrid(namedGrid("minilm-scale", profile), { workers: options.workers });
  if (sweep.missing > 0) minilmScale(profile); // throws, naming what is missing
  // The scale from the sweep just run, not read back again; the grid at it, named as namedGrid names it.
  const scale = scaleOfSweep(sweep.rows);
  const spec = minilmGrid(profile, scale.etaQK);
  const grid = await runGrid(profile === "default" ? spec : { ...spec, name: `${spec.name}-${profile}` }, {
    workers: options.workers, replace: true,
  });
  const design = { etaQK: scale.etaQK, lambdas: minilmLambdas(profile) };
  return {
    profile, source, sweep, scale, grid, design, verdicts: addendumVerdicts(grid.rows, design),
    addendum: `MiniLM addendum v${MINILM_ADDENDUM.version} (${MINILM_ADDENDUM_HASH})`,
  };
}

/**
 * One row per cell of a MiniLM grid (task, method, targets, η_QK, η_V), in points: the report-split score before and
 * after fine-tuning (mean ± sd over seeds), after on the selection split, and the majority baseline of the report
 * split.
 */
export function minilmCellTable(rows: readonly GridRow[]): Record<string, string | number>[] {
  const pct = (x: number) => +(100 * x).toFixed(1);
  return [...groupBy(rows, (r) => `${r.task}|${r.method}|${r.r}|${r.targets}|${r.etaQK}|${r.etaV}`)].map(([, cell]) => {
    const r = cell[0];
    const stats = cellStats(cell);
    const before = cell.reduce((s, x) => s + x.before, 0) / cell.length;
    return {
      task: r.task, method: methodLabel(r), "η_QK": r.etaQK, "η_V": r.etaV, λ: r.ratio, seeds: cell.length,
      before: pct(before), after: `${pct(stats.mean)} ± ${pct(stats.sd)}`,
      "after (selection split)": pct(stats.selectionMean), majority: pct(r.chance),
      diverged: stats.diverged,
    };
  });
}
