// Declarative fine-tuning sweeps. A GridSpec names the fields every run shares (`base`, FineTuneConfig's
// fields) and the axes whose cartesian product gives the runs; runGrid computes the runs that are not stored
// yet in child processes (./worker), one file per run keyed by its configuration (./cache), and writes the
// grid's table (results.csv / results.json, no wall-clock times, so a resumed grid gives the same bytes as an
// uninterrupted one). Interrupt it at will: finished runs are kept, a run in progress leaves nothing, and a
// rerun computes only what is missing. `shard` splits a grid over SLURM array tasks (slurmScript).
//
// Axes and the field each one sets (an axis overrides base):
//   task → data ({dir, task, maxTrain?, maxEval?}; relative dirs are taken from the repository root)
//   checkpoint → checkpoint (a folder, or a {dir, sha256} reference; a folder is hashed, see checkpointRef)
//   init → init        adapter → adapter (AdapterFields: method, r, loraAlpha, targetModules, …)
//   targets → adapter.targetModules ("q,v" or ["query", "value"])   rank → adapter.r (loraAlpha stays as given)
//   etaQK → rates.etaQK        ratio → rates.ratio (λ)        seed → seed
//   etaV → rates.ratio = etaV / etaQK (rounded to 12 significant digits, so 3e-4 / 1e-4 is 3); not with a ratio axis
// Runs are in the order of the axes as declared (the key order of `axes`), the last axis varying fastest.
// `axes` may also be a list of such objects: the grid is then the union of their products, in order, a run
// that two of them share kept once (the paper's heatmap cells at one seed beside the protocol's λ design at three).
// Every run carries the verdict protocol's hash (./protocol; or the grid's `protocol`, an addendum's), so runs made
// under another protocol are recomputed.
import { ChildProcess, fork } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { GLUE_TASK_NAMES, GlueTaskName } from "../data/glue";
import { checkOutputPath, writeFileAtomic } from "../files/index";
import { adapterConfig, AdapterFields, parseTargets, strictAdapterFields, targetLabel } from "../lora/index";
import { LEARNING_RATE_FIELDS, LearningRates, validateLearningRates } from "../train/groups";
import { checkObject, nearestName } from "../validate/index";
import { REPO_ROOT } from "../paths";
import { progress } from "../plot/progress";
import { SCHEDULES, ScheduleName } from "../train/schedule";
import { CachedRun, canonicalJson, claimRun, clearStaleLocks, readCached, runKey } from "./cache";
import { checkpointRef, configPath, FineTuneConfig, FineTuneResult, libraryCodeHash } from "./finetune";
import { PROTOCOL_HASH } from "./protocol";

export interface GridTask {
  dir: string;
  task: GlueTaskName;
  maxTrain?: number;
  maxEval?: number;
  /** This task's fine-tuning steps, in place of base.steps (the paper trains SST-2 for twice the epochs of the others). */
  steps?: number;
}

/** A checkpoint folder, or the reference checkpointRef makes of one. */
export type GridCheckpoint = string | FineTuneConfig["checkpoint"];

/** The fields every run shares; those an axis sets may be left out here. */
export interface GridBase {
  data?: GridTask;
  checkpoint?: GridCheckpoint;
  init?: FineTuneConfig["init"];
  adapter?: AdapterFields;
  /** grouping defaults to "paper". */
  rates?: Partial<LearningRates>;
  steps: number;
  batchSize: number;
  maxLength: number;
  schedule: ScheduleName;
  seed?: number;
}

export interface GridAxes {
  task?: GridTask[];
  checkpoint?: GridCheckpoint[];
  init?: FineTuneConfig["init"][];
  adapter?: AdapterFields[];
  targets?: (string | string[])[];
  rank?: number[];
  etaQK?: number[];
  ratio?: number[];
  etaV?: number[];
  seed?: number[];
}

export interface GridSpec {
  /** Names the results folder (data/results/NAME): letters, digits, '.', '_', '-'. */
  name: string;
  base: GridBase;
  /** One product of axes, or a union of several. */
  axes: GridAxes | GridAxes[];
  /** The hash of the protocol (or addendum) its runs are made under; default PROTOCOL_HASH. */
  protocol?: string;
}

type AxisName = keyof GridAxes;
const GRID_BASE_FIELDS = ["data", "checkpoint", "init", "adapter", "rates", "steps", "batchSize", "maxLength", "schedule", "seed"] as const;
const GRID_TASK_FIELDS = ["dir", "task", "maxTrain", "maxEval", "steps"] as const;

/** A task object's fields, and its sizes as positive integers (a worker would fail on each run otherwise). */
function checkTask(task: unknown, field: string, where: string): void {
  const t = checkObject(task, GRID_TASK_FIELDS, field, (m) => new Error(`${where}: ${m}`));
  for (const size of ["maxTrain", "maxEval", "steps"] as const) {
    if (t[size] !== undefined && (!Number.isInteger(t[size]) || (t[size] as number) < 1)) {
      throw new Error(`${where}: ${field}.${size} must be a positive integer, got ${JSON.stringify(t[size])}`);
    }
  }
}
const AXIS_NAMES: AxisName[] = ["task", "checkpoint", "init", "adapter", "targets", "rank", "etaQK", "ratio", "etaV", "seed"];

/** Every run of the grid, in the documented order; the spec is checked first (errors name the grid and field). */
export function expandGrid(spec: GridSpec): FineTuneConfig[] {
  const where = `grid ${JSON.stringify(spec.name)}`;
  const strict = (value: unknown, known: readonly string[], field: string) => checkObject(value, known, field, (m) => new Error(`${where}: ${m}`));
  strict(spec, ["name", "base", "axes", "protocol"], "");
  if (typeof spec.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(spec.name)) {
    throw new Error(`${where}: name must be letters, digits, '.', '_' or '-' (it names the results folder)`);
  }
  strict(spec.base, GRID_BASE_FIELDS, "base");
  if (spec.base.data !== undefined) checkTask(spec.base.data, "base.data", where);
  if (spec.base.rates !== undefined) strict(spec.base.rates, LEARNING_RATE_FIELDS, "base.rates");
  if (spec.base.adapter !== undefined) strictAdapterFields(spec.base.adapter, `${where}: base.adapter`);
  const parts = Array.isArray(spec.axes) ? spec.axes : [spec.axes];
  if (parts.length === 0) throw new Error(`${where}: axes must be an object of value lists, or a non-empty list of them`);
  for (const field of ["steps", "batchSize", "maxLength"] as const) {
    if (!Number.isInteger(spec.base[field]) || spec.base[field] < (field === "maxLength" ? 2 : 1)) throw new Error(`${where}: base.${field} must be an integer ≥ ${field === "maxLength" ? 2 : 1}, got ${JSON.stringify(spec.base[field])}`);
  }
  if (!SCHEDULES.includes(spec.base.schedule)) throw new Error(`${where}: base.schedule must be one of ${SCHEDULES.join(", ")}, got ${JSON.stringify(spec.base.schedule)}`);
  const checkpoints = new Map<string, FineTuneConfig["checkpoint"]>();
  const configs: FineTuneConfig[] = [];
  const inUnion = new Set<string>();
  parts.forEach((part, p) => {
    const partWhere = parts.length > 1 ? `${where}, axes[${p}]` : where;
    for (const config of expandProduct(spec.base, part, partWhere, checkpoints, spec.protocol ?? PROTOCOL_HASH)) {
      const key = runKey(config);
      if (inUnion.has(key)) continue;
      inUnion.add(key);
      configs.push(config);
    }
  });
  return configs;
}

function expandProduct(base: GridBase, product: GridAxes, where: string, checkpoints: Map<string, FineTuneConfig["checkpoint"]>, protocol: string): FineTuneConfig[] {
  if (typeof product !== "object" || product === null || Array.isArray(product)) throw new Error(`${where}: axes must be an object of value lists`);
  const axes = Object.entries(product) as [AxisName, unknown[]][];
  for (const [name, values] of axes) {
    if (!AXIS_NAMES.includes(name)) {
      const near = nearestName(name, AXIS_NAMES);
      throw new Error(`${where}: unknown axis ${JSON.stringify(name)}; ${near !== undefined ? `did you mean ${near}?` : `the axes are ${AXIS_NAMES.join(", ")}`}`);
    }
    if (!Array.isArray(values) || values.length === 0) throw new Error(`${where}: axis ${name} must be a non-empty list, got ${JSON.stringify(values)}`);
  }
  product.task?.forEach((t, i) => checkTask(t, `axes.task[${i}]`, where));
  product.adapter?.forEach((a, i) => strictAdapterFields(a, `${where}: axes.adapter[${i}]`));
  if (product.etaV && (product.ratio || base.rates?.ratio !== undefined)) {
    throw new Error(`${where}: an etaV axis sets λ = etaV / etaQK, so give neither a ratio axis nor base.rates.ratio`);
  }
  const total = axes.reduce((n, [, values]) => n * values.length, 1);
  const configs: FineTuneConfig[] = [];
  const seen = new Map<string, number>();
  for (let index = 0; index < total; index++) {
    // Mixed radix, last axis fastest.
    const choice: GridAxisValues = {};
    let rest = index;
    for (let a = axes.length - 1; a >= 0; a--) {
      const [name, values] = axes[a];
      (choice as Record<string, unknown>)[name] = values[rest % values.length];
      rest = Math.floor(rest / values.length);
    }
    let config: FineTuneConfig;
    try {
      config = gridConfig(base, choice, checkpoints, protocol);
    } catch (err) {
      throw new Error(`${where}, run ${index}: ${(err as Error).message}`);
    }
    const key = runKey(config);
    if (seen.has(key)) throw new Error(`${where}: runs ${seen.get(key)} and ${index} have the same configuration (key ${key}); remove the repeated axis value`);
    seen.set(key, index);
    configs.push(config);
  }
  return configs;
}

type GridAxisValues = { [A in AxisName]?: NonNullable<GridAxes[A]>[number] };

/** One run's configuration from the base and one value per axis (errors are prefixed with the grid and run by the caller). */
function gridConfig(base: GridBase, choice: GridAxisValues, checkpoints: Map<string, FineTuneConfig["checkpoint"]>, protocol: string): FineTuneConfig {
  const required = <T>(value: T | undefined, field: string, axis: string): T => {
    if (value === undefined || value === null) throw new Error(`no ${field}; set base.${field} or give an axis ${axis}`);
    return value;
  };
  const task = required(choice.task ?? base.data, "data", "task");
  if (!(GLUE_TASK_NAMES as readonly string[]).includes(task.task)) {
    throw new Error(`task ${JSON.stringify(task.task)} is not one of ${GLUE_TASK_NAMES.join(", ")}`);
  }
  if (typeof task.dir !== "string" || task.dir === "") throw new Error(`task ${task.task} needs a dir, got ${JSON.stringify(task.dir)}`);
  const { steps: taskSteps, ...taskData } = task;
  if (taskSteps !== undefined && (!Number.isInteger(taskSteps) || taskSteps < 1)) throw new Error(`task ${task.task}: steps must be a positive integer, got ${JSON.stringify(taskSteps)}`);
  const data: FineTuneConfig["data"] = { ...taskData, dir: configPath(path.resolve(REPO_ROOT, task.dir)) };
  const checkpoint = required(choice.checkpoint ?? base.checkpoint, "checkpoint", "checkpoint");
  let ref = typeof checkpoint === "string" ? checkpoints.get(checkpoint) : checkpoint;
  if (ref === undefined) {
    ref = checkpointRef(path.resolve(REPO_ROOT, checkpoint as string));
    checkpoints.set(checkpoint as string, ref);
  }
  const fields: AdapterFields = { ...required(choice.adapter ?? base.adapter, "adapter", "adapter") };
  if (choice.targets !== undefined) fields.targetModules = parseTargets(choice.targets, "targets");
  if (choice.rank !== undefined) fields.r = choice.rank;
  const adapter = { ...adapterConfig(fields) };
  const etaQK = required(choice.etaQK ?? base.rates?.etaQK, "rates.etaQK", "etaQK");
  const ratio = choice.etaV !== undefined ? Number((choice.etaV / etaQK).toPrecision(12)) : required(choice.ratio ?? base.rates?.ratio, "rates.ratio", "ratio or etaV");
  const rates: LearningRates = { ...base.rates, etaQK, ratio, grouping: base.rates?.grouping ?? "paper" };
  validateLearningRates(rates);
  const seed = required(choice.seed ?? base.seed, "seed", "seed");
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be an integer ≥ 0, got ${JSON.stringify(seed)}`);
  const init = required(choice.init ?? base.init, "init", "init");
  // fineTune takes anything but "pretrained" as a fresh initialisation: a misspelling must not pass.
  if (init !== "pretrained" && init !== "random") throw new Error(`init must be pretrained or random, got ${JSON.stringify(init)}`);
  return {
    data, checkpoint: ref, init, adapter, rates,
    steps: taskSteps ?? base.steps, batchSize: base.batchSize, maxLength: base.maxLength, schedule: base.schedule, seed, protocol,
  };
}

/** One line naming a run: "SST-2 pretrained lora QV r8 ηQK 0.001 λ 4 seed 0". */
export function runLabel(config: FineTuneConfig): string {
  const a = adapterConfig(config.adapter);
  const rank = a.method === "full" ? "" : ` r${a.r}`;
  return `${config.data.task} ${config.init} ${a.method} ${targetLabel(a.targetModules)}${rank} ηQK ${config.rates.etaQK} λ ${config.rates.ratio} seed ${config.seed}`;
}

/** The methods as the paper's tables name them. */
export const METHOD_NAMES: Record<string, string> = { full: "Full FT", lora: "LoRA", dora: "DoRA" };

/**
 * A method as Table 2 names its rows, "LoRA (QV) r=8" (no rank for full fine-tuning), with ", λ=4" appended for
 * a QV row when `lambda` is given (QKV rows are all at λ = 1).
 */
export function methodLabel(row: { method: string; targets: string; r: number | null }, lambda?: number | null): string {
  const rank = row.r === null ? "" : ` r=${row.r}`;
  const ratio = row.targets === "QV" && lambda !== undefined && lambda !== null ? `, λ=${lambda}` : "";
  return `${METHOD_NAMES[row.method] ?? row.method} (${row.targets})${rank}${ratio}`;
}

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
  /** The metric before and after fine-tuning on the report split, and after on the selection split (./finetune protocolSplits). */
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

const CSV_COLUMNS = [
  "key", "task", "maxTrain", "checkpoint", "init", "method", "targets", "r", "etaQK", "ratio", "etaV", "seed",
  "status", "metric", "before", "after", "selection", "chance", "chanceSelection", "reportExamples", "loss", "lossMean", "steps", "trainable",
] as const;

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

/** A results folder whose table another grid spec wrote: runGrid refuses it unless told to replace (options.replace). */
export class GridConflict extends Error {
  override name = "GridConflict";
}

/** Specs the library defines (namedGrid): a changed definition replaces their table rather than being refused. */
const LIBRARY_SPECS = new WeakSet<GridSpec>();

/** Marks `spec` as one of the library's own grids (see GridOptions.replace); returns it. */
export function libraryGrid(spec: GridSpec): GridSpec {
  LIBRARY_SPECS.add(spec);
  return spec;
}

/** The first field where two JSON values differ, as "base.steps: 100 there, 200 here"; undefined when equal. */
function firstDifference(there: unknown, here: unknown, at = ""): string | undefined {
  if (canonicalJson(there) === canonicalJson(here)) return undefined;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  // Into objects, and into lists of one length (a list that grew is shown whole).
  const sameShape = Array.isArray(there) ? Array.isArray(here) && there.length === here.length : !Array.isArray(here);
  if (isObject(there) && isObject(here) && sameShape) {
    for (const key of [...new Set([...Object.keys(there), ...Object.keys(here)])].sort()) {
      const found = firstDifference(there[key], here[key], at === "" ? key : Array.isArray(here) ? `${at}[${key}]` : `${at}.${key}`);
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
function checkFolderOwner(spec: GridSpec, resultsDir: string, replace: boolean): string | undefined {
  const file = path.join(resultsDir, "results.json");
  if (!fs.existsSync(file)) return undefined;
  let stored: { grid?: string; spec?: GridSpec };
  try {
    stored = JSON.parse(fs.readFileSync(file, "utf8")) as typeof stored;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); delete it (the stored runs in runs/ are kept)`);
  }
  if (stored.spec === undefined) return undefined;
  const difference = firstDifference(stored.spec, spec);
  if (difference === undefined) return undefined;
  const shown = resultsDir.startsWith(REPO_ROOT + path.sep) ? path.relative(REPO_ROOT, resultsDir) : resultsDir;
  const what = `${shown} holds the table of another grid spec named ${JSON.stringify(stored.grid)} (${difference})`;
  if (replace) return `${what}: replacing its table with this grid's (the stored runs are kept; the ones both share are reused)`;
  throw new GridConflict(`${what}; refusing to overwrite its results.csv. Give this grid another name or results folder (--results DIR), ` +
    "or replace that table (--replace, or the option replace: true; its stored runs are kept)");
}

/** runGrid stopped by SIGINT or SIGTERM (finished runs are stored; a rerun resumes). */
export class GridInterrupted extends Error {
  override name = "GridInterrupted";
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** What runGrid sends a worker, and what the worker answers. */
export type WorkerRequest = { type: "run"; key: string; config: FineTuneConfig; dir: string };
export type WorkerReply =
  | { type: "ready" }
  | { type: "fatal"; error: string }
  | { type: "done"; key: string; diverged: boolean; seconds: number }
  | { type: "failed"; key: string; error: string };

export function gridResultsDir(spec: GridSpec): string {
  return path.join(REPO_ROOT, "data", "results", spec.name);
}

/** Computes the grid's missing runs (of this shard) in worker processes, then writes the results files. */
export async function runGrid(spec: GridSpec, options: GridOptions = {}): Promise<GridResult> {
  const configs = expandGrid(spec);
  const resultsDir = path.resolve(options.resultsDir ?? gridResultsDir(spec));
  const runsDir = path.join(resultsDir, "runs");
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${JSON.stringify(workers)}`);
  const shard = options.shard ?? { index: 0, count: 1 };
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new Error(`shard must be integers with 0 ≤ index < count, got ${JSON.stringify(shard)}`);
  }
  const replacing = checkFolderOwner(spec, resultsDir, options.replace ?? LIBRARY_SPECS.has(spec));
  if (replacing !== undefined && options.showProgress !== false) console.log(`grid ${spec.name}: ${replacing}`);
  const mine = configs.map((config, index) => ({ index, config, key: runKey(config) })).filter((j) => j.index % shard.count === shard.index);
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
      bar?.tick(1, `${done}/${mine.length} runs with ${cached} cached${failed.length > 0 ? `, ${failed.length} failed` : ""}`);
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
    console.log(`grid ${spec.name}: ${stale.length} of ${rows.length} stored runs were computed by other library code (code ${stale[0].result.provenance.code}, now ${libraryCodeHash()}); delete ${path.relative(REPO_ROOT, runsDir)} to recompute them`);
  }
  return { name: spec.name, resultsDir, total: configs.length, computed, cached, failed, missing: configs.length - rows.length, stale: stale.length, rows };
}

/**
 * Writes results.csv, results.json and timings.csv in `resultsDir` from the stored runs of the whole grid
 * (what a run of every shard leaves), without computing anything; returns the rows.
 */
export function collectGrid(spec: GridSpec, resultsDir = gridResultsDir(spec), configs = expandGrid(spec)): GridRow[] {
  const runsDir = path.join(resultsDir, "runs");
  const stored = configs.map((c) => readCached<FineTuneConfig, FineTuneResult>(runsDir, c)).filter((r): r is CachedRun<FineTuneConfig, FineTuneResult> => r !== undefined);
  const rows = stored.map((run) => {
    try {
      return gridRow(run);
    } catch (err) {
      // A file edited by hand, or written by a version that stored other fields.
      throw new Error(`${path.join(runsDir, `${run.key}.json`)}: not a complete stored run (${(err as Error).message}); delete it to recompute that run`);
    }
  });
  const csv = [CSV_COLUMNS.join(","), ...rows.map((row) => CSV_COLUMNS.map((c) => csvCell(row[c])).join(","))];
  writeFileAtomic(path.join(resultsDir, "results.csv"), csv.join("\n") + "\n");
  // The spec itself, so that another spec of the same name is refused rather than overwriting this table.
  writeFileAtomic(path.join(resultsDir, "results.json"), JSON.stringify({ grid: spec.name, spec, runs: configs.length, missing: configs.length - rows.length, rows }, null, 1) + "\n");
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
    key: run.key, task: config.data.task, maxTrain: config.data.maxTrain ?? null, checkpoint: config.checkpoint.dir, init: config.init,
    method: adapter.method, targets: targetLabel(adapter.targetModules), r: adapter.method === "full" ? null : adapter.r,
    etaQK: config.rates.etaQK, ratio: config.rates.ratio, etaV: Number((config.rates.etaQK * config.rates.ratio).toPrecision(12)), seed: config.seed,
    status: result.diverged ? "diverged" : "ok", metric: result.after.metric, before: result.before.value, after: result.after.value,
    selection: result.selection.value, chance: result.chance.report, chanceSelection: result.chance.selection,
    reportExamples: result.splits.reportExamples, chanceLoss: result.chance.loss,
    // A diverged run's NaN loss was stored by JSON as null.
    loss: last !== undefined && Number.isFinite(last.loss) ? last.loss : null,
    lossMean: result.loss.every((l) => Number.isFinite(l.loss)) && result.loss.length > 0 ? result.loss.reduce((a, l) => a + l.loss, 0) / result.loss.length : null,
    steps: result.steps, trainable: result.trainable,
    config, result: timeless,
  };
}

function csvCell(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

type Job = { index: number; key: string; config: FineTuneConfig };
/** A worker's answer for a job, or "stored": another process stored the run meanwhile (./cache claimRun). */
type RunReply = Extract<WorkerReply, { type: "done" | "failed" }> | { type: "stored"; key: string };

/** How often an idle worker looks again at runs another process is computing. */
const CLAIM_POLL_MS = 250;

const TSX_LOADER = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cjs", "index.cjs");
const WORKER = path.join(__dirname, "worker.ts");

/**
 * Runs `jobs` on `count` forked workers, each taking the next job when it is free. Resolves when all are done;
 * rejects with GridInterrupted on SIGINT / SIGTERM (of this process or of a worker: Ctrl-C and a Jupyter
 * interrupt signal the whole process group), killing the workers. A worker that dies otherwise fails its run
 * and is replaced. Each job is claimed (./cache claimRun) just before it is sent: one stored meanwhile is reported
 * as "stored", one another process holds waits until that process stores it (or dies, and it is taken over).
 */
function runJobs(jobs: Job[], count: number, runsDir: string, onReply: (job: Job, reply: RunReply) => void): Promise<void> {
  if (!fs.existsSync(TSX_LOADER)) throw new Error(`${TSX_LOADER} is missing: run \`npm run setup\` in ${REPO_ROOT} first`);
  // Two workers each running OpenBLAS on every core would thrash; an explicit QKV_BLAS_THREADS is kept.
  const env = count > 1 ? { ...process.env, QKV_BLAS_THREADS: process.env.QKV_BLAS_THREADS ?? "1" } : process.env;
  const queue = jobs.slice();
  const heldElsewhere: Job[] = [];
  const claims = new Map<string, () => void>();
  const release = (key: string): void => {
    claims.get(key)?.();
    claims.delete(key);
  };
  /** The next job this process may compute; the others are reported stored or set aside as held elsewhere. */
  const claimNext = (): Job | undefined => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      const claim = claimRun(runsDir, job.config);
      if (claim.state === "claimed") {
        claims.set(job.key, claim.release);
        return job;
      }
      if (claim.state === "stored") onReply(job, { type: "stored", key: job.key });
      else heldElsewhere.push(job);
    }
    return undefined;
  };
  const children = new Set<ChildProcess>();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      for (const child of children) child.kill("SIGTERM");
      for (const key of [...claims.keys()]) release(key);
      if (err) reject(err);
      else resolve();
    };
    const onSignal = (signal: NodeJS.Signals): void => finish(new GridInterrupted(signal));
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);

    const start = (): void => {
      const child = fork(WORKER, [], { execArgv: ["--require", TSX_LOADER], env });
      children.add(child);
      let job: Job | undefined;
      let ready = false;
      const next = (): void => {
        if (settled) return;
        job = claimNext();
        if (job !== undefined) {
          const request: WorkerRequest = { type: "run", key: job.key, config: job.config, dir: runsDir };
          child.send(request);
        } else if (heldElsewhere.length > 0) {
          setTimeout(() => {
            queue.push(...heldElsewhere.splice(0));
            next();
          }, CLAIM_POLL_MS);
        } else {
          children.delete(child);
          child.disconnect();
          if (children.size === 0) finish();
        }
      };
      child.on("message", (reply: WorkerReply) => {
        if (reply.type === "ready") {
          ready = true;
          next();
        } else if (reply.type === "fatal") finish(new Error(`grid worker could not start: ${reply.error}`));
        else {
          release(job!.key);
          onReply(job!, reply);
          next();
        }
      });
      child.on("error", (err) => finish(new Error(`grid worker: ${err.message}`)));
      child.on("exit", (code, signal) => {
        if (settled || !children.has(child)) return;
        children.delete(child);
        if (signal === "SIGINT" || signal === "SIGTERM") return finish(new GridInterrupted(signal));
        const why = signal ? `killed by ${signal}${signal === "SIGKILL" ? ", out of memory?" : ""}` : `exit code ${code}`;
        if (!ready) return finish(new Error(`grid worker exited before it was ready (${why})`));
        if (job !== undefined) {
          release(job.key);
          onReply(job, { type: "failed", key: job.key, error: `the worker process died (${why})` });
        }
        if (queue.length > 0 || heldElsewhere.length > 0) start();
        else if (children.size === 0) finish();
      });
    };
    for (let i = 0; i < count; i++) start();
  });
}

export interface SlurmOptions {
  /** More arguments for every shard's `qkv grid` (e.g. ["--profile", "full"]). */
  args?: string[];
  /** Default qkv-<grid name>. */
  jobName?: string;
  /** Default 2. */
  cpusPerTask?: number;
  /** SLURM's --time (e.g. "04:00:00"); left to the cluster's default when absent. */
  time?: string;
  /** Where the tasks' logs go (default <repository>/.qkv/slurm; SLURM does not create it). */
  logDir?: string;
}

/**
 * A SLURM job-array script running `qkv grid GRID` as `shards` array tasks, one shard each (GRID: a named
 * grid, or the absolute path of a grid JSON file). Every task writes results.csv from what is stored when it
 * ends; the comment says how to write the complete one once all have finished.
 */
export function slurmScript(grid: string, shards: number, options: SlurmOptions = {}): string {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`slurmScript: shards must be a positive integer, got ${JSON.stringify(shards)}`);
  const logDir = options.logDir ?? path.join(REPO_ROOT, ".qkv", "slurm");
  const args = [grid, ...(options.args ?? [])].map(shellQuote).join(" ");
  const jobName = options.jobName ?? `qkv-${path.basename(grid, ".json")}`;
  return [
    "#!/bin/bash",
    `# \`qkv grid ${grid}\` as a SLURM job array of ${shards} shards, one per array task.`,
    `# Submit with: mkdir -p ${shellQuote(logDir)} && sbatch THIS_FILE`,
    `# When every task has finished, write the complete results.csv with: bin/qkv grid ${args} --collect`,
    "# (or rerun it without --shard: every run is stored, so it computes nothing and only rewrites the results files).",
    `#SBATCH --job-name=${jobName}`,
    `#SBATCH --array=0-${shards - 1}`,
    `#SBATCH --cpus-per-task=${options.cpusPerTask ?? 2}`,
    ...(options.time ? [`#SBATCH --time=${options.time}`] : []),
    `#SBATCH --output=${path.join(logDir, "%x-%A_%a.out")}`,
    "set -euo pipefail",
    `cd ${shellQuote(REPO_ROOT)}`,
    "# OpenBLAS would start a thread per core of the node, not of the allocation.",
    'export QKV_BLAS_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    `exec bin/qkv grid ${args} --shard "$SLURM_ARRAY_TASK_ID/${shards}" --workers 1`,
    "",
  ].join("\n");
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
