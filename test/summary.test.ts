// From grid rows to the figures' numbers: statistics checked by hand, heatmap orientation, the λ = 1 diagonal
// and the best cell (selected on the selection split), and the named grids' shapes against the paper's
// (docs/paper.md §4-§5) and the protocol's λ design. The verdicts are tested in verdicts.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  cellStats, isAtChance, expandGrid, GRID_NAMES, GridRow, lambdaDesign, methodLabel, MINI_LR_SCALE, namedGrid, PROTOCOL, PROTOCOL_HASH,
  rateCells, rateHeatmap, stepsToLoss,
} from "../lib/experiments/index";
import { FIGURE1_ROBERTA_GRID, FIGURE2_LLAMA_MNLI } from "../lib/paper/index";
import { accuracyHeatmap } from "../lib/plot/index";
import { NO_SIGNAL_COLORSCALE } from "../lib/plot/index";

/** A row with only the fields the summaries read. */
function row(fields: Partial<GridRow> & { after: number }): GridRow {
  const etaQK = fields.etaQK ?? 1e-3;
  const ratio = fields.ratio ?? (fields.etaV !== undefined ? fields.etaV / etaQK : 1);
  return {
    key: "k", task: "SST-2", maxTrain: null, checkpoint: "c", init: "pretrained", method: "lora", targets: "QV", r: 8, seed: 0,
    status: "ok", metric: "accuracy", before: 0.5, loss: 0.5, lossMean: 0.6, steps: 10, trainable: 1,
    selection: fields.after, chance: 0.5, chanceSelection: 0.5, reportExamples: 2000, chanceLoss: Math.LN2,
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
    assert.equal(figure.data[0].showscale, undefined, "a learned task keeps its colour bar");
  });
  test("a cell with diverged runs says how many; a task at chance is greyed out as no signal", () => {
    const some = [...rows, row({ etaQK: 1e-3, etaV: 4e-3, after: NaN, seed: 1, status: "diverged", loss: null })];
    const text = accuracyHeatmap(some, "t").figure.data[0].text as string[][];
    assert.match(text[0][0], /^69\.0<br><span style="font-size:10px">div\. 1\/2<\/span>$/);
    assert.equal(text[1][0].includes("div."), false);
    // A cell the grid did not run is "not run", not "div".
    const partial = accuracyHeatmap(rows.filter((r) => !(r.etaQK === 2e-3 && r.etaV === 4e-3)), "t").figure.data[0].text as string[][];
    assert.equal(partial[0][1], "not run");
    // QQP-like: every run within 2 binomial SDs of a 50 % majority on 2000 examples (the band is 2.24 points).
    const flat = [1e-3, 2e-3].flatMap((q) => [1e-3, 2e-3].map((v, i) => row({ etaQK: q, etaV: v, after: 0.5 + 0.003 * i })));
    assert.equal(isAtChance(flat), true);
    const { figure } = accuracyHeatmap(flat, "QQP");
    assert.equal(figure.data[0].showscale, false);
    assert.deepEqual(figure.data[0].colorscale, NO_SIGNAL_COLORSCALE);
    assert.ok((figure.layout.shapes ?? []).every((sh) => (sh.line as { dash?: string }).dash === "dash"), "no best-cell outline, only the diagonal");
    assert.match(String((figure.layout.title as { text: string }).text), /^QQP<br>.*no signal: no run beat the majority baseline beyond the chance band/);
    // One run 3 points above chance is a signal.
    assert.equal(isAtChance([...flat, row({ after: 0.53 })]), false);
  });
});

describe("best cells are selected on the selection split", () => {
  test("a cell that leads on the report split but not on the selection split is not the best", () => {
    const rows = [row({ etaQK: 1e-3, etaV: 1e-3, after: 0.9, selection: 0.6 }), row({ etaQK: 1e-3, etaV: 2e-3, after: 0.7, selection: 0.8 })];
    const map = rateHeatmap(rateCells(rows));
    assert.equal(map.best.cell.etaV, 2e-3);
    assert.ok(Math.abs(map.best.cell.mean - 0.7) < 1e-12, "the best cell shows its report-split score");
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
  // figure1-glue needs GLUE_DIR and a GLUE checkpoint; minilm the stored rate sweep (test/minilm.test.ts builds it at a given rate).
  const names = GRID_NAMES.filter((n) => n !== "figure1-glue" && n !== "minilm");
  test("every named grid expands at every profile", () => {
    for (const name of names) for (const profile of ["smoke", "default", "full"] as const) assert.ok(expandGrid(namedGrid(name, profile)).length > 0, `${name} ${profile}`);
  });
  test("Figure 1 and Figure 2 keep the paper's grids, scaled, with the paper's λ = 1 diagonal, and add the protocol's λ design", () => {
    const rates = (name: string) => {
      const runs = expandGrid(namedGrid(name, "default"));
      return { etaQK: [...new Set(runs.map((r) => r.rates.etaQK))], etaV: [...new Set(runs.map((r) => +(r.rates.etaQK * r.rates.ratio).toPrecision(6)))], runs };
    };
    const scale = (xs: number[], s: number) => xs.map((x) => +(x * s).toPrecision(6));
    const f1 = rates("figure1");
    const paperCell = (r: { rates: { etaQK: number; ratio: number } }, grid: { etaQK: number[]; etaV: number[] }, s: number) =>
      scale(grid.etaQK, s).includes(r.rates.etaQK) && scale(grid.etaV, s).includes(+(r.rates.etaQK * r.rates.ratio).toPrecision(6));
    const f1Paper = f1.runs.filter((r) => paperCell(r, FIGURE1_ROBERTA_GRID, MINI_LR_SCALE.encoder));
    // Every paper cell at seed 0; the λ design (15 cells per task, 12 of them the paper's) at seeds 0, 1, 2.
    assert.equal(f1Paper.filter((r) => r.seed === 0).length, 4 * 6 * 6);
    assert.equal(f1.runs.length, 4 * (36 + 15 * 3 - 12));
    assert.ok(f1.runs.every((r) => r.protocol === PROTOCOL_HASH));
    const design = lambdaDesign("figure1", "default");
    assert.deepEqual(design.etaQK, scale(PROTOCOL.lambdaEtaQK.figure1, MINI_LR_SCALE.encoder));
    for (const q of design.etaQK) for (const l of design.lambdas) {
      for (const [a, b] of [[q, q * l], [q, q], [q * l, q * l]]) {
        const seeds = f1.runs.filter((r) => r.data.task === "MNLI" && r.rates.etaQK === +a.toPrecision(6) && Math.abs(r.rates.etaQK * r.rates.ratio - b) < 1e-12).map((r) => r.seed);
        assert.deepEqual(seeds.sort(), [0, 1, 2], `λ design cell (${a}, ${b})`);
      }
    }
    // The paper trains SST-2 for 6 epochs and the others for 3: twice the steps.
    const steps = (task: string) => [...new Set(f1.runs.filter((r) => r.data.task === task).map((r) => r.steps))];
    assert.deepEqual([steps("MNLI"), steps("QQP"), steps("QNLI"), steps("SST-2")], [[100], [100], [100], [200]]);
    const f2 = rates("figure2");
    assert.equal(f2.runs.filter((r) => r.seed === 0 && paperCell(r, FIGURE2_LLAMA_MNLI, MINI_LR_SCALE.decoder)).length, 7 * 5);
    assert.equal(f2.runs.length, 35 + 14 * 3 - 6);
    assert.ok(f2.runs.every((r) => r.schedule === "constant" && r.adapter.r === 16));
  });
  test("Table 1 has the 7 subsets per task; Table 2 the paper's rows per task (r = 16 at the full profile only), 3 seeds each", () => {
    assert.equal(expandGrid(namedGrid("table1-encoder", "default")).length, 4 * 7 * 3);
    const t2 = (profile: "default" | "full") => [...expandGrid(namedGrid("table2-qkv", profile)), ...expandGrid(namedGrid("table2-qv", profile))];
    assert.equal(t2("default").length, 4 * 12 * 3);
    assert.equal(t2("full").length, 4 * 20 * 3);
  });
});
