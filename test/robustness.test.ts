// The robustness addendum (docs/PROTOCOL.md §9): its hash is pinned (a change is a new version), the grids expand
// to the cells it states, the scale rule reads the selection split only, the summary says "not testable" and
// "no signal" where it must, and the whole path runs end to end on a 1-layer encoder of width 32.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { selectBackend } from "../lib/backend/index";
import { writeSuite } from "../lib/data/builtin/index";
import {
  chooseRobustnessScale, expandGrid, GridSpec, judgeRobustness, MINILM_ADDENDUM_HASH, namedGrid, PROTOCOL_HASH,
  ROBUSTNESS_ADDENDUM, ROBUSTNESS_ADDENDUM_HASH, RobustnessRow, robustnessSettings, robustnessSurvival, robustnessTable,
  robustnessVerdicts, runGrid, VERDICTS,
} from "../lib/experiments/index";
import { adapterConfig, targetLabel } from "../lib/lora/index";
import { pretrain, pretrainRecipe } from "../lib/pretrain/index";
import { Rng } from "../lib/random/index";

describe("the robustness addendum", () => {
  test("is pinned (a change is a new version, its own hash); protocol v2 and the MiniLM addendum unchanged", () => {
    assert.equal(ROBUSTNESS_ADDENDUM.version, 1);
    assert.equal(ROBUSTNESS_ADDENDUM.date, "2026-12-04");
    assert.equal(ROBUSTNESS_ADDENDUM.protocol, PROTOCOL_HASH);
    assert.equal(ROBUSTNESS_ADDENDUM_HASH, "71133fb18546");
    assert.equal(PROTOCOL_HASH, "652ef5ed4940");
    assert.equal(MINILM_ADDENDUM_HASH, "0f399ae6cb34");
  });
});

const cellOf = (r: { data: { task: string }; steps: number; rates: { etaQK: number; ratio: number }; seed: number }) =>
  `${r.data.task} ${r.steps} ${r.rates.etaQK} ${+(r.rates.etaQK * r.rates.ratio).toPrecision(6)}`;
const cellsAt = (scale: number, paper: number, steps: number, task = "MNLI") => {
  const q = +(scale * paper).toPrecision(6);
  const v = +(4 * q).toPrecision(6);
  return [`${task} ${steps} ${q} ${v}`, `${task} ${steps} ${q} ${q}`, `${task} ${steps} ${v} ${v}`];
};

describe("the robustness grids", () => {
  test("default, encoder: s ∈ {1, 2, 5, 10} at 100 steps and s = 5 at 300 and 1000, the λ = 4 design, 3 seeds", () => {
    const runs = expandGrid(namedGrid("robustness-encoder", "default"));
    assert.equal(runs.length, 54);
    assert.equal(runs.reduce((n, r) => n + r.steps, 0), 15300);
    const expected = [
      ...[1, 2, 5, 10].flatMap((s) => cellsAt(s, 1e-4, 100)),
      ...cellsAt(5, 1e-4, 300), ...cellsAt(5, 1e-4, 1000),
    ];
    assert.deepEqual([...new Set(runs.map(cellOf))].sort(), [...expected].sort());
    for (const c of expected) assert.deepEqual(runs.filter((r) => cellOf(r) === c).map((r) => r.seed), [0, 1, 2], c);
    for (const r of runs) {
      assert.equal(r.protocol, ROBUSTNESS_ADDENDUM_HASH);
      assert.equal(targetLabel(adapterConfig(r.adapter).targetModules), "QKV");
      const fixed = [r.adapter.r, r.adapter.loraAlpha, r.schedule, r.batchSize, r.maxLength];
      assert.deepEqual(fixed, [8, 8, "linear", 16, 64]);
      assert.deepEqual([r.data.maxTrain, r.data.maxEval], [4000, 2000]);
    }
  });
  test("full: the whole cross, both models; the decoder is Figure 2's adapter at 5e-5 × s; smoke: 9 runs", () => {
    for (const [model, paper] of [["encoder", 1e-4], ["decoder", 5e-5]] as const) {
      const runs = expandGrid(namedGrid(`robustness-${model}`, "full"));
      assert.equal(runs.length, 108, model);
      const expected = [100, 300, 1000].flatMap((n) => [1, 2, 5, 10].flatMap((s) => cellsAt(s, paper, n)));
      assert.deepEqual([...new Set(runs.map(cellOf))].sort(), [...expected].sort(), model);
      const smoke = expandGrid(namedGrid(`robustness-${model}`, "smoke"));
      const reference = ROBUSTNESS_ADDENDUM.settings.referenceScale[model];
      assert.equal(smoke.length, 9);
      assert.ok(smoke.every((r) => r.seed === 0 && r.data.maxTrain === 256));
      const smokeCells = [...cellsAt(1, paper, 8), ...cellsAt(reference, paper, 8), ...cellsAt(reference, paper, 16)];
      assert.deepEqual([...new Set(smoke.map(cellOf))].sort(), smokeCells.sort());
    }
    const decoder = expandGrid(namedGrid("robustness-decoder", "default"));
    const qv = (r: (typeof decoder)[number]) => targetLabel(adapterConfig(r.adapter).targetModules) === "QV";
    assert.ok(decoder.every((r) => r.adapter.r === 16 && qv(r) && r.schedule === "constant"));
    const settings = robustnessSettings("encoder", "default").map((s) => `${s.scale}@${s.steps}`);
    assert.deepEqual(settings, ["1@100", "2@100", "5@100", "10@100", "5@300", "5@1000"]);
  });
});

/**
 * Rows of the default encoder design, with a given mean per (setting, cell): `score(scale, steps, cell)` in
 * [0, 1] on the report split, `selection(...)` on the selection split; cell 0 is λ = 4, 1 the same-η_QK λ = 1
 * cell, 2 the same-η_V one.
 */
function designRows(
  report: (scale: number, steps: number, cell: number) => number,
  selection: (scale: number, steps: number, cell: number) => number,
  options: { seeds?: number[]; noise?: number; chance?: number; seed?: number } = {},
): RobustnessRow[] {
  const rng = new Rng(options.seed ?? 1);
  const rows: RobustnessRow[] = [];
  for (const { scale, steps } of robustnessSettings("encoder", "default")) {
    const q = +(scale * 1e-4).toPrecision(6);
    const cells = [[q, 4 * q], [q, q], [4 * q, 4 * q]];
    cells.forEach(([etaQK, etaV], cell) => {
      for (const seed of options.seeds ?? [0, 1, 2]) {
        const z = (options.noise ?? 0.003) * rng.normal();
        const after = report(scale, steps, cell) + z;
        rows.push({
          task: "MNLI", method: "lora", targets: "QKV", r: 8, etaQK, etaV: +etaV.toPrecision(12), ratio: etaV / etaQK,
          seed,
          status: "ok", after, selection: selection(scale, steps, cell) + z, chance: options.chance ?? 1 / 3,
          chanceSelection: options.chance ?? 1 / 3, reportExamples: 2000, metric: "accuracy",
          lossMean: 1.0 - after, chanceLoss: Math.log(3), config: { steps },
        });
      }
    });
  }
  return rows;
}

describe("the scale rule", () => {
  test("chooses by the selection split only: changing the test split's scores does not change the choice", () => {
    // Selection prefers s = 2; the report split prefers s = 10.
    const sel = (s: number) => (s === 2 ? 0.6 : 0.5);
    const rows = designRows((s) => (s === 10 ? 0.9 : 0.5), sel);
    const choice = chooseRobustnessScale(rows, "encoder", "default");
    assert.equal(choice.scale, 2);
    assert.equal(choice.steps, 100);
    assert.equal(choice.etaQK, 2e-4);
    const flipped = rows.map((r) => ({ ...r, after: 1 - r.after, chance: 0.9 }));
    assert.equal(chooseRobustnessScale(flipped, "encoder", "default").scale, 2);
    // The selection split does move it.
    const moved = designRows(() => 0.5, (s) => (s === 5 ? 0.7 : 0.5));
    assert.equal(chooseRobustnessScale(moved, "encoder", "default").scale, 5);
  });
  test("ties to the smaller s; a diverged run scores the selection baseline; a missing run withholds it", () => {
    const tie = designRows(() => 0.5, (s) => (s >= 5 ? 0.6 : 0.5), { noise: 0 });
    assert.equal(chooseRobustnessScale(tie, "encoder", "default").scale, 5);
    const diverged = designRows(() => 0.5, (s) => (s === 10 ? 0.65 : s === 5 ? 0.6 : 0.5), { noise: 0 })
      .map((r) => (r.etaQK === 1e-3 ? { ...r, status: "diverged" as const } : r));
    assert.equal(chooseRobustnessScale(diverged, "encoder", "default").scale, 5);
    const missing = designRows(() => 0.5, () => 0.5)
      .filter((r) => !(r.etaQK === 2e-4 && r.seed === 2 && r.etaV === 8e-4));
    const none = chooseRobustnessScale(missing, "encoder", "default");
    assert.equal(none.scale, undefined);
    assert.match(none.reason, /not testable: s = 2 has 8 of 9 runs/);
    // Runs at 300 or 1000 steps never enter the choice at 100.
    const longer = designRows(() => 0.5, (s, steps) => (steps === 100 ? (s === 1 ? 0.6 : 0.5) : 0.99));
    assert.equal(chooseRobustnessScale(longer, "encoder", "default").scale, 1);
  });
});

describe("the summary", () => {
  test("the paper's direction is reproduced, the reverse contradicted; survival is against (5, 100 steps)", () => {
    // λ = 4 better than both λ = 1 cells everywhere except at 1000 steps, where it is worse.
    const rows = designRows((_s, steps, cell) => 0.6 + (cell === 0 ? (steps === 1000 ? -0.05 : 0.05) : 0), () => 0.5);
    const verdicts = robustnessVerdicts(rows, "encoder", "default");
    const expected = [...Array(5).fill("reproduced"), "contradicted"];
    assert.deepEqual(verdicts.map((v) => v.lambda.verdict), expected);
    assert.deepEqual(verdicts.map((v) => v.convergence.verdict), expected);
    const table = robustnessTable(verdicts, { trainRows: 2000, batchSize: 16, profile: "default" });
    assert.equal(table.length, 12);
    const ref = table.filter((r) => r.reference === "yes");
    assert.deepEqual(ref.map((r) => [r.s, r.steps, r.claim]), [[5, 100, "lambda"], [5, 100, "lambda-convergence"]]);
    assert.deepEqual(table.map((r) => r.epochs).filter((_e, i) => i % 2 === 0), [0.8, 0.8, 0.8, 0.8, 2.4, 8]);
    assert.match(String(table[0]["vs λ = 1, same η_QK"]), /^\+5\.\d \[\+\d/);
    const survival = robustnessSurvival(verdicts, { scale: 5, steps: 100 });
    assert.equal(survival[0].referenceVerdict, "reproduced");
    assert.deepEqual(survival[0].same, ["s 1, 100 steps", "s 2, 100 steps", "s 10, 100 steps", "s 5, 300 steps"]);
    assert.deepEqual(survival[0].different, [{ setting: "s 5, 1000 steps", verdict: "contradicted" }]);
  });
  test("at chance: no signal; missing cells, missing settings and one seed: not testable, each with its reason", () => {
    const flat = robustnessVerdicts(designRows(() => 1 / 3, () => 1 / 3), "encoder", "default");
    assert.ok(flat.every((v) => v.lambda.verdict === "no signal"), flat.map((v) => v.lambda.verdict).join());
    const flatTable = robustnessTable(flat);
    assert.match(String(flatTable[0].note), /no cell above the majority baseline 33\.3 %/);
    const rows = designRows((_s, _steps, cell) => 0.6 + (cell === 0 ? 0.05 : 0), () => 0.5)
      .filter((r) => !(r.etaQK === 1e-4 && r.etaV === 1e-4))
      .filter((r) => r.config.steps !== 1000);
    const verdicts = robustnessVerdicts(rows, "encoder", "default");
    assert.equal(verdicts[0].lambda.verdict, "not testable");
    assert.match(verdicts[0].lambda.comparisons[0].note, /lacks the λ design's cells \(0\.0001, 0\.0001\)/);
    const last = verdicts[verdicts.length - 1];
    assert.deepEqual([last.setting.steps, last.lambda.verdict, last.runs], [1000, "not testable", 0]);
    assert.match(String(robustnessTable([last])[0].note), /no runs stored for this setting \(9 expected\)/);
    const oneSeed = robustnessVerdicts(designRows(() => 0.6, () => 0.5, { seeds: [0] }), "encoder", "default");
    // Nothing survives a reference that was not judged.
    const [untested] = robustnessSurvival(oneSeed, { scale: 5, steps: 100 });
    assert.deepEqual([untested.judged, untested.same, untested.different.length], [false, [], 5]);
    const seedNote = (v: (typeof oneSeed)[number]) => /1 complete seed/.test(v.lambda.comparisons[0].note);
    assert.ok(oneSeed.every((v) => v.lambda.verdict === "not testable" && seedNote(v)));
    const known = VERDICTS as readonly string[];
    for (const v of [...flat, ...verdicts, ...oneSeed]) assert.ok(known.includes(v.lambda.verdict));
  });
});

describe("end to end on a tiny encoder", () => {
  let tasks = "";
  let checkpoint = "";
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "qkv-robustness-"));
  before(async () => {
    await selectBackend();
    const root = tmp();
    tasks = path.join(root, "tasks");
    // The pretraining curriculum reads its lexicon lines from the SST-2 corpus.
    writeSuite(tasks, { tasks: ["SST-2", "MNLI"], sizes: { train: 60, dev: 30, test: 30, corpus: 300 } });
    const recipe = pretrainRecipe({
      model: "encoder", corpus: "builtin", tasksDir: tasks, steps: 2, batchSize: 8, vocabSize: 256, maxLength: 16,
    });
    recipe.spec.config = { ...recipe.spec.config, hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64 };
    checkpoint = path.join(root, "encoder");
    pretrain(recipe.spec, recipe.corpus, checkpoint, { checkpointEvery: 0 });
  });
  test("the smoke shape with 3 seeds runs, is judged, chooses a scale, reads back", { timeout: 120_000 }, async () => {
    const smoke = namedGrid("robustness-encoder", "smoke");
    const parts = Array.isArray(smoke.axes) ? smoke.axes : [smoke.axes];
    const spec: GridSpec = {
      ...smoke, name: "robustness-tiny",
      base: { ...smoke.base, checkpoint, maxLength: 16, batchSize: 8 },
      axes: parts.map((a) => ({
        ...a, task: a.task!.map((t) => ({ ...t, dir: tasks, maxTrain: 40, maxEval: 20 })), seed: [0, 1, 2],
      })),
    };
    const dir = tmp();
    const grid = await runGrid(spec, { resultsDir: dir, workers: 2, showProgress: false });
    assert.equal(grid.total, 27);
    assert.equal(grid.failed.length, 0);
    const judged = judgeRobustness(grid, "encoder", "smoke");
    assert.equal(judged.verdicts.length, 3);
    for (const v of judged.verdicts) {
      assert.equal(v.runs, 9);
      const judgeable = ["reproduced", "contradicted", "inconclusive", "no signal"];
      for (const claim of [v.lambda, v.convergence]) assert.ok(judgeable.includes(claim.verdict), claim.summary);
    }
    assert.ok(judged.choice.scale === 1 || judged.choice.scale === 5, judged.choice.reason);
    assert.equal(judged.survival.length, 2);
    const again = await runGrid(spec, { resultsDir: dir, workers: 2, showProgress: false });
    assert.deepEqual([again.computed, again.cached], [0, 27]);
    const lambdas = (j: typeof judged) => j.verdicts.map((v) => v.lambda.verdict);
    assert.deepEqual(lambdas(judgeRobustness(again, "encoder", "smoke")), lambdas(judged));
  });
});
