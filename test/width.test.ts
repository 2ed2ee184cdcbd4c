// The width addendum (docs/PROTOCOL.md §10): its hash is pinned, the grid expands to the λ line it states on the three
// checkpoints of the stated widths, the judge chooses λ* on the selection split only and says each of its five
// verdicts where it must, and its calibration (the judge can say no) holds.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import {
  expandGrid, MINILM_ADDENDUM_HASH, namedGrid, PROTOCOL_HASH, ROBUSTNESS_ADDENDUM_HASH,
  simulateWidthVerdicts, WIDTH_ADDENDUM, WIDTH_ADDENDUM_HASH, WIDTH_SIMULATION_DEFAULTS, widthCells, widthCheckpoint,
  widthPlan, WidthRow, widthTable, widthVerdict,
} from "../lib/experiments/index";
import { adapterConfig, targetLabel } from "../lib/lora/index";
import { REPO_ROOT } from "../lib/paths";
import { Rng } from "../lib/random/index";

describe("the width addendum", () => {
  test("is pinned (a change is a new version, its own hash); the protocol and the other addenda unchanged", () => {
    assert.equal(WIDTH_ADDENDUM.version, 1);
    assert.equal(WIDTH_ADDENDUM.date, "2026-12-07");
    assert.equal(WIDTH_ADDENDUM.protocol, PROTOCOL_HASH);
    assert.equal(WIDTH_ADDENDUM_HASH, "5b2b31a1b733");
    assert.deepEqual([PROTOCOL_HASH, MINILM_ADDENDUM_HASH, ROBUSTNESS_ADDENDUM_HASH],
      ["652ef5ed4940", "0f399ae6cb34", "71133fb18546"]);
  });
  test("its λ line keeps √(η_QK η_V) at the stated rate, and η_V / η_QK = λ", () => {
    for (const c of widthCells(WIDTH_ADDENDUM.design.lambdas)) {
      assert.ok(Math.abs(Math.sqrt(c.etaQK * c.etaV) / WIDTH_ADDENDUM.design.meanRate - 1) < 1e-5, `λ ${c.lambda}`);
      assert.ok(Math.abs(c.etaV / c.etaQK / c.lambda - 1) < 1e-5, `λ ${c.lambda}`);
    }
  });
  test("the three checkpoints are there, at their widths, heads and layers fixed, from the same recipe and corpus", () => {
    const cards = WIDTH_ADDENDUM.widths.map((w) => {
      const dir = widthCheckpoint(w);
      assert.equal(path.relative(REPO_ROOT, dir), `data/checkpoints/encoder-builtin-d${w}`);
      const card = JSON.parse(fs.readFileSync(path.join(dir, "card.json"), "utf8"));
      assert.equal(card.config.hidden_size, w);
      assert.equal(card.config.intermediate_size, 4 * w);
      assert.deepEqual([card.config.num_attention_heads, card.config.num_hidden_layers], [4, 4]);
      return card;
    });
    for (const card of cards) {
      assert.deepEqual(card.training, cards[0].training);
      assert.equal(card.corpus.sha256, cards[0].corpus.sha256);
    }
  });
});

describe("the width grid", () => {
  const cellOf = (r: { checkpoint: { dir: string }; rates: { etaQK: number; ratio: number } }) =>
    `${path.basename(r.checkpoint.dir)} ${r.rates.etaQK} ${+(r.rates.etaQK * r.rates.ratio).toPrecision(6)}`;
  test("default: 3 widths × 5 λ × 5 seeds of 100 steps, Figure 1's adapter, under the addendum's hash", () => {
    const runs = expandGrid(namedGrid("width-encoder", "default"));
    assert.equal(runs.length, 75);
    const expected = WIDTH_ADDENDUM.widths.flatMap((w) => widthCells([1, 2, 4, 8, 16])
      .map((c) => `encoder-builtin-d${w} ${c.etaQK} ${c.etaV}`));
    assert.deepEqual([...new Set(runs.map(cellOf))].sort(), [...expected].sort());
    for (const c of expected) assert.deepEqual(runs.filter((r) => cellOf(r) === c).map((r) => r.seed), [0, 1, 2, 3, 4]);
    for (const r of runs) {
      assert.equal(r.protocol, WIDTH_ADDENDUM_HASH);
      assert.equal(targetLabel(adapterConfig(r.adapter).targetModules), "QKV");
      assert.deepEqual([r.adapter.r, r.adapter.loraAlpha, r.schedule, r.batchSize, r.maxLength, r.steps],
        [8, 8, "linear", 16, 64, 100]);
      assert.deepEqual([r.data.task, r.data.maxTrain, r.data.maxEval], ["MNLI", 4000, 2000]);
    }
  });
  test("full: 300 steps and 10 seeds; smoke: λ ∈ {1, 4}, one seed, 8 steps", () => {
    const full = expandGrid(namedGrid("width-encoder", "full"));
    assert.equal(full.length, 3 * 5 * 10);
    assert.ok(full.every((r) => r.steps === 300));
    const smoke = expandGrid(namedGrid("width-encoder", "smoke"));
    assert.equal(smoke.length, 6);
    assert.ok(smoke.every((r) => r.steps === 8 && r.seed === 0 && r.data.maxTrain === 256));
    assert.deepEqual(widthPlan("smoke").lambdas, [1, 4]);
  });
});

/** A width grid's rows from a score per (width, λ, seed) on each split. */
function rows(
  report: (width: number, lambda: number, seed: number) => number,
  options: { seeds?: number; selection?: (width: number, lambda: number, seed: number) => number } = {},
): WidthRow[] {
  const seeds = options.seeds ?? 5;
  const selection = options.selection ?? report;
  return WIDTH_ADDENDUM.widths.flatMap((width) => widthCells(WIDTH_ADDENDUM.design.lambdas).flatMap((c) =>
    Array.from({ length: seeds }, (_, seed) => ({
      task: "MNLI", method: "lora", targets: "QKV", r: 8, etaQK: c.etaQK, etaV: c.etaV, ratio: c.lambda, seed,
      status: "ok" as const, after: report(width, c.lambda, seed), selection: selection(width, c.lambda, seed),
      chance: 0.35, chanceSelection: 0.35, reportExamples: 2000, metric: "accuracy", lossMean: 1, chanceLoss: Math.log(3),
      checkpoint: `data/checkpoints/encoder-builtin-d${width}`,
    }))));
}

describe("the width judge", () => {
  const plan = { widths: WIDTH_ADDENDUM.widths, lambdas: WIDTH_ADDENDUM.design.lambdas };
  const noise = new Rng(3, 1);
  const jitter = new Map<string, number>();
  const z = (width: number, lambda: number, seed: number) => {
    const key = `${width} ${lambda} ${seed}`;
    if (!jitter.has(key)) jitter.set(key, 0.004 * noise.normal());
    return jitter.get(key)!;
  };
  // A bowl in log₂ λ peaking at `peak(width)`, 6 points deep at 4 octaves.
  const bowl = (peak: (w: number) => number) => (w: number, l: number, s: number) =>
    0.6 - 0.004 * (Math.log2(l) - Math.log2(peak(w))) ** 2 * 4 + z(w, l, s);
  test("λ* growing with d and a growing cost: reproduced, with the exponent Θ(n) predicts", () => {
    const v = widthVerdict(rows(bowl((w) => w / 32)), plan);
    assert.equal(v.verdict, "reproduced", v.summary);
    assert.deepEqual(v.lines.map((l) => l.best), [2, 4, 8]);
    assert.equal(v.exponent, 1);
    assert.ok(v.costGrowth!.interval[0] > 0);
    assert.equal(v.costGrowth!.df, (15 - 1) * (5 - 1));
  });
  test("the mirror: contradicted; the same λ* at every width: inconclusive", () => {
    assert.equal(widthVerdict(rows(bowl((w) => 512 / w)), plan).verdict, "contradicted");
    const flat = widthVerdict(rows(bowl(() => 4)), plan);
    assert.equal(flat.verdict, "inconclusive", flat.summary);
    assert.equal(flat.exponent, 0);
  });
  test("λ* is chosen on the selection split only: the report split's own peaks do not move it", () => {
    const v = widthVerdict(rows(bowl((w) => 512 / w), { selection: bowl((w) => w / 32) }), plan);
    assert.deepEqual(v.lines.map((l) => l.best), [2, 4, 8]);
    // Chosen on selection where the report split peaks the other way: the cost shrinks, so not reproduced.
    assert.notEqual(v.verdict, "reproduced");
  });
  test("λ* = 1 gives a cost of exactly 0; ties go to the smaller λ", () => {
    const v = widthVerdict(rows(() => 0.6), plan);
    assert.deepEqual(v.lines.map((l) => l.best), [1, 1, 1]);
    assert.ok(v.lines.every((l) => l.cost!.effect === 0));
    assert.equal(v.verdict, "inconclusive");
  });
  test("a width at chance: no signal; two seeds or a missing cell: not testable", () => {
    const atChance = (w: number, l: number, s: number) => (w === 64 ? 0.35 + z(w, l, s) / 4 : bowl((d) => d / 32)(w, l, s));
    assert.equal(widthVerdict(rows(atChance), plan).verdict, "no signal");
    const two = widthVerdict(rows(bowl((w) => w / 32), { seeds: 2 }), plan);
    assert.equal(two.verdict, "not testable");
    assert.match(two.summary, /2 seed\(s\) complete in every cell, 3 needed/);
    const missing = rows(bowl((w) => w / 32)).filter((r) => !(r.checkpoint.endsWith("d128") && r.ratio === 16 && r.seed > 1));
    assert.equal(widthVerdict(missing, plan).verdict, "not testable");
  });
  test("the table has a row per width with λ*, the cost and every cell", () => {
    const table = widthTable(widthVerdict(rows(bowl((w) => w / 32)), plan));
    assert.deepEqual(table.map((r) => r.d), [64, 128, 256]);
    assert.deepEqual(table.map((r) => r["λ* (selection)"]), [2, 4, 8]);
    assert.ok(Object.keys(table[0]).includes("λ 16: sel / test %"));
  });
});

describe("the width judge's calibration (docs/PROTOCOL.md §10)", () => {
  const trials = 400;
  const rates = (scenario: "null" | "flat" | "paper" | "reversed") =>
    simulateWidthVerdicts({ ...WIDTH_SIMULATION_DEFAULTS, scenario, trials });
  test("under no width effect it rarely says reproduced or contradicted", () => {
    for (const scenario of ["null", "flat"] as const) {
      const r = rates(scenario);
      assert.ok(r.reproduced <= 0.05 && r.contradicted <= 0.05, `${scenario}: ${JSON.stringify(r)}`);
    }
  });
  test("with the paper's effect (3 SD, 5 seeds) it says reproduced, with the reversed one contradicted, ≥ 80 %", () => {
    const paper = rates("paper");
    const reversed = rates("reversed");
    assert.ok(paper.reproduced >= 0.8 && paper.contradicted === 0, JSON.stringify(paper));
    assert.ok(reversed.contradicted >= 0.8 && reversed.reproduced === 0, JSON.stringify(reversed));
  });
});
