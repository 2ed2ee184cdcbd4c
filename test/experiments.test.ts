// Fine-tuning runs keyed by their configuration: the cache (same config → read back, any change → a new run,
// nothing half-written), and fineTune end to end on a small built-in task with a checkpoint pretrained here.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/backend/index";
import { writeSuite } from "../lib/data/builtin/index";
import { cached, cachedAsync, cachedSweep, canonicalJson, checkpointRef, compareInitializations, experimentCheckpoint, FineTuneConfig, fineTune, runKey, TESTBED_ADAPTER } from "../lib/experiments/index";
import { configToHf, preset } from "../lib/models/index";
import { checkpointDir, pretrain, pretrainRecipe } from "../lib/pretrain/index";

before(async () => {
  await selectBackend();
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "qkv-experiments-"));

describe("cache", () => {
  test("keys ignore key order and change with any value", () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: 2 } }), '{"a":{"c":2,"d":[1,{"e":3,"f":2}]},"b":1}');
    assert.equal(runKey({ a: 1, b: 2 }), runKey({ b: 2, a: 1 }));
    assert.notEqual(runKey({ a: 1, b: 2 }), runKey({ a: 1, b: 3 }));
    assert.match(runKey({}), /^[0-9a-f]{16}$/);
  });
  test("a result is computed once, read back after, and a failed computation writes nothing", () => {
    const dir = tmp();
    let calls = 0;
    const compute = (c: { x: number }) => ({ y: 2 * c.x, call: ++calls });
    const first = cached(dir, { x: 3 }, compute);
    const second = cached(dir, { x: 3 }, compute);
    assert.deepEqual([first.fromCache, second.fromCache, second.result.y, calls], [false, true, 6, 1]);
    assert.throws(() => cached(dir, { x: 4 }, () => {
      throw new Error("crashed");
    }), /crashed/);
    assert.deepEqual(fs.readdirSync(dir), [`${first.key}.json`]);
  });
  test("a corrupt result file is named, not silently recomputed", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, `${runKey({ x: 1 })}.json`), "{ truncated");
    assert.throws(() => cached(dir, { x: 1 }, () => 0), (e: Error) => e.message.includes(runKey({ x: 1 })) && /not valid JSON/.test(e.message));
  });
  test("cachedSweep: ticks its bar once per step, computes once, reads back after, and says which with the time", async () => {
    const dir = tmp();
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(String(line));
    try {
      let ticks = 0;
      const compute = (c: { n: number }, tick: () => void) => Array.from({ length: c.n }, (_, i) => (tick(), ticks++, i * i));
      const first = await cachedSweep("squares", dir, { n: 4 }, (c) => c.n, compute);
      const second = await cachedSweep("squares", dir, { n: 4 }, (c) => c.n, compute);
      assert.deepEqual([first.fromCache, second.fromCache, second.result, ticks], [false, true, [0, 1, 4, 9], 4]);
    } finally {
      console.log = log;
    }
    assert.match(lines.join("\n"), /squares: computed now, stored in .* in \d+(\.\d)? s[\s\S]*squares: read back from /);
  });

  test("cachedAsync: computed once and read back after; a rejected computation writes nothing; a corrupt file is named", async () => {
    const dir = tmp();
    let calls = 0;
    const compute = async (c: { x: number }) => ({ y: 2 * c.x, call: ++calls });
    const first = await cachedAsync(dir, { x: 3 }, compute);
    const second = await cachedAsync(dir, { x: 3 }, compute);
    assert.deepEqual([first.fromCache, second.fromCache, second.result, calls], [false, true, { y: 6, call: 1 }, 1]);
    assert.equal(second.file, path.join(dir, `${first.key}.json`));
    await assert.rejects(cachedAsync(dir, { x: 4 }, async () => {
      throw new Error("crashed");
    }), /crashed/);
    assert.deepEqual(fs.readdirSync(dir), [`${first.key}.json`]);
    fs.writeFileSync(second.file, "{ truncated");
    await assert.rejects(cachedAsync(dir, { x: 3 }, compute), (e: Error) => e.message.includes(second.file) && /not valid JSON/.test(e.message));
    assert.equal(calls, 1);
  });
  test("NaN, ±Infinity and -0 read back as they were; a typed array is refused, not mangled", () => {
    const dir = tmp();
    const result = { loss: [0.5, NaN, Infinity], worst: -Infinity, zero: -0, note: "NaN", nested: { $number: 1 } };
    cached(dir, { x: 1 }, () => result);
    const back = cached<{ x: number }, typeof result>(dir, { x: 1 }, () => assert.fail("recomputed"));
    assert.equal(back.fromCache, true);
    assert.deepEqual(back.result, result);
    assert.ok(Object.is(back.result.zero, -0));
    assert.throws(() => cached(dir, { x: 2 }, () => ({ values: new Float64Array(2) })), /"values" is a Float64Array/);
    assert.deepEqual(fs.readdirSync(dir), [`${runKey({ x: 1 })}.json`]);
  });
});

describe("fineTune on a built-in task", () => {
  test("before ≈ chance, training moves the score, pretrained and random runs differ, the comparison is cached", async () => {
    const tasks = tmp();
    writeSuite(tasks, { tasks: ["SST-2"], sizes: { train: 200, dev: 100, test: 50, corpus: 2000 } });
    const checkpoint = path.join(tmp(), "encoder");
    const recipe = pretrainRecipe({ model: "encoder", corpus: "builtin", tasksDir: tasks, steps: 30 });
    pretrain(recipe.spec, recipe.corpus, checkpoint, { checkpointEvery: 0 });
    const config: FineTuneConfig = {
      data: { dir: tasks, task: "SST-2" }, checkpoint: checkpointRef(checkpoint), init: "pretrained", adapter: TESTBED_ADAPTER,
      rates: { etaQK: 1e-3, ratio: 1, grouping: "paper" }, steps: 20, batchSize: 16, maxLength: 32, schedule: "linear", seed: 0,
    };
    const tensorsBefore = tf.memory().numTensors;
    const run = fineTune(config);
    // Nothing left behind (adapter initialisers and AdamW's zero moments once leaked, run after run in a grid worker).
    assert.equal(tf.memory().numTensors, tensorsBefore);
    assert.equal(run.trainExamples, 200);
    assert.equal(run.steps, 20);
    assert.ok(Math.abs(run.before.value - 0.5) < 0.15, `before fine-tuning: ${run.before.value}`);
    assert.ok(run.loss.length > 0 && run.loss.every((p) => Number.isFinite(p.loss)));
    // LoRA r = 8 on W_q, W_v of 4 layers of d = 128, plus the head (dense 128×128 + out_proj 128×2, with biases).
    assert.equal(run.trainable, 4 * 2 * 8 * (128 + 128) + (128 * 128 + 128) + (128 * 2 + 2));
    const random = fineTune({ ...config, init: "random" });
    assert.notDeepEqual(random.loss, run.loss);
    // The paper profile's evaluation: the best of the checkpoints at steps 5, 10, 15, 20 on the selection split is
    // the one kept (bestStep names it), and β₂ reaches AdamW.
    const best = fineTune({ ...config, evalEvery: 5, beta2: 0.999 });
    assert.ok([5, 10, 15, 20].includes(best.bestStep!), `best step ${best.bestStep}`);
    assert.equal(run.bestStep, undefined);
    assert.notDeepEqual(best.loss, run.loss); // β₂ 0.999 trains differently from 0.99
    assert.equal(tf.memory().numTensors, tensorsBefore);
    const results = tmp();
    const options = { tasks: [{ dir: tasks, task: "SST-2" as const }], checkpoint: checkpoint, seeds: [0, 1], steps: 5, lr: 1e-3, resultsDir: results };
    const first = await compareInitializations(options);
    assert.equal(fs.readdirSync(path.join(results, "runs")).length, 4); // 2 inits × 2 seeds
    const stamp = fs.statSync(path.join(results, "runs")).mtimeMs;
    const again = await compareInitializations(options);
    assert.equal(fs.statSync(path.join(results, "runs")).mtimeMs, stamp, "the second call computed nothing");
    assert.deepEqual(again.summary, first.summary);
    const s = first.summary[0];
    // Two seeds: the protocol needs three, so the comparison is not testable, and says why.
    assert.equal(s.verdict, "not testable");
    assert.match(s.comparison.note, /2 complete seed\(s\); the protocol needs 3/);
    assert.equal(s.steps, 5);
    // The protocol's splits: selected on dev (100 rows), reported on test (50), with the majority baseline of each.
    assert.deepEqual([run.splits.selectionExamples, run.splits.reportExamples], [100, 50]);
    assert.ok(run.chance.report > 0.3 && run.chance.report < 0.7 && Math.abs(run.chance.loss - Math.LN2) < 1e-12);
    assert.ok(Number.isFinite(run.selection.value) && run.provenance.code.length === 12);
    // A task's own steps are used and reported (00b gives SST-2 twice the others').
    const longer = await compareInitializations({ ...options, tasks: [{ ...options.tasks[0], steps: 7 }], seeds: [0], resultsDir: tmp() });
    assert.equal(longer.summary[0].steps, 7);
    assert.ok(longer.runs.every((r) => r.result.steps === 7));
  });
});

describe("experimentCheckpoint", () => {
  test("MODEL_DIR replaces the mini model of its own architecture only; a folder without config.json is named", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(configToHf(preset("roberta-base"), 2)));
    assert.equal(experimentCheckpoint("encoder", {}), checkpointDir("encoder", "builtin"));
    assert.equal(experimentCheckpoint("encoder", { MODEL_DIR: dir }), dir);
    assert.equal(experimentCheckpoint("decoder", { MODEL_DIR: dir }), checkpointDir("decoder", "builtin"));
    const empty = tmp();
    assert.throws(() => experimentCheckpoint("encoder", { MODEL_DIR: empty }), (e: Error) => e.message.includes(`MODEL_DIR=${empty}: no config.json`));
  });
});
