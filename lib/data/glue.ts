// GLUE's 8 tasks of the paper's Table 2, read from a directory the user names (GLUE_DIR) with one folder
// per task, as GLUE's download script and Hugging Face exports lay them out. The project's built-in tasks
// (data/tasks) use the same names and columns, so the same loader reads them.
//
// Missing splits are replaced only by the substitutes the shared GLUE data's README names, and every substitution
// or truncation is written into the loaded task's `notes`: MNLI and QNLI (and QQP with only its dev set)
// train on a seeded split of a dev set, the rest of which stays an eval set; MRPC stands in for a missing QQP.
import * as fs from "fs";
import * as path from "path";
import type { DataFrame } from "danfojs-node";
import { Rng } from "../random/index";
import { MetricName, scoreAll } from "../train/metrics";
import { DataError, MissingDataError } from "./errors";
import { TextExample } from "./example";
import { readTsv, TsvTable } from "./tsv";

/** Table 2's column order. */
export const GLUE_TASK_NAMES = ["RTE", "STS-B", "MRPC", "CoLA", "MNLI", "SST-2", "QQP", "QNLI"] as const;
export type GlueTaskName = (typeof GLUE_TASK_NAMES)[number];
export type GlueMetric = Extract<MetricName, "accuracy" | "mcc" | "pearson">;

export interface GlueTaskSpec {
  name: GlueTaskName;
  /** Number of classes; 1 = regression (STS-B). */
  labels: number;
  /** Class names in the Hugging Face `glue` order (id = position); empty for regression. */
  labelNames: string[];
  /** GLUE's original files write these tasks' labels as names (entailment, …) rather than ids. */
  namedLabels: boolean;
  /** Regression targets must lie in this range (STS-B's similarity scores). */
  scoreRange?: [number, number];
  /** Accepted header names per field: the Hugging Face name (the README's) first, then GLUE's original. */
  columns: { text: string[]; pair?: string[]; label: string[] };
  /** GLUE's original CoLA train/dev files have no header: source, label, original mark, sentence. */
  headerless?: { width: number; text: number; label: number };
  train: string;
  /** The dev sets the paper scores on (MNLI: matched and mismatched). */
  evalSets: { name: string; file: string }[];
  /** Read only when present and labelled (GLUE's own test labels are hidden; the built-in tasks label theirs). */
  test: string;
  /** The metric Table 2 reports; a task's number is its mean over the eval sets. */
  metric: GlueMetric;
  /** Sizes of the real GLUE splits (docs/paper.md §7.1), to show beside what was loaded. */
  sizes: { train: number; eval: number[] };
  /** When the train file is missing: train on a seeded split of this eval set, the rest of it stays an eval set. */
  splitFrom?: string;
  /** When the task's folder holds none of its files: this task's data stands in. */
  standIn?: GlueTaskName;
}

const DEV = [{ name: "dev", file: "dev.tsv" }];

export const GLUE_TASKS: Record<GlueTaskName, GlueTaskSpec> = {
  RTE: {
    name: "RTE", labels: 2, labelNames: ["entailment", "not_entailment"], namedLabels: true,
    columns: { text: ["sentence1"], pair: ["sentence2"], label: ["label"] },
    train: "train.tsv", evalSets: DEV, test: "test.tsv", metric: "accuracy", sizes: { train: 2490, eval: [277] },
  },
  "STS-B": {
    name: "STS-B", labels: 1, labelNames: [], namedLabels: false, scoreRange: [0, 5],
    columns: { text: ["sentence1"], pair: ["sentence2"], label: ["label", "score"] },
    train: "train.tsv", evalSets: DEV, test: "test.tsv", metric: "pearson", sizes: { train: 5749, eval: [1500] },
  },
  MRPC: {
    name: "MRPC", labels: 2, labelNames: ["not_equivalent", "equivalent"], namedLabels: false,
    columns: { text: ["sentence1", "#1 String"], pair: ["sentence2", "#2 String"], label: ["label", "Quality"] },
    train: "train.tsv", evalSets: DEV, test: "test.tsv", metric: "accuracy", sizes: { train: 3668, eval: [408] },
  },
  CoLA: {
    name: "CoLA", labels: 2, labelNames: ["unacceptable", "acceptable"], namedLabels: false,
    columns: { text: ["sentence"], label: ["label"] }, headerless: { width: 4, text: 3, label: 1 },
    train: "train.tsv", evalSets: DEV, test: "test.tsv", metric: "mcc", sizes: { train: 8551, eval: [1043] },
  },
  MNLI: {
    name: "MNLI", labels: 3, labelNames: ["entailment", "neutral", "contradiction"], namedLabels: true,
    columns: { text: ["premise", "sentence1"], pair: ["hypothesis", "sentence2"], label: ["label", "gold_label"] },
    train: "train.tsv",
    evalSets: [{ name: "matched", file: "dev_matched.tsv" }, { name: "mismatched", file: "dev_mismatched.tsv" }],
    test: "test.tsv", metric: "accuracy", sizes: { train: 392702, eval: [9815, 9832] }, splitFrom: "mismatched",
  },
  "SST-2": {
    name: "SST-2", labels: 2, labelNames: ["negative", "positive"], namedLabels: false,
    columns: { text: ["sentence"], label: ["label"] },
    train: "train.tsv", evalSets: DEV, test: "test.tsv", metric: "accuracy", sizes: { train: 67349, eval: [872] },
  },
  QQP: {
    name: "QQP", labels: 2, labelNames: ["not_duplicate", "duplicate"], namedLabels: false,
    columns: { text: ["question1"], pair: ["question2"], label: ["label", "is_duplicate"] },
    train: "train.tsv", evalSets: DEV, test: "test.tsv", metric: "accuracy", sizes: { train: 363846, eval: [40430] },
    splitFrom: "dev", standIn: "MRPC",
  },
  QNLI: {
    name: "QNLI", labels: 2, labelNames: ["entailment", "not_entailment"], namedLabels: true,
    columns: { text: ["question"], pair: ["sentence"], label: ["label"] },
    train: "train.tsv", evalSets: DEV, test: "test.tsv", metric: "accuracy", sizes: { train: 104743, eval: [5463] },
    splitFrom: "dev",
  },
};

export interface EvalSet {
  name: string;
  examples: TextExample[];
}

export interface TaskData {
  task: GlueTaskName;
  /** The folder the examples were read from (MRPC's when it stands in for QQP). */
  dir: string;
  labels: number;
  labelNames: string[];
  metric: GlueMetric;
  train: TextExample[];
  evalSets: EvalSet[];
  test?: TextExample[];
  /** True when a substitute replaced a missing split or task (the notes say which). */
  substituted: boolean;
  /** Every substitution, truncation and skipped file, in words. */
  notes: string[];
}

export interface LoadOptions {
  /** Seeds the substitute splits and the samples that maxTrain / maxEval draw. */
  seed: number;
  /** Keep a seeded sample of at most this many training rows (in file order). */
  maxTrain?: number;
  /** The same for each eval set and the test set. */
  maxEval?: number;
  /** Fraction of a dev set held out for evaluation when training on a split of it (default 0.2). */
  holdout?: number;
}

// Independent random streams, so the held-out split does not move when maxTrain or maxEval change.
const STREAM = { split: 1, train: 2, eval: 3, selection: 4 };

export function loadGlueTask(dir: string, task: GlueTaskName, options: LoadOptions): TaskData {
  const spec = GLUE_TASKS[task];
  if (spec === undefined) {
    throw new RangeError(`unknown GLUE task ${JSON.stringify(task)}; the tasks are ${GLUE_TASK_NAMES.join(", ")}`);
  }
  checkOptions(options);
  requireDirectory(dir);
  const notes: string[] = [];
  let source = spec;
  let taskDir = path.join(dir, spec.name);
  if (spec.standIn !== undefined && !holdsAnyFile(taskDir, spec)) {
    const standIn = GLUE_TASKS[spec.standIn];
    const standInDir = path.join(dir, standIn.name);
    if (!holdsAnyFile(standInDir, standIn)) {
      throw new MissingDataError(
        { file: taskDir },
        `${spec.name} is missing (no ${filesOf(spec).join(", ")}), and so is ${standIn.name}, ` +
          "which would stand in for it",
      );
    }
    notes.push(`${spec.name} is missing from ${dir}: ${standIn.name} (${standIn.labels} classes, ` +
      `also scored by ${standIn.metric}) stands in for it`);
    source = standIn;
    taskDir = standInDir;
  }
  if (!fs.existsSync(taskDir)) {
    throw new MissingDataError(
      { file: taskDir },
      `no such folder (a GLUE directory has one folder per task, named as GLUE names them)`,
    );
  }

  const trainFile = path.join(taskDir, source.train);
  const splitFromDev = !fs.existsSync(trainFile) && source.splitFrom !== undefined;
  let train = splitFromDev ? [] : readExamples(trainFile, source);
  const evalSets = source.evalSets.map((e) => ({
    name: e.name, examples: readExamples(path.join(taskDir, e.file), source),
  }));

  if (splitFromDev) {
    const at = evalSets.findIndex((e) => e.name === source.splitFrom);
    const from = evalSets[at].examples;
    const file = source.evalSets[at].file;
    if (from.length < 2) {
      throw new DataError(
        { file: path.join(taskDir, file) },
        `${source.train} is missing and ${file} has ${from.length} row(s): too few to split into train and eval`,
      );
    }
    const fraction = options.holdout ?? 0.2;
    const split = seededSplit(
      from.length,
      Math.min(from.length - 1, Math.max(1, Math.round(fraction * from.length))),
      new Rng(options.seed, STREAM.split),
    );
    train = split.rest.map((i) => from[i]);
    evalSets[at] = { name: evalSets[at].name, examples: split.picked.map((i) => from[i]) };
    notes.push(
      `${source.train} is missing: training on a seeded split (seed ${options.seed}) of ${file}: ` +
        `${train.length} rows train, ${evalSets[at].examples.length} (${Number((fraction * 100).toFixed(2))}%) ` +
        `held out as the "${evalSets[at].name}" eval set`,
    );
  }

  let test: TextExample[] | undefined;
  const testFile = path.join(taskDir, source.test);
  if (fs.existsSync(testFile)) {
    const table = readTsv(testFile);
    if (columnIndex(table.header, source.columns.label) >= 0) test = examplesOf(table, source);
    else notes.push(`${source.test} has no label column (GLUE hides its test labels): not read`);
  }

  if (options.maxTrain !== undefined && train.length > options.maxTrain) {
    notes.push(`train: a seeded sample of ${options.maxTrain} of ${train.length} rows`);
    train = sample(train, options.maxTrain, new Rng(options.seed, STREAM.train));
  }
  if (options.maxEval !== undefined) {
    const maxEval = options.maxEval;
    const cut = (name: string, examples: TextExample[], stream: number) => {
      if (examples.length <= maxEval) return examples;
      notes.push(`${name}: a seeded sample of ${maxEval} of ${examples.length} rows`);
      return sample(examples, maxEval, new Rng(options.seed, STREAM.eval + stream));
    };
    evalSets.forEach((e, i) => (e.examples = cut(e.name, e.examples, i)));
    if (test) test = cut("test", test, evalSets.length);
  }

  return {
    task: spec.name, dir: taskDir, labels: source.labels, labelNames: source.labelNames, metric: spec.metric,
    train, evalSets, test, substituted: source !== spec || splitFromDev, notes,
  };
}

/** GLUE_DIR as an absolute path, or a DataError saying it is unset or names no directory. */
export function glueDir(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.GLUE_DIR;
  if (value === undefined || value.trim() === "") {
    throw new MissingDataError(
      { file: "GLUE_DIR" },
      "not set: point it at a directory with one folder per GLUE task (RTE/, STS-B/, …), " +
        "or at data/tasks for the built-in tasks",
    );
  }
  return requireGlueDir(value, "GLUE_DIR");
}

/** `dir` as an absolute path once it is known to be a directory; `source` (GLUE_DIR, --dir) is named in the error. */
export function requireGlueDir(dir: string, source: string): string {
  const resolved = path.resolve(dir);
  requireDirectory(resolved, source);
  return resolved;
}

export interface TaskScore {
  task: GlueTaskName;
  metric: GlueMetric;
  /**
   * The paper's number as a fraction: the metric's mean over the eval sets (MNLI: matched and mismatched). Table 2
   * prints 100 × this.
   */
  value: number;
  /** Per eval set: the paper's metric and every metric that applies (lib/train/metrics scoreAll). */
  sets: { name: string; value: number; metrics: Partial<Record<MetricName, number>> }[];
}

/**
 * Scores predictions as Table 2 does. `predictions` maps each eval set's name to its outputs in the order of
 * its examples: class ids for classification, the predicted score for STS-B.
 */
export function scoreTask(data: TaskData, predictions: Record<string, ArrayLike<number>>): TaskScore {
  const names = data.evalSets.map((e) => e.name);
  const extra = Object.keys(predictions).filter((k) => !names.includes(k));
  if (extra.length > 0) {
    throw new RangeError(
      `${data.task}: predictions for unknown eval set(s) ${extra.join(", ")}; the sets are ${names.join(", ")}`,
    );
  }
  const sets = data.evalSets.map((e) => {
    const outputs = predictions[e.name];
    if (outputs === undefined) {
      throw new RangeError(`${data.task}: no predictions for eval set "${e.name}" (the sets are ${names.join(", ")})`);
    }
    if (outputs.length !== e.examples.length) {
      throw new RangeError(`${data.task} ${e.name}: ${outputs.length} predictions for ${e.examples.length} examples`);
    }
    const metrics = scoreAll(outputs, e.examples.map((x) => x.label), data.labels === 1);
    return { name: e.name, value: metrics[data.metric]!, metrics };
  });
  return { task: data.task, metric: data.metric, value: sets.reduce((s, x) => s + x.value, 0) / sets.length, sets };
}

/** A danfojs DataFrame of examples (columns text, pair when any example has one, label), for display. */
export function glueFrame(examples: TextExample[]): DataFrame {
  // Loaded on first use: danfojs is slow to import (measured in bench/README.md), and the loader and the CLI do not
  // need it.
  const dfd = require("danfojs-node") as typeof import("danfojs-node");
  const columns: Record<string, (string | number)[]> = { text: examples.map((e) => e.text) };
  if (examples.some((e) => e.pair !== undefined)) columns.pair = examples.map((e) => e.pair ?? "");
  columns.label = examples.map((e) => e.label);
  return new dfd.DataFrame(columns);
}

function checkOptions(options: LoadOptions): void {
  if (!Number.isSafeInteger(options.seed)) throw new RangeError(`seed must be an integer, got ${options.seed}`);
  for (const key of ["maxTrain", "maxEval"] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && v > 0)) {
      throw new RangeError(`${key} must be a positive integer, got ${v}`);
    }
  }
  const h = options.holdout;
  if (h !== undefined && !(h > 0 && h < 1)) throw new RangeError(`holdout must be a fraction in (0, 1), got ${h}`);
}

function requireDirectory(dir: string, source?: string): void {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  const from = source === undefined ? "" : ` (${source})`;
  if (!stat) throw new MissingDataError({ file: dir }, `no such directory${from}`);
  if (!stat.isDirectory()) throw new DataError({ file: dir }, `not a directory${from}`);
}

function filesOf(spec: GlueTaskSpec): string[] {
  return [spec.train, ...spec.evalSets.map((e) => e.file)];
}

function holdsAnyFile(dir: string, spec: GlueTaskSpec): boolean {
  return filesOf(spec).some((f) => fs.existsSync(path.join(dir, f)));
}

function readExamples(file: string, spec: GlueTaskSpec): TextExample[] {
  if (!fs.existsSync(file)) throw new MissingDataError({ file }, "no such file");
  return examplesOf(readTsv(file), spec);
}

function columnIndex(header: string[], accepted: string[]): number {
  for (const name of accepted) {
    const i = header.indexOf(name);
    if (i >= 0) return i;
  }
  return -1;
}

interface Field {
  index: number;
  /** How errors name it: the header's name, or "column N" in a headerless file. */
  name: string;
}

function examplesOf(table: TsvTable, spec: GlueTaskSpec): TextExample[] {
  const { file, header } = table;
  let rows = table.rows;
  let firstLine = table.firstLine;
  let text: Field, pair: Field | undefined, label: Field;
  const h = spec.headerless;
  if (h && columnIndex(header, spec.columns.text) < 0 && header.length === h.width && /^\d+$/.test(header[h.label])) {
    // GLUE's original CoLA: the first line is already a row.
    rows = [header, ...rows];
    firstLine = 1;
    text = { index: h.text, name: `column ${h.text + 1}` };
    label = { index: h.label, name: `column ${h.label + 1}` };
  } else {
    const find = (accepted: string[]): Field => {
      const index = columnIndex(header, accepted);
      if (index < 0) {
        const also = accepted.length > 1 ? ` (or ${accepted.slice(1).map((a) => JSON.stringify(a)).join(", ")})` : "";
        throw new DataError(
          { file, line: 1, column: accepted[0] },
          `missing column "${accepted[0]}"${also} for ${spec.name}; ` +
            `the header has ${header.map((c) => JSON.stringify(c)).join(", ")}`,
        );
      }
      const again = header.indexOf(header[index], index + 1);
      if (again >= 0) {
        throw new DataError(
          { file, line: 1, column: header[index] },
          `column "${header[index]}" appears twice in the header (columns ${index + 1} and ${again + 1}): ` +
            "which one is meant is not clear",
        );
      }
      return { index, name: header[index] };
    };
    text = find(spec.columns.text);
    pair = spec.columns.pair ? find(spec.columns.pair) : undefined;
    label = find(spec.columns.label);
  }

  if (rows.length === 0) throw new DataError({ file }, "no rows after the header");
  const out = new Array<TextExample>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const line = firstLine + r;
    const sentence = (field: Field) => {
      const s = row[field.index];
      if (s.trim() === "") throw new DataError({ file, line, column: field.name, value: s }, `empty ${field.name}`);
      return s;
    };
    const example: TextExample = {
      text: sentence(text), label: parseLabel(row[label.index], spec, { file, line, column: label.name }),
    };
    if (pair) example.pair = sentence(pair);
    out[r] = example;
  }
  return out;
}

function parseLabel(
  raw: string, spec: GlueTaskSpec, where: { file: string; line: number; column: string },
): number {
  const bad = (rule: string) =>
    new DataError({ ...where, value: raw }, `${where.column} must be ${rule}, got ${JSON.stringify(raw)}`);
  if (spec.labels === 1) {
    const [lo, hi] = spec.scoreRange!;
    // Number("") is 0 and Number("0x1") is 1: only plain decimal numbers are scores.
    const x = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!(x >= lo && x <= hi)) throw bad(`a similarity score in [${lo}, ${hi}]`);
    return x;
  }
  if (/^\d+$/.test(raw) && Number(raw) < spec.labels) return Number(raw);
  const named = spec.namedLabels ? spec.labelNames.indexOf(raw) : -1;
  if (named >= 0) return named;
  const names = spec.namedLabels ? ` or one of ${spec.labelNames.join(", ")}` : "";
  throw bad(`a class id in 0..${spec.labels - 1}${names}`);
}

/** A seeded partition of 0..n-1: `count` indices picked, the rest left, each in ascending (file) order. */
/**
 * A seeded `fraction` of the training rows (at most `max`) held out for model selection, and the rest to train
 * on: where the test labels are hidden (GLUE), the dev set is the split results are reported on, so choices
 * are made on rows taken from train instead.
 */
export function holdOutFromTrain(
  train: readonly TextExample[], fraction: number, max: number, seed: number,
): { train: TextExample[]; heldOut: TextExample[] } {
  const count = Math.min(max, train.length - 1, Math.max(1, Math.round(fraction * train.length)));
  const split = seededSplit(train.length, count, new Rng(seed, STREAM.selection));
  return { train: split.rest.map((i) => train[i]), heldOut: split.picked.map((i) => train[i]) };
}

function seededSplit(n: number, count: number, rng: Rng): { picked: number[]; rest: number[] } {
  const order = Array.from({ length: n }, (_, i) => i);
  // Fisher-Yates, stopped after `count` draws: the first `count` slots are a uniform random subset.
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const byPosition = (a: number, b: number) => a - b;
  return { picked: order.slice(0, count).sort(byPosition), rest: order.slice(count).sort(byPosition) };
}

function sample<T>(items: T[], count: number, rng: Rng): T[] {
  return seededSplit(items.length, count, rng).picked.map((i) => items[i]);
}
