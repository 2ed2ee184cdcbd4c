// The width addendum's experiment (docs/PROTOCOL.md §10, issue 22 item 4): does the best λ grow with the width of
// real softmax attention, as Theorem 2's λ = Θ(n) says of its toy? The mini encoder pretrained at three widths
// (heads and layers fixed), λ swept on a line of constant geometric-mean rate, the best λ chosen per width on the
// selection split, and the cost of λ = 1 read on the report split. The grid is `width-encoder` (grids.ts imports
// widthGrid from here); its runs are stored, so a rerun reads them back. The judge and its calibration are here too.
import * as fs from "fs";
import * as path from "path";
import { sha256 } from "../files/index";
import { checkpointDir, ModelCard } from "../pretrain/index";
import { Rng } from "../random/index";
import { BlockDesign, blockContrast, ContrastEstimate, summarize } from "../stats/index";
import { GridSpec } from "./grid/index";
import { Profile } from "./profile";
import { Verdict, WIDTH_ADDENDUM, WIDTH_ADDENDUM_HASH } from "./protocol";
import { verdictRates } from "./simulate";
import { sameRate } from "./summary";
import { chanceBand, formatEffect, reportScore, ScoredRow, selectionScore } from "./verdicts";

/** One cell of the λ line: η_QK = η̄ / √λ and η_V = η̄ · √λ, so √(η_QK η_V) = η̄ in every cell. */
export interface WidthCell {
  lambda: number;
  etaQK: number;
  etaV: number;
}

/** What a profile runs: the addendum's numbers (smoke: the code end to end, every verdict "not testable"). */
export interface WidthPlan {
  widths: number[];
  lambdas: number[];
  seeds: number[];
  steps: number;
  maxTrain: number;
  maxEval: number;
}

export function widthPlan(profile: Profile): WidthPlan {
  const { widths, design, profiles } = WIDTH_ADDENDUM;
  const p = profiles[profile === "paper" ? "full" : profile];
  return {
    widths, lambdas: p.lambdas ?? design.lambdas, seeds: p.seeds, steps: p.steps, maxTrain: p.maxTrain,
    maxEval: p.maxEval,
  };
}

export function widthCells(lambdas: readonly number[]): WidthCell[] {
  const eta = WIDTH_ADDENDUM.design.meanRate;
  return lambdas.map((lambda) => ({
    lambda,
    etaQK: Number((eta / Math.sqrt(lambda)).toPrecision(6)),
    etaV: Number((eta * Math.sqrt(lambda)).toPrecision(6)),
  }));
}

/**
 * The mini encoder pretrained at width d for this addendum, data/checkpoints/encoder-builtin-dD at every width, d = 128
 * included: the figure grids' encoder-builtin was pretrained on an earlier version of the built-in corpus.
 */
export const widthCheckpoint = (width: number): string =>
  path.join(path.dirname(checkpointDir("encoder", "builtin")), `encoder-builtin-d${width}`);

/** The three encoders as their cards describe them, each card's weight hash checked against its file. */
export function widthCheckpointTable(): Record<string, string | number>[] {
  return WIDTH_ADDENDUM.widths.map((width) => {
    const dir = widthCheckpoint(width);
    const card = JSON.parse(fs.readFileSync(path.join(dir, "card.json"), "utf8")) as ModelCard;
    const config = card.config as { num_attention_heads: number; intermediate_size: number };
    const weights = sha256(fs.readFileSync(path.join(dir, "model.safetensors")));
    return {
      d: width, "head dim": width / config.num_attention_heads, "feed-forward": config.intermediate_size,
      parameters: card.parameters, "MB": +(card.modelBytes / 1e6).toFixed(2), steps: card.training.steps,
      "validation loss (last)": +card.validationLoss[card.validationLoss.length - 1].loss.toFixed(3),
      minutes: +(card.wallSeconds / 60).toFixed(1), "corpus sha256": card.corpus.sha256.slice(0, 12),
      weights: weights === card.modelSha256 ? "match the card" : "DO NOT match the card",
    };
  });
}

/** The width-encoder grid: per width and λ cell, the seeds, on the MNLI analog at the addendum's fixed settings. */
export function widthGrid(profile: Profile): GridSpec {
  const plan = widthPlan(profile);
  const axes = plan.widths.flatMap((width) => widthCells(plan.lambdas).map((c) => ({
    checkpoint: [widthCheckpoint(width)], etaQK: [c.etaQK], etaV: [c.etaV], seed: plan.seeds,
  })));
  const { r, alpha, targets } = WIDTH_ADDENDUM.fixedSettings;
  return {
    name: "width-encoder",
    protocol: WIDTH_ADDENDUM_HASH,
    base: {
      data: { dir: "data/tasks", task: WIDTH_ADDENDUM.task.name, maxTrain: plan.maxTrain, maxEval: plan.maxEval },
      init: "pretrained", adapter: { method: "lora", r, loraAlpha: alpha, loraDropout: 0, targetModules: targets },
      rates: { grouping: "paper" }, steps: plan.steps, batchSize: WIDTH_ADDENDUM.fixedSettings.batchSize,
      maxLength: WIDTH_ADDENDUM.fixedSettings.maxLength, schedule: "linear",
    },
    axes,
  };
}

/** What the judge needs of a run: its scores and the checkpoint folder it fine-tuned (a GridRow has both). */
export interface WidthRow extends ScoredRow {
  checkpoint: string;
}

/** One width's λ line: per cell its mean scores over the complete seeds, λ* and the cost of λ = 1. */
export interface WidthLine {
  width: number;
  cells: { lambda: number; etaQK: number; etaV: number; runs: number; selection: number; report: number }[];
  /** λ with the highest mean selection-split score (ties to the smaller λ); undefined when not testable. */
  best: number | undefined;
  /** Report split, λ* − λ = 1, paired by seed, in the addendum's pooled block design. */
  cost: ContrastEstimate | undefined;
  /** Whether some cell's mean report score is above the majority baseline's band (the model learned the task). */
  learned: boolean;
}

export interface WidthVerdict {
  verdict: Verdict;
  lines: WidthLine[];
  /** The seeds every cell of every width has (the blocks of the design). */
  seeds: number[];
  /** C(largest width) − C(smallest width), the verdict's contrast; undefined when not testable. */
  costGrowth: ContrastEstimate | undefined;
  /** log(λ*(largest) / λ*(smallest)) / log(largest / smallest): Θ(n) says 1, a width-free λ* says 0. */
  exponent: number | undefined;
  summary: string;
}

const cellKey = (width: number, lambda: number): string => `d ${width}, λ ${lambda}`;

/** Chooses λ* on the selection split: the highest mean, ties to the smaller λ (as the protocol's other rules). */
function chooseLambda(cells: WidthLine["cells"]): number {
  let best = cells[0];
  for (const c of cells) if (c.selection > best.selection + 1e-12) best = c;
  return best.lambda;
}

/**
 * The addendum's verdict on rows of the width grid (docs/PROTOCOL.md §10): λ* per width on the selection split; the
 * cost of λ = 1 per width and its growth from the smallest to the largest width as contrasts of one block design
 * (cells = width × λ, blocks = seeds, the residual pooled over every cell); reproduced when λ* is larger at the
 * largest width than at the smallest and the growth's 95 % interval lies above 0, contradicted in the mirror case.
 */
export function widthVerdict(rows: readonly WidthRow[], plan: Pick<WidthPlan, "widths" | "lambdas">): WidthVerdict {
  const { widths, lambdas } = plan;
  const cells = widthCells(lambdas);
  // Each run filed once under its (width, λ) cell and seed, its width read from its checkpoint folder's name (the
  // judge runs thousands of times in calibration).
  const runs = new Map<string, Map<number, WidthRow>>();
  const names = new Map(widths.map((w) => [path.basename(widthCheckpoint(w)), w]));
  for (const r of rows) {
    const width = names.get(path.basename(r.checkpoint));
    const cell = cells.find((c) => sameRate(r.etaQK, c.etaQK) && sameRate(r.etaV, c.etaV));
    if (width === undefined || cell === undefined) continue;
    const key = cellKey(width, cell.lambda);
    if (!runs.has(key)) runs.set(key, new Map());
    runs.get(key)!.set(r.seed, r);
  }
  const at = (width: number, c: WidthCell) => runs.get(cellKey(width, c.lambda)) ?? new Map<number, WidthRow>();
  const seedSets = widths.flatMap((w) => cells.map((c) => at(w, c)));
  const seeds = [...(seedSets[0]?.keys() ?? [])].filter((s) => seedSets.every((set) => set.has(s)))
    .sort((a, b) => a - b);
  const score = (width: number, c: WidthCell, s: number, of: (r: ScoredRow) => number) => of(at(width, c).get(s)!);
  const testable = seeds.length >= WIDTH_ADDENDUM.minimumSeeds && lambdas.includes(1) && widths.length >= 2;
  const design: BlockDesign = {
    cells: widths.flatMap((w) => cells.map((c) => cellKey(w, c.lambda))),
    seeds,
    scores: widths.flatMap((w) => cells.map((c) => seeds.map((s) => score(w, c, s, reportScore)))),
  };
  // Adds sign × (λ* − λ = 1) at one width to a contrast's weights (the two cancel to 0 when λ* = 1).
  const addCost = (weights: Record<string, number>, width: number, best: number, sign = 1) => {
    for (const [lambda, w] of [[best, sign], [1, -sign]]) {
      weights[cellKey(width, lambda)] = (weights[cellKey(width, lambda)] ?? 0) + w;
    }
    return weights;
  };
  const lines: WidthLine[] = widths.map((width) => {
    const line = cells.map((c) => ({
      lambda: c.lambda, etaQK: c.etaQK, etaV: c.etaV, runs: at(width, c).size,
      selection: seeds.length > 0 ? summarize(seeds.map((s) => score(width, c, s, selectionScore))).mean : NaN,
      report: seeds.length > 0 ? summarize(seeds.map((s) => score(width, c, s, reportScore))).mean : NaN,
    }));
    const example = cells.map((c) => [...at(width, c).values()][0]).find((r) => r !== undefined);
    const learned = example !== undefined && line.some((c) => c.report > example.chance + chanceBand(example));
    if (!testable) return { width, cells: line, best: undefined, cost: undefined, learned };
    const best = chooseLambda(line);
    return { width, cells: line, best, cost: blockContrast(design, addCost({}, width, best), 0.95), learned };
  });
  const [first, last] = [lines[0], lines[lines.length - 1]];
  if (!testable) {
    const why = seeds.length < WIDTH_ADDENDUM.minimumSeeds
      ? `${seeds.length} seed(s) complete in every cell, ${WIDTH_ADDENDUM.minimumSeeds} needed`
      : "the design lacks λ = 1 or a second width";
    return {
      verdict: "not testable", lines, seeds, costGrowth: undefined, exponent: undefined,
      summary: `not testable: ${why}`,
    };
  }
  const growthWeights = addCost(addCost({}, last.width, last.best!), first.width, first.best!, -1);
  const costGrowth = blockContrast(design, growthWeights, 0.95);
  const exponent = Math.log(last.best! / first.best!) / Math.log(last.width / first.width);
  const unlearned = lines.filter((l) => (l === first || l === last) && !l.learned);
  let verdict: Verdict;
  if (unlearned.length > 0) verdict = "no signal";
  else if (last.best! > first.best! && costGrowth.interval[0] > 0) verdict = "reproduced";
  else if (last.best! < first.best! && costGrowth.interval[1] < 0) verdict = "contradicted";
  else verdict = "inconclusive";
  const growth = `C(${last.width}) − C(${first.width}) = ${formatEffect(costGrowth)} points`;
  const order = `λ* ${lines.map((l) => `${l.best} at d ${l.width}`).join(", ")}`;
  const summary = verdict === "no signal"
    ? `no signal: at d ${unlearned.map((l) => l.width).join(" and ")} no cell is above the majority baseline's band`
    : `${verdict}: ${order}; the cost of λ = 1, ${growth} (${seeds.length} seeds)`;
  return { verdict, lines, seeds, costGrowth, exponent, summary };
}

/** Per width: λ*, the cost of λ = 1 with its interval (points), and each λ's mean scores, as table rows. */
export function widthTable(v: WidthVerdict): Record<string, string | number>[] {
  const pct = (x: number) => (Number.isFinite(x) ? +(100 * x).toFixed(1) : "–");
  return v.lines.map((l) => ({
    d: l.width,
    ...Object.fromEntries(l.cells
      .map((c) => [`λ ${c.lambda}: sel / test %`, `${pct(c.selection)} / ${pct(c.report)}`])),
    "λ* (selection)": l.best ?? "–",
    "cost of λ = 1 (test, points)": l.cost ? formatEffect(l.cost) : "–",
    learned: l.learned ? "yes" : "no",
  }));
}

// ---- calibration: the judge under no width effect, the paper's, and a reversed one ----

export type WidthScenario = "null" | "flat" | "paper" | "reversed";
export const WIDTH_SCENARIOS: WidthScenario[] = ["null", "flat", "paper", "reversed"];

export interface WidthSimulation {
  scenario: WidthScenario;
  seeds: number;
  /** The growth of the cost of λ = 1 from the smallest to the largest width, in units of `noise`. */
  effect: number;
  noise: number;
  shared: number;
  trials: number;
  rngSeed: number;
}

export const WIDTH_SIMULATION_DEFAULTS: Omit<WidthSimulation, "scenario"> = {
  seeds: 5, effect: 3, noise: 0.03, shared: 0.02, trials: 1000, rngSeed: 1,
};

/**
 * Where each width's score peaks along log₂ λ: the paper's λ* ∝ d (2, 4, 8 at d 64, 128, 256), a width-free λ*
 * (null: 4 at every width; flat: no λ effect at all), or λ* ∝ 1/d (reversed).
 */
function peaks(scenario: WidthScenario, widths: readonly number[]): number[] {
  const middle = widths[Math.floor(widths.length / 2)];
  if (scenario === "null" || scenario === "flat") return widths.map(() => 4);
  const sign = scenario === "paper" ? 1 : -1;
  return widths.map((w) => 4 * (w / middle) ** sign);
}

/**
 * The verdict rates over `trials` width grids drawn from the model: score(d, λ, s) = 0.7 − κ (log₂ λ − log₂ peak_d)²
 * + shared(s) + noise · z, then the binomial noise of 2000 report and 1000 selection rows. κ is set so the cost of
 * λ = 1 grows by `effect` × noise from the smallest width to the largest under the paper's peaks (reversed: shrinks
 * by it; null: the same curvature, no growth; flat: κ = 0).
 */
export function simulateWidthVerdicts(options: WidthSimulation): Record<Verdict, number> {
  const { widths, design } = WIDTH_ADDENDUM;
  const lambdas = design.lambdas;
  const centers = peaks(options.scenario, widths).map(Math.log2);
  // At a peak of 2^c the cost of λ = 1 is κ c², so the paper's peaks grow it by κ (c_last² − c_first²).
  const paper = peaks("paper", widths).map(Math.log2);
  const growth = paper[paper.length - 1] ** 2 - paper[0] ** 2;
  const kappa = options.scenario === "flat" ? 0 : (options.effect * options.noise) / growth;
  const rng = new Rng(options.rngSeed, WIDTH_SCENARIOS.indexOf(options.scenario) + 1);
  const cells = widthCells(lambdas);
  return verdictRates(options.trials, () => {
    const rows: WidthRow[] = [];
    const shared = Array.from({ length: options.seeds }, () => options.shared * rng.normal());
    widths.forEach((width, i) => {
      for (const c of cells) {
        for (let s = 0; s < options.seeds; s++) {
          const p0 = 0.7 - kappa * (Math.log2(c.lambda) - centers[i]) ** 2 + shared[s] + options.noise * rng.normal();
          const p = Math.min(0.99, Math.max(0.01, p0));
          rows.push({
            task: "MNLI", method: "lora", targets: "QKV", r: 8, etaQK: c.etaQK, etaV: c.etaV, ratio: c.lambda, seed: s,
            status: "ok", after: p + Math.sqrt((p * (1 - p)) / 2000) * rng.normal(),
            selection: p + Math.sqrt((p * (1 - p)) / 1000) * rng.normal(), chance: 0.35, chanceSelection: 0.35,
            reportExamples: 2000, metric: "accuracy", lossMean: null, chanceLoss: Math.log(3),
            checkpoint: widthCheckpoint(width),
          });
        }
      }
    });
    return widthVerdict(rows, { widths, lambdas }).verdict;
  });
}
