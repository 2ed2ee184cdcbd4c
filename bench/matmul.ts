// Matrix-multiply throughput of the three ways tf.matMul can run here: tfjs-wasm's own kernel, the OpenBLAS
// kernel (lib/backend/blas.ts) on the wasm backend, and the pure-JS cpu backend, in one run so that the
// ratios hold whatever else shares the machine. The three alternate for a few rounds and the best round
// counts: on a shared machine the best is the least disturbed.
// Run: node --import tsx bench/matmul.ts [seconds per measurement = 0.3] [rounds = 3]
//      (QKV_BLAS_THREADS=1 to see OpenBLAS on one thread)
import * as tf from "@tensorflow/tfjs";
import { blasStatus, installBlasKernels, uninstallBlasKernels } from "../lib/backend/blas";
import { selectBackend } from "../lib/backend/index";

interface Case {
  name: string;
  a: number[];
  b: number[];
  transposeB?: boolean;
}

const budget = Number(process.argv[2] ?? 0.3);
const rounds = Number(process.argv[3] ?? 3);
if (!(budget > 0)) throw new Error(`seconds per measurement must be a positive number, got ${JSON.stringify(process.argv[2])}`);
if (!(Number.isInteger(rounds) && rounds > 0)) throw new Error(`rounds must be a positive integer, got ${JSON.stringify(process.argv[3])}`);

// Square products, then the shapes of one attention layer's training step (B=32 sequences of T=128,
// 4 heads of 64, model width 256): Q·Kᵀ scores, P·V, and a projection x·Wᵀ with x of (B·T)×256.
const cases: Case[] = [
  ...[128, 256, 512, 1024].map((n) => ({ name: `${n}×${n} · ${n}×${n}`, a: [n, n], b: [n, n] })),
  { name: "scores Q·Kᵀ [32,4,128,64]·[32,4,128,64]ᵀ", a: [32, 4, 128, 64], b: [32, 4, 128, 64], transposeB: true },
  { name: "P·V [32,4,128,128]·[32,4,128,64]", a: [32, 4, 128, 128], b: [32, 4, 128, 64] },
  { name: "projection x·Wᵀ [4096,256]·[256,256]ᵀ", a: [4096, 256], b: [256, 256], transposeB: true },
];

function flops(c: Case): number {
  const m = c.a[c.a.length - 2];
  const k = c.a[c.a.length - 1];
  const n = c.transposeB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
  return 2 * m * n * k * tf.util.sizeFromShape(c.a.slice(0, -2));
}

/** GFLOP/s of tf.matMul on the active backend: warm up, then repeat until `budget` seconds have passed. */
function measure(c: Case): number {
  const a = tf.randomUniform(c.a, -1, 1);
  const b = tf.randomUniform(c.b, -1, 1);
  // wasm and cpu kernels are synchronous: the product is complete when matMul returns.
  const run = () => tf.matMul(a, b, false, c.transposeB ?? false).dispose();
  run();
  let reps = 0;
  const t0 = performance.now();
  while (reps < 2 || performance.now() - t0 < budget * 1000) {
    run();
    reps++;
  }
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([a, b]);
  return (flops(c) * reps) / seconds / 1e9;
}

/**
 * ms per training step of one attention layer on the active backend: B=32 sequences of T=64, width 128,
 * 4 heads; Q/K/V/output projections, softmax attention, mean-square loss, backward pass and an SGD update.
 */
function attentionStep(steps: number): number {
  const [B, T, d, H] = [32, 64, 128, 4];
  const x = tf.randomNormal([B * T, d], 0, 1, "float32", 1);
  const target = tf.randomNormal([B * T, d], 0, 1, "float32", 2);
  const weights = [3, 4, 5, 6].map((seed) => tf.variable(tf.randomNormal([d, d], 0, 0.05, "float32", seed)));
  const sgd = tf.train.sgd(0.01);
  const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, d / H]), [0, 2, 1, 3]);
  const step = () =>
    sgd.minimize(() => {
      const [q, k, v] = weights.slice(0, 3).map((w) => heads(tf.matMul(x, w, false, true)));
      const p = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d / H)));
      const o = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [B * T, d]);
      return tf.mean(tf.square(tf.sub(tf.matMul(o, weights[3], false, true), target))) as tf.Scalar;
    }, true)?.dispose();
  for (let i = 0; i < 3; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const ms = (performance.now() - t0) / steps;
  tf.dispose([x, target, ...weights]);
  sgd.dispose();
  return ms;
}

(async () => {
  await selectBackend({ override: "wasm" });
  const blas = blasStatus();
  if (!blas.installed) console.log(`BLAS kernel unavailable (${blas.reason}): only wasm and cpu are measured`);
  const rows: Record<string, string>[] = [];
  for (const c of cases) {
    let [wasm, withBlas, cpu] = [0, NaN, NaN];
    for (let round = 0; round < rounds; round++) {
      await tf.setBackend("wasm");
      uninstallBlasKernels();
      wasm = Math.max(wasm, measure(c));
      if (installBlasKernels().installed) withBlas = Math.max(measure(c), Number.isNaN(withBlas) ? 0 : withBlas);
      // the cpu backend at ≈ 1 GFLOP/s would take minutes on the biggest products and say nothing new
      if (flops(c) <= 3e8) {
        await tf.setBackend("cpu");
        cpu = Math.max(measure(c), Number.isNaN(cpu) ? 0 : cpu);
      }
    }
    rows.push({
      shape: c.name,
      GFLOP: (flops(c) / 1e9).toFixed(3),
      "wasm GFLOP/s": wasm.toFixed(1),
      "BLAS GFLOP/s": withBlas.toFixed(1),
      "cpu GFLOP/s": cpu.toFixed(2),
      "BLAS / wasm": (withBlas / wasm).toFixed(1),
      "wasm / cpu": (wasm / cpu).toFixed(0),
    });
  }
  console.log(blas.reason);
  console.table(rows);

  await tf.setBackend("wasm");
  uninstallBlasKernels();
  const wasmStep = attentionStep(5);
  if (installBlasKernels().installed) {
    const blasStep = attentionStep(30);
    console.log(`attention training step: wasm ${wasmStep.toFixed(0)} ms, BLAS ${blasStep.toFixed(1)} ms (${(wasmStep / blasStep).toFixed(1)}×)`);
  } else {
    console.log(`attention training step: wasm ${wasmStep.toFixed(0)} ms`);
  }
})();
