// A grid's table: results.csv / results.json (no wall-clock times, so a resumed grid gives the same bytes as an
// uninterrupted one) and timings.csv, written from the stored runs, and the rule that a results folder belongs to
// one grid spec.
import * as fs from "fs";
import * as path from "path";
import { GlueTaskName } from "../../data/glue";
import { writeFileAtomic } from "../../files/index";
import { adapterConfig, targetLabel } from "../../lora/index";
import { REPO_ROOT } from "../../paths";
import { CachedRun, canonicalJson, readCached } from "../cache";
import { FineTuneConfig, FineTuneResult } from "../finetune";
import { expandGrid, GridSpec } from "./spec";

/** One row of results.csv, and with config and result (less its wall-clock seconds) one of results.json. */
export interface GridRow {
  key: string;
  task: GlueTaskName;
  maxTrain: number | null;
  checkpoint: string;
  init: FineTuneConfig["init"];
  method: string;
  /** As the paper writes them: QV, QKV, … */
  targets: string;
  /** null for full fine-tuning. */
  r: number | null;
  etaQK: number;
  ratio: number;
  etaV: number;
  seed: number;
  status: "ok" | "diverged";
  metric: string;
  /**
   * The metric before and after fine-tuning on the report split, and after on the selection split (./finetune
   * protocolSplits).
   */
  before: number;
  after: number;
  selection: number;
  /** The majority baseline on each split, the report split's size, and ln(classes). */
  chance: number;
  chanceSelection: number;
  reportExamples: number;
  chanceLoss: number;
  /** Final training loss (mean over the last twentieth of the run); null when not finite. */
  loss: number | null;
  /** Training loss averaged over the run (the area under its curve over the run's length); null when not finite. */
  lossMean: number | null;
  steps: number;
  trainable: number;
  config: FineTuneConfig;
  result: Omit<FineTuneResult, "seconds">;
}

/** The scalar columns of a grid row, in results.csv's order (config and result are results.json's only). */
export const CSV_COLUMNS = [
  "key", "task", "maxTrain", "checkpoint", "init", "method", "targets", "r", "etaQK", "ratio", "etaV", "seed",
  "status", "metric", "before", "after", "selection", "chance", "chanceSelection", "reportExamples", "loss", "lossMean",
  "steps", "trainable",
] as const;


/**
 * A results folder whose table another grid spec wrote: runGrid refuses it unless told to replace
 * (options.replace).
 */
export class GridConflict extends Error {
  override name = "GridConflict";
}

/** The first field where two JSON values differ, as "base.steps: 100 there, 200 here"; undefined when equal. */
function firstDifference(there: unknown, here: unknown, at = ""): string | undefined {
  if (canonicalJson(there) === canonicalJson(here)) return undefined;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  // Into objects, and into lists of one length (a list that grew is shown whole).
  const sameShape = Array.isArray(there) ? Array.isArray(here) && there.length === here.length : !Array.isArray(here);
  if (isObject(there) && isObject(here) && sameShape) {
    for (const key of [...new Set([...Object.keys(there), ...Object.keys(here)])].sort()) {
      const found = firstDifference(
        there[key], here[key], at === "" ? key : Array.isArray(here) ? `${at}[${key}]` : `${at}.${key}`,
      );
      if (found !== undefined) return found;
    }
  }
  const show = (v: unknown) => (v === undefined ? "absent" : JSON.stringify(v));
  return `${at || "the spec"}: ${show(there)} there, ${show(here)} here`;
}

/**
 * Refuses (GridConflict) a results folder whose results.json was written by another spec, unless `replace`; then
 * returns a line saying what is replaced. A folder without results.json, or one written before specs were
 * recorded, belongs to whoever runs in it.
 */
export function checkFolderOwner(spec: GridSpec, resultsDir: string, replace: boolean): string | undefined {
  const file = path.join(resultsDir, "results.json");
  if (!fs.existsSync(file)) return undefined;
  let stored: { grid?: string; spec?: GridSpec };
  try {
    stored = JSON.parse(fs.readFileSync(file, "utf8")) as typeof stored;
  } catch (err) {
    throw new Error(
      `${file}: not valid JSON (${(err as Error).message}); delete it (the stored runs in runs/ are kept)`,
    );
  }
  if (stored.spec === undefined) return undefined;
  const difference = firstDifference(stored.spec, spec);
  if (difference === undefined) return undefined;
  const shown = resultsDir.startsWith(REPO_ROOT + path.sep) ? path.relative(REPO_ROOT, resultsDir) : resultsDir;
  const what = `${shown} holds the table of another grid spec named ${JSON.stringify(stored.grid)} (${difference})`;
  if (replace) {
    return `${what}: replacing its table with this grid's (the stored runs are kept; the ones both share are reused)`;
  }
  throw new GridConflict(
    `${what}; refusing to overwrite its results.csv. ` +
      "Give this grid another name or results folder (--results DIR), " +
      "or replace that table (--replace, or the option replace: true; its stored runs are kept)",
  );
}

export function gridResultsDir(spec: GridSpec): string {
  return path.join(REPO_ROOT, "data", "results", spec.name);
}

/**
 * Writes results.csv, results.json and timings.csv in `resultsDir` from the stored runs of the whole grid
 * (what a run of every shard leaves), without computing anything; returns the rows.
 */
export function collectGrid(spec: GridSpec, resultsDir = gridResultsDir(spec), configs = expandGrid(spec)): GridRow[] {
  const runsDir = path.join(resultsDir, "runs");
  const stored = configs
    .map((c) => readCached<FineTuneConfig, FineTuneResult>(runsDir, c))
    .filter((r): r is CachedRun<FineTuneConfig, FineTuneResult> => r !== undefined);
  const rows = stored.map((run) => {
    try {
      return gridRow(run);
    } catch (err) {
      // A file edited by hand, or written by a version that stored other fields.
      throw new Error(
        `${path.join(runsDir, `${run.key}.json`)}: not a complete stored run (${(err as Error).message}); ` +
          "delete it to recompute that run",
      );
    }
  });
  const csv = [CSV_COLUMNS.join(","), ...rows.map((row) => CSV_COLUMNS.map((c) => csvCell(row[c])).join(","))];
  writeFileAtomic(path.join(resultsDir, "results.csv"), csv.join("\n") + "\n");
  // The spec itself, so that another spec of the same name is refused rather than overwriting this table.
  writeFileAtomic(
    path.join(resultsDir, "results.json"),
    JSON.stringify(
      { grid: spec.name, spec, runs: configs.length, missing: configs.length - rows.length, rows }, null, 1,
    ) + "\n",
  );
  // Wall-clock times apart: they differ between two computations of the same run.
  const timings = ["key,seconds", ...stored.map((r) => `${r.key},${r.result.seconds}`)];
  writeFileAtomic(path.join(resultsDir, "timings.csv"), timings.join("\n") + "\n");
  return rows;
}

function gridRow(run: CachedRun<FineTuneConfig, FineTuneResult>): GridRow {
  const { config, result } = run;
  const adapter = adapterConfig(config.adapter);
  const { seconds: _seconds, ...timeless } = result;
  const last = result.loss[result.loss.length - 1];
  return {
    key: run.key, task: config.data.task, maxTrain: config.data.maxTrain ?? null, checkpoint: config.checkpoint.dir,
    init: config.init, method: adapter.method, targets: targetLabel(adapter.targetModules),
    r: adapter.method === "full" ? null : adapter.r, etaQK: config.rates.etaQK, ratio: config.rates.ratio,
    etaV: Number((config.rates.etaQK * config.rates.ratio).toPrecision(12)), seed: config.seed,
    status: result.diverged ? "diverged" : "ok", metric: result.after.metric, before: result.before.value,
    after: result.after.value,
    selection: result.selection.value, chance: result.chance.report, chanceSelection: result.chance.selection,
    reportExamples: result.splits.reportExamples, chanceLoss: result.chance.loss,
    // A diverged run's NaN loss was stored by JSON as null.
    loss: last !== undefined && Number.isFinite(last.loss) ? last.loss : null,
    lossMean: result.loss.every((l) => Number.isFinite(l.loss)) && result.loss.length > 0
      ? result.loss.reduce((a, l) => a + l.loss, 0) / result.loss.length
      : null,
    steps: result.steps, trainable: result.trainable,
    config, result: timeless,
  };
}

function csvCell(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
