// lib/dynamics, the sweep models: hand-written gradients of the LoRA network and the attention head against
// central finite differences in float64, the attention forward pass against a direct implementation, Adam's
// first steps against their closed form, divergence handling, and the worker pool against in-thread runs.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  attentionConfig, attentionInit, attentionLoss, attentionProblem, attentionSweeps, attentionZeros, checkpoints, LOGIT_SCALES,
  loraHeatmaps, loraNetConfig, loraNetInit, loraNetLoss, loraNetProblem, SweepOptimizer, Rng, runTasks, trainAttention, trainLoraNet,
} from "../lib/dynamics/index";

/** Largest |analytic − numeric| / (|analytic| + |numeric| + 1e-10) over every coordinate. */
function worstGradientError(params: Float64Array[], grads: Float64Array[], loss: () => number): number {
  let worst = 0;
  const h = 1e-6;
  params.forEach((p, k) => {
    for (let i = 0; i < p.length; i++) {
      const old = p[i];
      p[i] = old + h;
      const up = loss();
      p[i] = old - h;
      const down = loss();
      p[i] = old;
      const numeric = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - grads[k][i]) / (Math.abs(numeric) + Math.abs(grads[k][i]) + 1e-10));
    }
  });
  return worst;
}

describe("LoRA network", () => {
  test("gradients of A and B match central finite differences", () => {
    const problem = loraNetProblem(loraNetConfig({ width: 12, inputDim: 3, rank: 2, teacherRank: 3, trainSize: 6, evalSize: 2 }));
    const params = loraNetInit(problem);
    // B ≠ 0, so the gradient of A (which flows through B) is exercised too.
    params.b.set(new Rng(4).normals(params.b.length));
    const grads = { a: new Float64Array(params.a.length), b: new Float64Array(params.b.length) };
    const batch = Int32Array.from([0, 3, 5, 3]);
    loraNetLoss(problem, params, "train", batch, grads);
    const err = worstGradientError([params.a, params.b], [grads.a, grads.b], () => loraNetLoss(problem, params, "train", batch));
    assert.ok(err < 1e-6, `worst relative error ${err}`);
  });

  test("at initialisation (B = 0) the loss is the teacher's: mean ½‖tanh(W₀h) − tanh((W₀ + B*A*)h)‖²/n > 0", () => {
    const problem = loraNetProblem(loraNetConfig({ width: 32, trainSize: 4, evalSize: 4 }));
    let direct = 0;
    for (let i = 0; i < problem.yEval.length; i++) direct += 0.5 * (Math.tanh(problem.gEval[i]) - problem.yEval[i]) ** 2;
    direct /= problem.yEval.length;
    assert.ok(direct > 0);
    assert.ok(Math.abs(loraNetLoss(problem, loraNetInit(problem), "eval") - direct) < 1e-15);
  });

  test("invalid configurations name the field", () => {
    assert.throws(() => loraNetConfig({ width: 4, rank: 8 }), /rank must be ≤ width \(4\), got 8/);
    assert.throws(() => loraNetConfig({ width: 0 }), /width must be a positive integer, got 0/);
    assert.throws(() => loraNetConfig({ width: 8, optimizer: "lion" as "adam" }), /optimizer must be one of sgd, adam, got "lion"/);
  });
});

describe("attention head", () => {
  for (const scale of LOGIT_SCALES) {
    test(`gradients of all six LoRA factors match central finite differences (logits × ${scale})`, () => {
      const problem = attentionProblem(attentionConfig({ width: 6, tokens: 4, rank: 2, teacherRank: 2, trainSize: 5, evalSize: 2, logitScale: scale }));
      const params = attentionInit(problem);
      const rng = new Rng(9);
      for (const m of ["q", "k", "v"] as const) params[m].b.set(rng.normals(params[m].b.length));
      const grads = attentionZeros(problem);
      const batch = Int32Array.from([1, 4, 0]);
      attentionLoss(problem, params, "train", batch, grads);
      const flat = (p: typeof params) => (["q", "k", "v"] as const).flatMap((m) => [p[m].a, p[m].b]);
      const err = worstGradientError(flat(params), flat(grads), () => attentionLoss(problem, params, "train", batch));
      assert.ok(err < 1e-6, `worst relative error ${err}`);
    });
  }

  test("at B = 0 the loss equals ½(y − y*)² with y = softmax(XW_q(XW_k)ᵀ/√d)·XW_v·w_o written out here", () => {
    const cfg = attentionConfig({ width: 5, tokens: 3, rank: 1, trainSize: 2, evalSize: 2, logitScale: "1/sqrt(d)" });
    const problem = attentionProblem(cfg);
    const params = attentionInit(problem);
    const { tokens: T, width: d } = cfg;
    let total = 0;
    for (let e = 0; e < 2; e++) {
      const row = (m: "q" | "k" | "v", t: number) => Array.from(problem.eval.base[m].subarray((e * T + t) * d, (e * T + t + 1) * d));
      for (let t = 0; t < T; t++) {
        const logits = Array.from({ length: T }, (_, s) => row("q", t).reduce((acc, v, j) => acc + v * row("k", s)[j], 0) / Math.sqrt(d));
        const z = logits.map((l) => Math.exp(l));
        const sum = z.reduce((a, b) => a + b, 0);
        let y = 0;
        for (let s = 0; s < T; s++) y += (z[s] / sum) * row("v", s).reduce((acc, v, j) => acc + v * problem.wO[j], 0);
        total += 0.5 * (y - problem.eval.y[e * T + t]) ** 2;
      }
    }
    assert.ok(Math.abs(attentionLoss(problem, params, "eval") - total / (2 * T)) < 1e-14);
  });

  test("invalid configurations name the field", () => {
    assert.throws(() => attentionConfig({ width: 8, logitScale: "1/d^2" as "1/d" }), /logitScale must be one of 1\/sqrt\(d\), 1\/d, got "1\/d\^2"/);
    assert.throws(() => attentionConfig({ width: 8, tokens: 0 }), /tokens must be a positive integer, got 0/);
  });
});

describe("training", () => {
  test("Adam's first two steps follow the closed form", () => {
    const p = Float64Array.from([1, -2]);
    const g = Float64Array.from([0.5, -4]);
    const opt = new SweepOptimizer("adam", [{ params: [p], grads: [g], lr: 0.1 }]);
    opt.step();
    // Step 1: m̂ = g, v̂ = g², so the move is lr·g/(|g| + ε).
    assert.ok(Math.abs(p[0] - (1 - 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-15);
    assert.ok(Math.abs(p[1] - (-2 + 0.1 * 4 / (4 + 1e-8))) < 1e-15);
    const before = p[0];
    g[0] = -1;
    opt.step();
    const m = (0.9 * 0.1 * 0.5 + 0.1 * -1) / (1 - 0.81);
    const v = (0.999 * 0.001 * 0.25 + 0.001 * 1) / (1 - 0.999 ** 2);
    assert.ok(Math.abs(p[0] - (before - (0.1 * m) / (Math.sqrt(v) + 1e-8))) < 1e-14);
  });

  test("checkpoints include 0 and the last step; a run that blows up is marked diverged with NaN from then on", () => {
    assert.deepEqual(checkpoints(25, 10), [0, 10, 20, 25]);
    const problem = loraNetProblem(loraNetConfig({ width: 16, steps: 30, evalEvery: 10, optimizer: "sgd", trainSize: 16, evalSize: 8 }));
    const fine = trainLoraNet(problem, 0.1, 0.1);
    assert.equal(fine.diverged, false);
    assert.ok(fine.final < fine.loss[0]);
    // The LoRA network's loss is bounded (tanh); the attention head's is not.
    const head = attentionProblem(attentionConfig({ width: 8, steps: 30, evalEvery: 10, optimizer: "sgd", trainSize: 16, evalSize: 8 }));
    const blown = trainAttention(head, 1e4, 1);
    assert.equal(blown.diverged, true);
    assert.ok(Number.isNaN(blown.final));
    assert.deepEqual(blown.steps, [0, 10, 20, 30]);
  });
});

describe("sweeps", () => {
  test("worker processes (lib/workers, the grid runner's pool) return exactly what the same tasks return in this process", async () => {
    const tasks = [24, 40].map((w) => ({ config: { width: w, steps: 20, trainSize: 32, evalSize: 16 }, cells: [{ etaA: 1e-2, etaB: 1e-1 }] }));
    const here = await runTasks("lora", tasks, { workers: 0 });
    const done: number[] = [];
    const pooled = await runTasks("lora", tasks, { workers: 2, onDone: (_, n) => done.push(n) });
    assert.deepEqual(pooled, here);
    assert.deepEqual(done, [1, 2]);
    // Without a progress callback too (the count of finished tasks must not depend on it).
    assert.deepEqual(await runTasks("lora", tasks, { workers: 2 }), here);
    await assert.rejects(runTasks("lora", [{ config: { width: 4, rank: 9 }, cells: [] }], { workers: 1 }), /lora task 0 failed: rank must be ≤ width/);
  });

  test("a heatmap's best cell is the minimum of its table and λ* = η_b/η_a there", async () => {
    const [map] = await loraHeatmaps({
      widths: [24], etaA: [1e-3, 1e-2, 1e-1], etaB: [1e-1, 1e-2, 1e-3], seeds: 2,
      net: { steps: 20, trainSize: 32, evalSize: 16 }, pool: { workers: 0 },
    });
    const flat = map.loss.flat().filter(Number.isFinite);
    assert.equal(map.best.loss, Math.min(...flat));
    assert.equal(map.loss[map.best.row][map.best.col], map.best.loss);
    assert.equal(map.best.lambda, map.etaB[map.best.row] / map.etaA[map.best.col]);
    assert.ok(map.bestEqual !== null && map.etaA[map.bestEqual.col] === map.etaB[map.bestEqual.row]);
    await assert.rejects(loraHeatmaps({ widths: [24], etaA: [], etaB: [1], seeds: 1 }), /etaA must be a non-empty list of positive numbers/);
  });

  test("an attention sweep reports every λ at its best η_QK and the step the best run reaches the λ = 1 loss", async () => {
    const [sweep] = await attentionSweeps({
      widths: [8], logitScales: ["1/sqrt(d)"], lambdas: [1, 4], etaQK: [1e-3, 1e-2], seeds: 1,
      head: { steps: 20, evalEvery: 5, trainSize: 32, evalSize: 8, tokens: 4, rank: 2 }, pool: { workers: 0 },
    });
    for (const l of sweep.lambdas) assert.equal(l.loss, Math.min(...l.lossByEta));
    assert.equal(sweep.best.loss, Math.min(...sweep.lambdas.map((l) => l.loss)));
    assert.equal(sweep.baseline?.lambda, 1);
    const k = sweep.best.curve.loss.findIndex((v) => v <= sweep.baseline!.loss);
    assert.equal(sweep.stepsToBaseline, sweep.best.curve.steps[k]);
    assert.equal(sweep.speedup, 20 / sweep.stepsToBaseline);
    await assert.rejects(attentionSweeps({ widths: [8], logitScales: ["1/n" as "1/d"], lambdas: [1], etaQK: [1e-3], seeds: 1 }), /logitScales\[0\] must be one of/);
  });
});
