// runGrid: computes the runs of a grid that are not stored yet in worker processes (./pool), one file per run keyed
// by its configuration (../cache), and writes the grid's table (./table). Interrupt it at will: finished runs are
// kept, a run in progress leaves nothing, and a rerun computes only what is missing. `shard` splits a grid over
// SLURM array tasks (./slurm).
import * as path from "path";
import { checkOutputPath } from "../../files/index";
import { REPO_ROOT } from "../../paths";
import { progress } from "../../display/progress";
import { clearStaleLocks, readCached, runKey } from "../cache";
import { libraryCodeHash } from "../finetune";
import { runLabel } from "./labels";
import { runJobs } from "./pool";
import { expandGrid, GridSpec, isLibraryGrid } from "./spec";
import { checkFolderOwner, collectGrid, gridResultsDir, GridRow } from "./table";

export interface GridFailure {
  index: number;
  key: string;
  label: string;
  error: string;
}

export interface GridProgress {
  /** Runs of this shard finished (computed, cached or failed) and their number. */
  done: number;
  total: number;
  cached: number;
  computed: number;
  failed: number;
  label: string;
  status: "ok" | "diverged" | "failed";
  /** Wall-clock seconds of the run just finished, and the time left (mean run time of this session / workers). */
  seconds: number;
  etaSeconds: number;
}

export interface GridOptions {
  /** Default data/results/<spec.name>. */
  resultsDir?: string;
  /** Child processes computing runs (default 1; at most the number of runs to compute). */
  workers?: number;
  /** Compute only the runs whose expansion index % count === index. */
  shard?: { index: number; count: number };
  onProgress?: (p: GridProgress) => void;
  /** Show a progress bar (default true). */
  showProgress?: boolean;
  /**
   * Print each failed run's reason and then the grid's summary line (gridSummary) when done (default:
   * showProgress).
   */
  report?: boolean;
  /**
   * Let this grid take over a results folder whose table another spec of the same name wrote (its stored runs
   * are kept and reused where they match). Default false, except for the library's own grids (namedGrid), whose
   * folder follows their definition.
   */
  replace?: boolean;
}

export interface GridResult {
  name: string;
  resultsDir: string;
  /** Runs in the whole grid (every shard). */
  total: number;
  /** Runs of this shard computed now, found stored, and failed (not stored; a rerun retries them). */
  computed: number;
  cached: number;
  failed: GridFailure[];
  /** Runs of the grid with no stored result (other shards' not yet run, failed ones). */
  missing: number;
  /** Stored runs whose provenance names other library code than this checkout's (kept, and said). */
  stale: number;
  /** The stored runs, in expansion order (what results.csv / results.json hold). */
  rows: GridRow[];
}


/** Computes the grid's missing runs (of this shard) in worker processes, then writes the results files. */
export async function runGrid(spec: GridSpec, options: GridOptions = {}): Promise<GridResult> {
  const configs = expandGrid(spec);
  const resultsDir = path.resolve(options.resultsDir ?? gridResultsDir(spec));
  const runsDir = path.join(resultsDir, "runs");
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new Error(`workers must be a positive integer, got ${JSON.stringify(workers)}`);
  }
  const shard = options.shard ?? { index: 0, count: 1 };
  if (
    !Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 ||
    shard.index >= shard.count
  ) {
    throw new Error(`shard must be integers with 0 ≤ index < count, got ${JSON.stringify(shard)}`);
  }
  const replacing = checkFolderOwner(spec, resultsDir, options.replace ?? isLibraryGrid(spec));
  if (replacing !== undefined && options.showProgress !== false) console.log(`grid ${spec.name}: ${replacing}`);
  const mine = configs
    .map((config, index) => ({ index, config, key: runKey(config) }))
    .filter((j) => j.index % shard.count === shard.index);
  const jobs = mine.filter((j) => readCached(runsDir, j.config) === undefined);
  // Before computing anything: a results folder that cannot take the runs would lose every one of them.
  if (jobs.length > 0) {
    checkOutputPath(runsDir, "folder", [], `grid ${spec.name}: results folder`);
    clearStaleLocks(runsDir);
  }
  let cached = mine.length - jobs.length;
  const failed: GridFailure[] = [];
  let computed = 0;
  const started = Math.min(workers, jobs.length);
  if (jobs.length > 0) {
    const bar = options.showProgress === false ? undefined : progress(jobs.length, `grid ${spec.name}`);
    let busySeconds = 0;
    // A run stored by another process computing the same grid meanwhile counts as cached.
    await runJobs(jobs, started, runsDir, (job, reply) => {
      const label = runLabel(job.config);
      if (reply.type === "failed") failed.push({ index: job.index, key: job.key, label, error: reply.error });
      else if (reply.type === "stored") cached++;
      else {
        computed++;
        busySeconds += reply.seconds;
      }
      const done = cached + computed + failed.length;
      const etaSeconds = computed === 0 ? NaN : (busySeconds / computed / started) * (mine.length - done);
      bar?.tick(
        1, `${done}/${mine.length} runs with ${cached} cached${failed.length > 0 ? `, ${failed.length} failed` : ""}`,
      );
      options.onProgress?.({
        done, total: mine.length, cached, computed, failed: failed.length, label,
        status: reply.type === "failed" ? "failed" : reply.type === "stored" || !reply.diverged ? "ok" : "diverged",
        seconds: reply.type === "done" ? reply.seconds : NaN, etaSeconds,
      });
    });
    bar?.done();
  }
  const rows = collectGrid(spec, resultsDir, configs);
  const stale = rows.filter((r) => r.result.provenance.code !== libraryCodeHash());
  if (stale.length > 0 && options.showProgress !== false) {
    console.log(
      `grid ${spec.name}: ${stale.length} of ${rows.length} stored runs were computed by other library code ` +
        `(code ${stale[0].result.provenance.code}, now ${libraryCodeHash()}); ` +
        `delete ${path.relative(REPO_ROOT, runsDir)} to recompute them`,
    );
  }
  const result = {
    name: spec.name, resultsDir, total: configs.length, computed, cached, failed, missing: configs.length - rows.length,
    stale: stale.length, rows,
  };
  if (options.report ?? options.showProgress !== false) {
    for (const f of failed) console.log(`  failed: run ${f.index} (${f.key}) ${f.label}: ${f.error}`);
    console.log(gridSummary(result));
  }
  return result;
}

/**
 * "grid NAME: 120 runs (3 computed, 117 cached, 0 failed) → data/results/NAME/results.csv"; failed runs are retried
 * by a rerun.
 */
export function gridSummary(result: GridResult): string {
  const counts = [
    `${result.computed} computed`, `${result.cached} cached`, `${result.failed.length} failed`,
    ...(result.missing > 0 ? [`${result.missing} missing`] : []),
  ];
  const where = path.relative(process.cwd(), result.resultsDir) || ".";
  const retry = result.failed.length > 0 ? "; failed runs are not stored, a rerun retries them" : "";
  return `grid ${result.name}: ${result.total} runs (${counts.join(", ")}) → ` +
    `${path.join(where, "results.csv")}${retry}`;
}
