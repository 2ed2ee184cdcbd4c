// Figures 3 and 4 from a rate grid's rows, one function for both notebooks: per task, the training loss at the
// η_QK of the best cell (selected on the selection split), one curve per η_V so that only λ changes, with the best
// λ = 1 cell for reference; a table of each curve's final loss and accuracy; and the protocol's verdict on
// "λ > 1 converges faster" (claim lambda-convergence: the λ design's contrasts on the loss averaged over the run).
import {
  bestCell, cellRows, ClaimVerdict, GridRow, groupBy, lambdaDesign, lambdaVerdict, Profile, rateCells, sameRate,
} from "../experiments/index";
import { show } from "./display";
import { lossCurves, LossCurveCell } from "./grids";
import { showTable, TableRow } from "../display/table";
import { showVerdict } from "./verdicts";

export interface ConvergenceOptions {
  /** The grid the rows come from, whose λ design the verdict uses. */
  grid: "figure1" | "figure2";
  profile: Profile;
  /** Named in the figure titles ("Encoder", "Decoder"). */
  architecture: string;
  /** Figure files are <save>_<task>.{png,svg,pdf} in figures/. */
  save: string;
}

export async function showConvergence(rows: readonly GridRow[], options: ConvergenceOptions): Promise<ClaimVerdict> {
  const table: TableRow[] = [];
  for (const [task, own] of groupBy(rows, (r) => r.task)) {
    const cells = rateCells(own);
    const best = bestCell(cells);
    const column = cells.filter((c) => c.etaQK === best.etaQK).sort((a, b) => a.etaV - b.etaV);
    const bestEqual = bestCell(cells.filter((c) => sameRate(c.ratio, 1)));
    const curves: LossCurveCell[] = column.map((c) => ({
      name: `λ = ${c.ratio} (η_V ${c.etaV})`, rows: cellRows(own, c),
    }));
    if (bestEqual.etaQK !== best.etaQK) {
      curves.push({ name: `best λ = 1 (η ${bestEqual.etaQK})`, rows: cellRows(own, bestEqual) });
    }
    const fig = lossCurves(curves, `${options.architecture} — ${task}: training loss at η_QK = ${best.etaQK}`);
    await show(fig, { save: `${options.save}_${task.toLowerCase().replace(/[^a-z0-9]+/g, "")}` });
    for (const c of column) {
      table.push({
        task, "η_QK": c.etaQK, "η_V": c.etaV, "λ": c.ratio, "final loss": +c.loss.toFixed(3),
        "accuracy %": +(100 * c.mean).toFixed(1),
      });
    }
  }
  showTable(table);
  const verdict = lambdaVerdict(
    { [options.grid]: { rows, design: lambdaDesign(options.grid, options.profile) } }, "loss",
  );
  showVerdict(verdict);
  return verdict;
}
