// The `paper` profile (issue 22, item 1): the profile a real model gets, what it prints, and the grids it builds —
// protocol v2's cells at the paper's and the authors' scripts' settings (lib/paper/settings.ts PAPER_RUNS), with the
// budget in epochs of each task's training set. The numbers asserted are the scripts' (sh/*.sh), not recomputed.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { ensureSuite } from "../lib/data/index";
import {
  byProfile, currentProfile, describeProfile, expandGrid, lambdaDesign, MINI_LR_SCALE, namedGrid, PROTOCOL, protocolSplits,
} from "../lib/experiments/index";
import { loadGlueTask } from "../lib/data/glue";
import { FIGURE1_ROBERTA_GRID } from "../lib/paper/index";
import { TASKS_DIR } from "../lib/paths";
import { tempDir } from "./helpers/notebooks";

describe("which profile runs", () => {
  test("QKV_PROFILE wins; unset, a real model (MODEL_DIR) gets the paper's settings, else the default", () => {
    assert.equal(currentProfile({ QKV_PROFILE: "smoke", MODEL_DIR: "/m" }), "smoke");
    assert.equal(currentProfile({ MODEL_DIR: "/m" }), "paper");
    assert.equal(currentProfile({ MODEL_DIR: " " }), "default");
    assert.equal(currentProfile({}), "default");
    assert.throws(() => currentProfile({ QKV_PROFILE: "papers" }), /is not a profile; use one of smoke, default, full, paper/);
    assert.match(describeProfile("paper", { MODEL_DIR: "/m" }), /^profile paper \(MODEL_DIR is set\): the paper's/);
    assert.match(describeProfile("default", {}), /^profile default \(the default\)/);
  });
  test("byProfile: paper takes full's value unless it has its own", () => {
    assert.equal(byProfile({ smoke: 1, default: 2, full: 3 }, "paper"), 3);
    assert.equal(byProfile({ smoke: 1, default: 2, full: 3, paper: 4 }, "paper"), 4);
    assert.equal(byProfile({ smoke: 1, default: 2, full: 3, paper: 4 }, "default"), 2);
  });
});

describe("the paper profile's grids", () => {
  ensureSuite(TASKS_DIR, () => undefined);

  test("Figure 1: unscaled rates, batch 32, T 128, α 8, dropout 0.1, β₂ 0.99, best of every 500 steps, epochs", () => {
    const saved = process.env.GLUE_DIR;
    delete process.env.GLUE_DIR;
    try {
      const spec = namedGrid("figure1", "paper");
      assert.equal(spec.name, "figure1-paper");
      const configs = expandGrid(spec);
      const heat = new Set(FIGURE1_ROBERTA_GRID.etaQK);
      const design = new Set(PROTOCOL.lambdaEtaQK.figure1.flatMap((e) => PROTOCOL.lambdas.map((l) => Number((e * l).toPrecision(6)))));
      for (const c of configs) {
        assert.ok(heat.has(c.rates.etaQK) || design.has(c.rates.etaQK) || PROTOCOL.lambdaEtaQK.figure1.includes(c.rates.etaQK), `η_QK ${c.rates.etaQK}`);
        assert.deepEqual([c.batchSize, c.maxLength, c.evalEvery, c.beta2], [32, 128, 500, 0.99]);
        assert.deepEqual([c.adapter.loraAlpha, c.adapter.loraDropout, c.adapter.r], [8, 0.1, 8]);
        assert.equal(c.data.maxTrain, undefined);
      }
      // The built-in analogs hold 2,000 training rows (GLUE_DIR unset): 3 epochs = 3 × ⌈2000 / 32⌉, SST-2 6.
      const rows = fs.readFileSync(path.join(TASKS_DIR, "SST-2", "train.tsv"), "utf8").trim().split("\n").length - 1;
      assert.equal(rows, 2000);
      const steps = (task: string) => new Set(configs.filter((c) => c.data.task === task).map((c) => c.steps));
      assert.deepEqual([...steps("SST-2")], [6 * Math.ceil(rows / 32)]);
      assert.deepEqual([...steps("MNLI")], [3 * Math.ceil(2000 / 32)]);
      assert.deepEqual(new Set(configs.map((c) => c.seed)), new Set(PROTOCOL.seeds));
      // The verdict reads the same unscaled design; the mini profiles keep × MINI_LR_SCALE.
      assert.deepEqual(lambdaDesign("figure1", "paper").etaQK, PROTOCOL.lambdaEtaQK.figure1);
      assert.deepEqual(lambdaDesign("figure1", "default").etaQK, PROTOCOL.lambdaEtaQK.figure1.map((e) => Number((e * MINI_LR_SCALE.encoder).toPrecision(6))));
    } finally {
      if (saved !== undefined) process.env.GLUE_DIR = saved;
    }
  });

  test("Figure 2 and Table 1 (decoder): 800 steps × 256, α 16, dropout 0.1, β₂ 0.999, best of every 50 steps; Table 1's scripts' rate", () => {
    const figure2 = expandGrid(namedGrid("figure2", "paper"));
    for (const c of figure2) {
      assert.deepEqual([c.steps, c.batchSize, c.maxLength, c.evalEvery, c.beta2, c.schedule], [800, 256, 128, 50, 0.999, "constant"]);
      assert.deepEqual([c.adapter.loraAlpha, c.adapter.loraDropout, c.adapter.r], [16, 0.1, 16]);
    }
    const table1 = expandGrid(namedGrid("table1-decoder", "paper"));
    assert.deepEqual(new Set(table1.map((c) => c.rates.etaQK)), new Set([5e-5]));
    assert.deepEqual(new Set(table1.map((c) => c.rates.ratio)), new Set([1])); // protocol v2's λ = 1 (the script: 2.5)
    assert.deepEqual(new Set(expandGrid(namedGrid("table1-encoder", "paper")).map((c) => c.rates.etaQK)), new Set([4e-4]));
  });

  test("Table 2 on GLUE_DIR: every task of the paper's it holds, in the paper's order, 10 epochs (20 for the small tasks)", () => {
    const glue = tempDir("paper-glue");
    const write = (file: string, lines: string[]) => {
      fs.mkdirSync(path.dirname(path.join(glue, file)), { recursive: true });
      fs.writeFileSync(path.join(glue, file), lines.join("\n") + "\n");
    };
    write("SST-2/train.tsv", ["sentence\tlabel", ...Array.from({ length: 100 }, (_, i) => `a film ${i}\t${i % 2}`)]);
    write("SST-2/dev.tsv", ["sentence\tlabel", ...Array.from({ length: 20 }, (_, i) => `a play ${i}\t${i % 2}`)]);
    write("RTE/train.tsv", ["index\tsentence1\tsentence2\tlabel", ...Array.from({ length: 100 }, (_, i) => `${i}\tP ${i}.\tH ${i}.\t${i % 2 ? "entailment" : "not_entailment"}`)]);
    write("RTE/dev.tsv", ["index\tsentence1\tsentence2\tlabel", ...Array.from({ length: 20 }, (_, i) => `${i}\tQ ${i}.\tK ${i}.\t${i % 2 ? "entailment" : "not_entailment"}`)]);
    const saved = process.env.GLUE_DIR;
    process.env.GLUE_DIR = glue;
    try {
      const configs = expandGrid(namedGrid("table2-qv", "paper"));
      assert.deepEqual([...new Set(configs.map((c) => c.data.task))], ["RTE", "SST-2"]);
      // GLUE has no labelled test split: the selection rows are held out of train (the protocol), the rest trains.
      const trainRows = (task: "RTE" | "SST-2") => protocolSplits(loadGlueTask(glue, task, { seed: 0 })).train.length;
      assert.ok(trainRows("SST-2") < 100 && trainRows("SST-2") >= 80);
      const steps = (task: string) => [...new Set(configs.filter((c) => c.data.task === task).map((c) => c.steps))];
      assert.deepEqual(steps("SST-2"), [10 * Math.ceil(trainRows("SST-2") / 32)]);
      assert.deepEqual(steps("RTE"), [20 * Math.ceil(trainRows("RTE") / 32)]);
      // Every method of the paper's Table 2, r 8 and 16; full fine-tuning keeps no LoRA fields.
      assert.deepEqual(new Set(configs.filter((c) => c.adapter.method !== "full").map((c) => c.adapter.r)), new Set([8, 16]));
      assert.ok(configs.filter((c) => c.adapter.method !== "full").every((c) => c.adapter.loraDropout === 0.1));
      assert.deepEqual(new Set(configs.map((c) => c.rates.etaQK)), new Set([1e-4]));
    } finally {
      if (saved === undefined) delete process.env.GLUE_DIR;
      else process.env.GLUE_DIR = saved;
    }
  });

  test("the other profiles' configurations do not carry the new fields, so their stored runs keep their keys", () => {
    for (const profile of ["smoke", "default"] as const) {
      for (const c of expandGrid(namedGrid("figure1", profile))) {
        assert.ok(!("evalEvery" in c) && !("beta2" in c), `${profile}: ${Object.keys(c).join(", ")}`);
      }
    }
  });
});
