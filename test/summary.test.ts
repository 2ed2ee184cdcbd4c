// From grid rows to the figures' numbers and the verdicts: statistics checked by hand, heatmap orientation and
// the λ = 1 diagonal, the verdict rule on constructed rows whose answer is known, and the named grids' shapes
// against the paper's (PAPER.md §4-§5).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  accuracyHeatmap, cellStats, expandGrid, GRID_NAMES, GridRow, importanceEvidence,
  importanceVerdict, lambdaBenefitVerdict, lambdaVerdict, methodLabel, MINI_LR_SCALE, namedGrid, rateCells, rateHeatmap, stepsToLoss, verdictOf,
} from "../lib/experiments/index";
import { FIGURE1_ROBERTA_GRID, FIGURE2_LLAMA_MNLI } from "../lib/paper/index";

/** A row with only the fields the summaries read. */
function row(fields: Partial<GridRow> & { after: number }): GridRow {
  const etaQK = fields.etaQK ?? 1e-3;
  const ratio = fields.ratio ?? (fields.etaV !== undefined ? fields.etaV / etaQK : 1);
  return {
    key: "k", task: "SST-2", maxTrain: null, checkpoint: "c", init: "pretrained", method: "lora", targets: "QV", r: 8, seed: 0,
    status: "ok", metric: "accuracy", before: 0.5, loss: 0.5, steps: 10, trainable: 1,
    config: {} as GridRow["config"], result: { loss: [] } as unknown as GridRow["result"],
    ...fields, etaQK, ratio, etaV: fields.etaV ?? etaQK * ratio,
  };
}

describe("cell statistics", () => {
  test("mean, sample sd, min, max over seeds; diverged seeds are counted and left out", () => {
    const s = cellStats([row({ after: 0.6, seed: 0 }), row({ after: 0.7, seed: 1 }), row({ after: 0.8, seed: 2 }), row({ after: NaN, seed: 3, status: "diverged", loss: null })]);
    assert.ok(Math.abs(s.mean - 0.7) < 1e-12);
    assert.ok(Math.abs(s.sd - 0.1) < 1e-12); // sqrt(((-.1)² + 0 + .1²) / 2)
    assert.deepEqual([s.min, s.max, s.runs, s.diverged], [0.6, 0.8, 4, 1]);
  });
});

describe("rate heatmaps", () => {
  // η_QK ∈ {1, 2}e-3, η_V ∈ {1, 2, 4}e-3; the best cell is (η_QK 1e-3, η_V 4e-3), λ = 4.
  const rows = [1e-3, 2e-3].flatMap((q) => [1e-3, 2e-3, 4e-3].map((v) => row({ etaQK: q, etaV: v, after: 0.5 + v * 50 - q * 10 })));
  test("columns are η_QK ascending, rows η_V descending; the diagonal is where η_V = η_QK; the best cell is marked", () => {
    const map = rateHeatmap(rateCells(rows));
    assert.deepEqual(map.etaQK, [1e-3, 2e-3]);
    assert.deepEqual(map.etaV, [4e-3, 2e-3, 1e-3]);
    assert.deepEqual(map.diagonal, [{ row: 1, col: 1 }, { row: 2, col: 0 }]);
    assert.deepEqual([map.best.row, map.best.col, map.best.cell.ratio], [0, 0, 4]);
    assert.ok(Math.abs(map.mean[2][1]! - (0.5 + 0.05 - 0.02)) < 1e-12);
  });
  test("the figure puts the mean in % into the heatmap and outlines the best cell", () => {
    const { figure } = accuracyHeatmap(rows, "t");
    const z = figure.data[0].z as number[][];
    assert.ok(Math.abs(z[0][0] - 100 * (0.5 + 0.2 - 0.01)) < 1e-9);
  });
});

describe("verdicts", () => {
  const grid = (gain: number, spreadHalf: number) => [0, 1, 2].flatMap((seed) => [
    row({ etaQK: 1e-3, etaV: 1e-3, seed, after: 0.7 + (seed - 1) * spreadHalf }),
    row({ etaQK: 1e-3, etaV: 4e-3, seed, after: 0.7 + gain + (seed - 1) * spreadHalf }),
  ]);
  test("the rule: effect beyond the spread, within it, or of the wrong sign", () => {
    assert.equal(verdictOf(0.05, 0.02), "reproduced");
    assert.equal(verdictOf(0.01, 0.02), "partly");
    assert.equal(verdictOf(-0.01, 0.02), "not");
  });
  test("λ > 1 against λ = 1 on constructed cells", () => {
    assert.equal(lambdaVerdict(rateCells(grid(0.05, 0.01))).verdict, "reproduced"); // gain 5, spread 2 points
    const within = lambdaVerdict(rateCells(grid(0.01, 0.01)));
    assert.deepEqual([within.verdict, +within.gain.toFixed(6), +within.spread.toFixed(6)], ["partly", 0.01, 0.02]);
    assert.equal(lambdaVerdict(rateCells(grid(-0.03, 0.01))).verdict, "not");
    assert.equal(lambdaBenefitVerdict({ a: grid(0.05, 0.01), b: grid(-0.03, 0.01) }).verdict, "partly");
    assert.equal(lambdaBenefitVerdict({ a: grid(0.01, 0.01), b: grid(0.01, 0.01) }).verdict, "partly"); // within the spread everywhere
    assert.equal(lambdaBenefitVerdict({ a: grid(-0.03, 0.01) }).verdict, "not");
    assert.equal(lambdaBenefitVerdict({ a: grid(0.05, 0.01) }).verdict, "reproduced");
    assert.equal(lambdaBenefitVerdict({}).verdict, "no evidence");
  });
  test("unequal importance on constructed subsets", () => {
    const subsets = (v: number, k: number, qv: number, qkv: number) => [0, 1].flatMap((seed) => [
      row({ targets: "V", seed, after: v + seed * 0.01 }), row({ targets: "K", seed, after: k + seed * 0.01 }),
      row({ targets: "QV", seed, after: qv + seed * 0.01 }), row({ targets: "QKV", seed, after: qkv + seed * 0.01 }),
    ]);
    const [e] = importanceEvidence(subsets(0.8, 0.6, 0.85, 0.855));
    assert.deepEqual([e.vOverK, e.qvMatchesQkv], ["reproduced", true]); // QV 0.5 points below QKV, spread 1 point
    const [worse] = importanceEvidence(subsets(0.8, 0.6, 0.8, 0.85));
    assert.equal(worse.qvMatchesQkv, false);
    assert.equal(importanceVerdict({ encoder: subsets(0.6, 0.8, 0.85, 0.85) }).verdict, "partly"); // QV ≥ QKV holds, W_v ≫ W_k does not
    assert.equal(importanceVerdict({ encoder: subsets(0.6, 0.8, 0.8, 0.85) }).verdict, "not");
    assert.equal(importanceVerdict({ encoder: subsets(0.8, 0.6, 0.85, 0.855) }).verdict, "reproduced");
  });
});

describe("method labels", () => {
  test("named as Table 2's rows: rank unless full fine-tuning, λ on QV rows only", () => {
    assert.equal(methodLabel({ method: "lora", targets: "QV", r: 8 }, 4), "LoRA (QV) r=8, λ=4");
    assert.equal(methodLabel({ method: "dora", targets: "QKV", r: 16 }, 1), "DoRA (QKV) r=16");
    assert.equal(methodLabel({ method: "full", targets: "QV", r: null }, 2), "Full FT (QV), λ=2");
    assert.equal(methodLabel({ method: "lora", targets: "QV", r: 8 }), "LoRA (QV) r=8");
  });
});

describe("steps to a target loss", () => {
  test("the first point at or below the target; null when never", () => {
    const curve = [{ step: 5, loss: 0.9 }, { step: 10, loss: NaN }, { step: 15, loss: 0.5 }, { step: 20, loss: 0.4 }];
    assert.equal(stepsToLoss(curve, 0.5), 15);
    assert.equal(stepsToLoss(curve, 0.1), null);
  });
});

describe("the named grids", () => {
  const names = GRID_NAMES.filter((n) => n !== "figure1-glue"); // needs GLUE_DIR and a GLUE checkpoint
  test("every named grid expands at every profile", () => {
    for (const name of names) for (const profile of ["smoke", "default", "full"] as const) assert.ok(expandGrid(namedGrid(name, profile)).length > 0, `${name} ${profile}`);
  });
  test("Figure 1 and Figure 2 keep the paper's grids, scaled, with the paper's λ = 1 diagonal", () => {
    const rates = (name: string) => {
      const runs = expandGrid(namedGrid(name, "default"));
      return { etaQK: [...new Set(runs.map((r) => r.rates.etaQK))], etaV: [...new Set(runs.map((r) => +(r.rates.etaQK * r.rates.ratio).toPrecision(6)))], runs };
    };
    const f1 = rates("figure1");
    assert.deepEqual(f1.etaQK, FIGURE1_ROBERTA_GRID.etaQK.map((x) => +(x * MINI_LR_SCALE.encoder).toPrecision(6)));
    assert.deepEqual(f1.etaV.sort((a, b) => a - b), FIGURE1_ROBERTA_GRID.etaV.map((x) => +(x * MINI_LR_SCALE.encoder).toPrecision(6)));
    assert.equal(f1.runs.length, 4 * 6 * 6 * 3);
    assert.equal(f1.runs.filter((r) => r.rates.ratio === 1).length, 4 * 4 * 3); // 4 diagonal cells, as the paper's grid
    // The paper trains SST-2 for 6 epochs and the others for 3: twice the steps.
    const steps = (task: string) => [...new Set(f1.runs.filter((r) => r.data.task === task).map((r) => r.steps))];
    assert.deepEqual([steps("MNLI"), steps("QQP"), steps("QNLI"), steps("SST-2")], [[100], [100], [100], [200]]);
    const f2 = rates("figure2");
    assert.deepEqual(f2.etaQK.sort((a, b) => a - b), FIGURE2_LLAMA_MNLI.etaQK.map((x) => +(x * MINI_LR_SCALE.decoder).toPrecision(6)));
    assert.equal(f2.runs.length, 7 * 5);
    assert.equal(f2.runs.filter((r) => r.rates.ratio === 1).length, 5);
    assert.ok(f2.runs.every((r) => r.schedule === "constant" && r.adapter.r === 16));
  });
  test("Table 1 has the 7 subsets per task, Table 2 the paper's 20 fine-tuned rows per task", () => {
    assert.equal(expandGrid(namedGrid("table1-encoder", "default")).length, 4 * 7 * 3);
    const t2 = [...expandGrid(namedGrid("table2-qkv", "default")), ...expandGrid(namedGrid("table2-qv", "default"))];
    assert.equal(t2.length, 4 * 20);
  });
});
