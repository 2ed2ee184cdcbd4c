// What a grid is: a GridSpec names the fields every run shares (`base`, FineTuneConfig's fields) and the axes
// whose cartesian product gives the runs; expandGrid checks it (every error names the grid and the field) and
// lists the runs.
//
// Axes and the field each one sets (an axis overrides base):
//   task → data ({dir, task, maxTrain?, maxEval?}; relative dirs are taken from the repository root)
//   checkpoint → checkpoint (a folder, or a {dir, sha256} reference; a folder is hashed, see checkpointRef)
//   init → init        adapter → adapter (AdapterFields: method, r, loraAlpha, targetModules, …)
//   targets → adapter.targetModules ("q,v" or ["query", "value"])   rank → adapter.r (loraAlpha stays as given)
//   alpha → adapter.loraAlpha (rank and scale apart)   rslora → adapter.useRslora (true: α/√r; false: α/r)
//   layers → adapter.layersToTransform (a list of layer indices; null: every layer)
//   etaQK → rates.etaQK        ratio → rates.ratio (λ)        seed → seed
//   etaV → rates.ratio = etaV / etaQK (rounded to 12 significant digits, so 3e-4 / 1e-4 is 3); not with a ratio axis
// Runs are in the order of the axes as declared (the key order of `axes`), the last axis varying fastest.
// `axes` may also be a list of such objects: the grid is then the union of their products, in order, a run
// that two of them share kept once (the paper's heatmap cells at one seed beside the protocol's λ design at three).
// Every run carries the verdict protocol's hash (./protocol; or the grid's `protocol`, an addendum's), so runs made
// under another protocol are recomputed.
import * as path from "path";
import { GLUE_TASK_NAMES, GlueTaskName } from "../../data/glue";
import { adapterConfig, AdapterFields, parseTargets, strictAdapterFields } from "../../lora/index";
import { REPO_ROOT } from "../../paths";
import { LEARNING_RATE_FIELDS, LearningRates, validateLearningRates } from "../../train/groups";
import { SCHEDULES, ScheduleName } from "../../train/schedule";
import { checkObject, nearestName } from "../../validate/index";
import { runKey } from "../cache";
import { checkpointRef, configPath, FineTuneConfig } from "../finetune";
import { PROTOCOL_HASH } from "../protocol";

export interface GridTask {
  dir: string;
  task: GlueTaskName;
  maxTrain?: number;
  maxEval?: number;
  /**
   * This task's fine-tuning steps, in place of base.steps (the paper trains SST-2 for twice the epochs of the
   * others).
   */
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
  /** FineTuneConfig's: keep the best checkpoint on the selection split, scored every this many steps. */
  evalEvery?: number;
  /** FineTuneConfig's: AdamW's β₂. */
  beta2?: number;
}

export interface GridAxes {
  task?: GridTask[];
  checkpoint?: GridCheckpoint[];
  init?: FineTuneConfig["init"][];
  adapter?: AdapterFields[];
  targets?: (string | string[])[];
  rank?: number[];
  alpha?: number[];
  rslora?: boolean[];
  layers?: (number[] | null)[];
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
const GRID_BASE_FIELDS = [
  "data", "checkpoint", "init", "adapter", "rates", "steps", "batchSize", "maxLength", "schedule", "seed", "evalEvery",
  "beta2",
] as const;
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
const AXIS_NAMES: AxisName[] = [
  "task", "checkpoint", "init", "adapter", "targets", "rank", "alpha", "rslora", "layers", "etaQK", "ratio", "etaV",
  "seed",
];

/** Every run of the grid, in the documented order; the spec is checked first (errors name the grid and field). */
export function expandGrid(spec: GridSpec): FineTuneConfig[] {
  const where = `grid ${JSON.stringify(spec.name)}`;
  const strict = (value: unknown, known: readonly string[], field: string) =>
    checkObject(value, known, field, (m) => new Error(`${where}: ${m}`));
  strict(spec, ["name", "base", "axes", "protocol"], "");
  if (typeof spec.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(spec.name)) {
    throw new Error(`${where}: name must be letters, digits, '.', '_' or '-' (it names the results folder)`);
  }
  strict(spec.base, GRID_BASE_FIELDS, "base");
  if (spec.base.data !== undefined) checkTask(spec.base.data, "base.data", where);
  if (spec.base.rates !== undefined) strict(spec.base.rates, LEARNING_RATE_FIELDS, "base.rates");
  if (spec.base.adapter !== undefined) strictAdapterFields(spec.base.adapter, `${where}: base.adapter`);
  const parts = Array.isArray(spec.axes) ? spec.axes : [spec.axes];
  if (parts.length === 0) {
    throw new Error(`${where}: axes must be an object of value lists, or a non-empty list of them`);
  }
  for (const field of ["steps", "batchSize", "maxLength"] as const) {
    if (!Number.isInteger(spec.base[field]) || spec.base[field] < (field === "maxLength" ? 2 : 1)) {
      throw new Error(
        `${where}: base.${field} must be an integer ≥ ${field === "maxLength" ? 2 : 1}, ` +
          `got ${JSON.stringify(spec.base[field])}`,
      );
    }
  }
  const { evalEvery, beta2 } = spec.base;
  if (evalEvery !== undefined && (!Number.isInteger(evalEvery) || evalEvery < 1)) {
    throw new Error(`${where}: base.evalEvery must be a positive integer, got ${JSON.stringify(evalEvery)}`);
  }
  if (beta2 !== undefined && !(beta2 > 0 && beta2 < 1)) {
    throw new Error(`${where}: base.beta2 must lie in (0, 1), got ${JSON.stringify(beta2)}`);
  }
  if (!SCHEDULES.includes(spec.base.schedule)) {
    throw new Error(
      `${where}: base.schedule must be one of ${SCHEDULES.join(", ")}, got ${JSON.stringify(spec.base.schedule)}`,
    );
  }
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

function expandProduct(
  base: GridBase, product: GridAxes, where: string, checkpoints: Map<string, FineTuneConfig["checkpoint"]>,
  protocol: string,
): FineTuneConfig[] {
  if (typeof product !== "object" || product === null || Array.isArray(product)) {
    throw new Error(`${where}: axes must be an object of value lists`);
  }
  const axes = Object.entries(product) as [AxisName, unknown[]][];
  for (const [name, values] of axes) {
    if (!AXIS_NAMES.includes(name)) {
      const near = nearestName(name, AXIS_NAMES);
      throw new Error(
        `${where}: unknown axis ${JSON.stringify(name)}; ` +
          `${near !== undefined ? `did you mean ${near}?` : `the axes are ${AXIS_NAMES.join(", ")}`}`,
      );
    }
    if (!Array.isArray(values) || values.length === 0) {
      throw new Error(`${where}: axis ${name} must be a non-empty list, got ${JSON.stringify(values)}`);
    }
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
    if (seen.has(key)) {
      throw new Error(
        `${where}: runs ${seen.get(key)} and ${index} have the same configuration (key ${key}); ` +
          "remove the repeated axis value",
      );
    }
    seen.set(key, index);
    configs.push(config);
  }
  return configs;
}

type GridAxisValues = { [A in AxisName]?: NonNullable<GridAxes[A]>[number] };

/**
 * One run's configuration from the base and one value per axis (errors are prefixed with the grid and run by the
 * caller).
 */
function gridConfig(
  base: GridBase, choice: GridAxisValues, checkpoints: Map<string, FineTuneConfig["checkpoint"]>, protocol: string,
): FineTuneConfig {
  const required = <T>(value: T | undefined, field: string, axis: string): T => {
    if (value === undefined || value === null) {
      throw new Error(`no ${field}; set base.${field} or give an axis ${axis}`);
    }
    return value;
  };
  const task = required(choice.task ?? base.data, "data", "task");
  if (!(GLUE_TASK_NAMES as readonly string[]).includes(task.task)) {
    throw new Error(`task ${JSON.stringify(task.task)} is not one of ${GLUE_TASK_NAMES.join(", ")}`);
  }
  if (typeof task.dir !== "string" || task.dir === "") {
    throw new Error(`task ${task.task} needs a dir, got ${JSON.stringify(task.dir)}`);
  }
  const { steps: taskSteps, ...taskData } = task;
  if (taskSteps !== undefined && (!Number.isInteger(taskSteps) || taskSteps < 1)) {
    throw new Error(`task ${task.task}: steps must be a positive integer, got ${JSON.stringify(taskSteps)}`);
  }
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
  if (choice.alpha !== undefined) fields.loraAlpha = choice.alpha;
  // peft's defaults are left absent (adapterConfig's convention), so a run at them keeps its key.
  if (choice.rslora !== undefined) {
    if (typeof choice.rslora !== "boolean") {
      throw new Error(`rslora must be true or false, got ${JSON.stringify(choice.rslora)}`);
    }
    delete fields.useRslora;
    delete fields.use_rslora;
    if (choice.rslora) fields.useRslora = true;
  }
  if (choice.layers !== undefined) {
    delete fields.layersToTransform;
    delete fields.layers_to_transform;
    if (choice.layers !== null) fields.layersToTransform = choice.layers;
  }
  const adapter = { ...adapterConfig(fields) };
  const etaQK = required(choice.etaQK ?? base.rates?.etaQK, "rates.etaQK", "etaQK");
  const ratio = choice.etaV !== undefined
    ? Number((choice.etaV / etaQK).toPrecision(12))
    : required(choice.ratio ?? base.rates?.ratio, "rates.ratio", "ratio or etaV");
  const rates: LearningRates = { ...base.rates, etaQK, ratio, grouping: base.rates?.grouping ?? "paper" };
  validateLearningRates(rates);
  const seed = required(choice.seed ?? base.seed, "seed", "seed");
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`seed must be an integer ≥ 0, got ${JSON.stringify(seed)}`);
  }
  const init = required(choice.init ?? base.init, "init", "init");
  // fineTune takes anything but "pretrained" as a fresh initialisation: a misspelling must not pass.
  if (init !== "pretrained" && init !== "random") {
    throw new Error(`init must be pretrained or random, got ${JSON.stringify(init)}`);
  }
  // Absent unless set, so the configurations (and keys) of the grids that do not use them are as they were.
  const optional = {
    ...(base.evalEvery !== undefined ? { evalEvery: base.evalEvery } : {}),
    ...(base.beta2 !== undefined ? { beta2: base.beta2 } : {}),
  };
  return {
    data, checkpoint: ref, init, adapter, rates,
    steps: taskSteps ?? base.steps, batchSize: base.batchSize, maxLength: base.maxLength, schedule: base.schedule,
    seed, protocol,
    ...optional,
  };
}


/** Specs the library defines (namedGrid): a changed definition replaces their table rather than being refused. */
const LIBRARY_SPECS = new WeakSet<GridSpec>();

/** Marks `spec` as one of the library's own grids (see GridOptions.replace); returns it. */
export function libraryGrid(spec: GridSpec): GridSpec {
  LIBRARY_SPECS.add(spec);
  return spec;
}

/** Whether `spec` is one of the library's own grids (libraryGrid). */
export function isLibraryGrid(spec: GridSpec): boolean {
  return LIBRARY_SPECS.has(spec);
}
