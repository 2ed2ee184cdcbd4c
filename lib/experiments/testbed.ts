// The testbed's sanity evidence (issue 6): does pretraining help? The same architecture is fine-tuned with
// LoRA on W_q and W_v (r = 8) from the pretrained checkpoint and from a fresh random initialisation, over
// several seeds, on each task; pretraining "helps" on a task when the mean gain exceeds the spread of either
// side over the seeds. Runs are cached by configuration (./cache), so a rerun only reads them back.
import * as path from "path";
import { GlueTaskName } from "../data/glue";
import { AdapterFields } from "../lora/index";
import { cached } from "./cache";
import { checkpointRef, configPath, FineTuneConfig, FineTuneResult, fineTune } from "./finetune";

export interface InitComparisonOptions {
  tasks: { dir: string; task: GlueTaskName; maxTrain?: number; maxEval?: number }[];
  checkpoint: string;
  seeds: number[];
  steps: number;
  /** Peak η_QK (λ = 1, linear decay). */
  lr: number;
  resultsDir: string;
  onRun?: (done: number, total: number, label: string, fromCache: boolean) => void;
}

export interface InitRun {
  task: GlueTaskName;
  init: FineTuneConfig["init"];
  seed: number;
  result: FineTuneResult;
}

export interface InitSummary {
  task: GlueTaskName;
  metric: string;
  /** Score of the pretrained backbone with its fresh head, before any step (the paper's first row). */
  beforePretrained: number;
  beforeRandom: number;
  pretrained: { mean: number; sd: number; min: number; max: number };
  random: { mean: number; sd: number; min: number; max: number };
  margin: number;
  /** The larger max − min over seeds of the two sides. */
  spread: number;
  helps: boolean;
}

/** The LoRA setting of the acceptance check: W_q and W_v, r = 8, α = 8 (the paper's Table 2 α). */
export const TESTBED_ADAPTER: AdapterFields = { method: "lora", r: 8, loraAlpha: 8, loraDropout: 0, targetModules: ["query", "value"] };

export function compareInitializations(options: InitComparisonOptions): { runs: InitRun[]; summary: InitSummary[] } {
  const checkpoint = checkpointRef(options.checkpoint);
  const runs: InitRun[] = [];
  const total = options.tasks.length * 2 * options.seeds.length;
  for (const task of options.tasks) {
    for (const init of ["pretrained", "random"] as const) {
      for (const seed of options.seeds) {
        const config: FineTuneConfig = {
          data: { ...task, dir: configPath(task.dir) }, checkpoint, init, adapter: TESTBED_ADAPTER,
          rates: { etaQK: options.lr, ratio: 1, grouping: "paper" }, steps: options.steps, batchSize: 32, maxLength: 64, schedule: "linear", seed,
        };
        const run = cached(path.join(options.resultsDir, "finetune"), config, fineTune);
        runs.push({ task: task.task, init, seed, result: run.result });
        options.onRun?.(runs.length, total, `${task.task} ${init} seed ${seed}`, run.fromCache);
      }
    }
  }
  return { runs, summary: options.tasks.map((t) => summarize(t.task, runs.filter((r) => r.task === t.task))) };
}

function summarize(task: GlueTaskName, runs: InitRun[]): InitSummary {
  const side = (init: string) => {
    const v = runs.filter((r) => r.init === init).map((r) => r.result.after.value);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
    return { mean, sd, min: Math.min(...v), max: Math.max(...v) };
  };
  const before = (init: string) => {
    const v = runs.filter((r) => r.init === init).map((r) => r.result.before.value);
    return v.reduce((a, b) => a + b, 0) / v.length;
  };
  const pretrained = side("pretrained");
  const random = side("random");
  const margin = pretrained.mean - random.mean;
  const spread = Math.max(pretrained.max - pretrained.min, random.max - random.min);
  return {
    task, metric: runs[0].result.after.metric, beforePretrained: before("pretrained"), beforeRandom: before("random"),
    pretrained, random, margin, spread, helps: margin > spread,
  };
}
