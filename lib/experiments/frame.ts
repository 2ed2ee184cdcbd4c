// A grid's runs as a danfojs DataFrame (one row per run: results.csv's columns and the protocol's report score), so
// that the tables are group-bys over it, and the long-to-wide step a printed table needs (tasks as columns).
import type { DataFrame } from "danfojs-node";
import { TableRow, TableValue } from "../display/index";
import { CSV_COLUMNS, GridRow } from "./grid/index";
import { reportScore } from "./verdicts";

// Loaded on first use: danfojs is slow to import (measured in bench/README.md), and the runner and the CLI do not
// need it.
const danfo = (): typeof import("danfojs-node") => require("danfojs-node");

/** Columns computed from each row beside results.csv's, e.g. { method: (r) => methodLabel(r, r.ratio) }. */
export type FrameColumns = Record<string, (row: GridRow) => TableValue>;

/**
 * The runs as a DataFrame: results.csv's columns, `score` (the report-split score as the protocol counts it: a
 * diverged run scores its majority baseline, lib/experiments/verdicts reportScore) and the extra columns given.
 */
export function frame(rows: readonly GridRow[], extra: FrameColumns = {}): DataFrame {
  if (rows.length === 0) throw new Error("frame: no runs to tabulate");
  return new (danfo().DataFrame)(rows.map((row) => {
    const record: TableRow = {};
    for (const column of CSV_COLUMNS) record[column] = row[column];
    record.score = reportScore(row);
    for (const [name, value] of Object.entries(extra)) record[name] = value(row);
    return record;
  }));
}

/** A frame's rows as plain objects, column by column as the frame holds them. */
export function frameRows(df: DataFrame): TableRow[] {
  const columns = df.columns;
  return (df.values as TableValue[][]).map((values) => Object.fromEntries(columns.map((c, i) => [c, values[i]])));
}

export interface WideOptions {
  /** The columns that name a row of the wide table (e.g. ["targets"]). */
  index: string[];
  /** The column whose values become the wide table's columns (e.g. "task"). */
  columns: string;
  /** The column that fills the cells (e.g. "after_mean"). */
  values: string;
}

/**
 * Long to wide: one row per distinct index, in the order first seen, one column per value of `columns`. A cell
 * the long table does not have is undefined; two long rows for one cell are an error (aggregate first).
 */
export function wide(long: readonly TableRow[], options: WideOptions): TableRow[] {
  const out = new Map<string, TableRow>();
  const filled = new Set<string>();
  for (const row of long) {
    const id = JSON.stringify(options.index.map((c) => row[c]));
    const target = out.get(id) ?? Object.fromEntries(options.index.map((c) => [c, row[c]]));
    out.set(id, target);
    const column = String(row[options.columns]);
    const cell = JSON.stringify([id, column]);
    if (filled.has(cell)) {
      throw new Error(`wide: two rows for ${id} at ${options.columns} = ${column}: aggregate them first`);
    }
    filled.add(cell);
    target[column] = row[options.values];
  }
  return [...out.values()];
}

/**
 * Mean, sample standard deviation (0 for a single run) and count of `value` per group of the `by` columns: the
 * frame's group-by, with the groups in the order they first appear in the frame (danfojs sorts them by key).
 */
export function summarize(df: DataFrame, by: string[], value: string): TableRow[] {
  const grouped = frameRows(df.groupby(by).agg({ [value]: ["mean", "std", "count"] }));
  const id = (row: TableRow) => JSON.stringify(by.map((c) => row[c]));
  const firstSeen = new Map<string, number>();
  frameRows(df).forEach((row, i) => { if (!firstSeen.has(id(row))) firstSeen.set(id(row), i); });
  return grouped.sort((a, b) => firstSeen.get(id(a))! - firstSeen.get(id(b))!);
}
