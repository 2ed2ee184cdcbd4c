// The fused native kernels (native/fused.c via lib/backend/fused.ts) on the wasm backend. Forward values are
// checked against float64 references computed here (GELU from an erf series / continued fraction, LayerNorm
// and softmax from their definitions), gradients against central finite differences of those float64
// references, and both against tfjs's own composite formulas (the kernels uninstalled). Skips when
// build/qkv_fused.node is not built.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { environmentReport, formatEnvironment, selectBackend } from "../lib/backend/index";
import {
  FUSED_ADDON_PATH,
  FusedError,
  fusedKernelsActive,
  fusedLayerNorm,
  fusedStatus,
  installFusedKernels,
  uninstallFusedKernels,
} from "../lib/backend/fused";
import { attachAdapter } from "../lib/lora/attach";
import { createModel, makeBatch, Model, modelLogits, preset, trainableVariables } from "../lib/models/index";
import { gelu, layerNorm } from "../lib/models/layers";
import { taskLoss } from "../lib/train/loss";

const skip = fs.existsSync(FUSED_ADDON_PATH) ? false : `${FUSED_ADDON_PATH} is not built: run scripts/build-native.sh (needs gcc)`;

// ---- float64 references ----------------------------------------------------------------------------------

/** erf by its Maclaurin series (|x| < 2.5: terms peak near 16, so ~1e-15 absolute accuracy). */
function erfSeries(x: number): number {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 3 || Math.abs(term) > 1e-17 * Math.abs(sum); ) {
    sum += term / (2 * n + 1);
    n++;
    term *= (-x * x) / n;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** erfc(x) for x ≥ 2.5 by its continued fraction e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))). */
function erfcFraction(x: number): number {
  let k = x;
  for (let j = 200; j >= 1; j--) k = x + j / 2 / k;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / k;
}

/** Φ(x), the standard normal CDF, to ~1e-13 relative in both tails (checked against Python's math.erfc). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const tail = z < 2.5 ? 1 - erfSeries(z) : erfcFraction(z);
  return x < 0 ? tail / 2 : 1 - tail / 2;
}

const geluRef = (x: number) => x * normalCdf(x);

/** LayerNorm of each row of a [rows, cols] array, straight from the definition, in float64. */
function layerNormRef(x: Float64Array, rows: number, cols: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols);
    const mean = row.reduce((a, b) => a + b, 0) / cols;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / cols;
    for (let j = 0; j < cols; j++) y[r * cols + j] = ((row[j] - mean) / Math.sqrt(variance + eps)) * gamma[j] + beta[j];
  }
  return y;
}

function softmaxRef(x: Float64Array, cols: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / cols; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols);
    const max = Math.max(...row);
    const e = Array.from(row, (v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (y[r * cols + j] = v / sum));
  }
  return y;
}

/** ∂/∂x_i of Σ w·f(x), by central differences in float64 (step h scaled to each x_i). */
function finiteDifference(f: (x: Float64Array) => Float64Array, x: Float64Array, w: Float64Array): Float64Array {
  const loss = (v: Float64Array) => f(v).reduce((a, y, i) => a + y * w[i], 0);
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const h = 1e-6 * Math.max(1, Math.abs(x[i]));
    const plus = Float64Array.from(x);
    const minus = Float64Array.from(x);
    plus[i] += h;
    minus[i] -= h;
    grad[i] = (loss(plus) - loss(minus)) / (2 * h);
  }
  return grad;
}

// ---- helpers ----------------------------------------------------------------------------------------------

let seed = 7;
function randn(shape: number[], scale = 1): tf.Tensor {
  return tf.mul(tf.randomNormal(shape, 0, 1, "float32", seed++), scale);
}

const f64 = (t: tf.Tensor) => Float64Array.from(t.dataSync());

/** Asserts |got − want| ≤ atol + rtol·|want| elementwise, naming the first element that is not. */
function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= atol + rtol * Math.abs(want[i]))) {
      assert.fail(`${what}[${i}] = ${got[i]}, expected ${want[i]} (error ${err.toExponential(2)} > ${atol} + ${rtol}·|expected|)`);
    }
  }
}

/** f with the fused kernels, then with tfjs's composite formulas (kernels uninstalled), as float64 arrays. */
function fusedAndComposite(f: () => tf.Tensor[]): [Float64Array[], Float64Array[]] {
  const run = () => tf.tidy(f).map((t) => {
    const v = f64(t);
    t.dispose();
    return v;
  });
  assert.ok(fusedKernelsActive(), "the fused kernels are not active");
  const fused = run();
  uninstallFusedKernels();
  try {
    assert.ok(!fusedKernelsActive());
    return [fused, run()];
  } finally {
    installFusedKernels({});
  }
}

// ---- tests ------------------------------------------------------------------------------------------------

describe("fused GELU, LayerNorm, softmax gradient and gather on the wasm backend", { skip }, () => {
  before(async () => {
    await selectBackend({ override: "wasm" });
    assert.ok(fusedStatus().installed, `selectBackend did not install the fused kernels: ${fusedStatus().reason}`);
  });
  after(() => installFusedKernels({}));

  test("selectBackend installs them and the environment report says so", async () => {
    const report = await environmentReport(await selectBackend({ override: "wasm" }));
    assert.equal(report.fusedKernels?.active, true);
    assert.match(formatEnvironment(report), /fused kernels\s+GELU, LayerNorm, softmax gradient and row gathers fused in build\/qkv_fused.node, 1 thread/);
  });

  // Inputs that cover the polynomial's whole range, both tails, zero, and a size that is no multiple of a
  // vector (1031 = 64·16 + 7).
  const geluInputs = () => {
    const special = [0, -0, 1e-30, -1e-30, 0.5, -0.75179, 3, -3, 5.5, -5.5, 8, -8, 10, -10, 14, -14, 30, -30, 1e4, -1e4, 3e38, -3e38];
    const random = Array.from(tf.tidy(() => randn([1031 - special.length], 4)).dataSync());
    return tf.tensor1d([...special, ...random]);
  };

  test("GELU matches x·Φ(x) in float64, tails and odd sizes included", () => {
    const x = geluInputs();
    const y = gelu(x).dataSync();
    const xs = x.dataSync();
    // Φ's error (native/fused.c): ≤ 1.2e-7 absolute near 0 and ≤ 2.2e-6 relative in the far negative tail
    // (the float32 rounding of e^(−x²/2)'s argument), plus the rounding of x·Φ.
    // Below ~1e-37 the result underflows float32, as it must.
    assertClose(y, Array.from(xs, geluRef), 3e-6, 1e-37, "gelu");
    tf.dispose(x);
  });

  test("GELU's gradient matches Φ(x) + x·φ(x) and finite differences, in float64", () => {
    const x = geluInputs();
    const dy = tf.randomUniform(x.shape, -2, 2, "float32", seed++);
    const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(gelu(v), dy)))(x).dataSync();
    const xs = x.dataSync();
    const dys = dy.dataSync();
    const want = Array.from(xs, (v, i) => dys[i] * (normalCdf(v) + (v * Math.exp((-v * v) / 2)) / Math.sqrt(2 * Math.PI)));
    assertClose(dx, want, 3e-6, 1e-6, "dgelu");
    // the closed form itself, against differences of the float64 GELU on a few points
    const small = Float64Array.from([-4, -1.3, -0.2, 0, 0.4, 2.2, 6]);
    const fd = finiteDifference((v) => v.map(geluRef), small, new Float64Array(small.length).fill(1));
    assertClose(fd, Array.from(small, (v) => normalCdf(v) + (v * Math.exp((-v * v) / 2)) / Math.sqrt(2 * Math.PI)), 1e-8, 1e-9, "GELU′ closed form");
    tf.dispose([x, dy]);
  });

  test("GELU forward and gradient agree with tfjs's composite erf formula through a small chain", () => {
    const x = randn([37, 29], 3);
    const w = randn([29, 5]);
    const [[yF, gF], [yC, gC]] = fusedAndComposite(() => {
      const f = (v: tf.Tensor) => tf.sum(tf.square(tf.matMul(gelu(tf.mul(v, 1.5)) as tf.Tensor2D, w as tf.Tensor2D)));
      return [gelu(x), tf.grad(f)(x)];
    });
    // tfjs's 0.5·x·(1 + erf(x/√2)) rounds 1 + erf to float32: absolute errors up to ~1e-7·|x|.
    assertClose(yF, yC, 1e-5, 1e-6, "gelu fused vs composite");
    assertClose(gF, gC, 1e-4, 1e-4 * Math.max(...gC.map(Math.abs)), "gelu gradient fused vs composite");
    tf.dispose([x, w]);
  });

  // rows × cols with a zero-variance row, a row offset far from 0 (100 + noise), odd sizes.
  const lnCases: [number, number][] = [[5, 7], [3, 33], [4, 256], [2, 1]];
  const lnInput = (rows: number, cols: number) => {
    const x = tf.tidy(() => randn([rows, cols], 2)).dataSync() as Float32Array;
    x.fill(0.1, 0, cols); // constant row: variance 0, so the output is exactly β
    if (rows > 2) for (let j = 0; j < cols; j++) x[cols + j] += 100;
    return tf.tensor2d(x, [rows, cols]);
  };
  const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((m, a) => Math.max(m, Math.abs(a)), 0);

  for (const [rows, cols] of lnCases) {
    test(`LayerNorm [${rows}, ${cols}] and its gradients match the float64 definition and finite differences`, () => {
      const x = lnInput(rows, cols);
      const gamma = randn([cols]);
      const beta = randn([cols]);
      const w = randn([rows, cols]);
      const eps = 1e-5;
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layerNorm(a as tf.Tensor2D, g, b, eps), w)))([x, gamma, beta]);
      const y = layerNorm(x as tf.Tensor2D, gamma, beta, eps).dataSync();
      const [gs, bs, ws, xs] = [f64(gamma), f64(beta), f64(w), f64(x)];
      const want = layerNormRef(xs, rows, cols, gs, bs, eps);
      // float32 rounding of x − μ (|μ|/σ ≤ 50 here) and of the products: ~1e-5 of the row's scale
      assertClose(y, want, 1e-5, 1e-5 * maxAbs(want), "layerNorm");
      for (let j = 0; j < cols; j++) assert.equal(y[j], Math.fround(bs[j]), `constant row: y[0, ${j}] must be β[${j}]`);
      const fdX = finiteDifference((v) => layerNormRef(v, rows, cols, gs, bs, eps), xs, ws);
      const fdGamma = finiteDifference((v) => layerNormRef(xs, rows, cols, v, bs, eps), gs, ws);
      const fdBeta = finiteDifference((v) => layerNormRef(xs, rows, cols, gs, v, eps), bs, ws);
      // Tolerances follow each gradient's scale. dx is a difference of terms of size dy·γ/√(σ² + eps), up to
      // 316·|dy·γ| on the constant row, whose float32 rounding remains where they cancel (one column: dx = 0).
      const [dx, dgamma, dbeta] = grads.map((g) => g.dataSync());
      assertClose(dx, fdX, 1e-4, 1e-4 * maxAbs(fdX) + (1e-6 * maxAbs(ws) * maxAbs(gs)) / Math.sqrt(eps), "dx");
      assertClose(dgamma, fdGamma, 1e-4, 1e-4 * maxAbs(fdGamma), "dgamma");
      assertClose(dbeta, fdBeta, 1e-4, 1e-4 * maxAbs(fdBeta), "dbeta");
      tf.dispose([x, gamma, beta, w, value, ...grads]);
    });
  }

  test("LayerNorm and its gradients agree with tfjs's composite formula through a small chain", () => {
    const x = lnInput(9, 48);
    const gamma = randn([48]);
    const beta = randn([48]);
    const w = randn([48, 48]);
    const [fused, composite] = fusedAndComposite(() => {
      const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const h = layerNorm(tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D), g, b, 1e-5);
        return tf.sum(tf.tanh(layerNorm(tf.add(h, a) as tf.Tensor2D, g, b, 1e-5)));
      };
      return [layerNorm(x as tf.Tensor2D, gamma, beta, 1e-5), ...tf.grads(f)([x, gamma, beta])];
    });
    ["y", "dx", "dgamma", "dbeta"].forEach((name, i) => assertClose(fused[i], composite[i], 1e-3, 1e-4 * maxAbs(composite[i]), name));
    tf.dispose([x, gamma, beta, w]);
  });

  test("the softmax gradient matches finite differences and tfjs's composite formula", () => {
    const x = randn([3, 2, 5, 19], 3);
    const w = randn(x.shape);
    const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.softmax(v), w));
    const [[gF], [gC]] = fusedAndComposite(() => [tf.grad(f)(x)]);
    const fd = finiteDifference((v) => softmaxRef(v, 19), f64(x), f64(w));
    assertClose(gF, fd, 1e-4, 1e-5 * maxAbs(fd), "softmax gradient vs finite differences");
    assertClose(gF, gC, 1e-4, 1e-6 * maxAbs(gC), "softmax gradient fused vs composite");
    tf.dispose([x, w]);
  });

  test("row gathers copy rows exactly; other gathers and bad indices go to wasm's kernel or fail by name", () => {
    const table = randn([50, 13]);
    const ids = tf.tensor2d([[3, 0, 49], [7, 7, 1]], [2, 3], "int32");
    const rows = tf.gather(table, ids);
    assert.deepEqual(rows.shape, [2, 3, 13]);
    const t = table.arraySync() as number[][];
    assert.deepEqual(rows.arraySync(), [[t[3], t[0], t[49]], [t[7], t[7], t[1]]]);
    // axis 1 is handed to wasm's own kernel
    const cols = tf.gather(table, tf.tensor1d([2, 12], "int32"), 1).arraySync() as number[][];
    assert.deepEqual(cols, t.map((row) => [row[2], row[12]]));
    assert.throws(() => tf.gather(table, tf.tensor1d([4, 50], "int32")), /indices\[1\] = 50 must be a row index in \[0, 50\)/);
    assert.throws(() => tf.gather(table, tf.tensor1d([-1], "int32")), /indices\[0\] = -1 must be a row index/);
    assert.equal(tf.gather(table, tf.tensor1d([], "int32")).size, 0);
    tf.dispose([table, ids, rows]);
  });

  test("two threads give the same results as one", () => {
    const x = randn([300, 256], 2);
    const gamma = randn([256]);
    const beta = randn([256]);
    const run = () =>
      tf.tidy(() => {
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(gelu(layerNorm(a as tf.Tensor2D, g, b, 1e-5)), a));
        return [gelu(x), ...tf.grads(f)([x, gamma, beta])].map((v) => v.dataSync());
      });
    const one = run();
    installFusedKernels({ QKV_FUSED_THREADS: "2" });
    assert.match(fusedStatus().reason, /2 threads/);
    const two = run();
    installFusedKernels({});
    // element-wise and per-row results are identical; dγ, dβ sum per-thread partials in another order
    assert.deepEqual(two.slice(0, 2), one.slice(0, 2));
    assertClose(two[2], one[2], 1e-6, 0, "dgamma");
    assertClose(two[3], one[3], 1e-6, 0, "dbeta");
    tf.dispose([x, gamma, beta]);
  });

  test("no tensors leak through the fused forward and backward passes", () => {
    const x = randn([6, 8]);
    const gamma = randn([8]);
    const beta = randn([8]);
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(gelu(layerNorm(a as tf.Tensor2D, g, b, 1e-5)));
    tf.dispose(tf.grads(f)([x, gamma, beta])); // warm up: tfjs caches a few scalars on first use
    const before = tf.memory().numTensors;
    tf.dispose(tf.grads(f)([x, gamma, beta]));
    tf.dispose(layerNorm(x as tf.Tensor2D, gamma, beta, 1e-5));
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, gamma, beta]);
  });

  test("an encoder's loss and LoRA gradients agree with the composite formulas", () => {
    const model: Model = createModel(preset("encoder-tiny"), { labels: 3, seed: 4 });
    attachAdapter(model, { method: "lora", r: 4, loraAlpha: 8, targetModules: ["query", "value"] }, 5);
    for (const [name, v] of trainableVariables(model)) if (name.endsWith("lora_B.weight")) v.assign(tf.tidy(() => randn(v.shape, 0.05)));
    const batch = makeBatch([[0, 5, 9, 12, 7, 2], [0, 33, 4, 2]], model.config.padTokenId);
    const y = tf.tensor1d([2, 0], "int32");
    const vars = [...trainableVariables(model).values()];
    const [fused, composite] = fusedAndComposite(() => {
      const { value, grads } = tf.variableGrads(() => taskLoss(modelLogits(model, batch), y), vars);
      return [value, ...vars.map((v) => grads[v.name])];
    });
    fused.forEach((g, i) => assertClose(g, composite[i], 1e-4, 1e-5 * maxAbs(composite[i]), i === 0 ? "loss" : vars[i - 1].name));
  });

  test("bad settings and bad operands are errors that name them", async () => {
    assert.throws(() => installFusedKernels({ QKV_FUSED: "yes" }), (e: Error) => e instanceof FusedError && /QKV_FUSED="yes" must be 0 \(off\) or 1/.test(e.message));
    // selectBackend checks the settings before it tries a backend: a typo is an error, not a silent fallback
    process.env.QKV_FUSED = "2";
    try {
      await assert.rejects(selectBackend({ override: "" }), /QKV_FUSED="2" must be 0 \(off\) or 1/);
    } finally {
      delete process.env.QKV_FUSED;
    }
    assert.throws(() => installFusedKernels({ QKV_FUSED_THREADS: "0" }), /QKV_FUSED_THREADS="0" must be an integer from 1 to 64/);
    const x = randn([4, 6]);
    assert.throws(() => fusedLayerNorm(x as tf.Tensor2D, randn([5]), randn([6]), 1e-5), /gamma has shape \[5\]; it must be \[6\]/);
    assert.throws(() => fusedLayerNorm(x as tf.Tensor2D, randn([6]), randn([6]), -1), /eps = -1 must be a finite number/);
    const addon = require(FUSED_ADDON_PATH) as { gelu: (...a: unknown[]) => void; layerNorm: (...a: unknown[]) => void };
    const heap = new ArrayBuffer(64);
    assert.throws(() => addon.gelu(heap, 0, 32, 9), /qkv_fused: yOffset = 32 must be such that the operand lies inside the wasm heap/);
    assert.throws(() => addon.gelu(heap, 2, 0, 1), /xOffset = 2 must be a multiple of 4/);
    assert.throws(() => addon.gelu(heap, 0, 0, -1), /size = -1 must be an integer/);
    assert.throws(() => addon.gelu(new Float32Array(4), 0, 0, 1), /heap must be an ArrayBuffer/);
    assert.throws(() => addon.gelu(heap, 0, 0), /gelu takes 4 arguments/);
    assert.throws(() => addon.layerNorm(heap, 0, 0, 0, 0, 0, 0, 1, 1, NaN), /eps = nan must be a finite number/i);
    tf.dispose(x);
  });

  test("QKV_FUSED=0 turns them off: the composite formulas run, and give the same values", () => {
    const x = randn([3, 10], 2);
    const fused = gelu(x).dataSync();
    assert.match(installFusedKernels({ QKV_FUSED: "0" }).reason, /disabled by QKV_FUSED=0/);
    assert.equal(fusedKernelsActive(), false);
    assert.equal(tf.getKernel("QkvGelu", "wasm"), undefined);
    assertClose(gelu(x).dataSync(), fused, 1e-5, 1e-6, "gelu with QKV_FUSED=0");
    assert.ok(installFusedKernels({}).installed);
    tf.dispose(x);
  });

  test("on the cpu backend the composite formulas run", async () => {
    await tf.setBackend("cpu");
    try {
      assert.equal(fusedKernelsActive(), false);
      const x = randn([2, 4]);
      assertClose(gelu(x).dataSync(), Array.from(x.dataSync(), geluRef), 1e-5, 1e-6, "gelu on cpu");
      tf.dispose(x);
    } finally {
      await tf.setBackend("wasm");
    }
  });
});
