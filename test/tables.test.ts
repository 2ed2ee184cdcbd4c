// Tables through danfojs (issue 20, part 5): a grid's runs as a DataFrame, group-by summaries that equal the
// hand-computed cell statistics (lib/experiments/summary cellStats) in the order the cells first appear, long to
// wide, and the one markdown renderer with the paper's marks and a reference value beside ours.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { breadthTable, BREADTH_REFERENCE, cellStats, CSV_COLUMNS, deviationTable, frame, frameRows, GridRow, reportScore, summarize, wide } from "../lib/experiments/index";
import { PAPER_SETTINGS } from "../lib/paper/index";
import { markdownTable } from "../lib/display/index";

function row(fields: Partial<GridRow> & { after: number }): GridRow {
  return {
    key: "k", task: "SST-2", maxTrain: null, checkpoint: "c", init: "pretrained", method: "lora", targets: "QV", r: 8, seed: 0,
    status: "ok", metric: "accuracy", before: 0.5, loss: 0.5, lossMean: 0.6, steps: 10, trainable: 1, etaQK: 1e-3, ratio: 1,
    etaV: 1e-3, selection: fields.after, chance: 0.5, chanceSelection: 0.5, reportExamples: 2000, chanceLoss: Math.LN2,
    config: {} as GridRow["config"], result: { loss: [] } as unknown as GridRow["result"], ...fields,
  };
}

// Three subsets × two tasks × three seeds, in a deliberately unsorted order (QV before K, SST-2 before MNLI).
const runs = ["QV", "K", "QKV"].flatMap((targets, s) => ["SST-2", "MNLI"].flatMap((task, t) => [0, 1, 2].map((seed) =>
  row({ targets, task: task as GridRow["task"], seed, after: 0.6 + 0.05 * s - 0.1 * t + 0.013 * seed * seed }))));

describe("grid runs as a data frame", () => {
  test("one row per run: results.csv's columns, the protocol's report score, and the extra columns asked for", () => {
    const diverged = row({ after: NaN, status: "diverged", loss: null, chance: 0.52 });
    const df = frame([...runs, diverged], { label: (r) => `${r.targets}/${r.task}` });
    assert.deepEqual(df.columns, [...CSV_COLUMNS, "score", "label"]);
    const rows = frameRows(df);
    assert.equal(rows.length, runs.length + 1);
    assert.equal(rows[0].label, "QV/SST-2");
    assert.equal(rows[runs.length].score, reportScore(diverged)); // a diverged run scores its majority baseline
    assert.equal(rows[runs.length].score, 0.52);
    assert.throws(() => frame([]), /no runs/);
  });

  test("summarize is a group-by whose mean and sd equal cellStats', with the cells in the order they first appear", () => {
    const cells = summarize(frame(runs), ["targets", "task"], "after");
    assert.deepEqual(cells.map((c) => `${c.targets} ${c.task}`), ["QV SST-2", "QV MNLI", "K SST-2", "K MNLI", "QKV SST-2", "QKV MNLI"]);
    for (const c of cells) {
      const stats = cellStats(runs.filter((r) => r.targets === c.targets && r.task === c.task));
      assert.ok(Math.abs((c.after_mean as number) - stats.mean) < 1e-15, `${c.targets} ${c.task} mean`);
      assert.ok(Math.abs((c.after_std as number) - stats.sd) < 1e-15, `${c.targets} ${c.task} sd`);
      assert.equal(c.after_count, 3);
    }
  });

  test("wide puts one column per task, refuses two values for a cell, and leaves a missing cell undefined", () => {
    const cells = summarize(frame(runs), ["targets", "task"], "after");
    const table = wide(cells, { index: ["targets"], columns: "task", values: "after_mean" });
    assert.deepEqual(table.map((r) => r.targets), ["QV", "K", "QKV"]);
    assert.equal(table[1].MNLI, cells[3].after_mean);
    assert.throws(() => wide(frameRows(frame(runs)), { index: ["targets"], columns: "task", values: "after" }), /two rows .* aggregate/);
    const partial = wide(cells.filter((c) => !(c.targets === "K" && c.task === "MNLI")), { index: ["targets"], columns: "task", values: "after_mean" });
    assert.equal(partial[1].MNLI, undefined);
  });
});

describe("markdown tables", () => {
  const rows = [
    { method: "before", a: 0.1, b: 9 },
    { method: "x | y", a: 0.8, b: 2 },
    { method: "z", a: 0.9, b: 2 },
    { method: "w", a: 0.7, b: 3 },
  ];
  test("header, rule, one line per row; a | inside a cell is escaped", () => {
    const lines = markdownTable(rows).split("\n");
    assert.deepEqual(lines.slice(0, 2), ["| method | a | b |", "|---|---|---|"]);
    assert.equal(lines[2], "| before | 0.1 | 9 |");
    assert.equal(lines[3], "| x \\| y | 0.8 | 2 |");
    assert.equal(lines.length, 6);
  });
  test("marks: the best of a column in bold, the second underlined, ties share a mark, only competing rows", () => {
    const text = markdownTable(rows, { marks: { columns: ["a", "b"], rows: (r) => r.method !== "before" } });
    const lines = text.split("\n");
    assert.equal(lines[2], "| before | 0.1 | 9 |"); // not competing: 9 is the largest b but unmarked
    assert.equal(lines[3], "| x \\| y | <u>0.8</u> | <u>2</u> |");
    assert.equal(lines[4], "| z | **0.9** | <u>2</u> |");
    assert.equal(lines[5], "| w | 0.7 | **3** |");
    const lowest = markdownTable(rows, { marks: { columns: ["a"], best: "min" } }).split("\n");
    assert.equal(lowest[2], "| before | **0.1** | 9 |");
    assert.equal(lowest[5], "| w | <u>0.7</u> | 3 |");
  });
  test("columns, headers, format, a value beside ours and a caption", () => {
    const text = markdownTable(rows.slice(1, 3), {
      caption: "caption", columns: ["a", "method"], headers: { a: "accuracy" },
      format: (v, column) => (column === "a" ? (100 * (v as number)).toFixed(1) : String(v)),
      beside: (row, column) => (column === "a" && row.method === "z" ? "91.5" : undefined),
      marks: { columns: ["a"] },
    });
    assert.deepEqual(text.split("\n"), ["caption", "", "| accuracy | method |", "|---|---|", "| <u>80.0</u> | x \\| y |", "| **90.0** (91.5) | z |"]);
  });
});

describe("deviation tables", () => {
  const stored = (fields: Partial<GridRow>, batchSize: number) => row({
    after: 0.7, steps: 100, ...fields,
    config: { data: { dir: "data/tasks", task: "SST-2" }, batchSize, maxLength: 64, schedule: "linear", rates: { grouping: "paper" },
      adapter: { method: "lora", r: 8, loraAlpha: 8, loraDropout: 0, targetModules: "q,k,v" }, protocol: "abc" } as unknown as GridRow["config"],
    result: { trainExamples: 2000, splits: { selection: "dev (500)", report: "test (2000)" }, provenance: { backend: "wasm" } } as unknown as GridRow["result"],
  });
  test("ours is read from the runs, the paper's and the script's from lib/paper, a missing value is a dash", () => {
    const table = deviationTable("figure1", [stored({ seed: 0 }, 16), stored({ seed: 1 }, 16)]);
    const get = (setting: string) => table.find((r) => r.setting === setting)!;
    const script = `authors' script (${PAPER_SETTINGS.figure1.script.file})`;
    assert.equal(get("batch").ours, "16");
    assert.equal(get("batch")[script], "32");
    assert.equal(get("batch").paper, "–");
    assert.equal(get("budget").ours, "SST-2: 100 steps = 0.80 epochs of 2000 rows");
    assert.equal(get("LoRA dropout")[script], "0.1");
    assert.equal(get("seeds").ours, "0, 1; 1 cells × 2");
    assert.equal(get("verdict protocol").ours, "abc");
    assert.ok(table.every((r) => typeof r.why === "string" && r.why !== ""));
    // A different run changes ours, not the sources' columns.
    const other = deviationTable("figure1", [stored({}, 32)]);
    assert.equal(other.find((r) => r.setting === "batch")!.ours, "32");
    assert.equal(other.find((r) => r.setting === "budget")!.ours, "SST-2: 100 steps = 1.60 epochs of 2000 rows");
    assert.throws(() => deviationTable("figure1", []), /no runs/);
  });
});

describe("the breadth grid's table (issue 22, item 8)", () => {
  const run = (adapter: Record<string, unknown>, seed: number, after: number) =>
    row({ after, seed, trainable: 10, config: { adapter } as unknown as GridRow["config"] });
  test("each variant's paired difference from the plain adapter, seed by seed, with a t interval", () => {
    const rows = [
      ...[0.60, 0.70, 0.80].map((a, seed) => run(BREADTH_REFERENCE, seed, a)),
      ...[0.65, 0.74, 0.86].map((a, seed) => run({ ...BREADTH_REFERENCE, loraAlpha: 32 }, seed, a)),
      ...[0.61, 0.70].map((a, seed) => run({ ...BREADTH_REFERENCE, useRslora: true }, seed, a)),
    ];
    const table = breadthTable(rows);
    const column = "− r 8, α 8 (points) [95 % CI]";
    assert.deepEqual(table.map((r) => r.variant), ["r 8, α 8", "r 8, α 32", "r 8, α 8, rsLoRA (α/√r)"]);
    assert.equal(table[0][column], "reference");
    // Differences 5, 4, 6 points: mean 5, sd 1, t(0.975, 2) = 4.303 → ± 2.48.
    assert.equal(table[1][column], "+5.0 [2.5, 7.5]");
    assert.equal(table[1]["test accuracy (%)"], "75.0");
    // Two seeds, differences 1 and 0 points: mean 0.5, standard error 0.5, t(0.975, 1) = 12.71 → ± 6.35.
    assert.equal(table[2][column], "+0.5 [-5.9, 6.9]");
  });
});
