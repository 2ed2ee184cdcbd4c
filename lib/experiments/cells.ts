// The cells of a rate grid as the figures and verdicts read them: the rows of one (η_QK, η_V) cell, a task's
// chance accuracy, and whether a task's runs are all at chance (the protocol's "no signal").
import { GridRow } from "./grid/index";
import { RateCell } from "./summary";
import { chanceBand, reportScore } from "./verdicts";

/** Chance accuracy in % for a task's label count (MNLI: 3 labels). */
export function chancePercent(task: string): number {
  return task === "MNLI" ? 100 / 3 : 50;
}

/** True when no run scored above its majority baseline by more than the protocol's chance band. */
export function isAtChance(rows: readonly GridRow[]): boolean {
  return rows.length > 0 && rows.every((r) => reportScore(r) <= r.chance + chanceBand(r));
}

/** The rows of one (η_QK, η_V) cell. */
export function cellRows(rows: readonly GridRow[], cell: Pick<RateCell, "etaQK" | "etaV">): GridRow[] {
  return rows.filter((r) => r.etaQK === cell.etaQK && r.etaV === cell.etaV);
}
