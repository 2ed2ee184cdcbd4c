// lib/train and lib/lora/groups: metrics against hand-computed values, schedules against transformers'
// formulas, AdamW against torch.optim.AdamW, learning-rate groups, and the loop (learning, seeds, divergence).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/backend/index";
import { attachAdapter } from "../lib/lora/index";
import { createModel, disposeModel, preset, trainableVariables, trainingNeed, usablePositions } from "../lib/models/index";
import { accuracy, AdamW, divergenceWatch, parameterGroups, evaluate, Example, f1, matthews, pearson, predict, scheduleFactor, spearman, train } from "../lib/train/index";
import { PYTHON, relativeError, torchProblem, values } from "./helpers/torch";

before(async () => {
  await selectBackend();
});

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe("metrics (hand-computed)", () => {
  test("accuracy, F1 and Matthews correlation on a 2×2 confusion table", () => {
    // tp = 3, fn = 1, fp = 2, tn = 4
    const labels = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0];
    const preds = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0];
    close(accuracy(preds, labels), 0.7);
    close(f1(preds, labels), (2 * 3) / (2 * 3 + 2 + 1));
    close(matthews(preds, labels), (3 * 4 - 2 * 1) / Math.sqrt(5 * 5 * 4 * 6));
    close(matthews([0, 0, 0], [0, 1, 0]), 0); // undefined → 0, as sklearn
  });

  test("three-class Matthews correlation (sklearn's formula, worked by hand)", () => {
    const labels = [0, 0, 1, 1, 2, 2];
    const preds = [0, 1, 1, 1, 2, 0];
    // c = 4, s = 6, Σ p_k t_k = 2·2 + 3·2 + 1·2 = 12, Σ p² = 4+9+1 = 14, Σ t² = 12
    close(matthews(preds, labels), (4 * 6 - 12) / Math.sqrt((36 - 14) * (36 - 12)));
  });

  test("Pearson and Spearman (ties get average ranks)", () => {
    close(pearson([1, 2, 3, 4], [2, 4, 6, 8]), 1);
    close(pearson([1, 2, 3], [3, 1, 2]), -0.5);
    // ranks of [10, 20, 20, 30] = [1, 2.5, 2.5, 4]; of [1, 3, 2, 4] = [1, 3, 2, 4]
    const rx = [1, 2.5, 2.5, 4];
    const ry = [1, 3, 2, 4];
    close(spearman([10, 20, 20, 30], [1, 3, 2, 4]), pearson(rx, ry));
    assert.throws(() => accuracy([1], [1, 0]), /predictions \(1\) and labels \(2\) differ in length/);
  });
});

describe("schedules", () => {
  test("linear with warm-up rises to 1 and decays to 0, as get_linear_schedule_with_warmup", () => {
    const s = { name: "linear" as const, warmupSteps: 10, totalSteps: 110 };
    close(scheduleFactor(s, 0), 0);
    close(scheduleFactor(s, 5), 0.5);
    close(scheduleFactor(s, 10), 1);
    close(scheduleFactor(s, 60), 0.5);
    close(scheduleFactor(s, 110), 0);
    close(scheduleFactor({ name: "constant", warmupSteps: 0, totalSteps: 5 }, 4), 1);
  });
});

describe("learning-rate groups", () => {
  test("the paper's grouping: query/key/head at η, value and 1-D tensors at λη; LoRA+ by factor", () => {
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 0 });
    attachAdapter(model, { method: "lora", r: 2, targetModules: ["query", "key", "value"] }, 0);
    const vars = trainableVariables(model);
    const lrOf = (groups: ReturnType<typeof parameterGroups>, name: string) => groups.find((g) => g.names.includes(name))!.lr;
    const paper = parameterGroups(vars, { etaQK: 1e-4, ratio: 8, grouping: "paper" });
    const q = "roberta.encoder.layer.1.attention.self.query";
    const k = "roberta.encoder.layer.1.attention.self.key";
    const v = "roberta.encoder.layer.1.attention.self.value";
    assert.equal(lrOf(paper, `${q}.lora_A.weight`), 1e-4);
    assert.equal(lrOf(paper, `${q}.lora_B.weight`), 1e-4);
    assert.equal(lrOf(paper, `${k}.lora_B.weight`), 1e-4);
    assert.equal(lrOf(paper, `${v}.lora_A.weight`), 8e-4);
    assert.equal(lrOf(paper, `${v}.lora_B.weight`), 8e-4);
    assert.equal(lrOf(paper, "classifier.dense.weight"), 1e-4);
    assert.equal(lrOf(paper, "classifier.dense.bias"), 8e-4);
    const plus = parameterGroups(vars, { etaQK: 1e-4, ratio: 8, grouping: "loraplus" });
    assert.equal(lrOf(plus, `${q}.lora_A.weight`), 1e-4);
    assert.equal(lrOf(plus, `${q}.lora_B.weight`), 8e-4);
    assert.equal(lrOf(plus, `${v}.lora_A.weight`), 1e-4);
    assert.equal(lrOf(plus, "classifier.out_proj.bias"), 8e-4);
    assert.equal(paper.reduce((n, g) => n + g.names.length, 0), vars.size, "every trainable tensor in exactly one group");
    for (const bad of [0, -1, NaN, Infinity]) {
      assert.throws(() => parameterGroups(vars, { etaQK: bad, ratio: 2, grouping: "paper" }), /learning rate η_QK \(etaQK\) must be a positive finite number/);
      assert.throws(() => parameterGroups(vars, { etaQK: 1e-4, ratio: bad, grouping: "paper" }), /learning-rate ratio λ \(ratio\) must be a positive finite number/);
    }
    disposeModel(model);
  });
});

describe("AdamW against torch.optim.AdamW", { skip: torchProblem() || false }, () => {
  test("two groups, weight decay on one, a schedule, 5 steps", () => {
    const shapes: Record<string, number[]> = { a: [3, 4], b: [4] };
    const vars = new Map(Object.entries(shapes).map(([n, s], i) => [n, tf.variable(tf.randomNormal(s, 0, 1, "float32", i))]));
    const start = Object.fromEntries([...vars].map(([n, v]) => [n, { shape: v.shape, data: values(v) }]));
    const groups = [
      { label: "A", lr: 1e-2, weightDecay: 0.1, names: ["a"] },
      { label: "B", lr: 5e-2, weightDecay: 0, names: ["b"] },
    ];
    const opt = new AdamW(vars, groups, { beta1: 0.9, beta2: 0.99, epsilon: 1e-8 });
    const steps: Record<string, number[]>[] = [];
    const factors = [1, 0.8, 0.6, 0.4, 0.2];
    for (let s = 0; s < 5; s++) {
      const grads = new Map([...vars].map(([n, v]) => [n, tf.randomNormal(v.shape, 0, 1, "float32", 100 + s * 10 + n.length)]));
      steps.push(Object.fromEntries([...grads].map(([n, g]) => [n, values(g)])));
      opt.apply(grads, factors[s]);
    }
    const input = JSON.stringify({ params: start, groups: groups.map((g) => ({ names: g.names, lr: g.lr, weight_decay: g.weightDecay })), grads: steps, factors, betas: [0.9, 0.99], eps: 1e-8 });
    const r = spawnSync(PYTHON, [path.join(__dirname, "reference", "torch_adamw.py")], { input, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as Record<string, number[]>;
    for (const [n, v] of vars) assert.ok(relativeError(values(v), ref[n]) < 1e-5, `${n}: ${values(v)} vs ${ref[n]}`);
  });
});

describe("the training loop", () => {
  // A task a 2-layer model learns in a few dozen steps: are the tokens drawn from 6-30 or from 31-55?
  const task = (n: number, seed: number): Example[] => {
    const out: Example[] = [];
    let x = seed;
    const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < n; i++) {
      const len = 4 + Math.floor(rand() * 6);
      const label = i % 2;
      out.push({ ids: [0, ...Array.from({ length: len }, () => 6 + 25 * label + Math.floor(rand() * 25)), 2], label });
    }
    return out;
  };

  test("learns a separable task; the same seed gives the same losses", () => {
    const run = () => {
      const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 1, init: "fan-in" });
      attachAdapter(model, { method: "lora", r: 4, loraAlpha: 8, loraDropout: 0.1, targetModules: ["query", "value", "output"] }, 2);
      const result = train(model, task(64, 7), { rates: { etaQK: 1e-2, ratio: 4, grouping: "paper" }, batchSize: 16, steps: 80, seed: 3, evaluation: task(64, 99), evalEvery: 40 });
      disposeModel(model);
      return result;
    };
    const a = run();
    const b = run();
    assert.deepEqual(a.history.map((h) => h.loss), b.history.map((h) => h.loss));
    assert.equal(a.diverged, false);
    assert.equal(a.evals.length, 2);
    const first = a.history.slice(0, 5).reduce((s, h) => s + h.loss, 0) / 5;
    const last = a.history.slice(-5).reduce((s, h) => s + h.loss, 0) / 5;
    assert.ok(last < 0.7 * first, `loss fell from ${first} to ${last}`);
    assert.ok(a.evals[1].metrics.accuracy! > 0.75, `held-out accuracy ${a.evals[1].metrics.accuracy}`);
  });

  test("keeping the best checkpoint (--keep_checkpoints eval): the tensors scored best are the ones left in the model", () => {
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 1, init: "fan-in" });
    attachAdapter(model, { method: "lora", r: 4, loraAlpha: 8, loraDropout: 0, targetModules: ["query", "value"] }, 2);
    const variables = [...trainableVariables(model).values()];
    // A scripted score per checkpoint (steps 5, 10, 15, 20): the second is best, the fourth ties it (the earlier wins).
    const scores = [0.2, 0.9, 0.4, 0.9];
    const seen: Float32Array[][] = [];
    const result = train(model, task(64, 7), {
      rates: { etaQK: 1e-2, ratio: 4, grouping: "paper" }, batchSize: 16, steps: 20, seed: 3, evalEvery: 5,
      checkpointScore: () => {
        seen.push(variables.map((v) => v.dataSync() as Float32Array));
        return scores[seen.length - 1];
      },
    });
    assert.deepEqual(result.best, { step: 10, score: 0.9 });
    assert.equal(seen.length, 4);
    variables.forEach((v, i) => assert.deepEqual(v.dataSync(), seen[1][i], `${v.name} is the step-10 checkpoint`));
    assert.notDeepEqual(seen[1][0], seen[3][0]); // training moved on after step 10
    assert.throws(() => train(model, task(8, 1), {
      rates: { etaQK: 1e-2, ratio: 1, grouping: "paper" }, batchSize: 4, steps: 2, seed: 0, checkpointScore: () => 0,
    }), /needs evalEvery/);
    disposeModel(model);
  });

  test("inputs longer than the position table and runs that cannot fit are refused before the first step (issue 19, items 6, 7)", async () => {
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 1 });
    attachAdapter(model, { method: "lora", r: 4, loraAlpha: 8, targetModules: ["query", "value"] }, 2);
    const positions = usablePositions(model.config);
    const long: Example[] = [{ ids: Array.from({ length: positions + 1 }, (_, i) => 6 + (i % 20)), label: 0 }];
    assert.throws(() => train(model, long, { rates: { etaQK: 1e-3, ratio: 1, grouping: "paper" }, batchSize: 1, steps: 1, seed: 0 }),
      (err: Error) => err.name === "ConfigError" && err.message.includes(`${positions + 1} tokens but the model takes at most ${positions}`));
    disposeModel(model);
    const started = performance.now();
    assert.throws(() => createModel(preset("llama-3.1-70b"), { labels: 2, seed: 0 }), (err: Error) => err.name === "MemoryError" && /needs at least 25\d\.\d GiB/.test(err.message));
    assert.throws(() => createModel(preset("encoder-tiny"), { labels: 1e9, seed: 0 }), /MemoryError|needs at least/);
    assert.ok(performance.now() - started < 2000, "refused before allocating");
  });

  test("the memory estimate is a lower bound on tfjs's own peak count of a training step", async () => {
    const config = preset("encoder-small");
    const model = createModel(config, { labels: 2, seed: 1 });
    attachAdapter(model, { method: "lora", r: 4, loraAlpha: 8, targetModules: ["query", "value"] }, 2);
    const data: Example[] = Array.from({ length: 8 }, (_, i) => ({ ids: Array.from({ length: 64 }, (_, t) => 6 + ((i + t) % 40)), label: i % 2 }));
    const trainable = [...trainableVariables(model).values()].reduce((n, v) => n + v.size, 0);
    const need = trainingNeed(config, { labels: 2, trainable, batchSize: 8, sequenceLength: 64 });
    const profile = await tf.profile(() => {
      train(model, data, { rates: { etaQK: 1e-3, ratio: 1, grouping: "paper" }, batchSize: 8, steps: 1, seed: 0 });
    });
    disposeModel(model);
    assert.ok(need.total <= profile.peakBytes, `bound ${need.total} B above the measured peak ${profile.peakBytes} B`);
    assert.ok(need.total >= profile.peakBytes / 10, `bound ${need.total} B is loose against ${profile.peakBytes} B`);
  });

  test("an exploding learning rate is recorded as diverged and training stops there", () => {
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 1 });
    attachAdapter(model, { method: "full", targetModules: ["query", "value"] }, 2);
    const result = train(model, task(32, 1), { rates: { etaQK: 1e36, ratio: 1e3, grouping: "paper" }, batchSize: 16, steps: 200, seed: 0 });
    assert.equal(result.diverged, true);
    assert.ok(result.steps < 200 && !Number.isFinite(result.history[result.steps - 1].loss));
    disposeModel(model);
  });

  test("a finite loss far above its start is diverged too (issue 19, item 3): AdamW at η_QK 1e3", () => {
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 1 });
    attachAdapter(model, { method: "lora", r: 4, loraAlpha: 8, targetModules: ["query", "value"] }, 2);
    const result = train(model, task(64, 1), { rates: { etaQK: 1e3, ratio: 1, grouping: "paper" }, batchSize: 16, steps: 200, seed: 0 });
    disposeModel(model);
    assert.equal(result.diverged, true, `losses ${result.history.slice(-5).map((h) => h.loss)}`);
    assert.ok(result.steps < 200 && result.history.every((h) => Number.isFinite(h.loss)), "stopped early on a finite loss");
    assert.match(result.divergence!, /mean loss .* above 4 × .* for 3 windows of 10 steps/);
  });

  test("the divergence rule: non-finite at once; above factor × max(start, ln classes) for `patience` windows; a spike is not", () => {
    const feed = (losses: number[], reference = Math.log(2)) => {
      const watch = divergenceWatch(reference);
      for (const [i, l] of losses.entries()) {
        const why = watch(l);
        if (why !== undefined) return { step: i + 1, why };
      }
      return undefined;
    };
    assert.equal(feed([0.7, NaN])?.step, 2);
    assert.equal(feed([...Array(40).fill(3)], 0.5)?.step, undefined, "a run that starts at 3 is measured from 3");
    assert.equal(feed([0.7, ...Array(39).fill(3)])?.step, 40, "windows 2-4 above 4 × 0.7 (the first, 2.77, is not)");
    assert.equal(feed([0.7, ...Array(19).fill(3), ...Array(10).fill(0.5), ...Array(20).fill(3)]), undefined, "not 3 in a row");
    assert.equal(feed([0.7, ...Array(39).fill(2.7)]), undefined, "2.7 < 4 × 0.7");
    // A run starting far below chance is measured against ln(classes), so going back to chance is not divergence.
    assert.equal(feed([...Array(10).fill(0.01), ...Array(30).fill(0.69)]), undefined);
  });

  test("predict batches rows by length, and each output is the row's own, alone and unpadded, in the data's order", () => {
    for (const name of ["encoder-tiny", "decoder-tiny"] as const) {
      const model = createModel(preset(name), { labels: 1, seed: 2 });
      const data = task(40, 5).map((e, i) => ({ ids: e.ids, label: i / 10 }));
      const batched = predict(model, data, 8);
      const alone = data.map((e) => predict(model, [e], 1));
      for (const [i, one] of alone.entries()) {
        assert.ok(Math.abs(batched.outputs[i] - one.outputs[0]) < 1e-5, `${name} row ${i}: ${batched.outputs[i]} vs ${one.outputs[0]}`);
      }
      const meanLoss = alone.reduce((s, one) => s + one.loss, 0) / alone.length;
      assert.ok(Math.abs(batched.loss - meanLoss) < 1e-5 * Math.max(1, meanLoss), `${name} loss`);
      disposeModel(model);
    }
  });

  test("evaluation scores regression with correlations", () => {
    const model = createModel(preset("encoder-tiny"), { labels: 1, seed: 1 });
    const data = task(20, 3).map((e, i) => ({ ids: e.ids, label: i / 10 }));
    const { metrics } = evaluate(model, data, 8);
    assert.deepEqual(Object.keys(metrics).sort(), ["pearson", "spearman"]);
    disposeModel(model);
  });
});
