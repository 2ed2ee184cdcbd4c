// The MiniLM addendum (docs/PROTOCOL.md §8): its hash is pinned (a change is a new version), the rate-scale rule,
// the cells each profile runs, and its verdicts on constructed rows whose answer is known.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  addendumVerdicts, chooseScale, expandGrid, MINILM_ADDENDUM, MINILM_ADDENDUM_HASH, minilmGrid, minilmTasks, namedGrid, PROTOCOL_HASH, ScoredRow,
} from "../lib/experiments/index";
import { adapterConfig, targetLabel } from "../lib/lora/index";
import { Rng } from "../lib/random/index";

describe("the MiniLM addendum", () => {
  test("is pinned: a change to it is a new version with its own hash", () => {
    assert.equal(MINILM_ADDENDUM.version, 1);
    assert.equal(MINILM_ADDENDUM.protocol, PROTOCOL_HASH);
    assert.equal(MINILM_ADDENDUM_HASH, "0f399ae6cb34");
  });
  test("the rate scale: the best selection score, ties to the smaller scale, a diverged run at chance", () => {
    assert.equal(chooseScale([{ scale: 1, selection: 0.6, diverged: false }, { scale: 10, selection: 0.8, diverged: false }, { scale: 3, selection: 0.7, diverged: false }]), 10);
    assert.equal(chooseScale([{ scale: 10, selection: 0.8, diverged: false }, { scale: 3, selection: 0.8, diverged: false }]), 3);
    assert.throws(() => chooseScale([]), /no swept scales/);
  });
  test("the sweep is LoRA QKV at λ = 1 over 1e-4 × {1, 3, 10, 30}, seed 0, SST-2, under the addendum's hash", () => {
    const runs = expandGrid(namedGrid("minilm-scale", "default"));
    assert.deepEqual(runs.map((r) => r.rates.etaQK), [1e-4, 3e-4, 1e-3, 3e-3]);
    assert.ok(runs.every((r) => r.rates.ratio === 1 && r.seed === 0 && r.data.task === "SST-2" && r.protocol === MINILM_ADDENDUM_HASH));
    assert.ok(runs.every((r) => r.adapter.r === 8 && targetLabel(adapterConfig(r.adapter).targetModules) === "QKV" && r.maxLength === 128));
  });
  test("default: K, V, QV, QKV at λ = 1, the λ design's two other cells at λ = 4, QV at λ = 4; 3 seeds; full adds tasks, λs, subsets, methods", () => {
    const runs = expandGrid(minilmGrid("default", 1e-3));
    const cell = (r: (typeof runs)[number]) => `${r.adapter.method}${r.adapter.r} ${targetLabel(adapterConfig(r.adapter).targetModules)} ${r.rates.etaQK} ${r.rates.ratio}`;
    const cells = [...new Set(runs.map(cell))].sort();
    assert.deepEqual(cells, ["lora8 K 0.001 1", "lora8 QKV 0.001 1", "lora8 QKV 0.001 4", "lora8 QKV 0.004 1", "lora8 QV 0.001 1", "lora8 QV 0.001 4", "lora8 V 0.001 1"]);
    for (const c of cells) assert.deepEqual(runs.filter((r) => cell(r) === c).map((r) => r.seed), [0, 1, 2], c);
    const full = expandGrid(minilmGrid("full", 1e-3));
    const tasks = minilmTasks("full", { GLUE_DIR: "/nonexistent/glue" }).map((t) => t.task);
    assert.deepEqual(tasks, MINILM_ADDENDUM.tasks.full);
    // Without GLUE_DIR the built-in analogs stand in (the suite has no RTE, MRPC, CoLA, STS-B).
    const builtin = [...new Set(full.map((r) => r.data.task))];
    assert.deepEqual(builtin, process.env.GLUE_DIR ? MINILM_ADDENDUM.tasks.full : ["SST-2", "MNLI", "QNLI"]);
    const perTask = full.filter((r) => r.data.task === "SST-2").length / 3;
    // 7 subsets + λ design (2 other cells per λ) + QV at 3 λ + DoRA r8 / LoRA r16 on QKV (λ = 1) and QV (3 λ).
    assert.equal(perTask, 7 + 3 * 2 + 3 + 2 + 2 * 3);
  });
  test("its verdicts: an effect in the paper's direction is reproduced, none is inconclusive, a reversed one contradicted", () => {
    const rowsWith = (effect: number, seed0: number): ScoredRow[] => {
      const rng = new Rng(seed0);
      const rows: ScoredRow[] = [];
      const add = (targets: string, etaQK: number, ratio: number, bonus: number) => {
        for (const seed of [0, 1, 2]) {
          const after = 0.8 + bonus + 0.003 * rng.normal();
          rows.push({
            task: "SST-2", method: "lora", targets, r: 8, etaQK, etaV: etaQK * ratio, ratio, seed, status: "ok", after, selection: after,
            chance: 0.5, chanceSelection: 0.5, reportExamples: 872, metric: "accuracy", lossMean: 0.5 - bonus, chanceLoss: Math.log(2),
          });
        }
      };
      add("K", 1e-3, 1, 0); add("V", 1e-3, 1, effect); add("QV", 1e-3, 1, effect);
      add("QKV", 1e-3, 1, 0); add("QKV", 1e-3, 4, effect); add("QKV", 4e-3, 1, 0); add("QV", 1e-3, 4, effect);
      return rows;
    };
    const design = { etaQK: 1e-3, lambdas: [4] };
    const paper = addendumVerdicts(rowsWith(0.05, 1), design);
    for (const v of [paper.vOverK, paper.qvMatchesQkv, paper.lambda, paper.lambdaConvergence, paper.strategy]) assert.equal(v.verdict, "reproduced", v.summary);
    const none = addendumVerdicts(rowsWith(0, 2), design);
    for (const v of [none.vOverK, none.lambda]) assert.equal(v.verdict, "inconclusive", v.summary);
    const reversed = addendumVerdicts(rowsWith(-0.05, 3), design);
    for (const v of [reversed.vOverK, reversed.qvMatchesQkv, reversed.lambda, reversed.strategy]) assert.equal(v.verdict, "contradicted", v.summary);
  });
});
