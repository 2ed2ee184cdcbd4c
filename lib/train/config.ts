// A fine-tuning run described in one JSON file (what `qkv train --config` reads): the model (a preset or a
// Hugging Face directory), the adapter in peft's vocabulary, learning rates, schedule, data, seed. Every
// field is checked and a bad one is named with its path in the file.
import * as fs from "fs";
import * as path from "path";
import { ADAPTER_FIELDS, AdapterFields, adapterConfig } from "../lora/config";
import { Grouping, LEARNING_RATE_FIELDS, LearningRates, validateLearningRates } from "./groups";
import { inputFileProblem, stripBom } from "../files/index";
import { truncationNotice } from "../tokenizers/index";
import { checkObject } from "../validate/index";
import { PRESET_NAMES } from "../models/presets";
import type { Tokenizer } from "../tokenizers/index";
import type { Example } from "./loop";
import { SCHEDULES, ScheduleName } from "./schedule";

export interface RunConfig {
  /** A preset name, or absent when modelDir is given. */
  model?: string;
  /** A Hugging Face model directory (config.json + model.safetensors). */
  modelDir?: string;
  labels: number;
  adapter: AdapterFields;
  rates: LearningRates;
  schedule: { name: ScheduleName; warmupSteps: number };
  batchSize: number;
  steps: number;
  evalEvery: number;
  seed: number;
  data: { train: string; eval?: string; tokenizer?: string; maxLength: number };
}

export const RUN_CONFIG_FIELDS = [
  "model", "modelDir", "labels", "adapter", "rates", "schedule", "batchSize", "steps", "evalEvery", "seed", "data",
] as const;

export class RunConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunConfigError";
  }
}

/** Reads and checks a run config; relative paths in it are relative to the file. */
export function readRunConfig(file: string): RunConfig {
  const problem = inputFileProblem(file);
  if (problem !== undefined) throw new RunConfigError(`${file}: ${problem}`);
  let raw: unknown;
  try {
    raw = JSON.parse(stripBom(fs.readFileSync(file, "utf8")));
  } catch (err) {
    throw new RunConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseRunConfig(raw, file);
}

export function parseRunConfig(raw: unknown, source = "run config"): RunConfig {
  const fail = (field: string, message: string): never => {
    throw new RunConfigError(`${source}: ${field} ${message}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("(top level)", "must be a JSON object");
  const strict = (value: unknown, known: readonly string[], where: string) =>
    checkObject(value, known, where, (m) => new RunConfigError(`${source}: ${m}`));
  const c = strict(raw, RUN_CONFIG_FIELDS, "");
  const int = (field: string, v: unknown, min: number): number => {
    if (!Number.isInteger(v) || (v as number) < min) {
      fail(field, `must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    }
    return v as number;
  };
  const base = path.dirname(path.resolve(source));
  const resolve = (p: unknown, field: string): string => {
    if (typeof p !== "string" || p === "") fail(field, `must be a path, got ${JSON.stringify(p)}`);
    return path.resolve(base, p as string);
  };
  if ((c.model === undefined) === (c.modelDir === undefined)) fail("model", "or modelDir must be given (exactly one)");
  if (c.model !== undefined && !(PRESET_NAMES as string[]).includes(c.model as string)) {
    fail("model", `must be one of ${PRESET_NAMES.join(", ")}, got ${JSON.stringify(c.model)}`);
  }
  const rates = strict(c.rates ?? {}, LEARNING_RATE_FIELDS, "rates");
  const lr: LearningRates = {
    etaQK: rates.etaQK as number, ratio: (rates.ratio ?? 1) as number,
    grouping: (rates.grouping ?? "paper") as Grouping,
    weightDecay: (rates.weightDecay ?? 0) as number,
    ...(rates.embeddingLr !== undefined ? { embeddingLr: rates.embeddingLr as number } : {}),
  };
  try {
    validateLearningRates(lr);
  } catch (err) {
    fail("rates:", (err as Error).message);
  }
  const schedule = strict(c.schedule ?? {}, ["name", "warmupSteps"], "schedule");
  const scheduleName = (schedule.name ?? "linear") as ScheduleName;
  if (!SCHEDULES.includes(scheduleName)) {
    fail("schedule.name", `must be one of ${SCHEDULES.join(", ")}, got ${JSON.stringify(schedule.name)}`);
  }
  if (c.data === undefined) fail("data", "must be an object with at least a train file");
  const data = strict(c.data, ["train", "eval", "tokenizer", "maxLength"], "data");
  const adapter = strict(c.adapter ?? {}, ADAPTER_FIELDS, "adapter") as AdapterFields;
  try {
    adapterConfig(adapter); // checked against the model's shapes again once it is loaded
  } catch (err) {
    fail("adapter:", (err as Error).message);
  }
  const steps = int("steps", c.steps, 1);
  return {
    model: c.model as string | undefined,
    modelDir: c.modelDir === undefined ? undefined : resolve(c.modelDir, "modelDir"),
    labels: int("labels", c.labels ?? 2, 1),
    adapter,
    rates: lr,
    schedule: { name: scheduleName, warmupSteps: int("schedule.warmupSteps", schedule.warmupSteps ?? 0, 0) },
    batchSize: int("batchSize", c.batchSize ?? 32, 1),
    steps,
    evalEvery: int("evalEvery", c.evalEvery ?? 0, 0),
    seed: int("seed", c.seed ?? 0, 0),
    data: {
      train: resolve(data!.train, "data.train"),
      eval: data!.eval === undefined ? undefined : resolve(data!.eval, "data.eval"),
      tokenizer: data!.tokenizer === undefined ? undefined : resolve(data!.tokenizer, "data.tokenizer"),
      maxLength: int("data.maxLength", data!.maxLength ?? 128, 2),
    },
  };
}

/**
 * Examples from a JSON-lines file: each line {"ids": [...], "label": y} (already tokenized) or
 * {"text": "...", "text_pair"?: "...", "label": y} (tokenized with `tokenizer`). Errors give file:line.
 */
export function readExamples(
  file: string, options: { tokenizer?: Tokenizer; maxLength: number; labels: number },
): Example[] {
  const problem = inputFileProblem(file);
  if (problem !== undefined) throw new RunConfigError(`${file}: ${problem}`);
  const tokenizer = options.tokenizer;
  const examples: Example[] = [];
  let emptied = 0;
  // A byte-order mark is stripped, as the TSV and vocabulary readers do.
  stripBom(fs.readFileSync(file, "utf8")).split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${file}:${i + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new RunConfigError(`${where}: not valid JSON (${(err as Error).message})`);
    }
    const label = row.label;
    const isClass = options.labels > 1;
    if (
      typeof label !== "number" || !Number.isFinite(label) ||
      (isClass && (!Number.isInteger(label) || label < 0 || label >= options.labels))
    ) {
      throw new RunConfigError(`${where}: label must be ` +
        `${isClass ? `an integer in [0, ${options.labels})` : "a finite number"}, got ${JSON.stringify(label)}`);
    }
    let ids: number[];
    let typeIds: number[] | undefined;
    if (Array.isArray(row.ids)) {
      if (!row.ids.every((t) => Number.isInteger(t) && t >= 0)) {
        throw new RunConfigError(`${where}: ids must be non-negative integers`);
      }
      ids = (row.ids as number[]).slice(0, options.maxLength);
    } else if (typeof row.text === "string") {
      if (!tokenizer) throw new RunConfigError(`${where}: a text row needs data.tokenizer (a tokenizer directory)`);
      const pair = typeof row.text_pair === "string" ? row.text_pair : undefined;
      const encoding = tokenizer.encode(row.text, pair, { maxLength: options.maxLength, truncation: "longest_first" });
      ids = encoding.ids;
      if (tokenizer.keptNoText(ids) && row.text !== "") emptied++;
      // BERT's pairs carry segment 1 for the second text; all-0 types (RoBERTa, single texts) are left out.
      if (encoding.typeIds.some((t) => t !== 0)) typeIds = encoding.typeIds;
    } else {
      throw new RunConfigError(`${where}: a row needs "ids" (token ids) or "text"`);
    }
    if (ids.length === 0) throw new RunConfigError(`${where}: no tokens`);
    examples.push(typeIds ? { ids, typeIds, label } : { ids, label });
  });
  if (examples.length === 0) throw new RunConfigError(`${file}: no examples`);
  const notice = truncationNotice(file, emptied, examples.length, options.maxLength);
  if (notice !== undefined) console.warn(`warning: ${notice}`);
  return examples;
}
