// The testbed's sanity evidence (issue 6): does pretraining help? The same architecture is fine-tuned with
// LoRA on W_q and W_v (r = 8) from the pretrained checkpoint and from a fresh random initialisation, over
// several seeds, on each task; whether pretraining helps is judged by the verdict protocol (./protocol,
// claim "pretraining-helps": the paired effect on the report split with its interval, five verdicts). Each task is
// trained for its share of the paper's epochs (SST-2 twice the others, as in Figure 1). The runs go through the
// grid runner (./grid): stored by configuration, on worker processes.
import * as path from "path";
import { GlueTaskName } from "../data/glue";
import { AdapterFields } from "../lora/index";
import { FineTuneConfig, FineTuneResult } from "./finetune";
import { GridSpec, GridTask, runGrid } from "./grid/index";
import { Verdict } from "./protocol";
import { ClaimVerdict, Comparison, pairedArmVerdict } from "./verdicts";

export interface InitComparisonOptions {
  /**
   * A task's own `steps`, if given, replace `steps` (the notebook gives SST-2 twice the steps: paperEpochSteps in
   * ./grids).
   */
  tasks: GridTask[];
  checkpoint: string;
  seeds: number[];
  steps: number;
  /** Peak η_QK (λ = 1, linear decay). */
  lr: number;
  /** The grid's results folder (its runs/ and results.csv). */
  resultsDir: string;
  /** Worker processes (default 1). */
  workers?: number;
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
  steps: number;
  /** Score of the pretrained backbone with its fresh head, before any step (the paper's first row). */
  beforePretrained: number;
  beforeRandom: number;
  pretrained: { mean: number; sd: number; min: number; max: number };
  random: { mean: number; sd: number; min: number; max: number };
  /** pretrained − random, paired by seed, with its 95 % interval and the protocol's verdict. */
  comparison: Comparison;
  verdict: Verdict;
}

/** The LoRA setting of the acceptance check: W_q and W_v, r = 8, α = 8 (the paper's Table 2 α). */
export const TESTBED_ADAPTER: AdapterFields = {
  method: "lora", r: 8, loraAlpha: 8, loraDropout: 0, targetModules: ["query", "value"],
};

/** Runs (or reads back) tasks × {pretrained, random} × seeds on the grid runner, and summarises each task. */
export async function compareInitializations(
  options: InitComparisonOptions,
): Promise<{ runs: InitRun[]; summary: InitSummary[]; verdict: ClaimVerdict }> {
  const spec: GridSpec = {
    name: path.basename(options.resultsDir),
    base: {
      checkpoint: options.checkpoint, adapter: TESTBED_ADAPTER,
      rates: { etaQK: options.lr, ratio: 1, grouping: "paper" }, steps: options.steps, batchSize: 32, maxLength: 64,
      schedule: "linear",
    },
    axes: { task: options.tasks, init: ["pretrained", "random"], seed: options.seeds },
  };
  // The folder is the testbed's own: changed options replace its table.
  const grid = await runGrid(spec, { resultsDir: options.resultsDir, workers: options.workers, replace: true });
  if (grid.failed.length > 0) {
    throw new Error(
      `${grid.failed.length} testbed runs failed, the first: ${grid.failed[0].label}: ${grid.failed[0].error}`,
    );
  }
  const runs: InitRun[] = grid.rows.map((r) => ({
    task: r.task, init: r.init, seed: r.seed, result: { ...r.result, seconds: NaN },
  }));
  const verdict = pairedArmVerdict(
    "pretraining-helps", { [spec.name]: grid.rows }, (r) => r.init, "pretrained", "random",
  );
  const comparisonOf = (task: GlueTaskName) => verdict.comparisons.find((c) => c.task === task)!;
  return {
    runs,
    summary: options.tasks.map((t) =>
      summarize(t.task, t.steps ?? options.steps, runs.filter((r) => r.task === t.task), comparisonOf(t.task))),
    verdict,
  };
}

function summarize(task: GlueTaskName, steps: number, runs: InitRun[], comparison: Comparison): InitSummary {
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
  return {
    task, metric: runs[0].result.after.metric, steps, beforePretrained: before("pretrained"),
    beforeRandom: before("random"), pretrained: side("pretrained"), random: side("random"), comparison,
    verdict: comparison.verdict,
  };
}
