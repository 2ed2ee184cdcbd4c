// The OpenBLAS BatchMatMul on the wasm backend: every product is checked against a float64 product computed
// here from the same float32 inputs (with the rounding bound of a float32 dot product), and against tfjs's
// own wasm kernel; gradients against the cpu backend. Skips when build/qkv_blas.node is not built.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import {
  BLAS_ADDON_PATH,
  BlasError,
  batchIndices,
  blasStatus,
  installBlasKernels,
  uninstallBlasKernels,
} from "../lib/backend/blas";
import { environmentReport, formatEnvironment, selectBackend } from "../lib/backend/index";

const skip = fs.existsSync(BLAS_ADDON_PATH) ? false : `${BLAS_ADDON_PATH} is not built: run scripts/build-native.sh (needs gcc, libopenblas-dev)`;

/** An operand: its shape and float32 values (row-major). */
interface Operand {
  shape: number[];
  values: Float32Array;
}

let seed = 1;
function random(shape: number[]): Operand {
  const t = tf.randomUniform(shape, -1, 1, "float32", seed++);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return { shape, values };
}

/**
 * tfjs's BatchMatMul in float64, written out element by element: the last two dims multiply (after the
 * transposes), leading dims broadcast numpy-style. Also returns, per element, Σ|a·b|, which bounds the
 * float32 rounding error of the dot product: |fl(a·b) − a·b| ≤ k·u·Σ|a·b| (u = 2⁻²⁴), to first order.
 */
function reference(a: Operand, b: Operand, transposeA: boolean, transposeB: boolean) {
  const ar = a.shape.length;
  const br = b.shape.length;
  const [aRows, aCols] = [a.shape[ar - 2], a.shape[ar - 1]];
  const [bRows, bCols] = [b.shape[br - 2], b.shape[br - 1]];
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const [pa, pb] = [pad(aBatch), pad(bBatch)];
  const outBatch = pa.map((d, i) => Math.max(d, pb[i]));
  const batches = outBatch.reduce((x, y) => x * y, 1);
  const shape = [...outBatch, m, n];
  const values = new Float64Array(batches * m * n);
  const magnitude = new Float64Array(batches * m * n);
  for (let ob = 0; ob < batches; ob++) {
    // the output batch's coordinates, then each operand's flat batch number
    let rest = ob;
    const coord = outBatch.map(() => 0);
    for (let d = rank - 1; d >= 0; d--) {
      coord[d] = rest % outBatch[d];
      rest = Math.floor(rest / outBatch[d]);
    }
    const flat = (dims: number[]) => dims.reduce((acc, size, d) => acc * size + (size === 1 ? 0 : coord[d]), 0);
    const aBase = flat(pa) * aRows * aCols;
    const bBase = flat(pb) * bRows * bCols;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const x = a.values[aBase + (transposeA ? p * aCols + i : i * aCols + p)];
          const y = b.values[bBase + (transposeB ? j * bCols + p : p * bCols + j)];
          sum += x * y;
          abs += Math.abs(x * y);
        }
        values[(ob * m + i) * n + j] = sum;
        magnitude[(ob * m + i) * n + j] = abs;
      }
    }
  }
  return { shape, values, tolerance: (i: number) => 2 * Math.max(k, 1) * 2 ** -24 * magnitude[i] + 1e-30, k };
}

function matMulOnWasm(a: Operand, b: Operand, transposeA: boolean, transposeB: boolean) {
  return tf.tidy(() => {
    const out = tf.matMul(tf.tensor(a.values, a.shape), tf.tensor(b.values, b.shape), transposeA, transposeB);
    return { shape: out.shape, values: out.dataSync() as Float32Array };
  });
}

/**
 * BLAS and wasm's own kernel both against the float64 product, and against each other. `wasmWrong`: tfjs's
 * wasm and cpu kernels pair batches by `i mod batchSize`, which is numpy's broadcasting only when at most
 * one side broadcasts; for two-sided broadcasts ([2,1,…] · [1,3,…]) only the float64 product is the judge.
 */
function checkProduct(aShape: number[], bShape: number[], transposeA = false, transposeB = false, wasmWrong = false): void {
  const a = random(aShape);
  const b = random(bShape);
  const ref = reference(a, b, transposeA, transposeB);
  assert.ok(blasStatus().installed);
  const blas = matMulOnWasm(a, b, transposeA, transposeB);
  uninstallBlasKernels();
  let wasm: ReturnType<typeof matMulOnWasm>;
  try {
    wasm = matMulOnWasm(a, b, transposeA, transposeB);
  } finally {
    installBlasKernels();
  }
  const what = `${JSON.stringify(aShape)}${transposeA ? "ᵀ" : ""} · ${JSON.stringify(bShape)}${transposeB ? "ᵀ" : ""}`;
  assert.deepEqual(blas.shape, ref.shape, `${what}: shape`);
  assert.deepEqual(wasm.shape, ref.shape, `${what}: wasm's shape`);
  for (let i = 0; i < ref.values.length; i++) {
    const tol = ref.tolerance(i);
    const fail = (who: string, v: number) => `${what}: ${who} element ${i} = ${v}, float64 product ${ref.values[i]}, tolerance ${tol}`;
    assert.ok(Math.abs(blas.values[i] - ref.values[i]) <= tol, fail("BLAS", blas.values[i]));
    if (wasmWrong) continue;
    assert.ok(Math.abs(wasm.values[i] - ref.values[i]) <= tol, fail("wasm", wasm.values[i]));
    assert.ok(Math.abs(blas.values[i] - wasm.values[i]) <= 2 * tol, fail("BLAS vs wasm", blas.values[i]));
  }
  if (wasmWrong) {
    const worst = Math.max(...wasm.values.map((v, i) => Math.abs(v - ref.values[i])));
    assert.ok(worst > 1e-3, `${what}: wasm's kernel now broadcasts correctly; drop wasmWrong`);
  }
}

describe("batchIndices (broadcasting of batch dims)", () => {
  test("one-sided and two-sided broadcasts, against indices written out by hand", () => {
    assert.deepEqual(batchIndices([3], [3], [3]).map((x) => [...x]), [[0, 1, 2], [0, 1, 2]]);
    assert.deepEqual(batchIndices([], [3], [3]).map((x) => [...x]), [[0, 0, 0], [0, 1, 2]]);
    assert.deepEqual(batchIndices([2, 1], [1, 3], [2, 3]).map((x) => [...x]), [[0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2]]);
    assert.deepEqual(batchIndices([3], [2, 1], [2, 3]).map((x) => [...x]), [[0, 1, 2, 0, 1, 2], [0, 0, 0, 1, 1, 1]]);
    assert.deepEqual(batchIndices([0], [1], [0]).map((x) => [...x]), [[], []]);
  });
});

describe("OpenBLAS BatchMatMul on the wasm backend", { skip }, () => {
  before(async () => {
    await selectBackend({ override: "wasm" });
    const status = blasStatus();
    assert.ok(status.installed, `selectBackend did not install the BLAS kernel: ${status.reason}`);
  });
  after(() => installBlasKernels());

  test("selectBackend installs it and the environment report says so", async () => {
    assert.match(blasStatus().reason, /^OpenBLAS \S+ sgemm, \w+ kernels( \(picked from the CPU flags\))?, \d+ threads?, for BatchMatMul$/);
    const report = await environmentReport(await selectBackend({ override: "wasm" }));
    assert.deepEqual(report.blasMatmul, { active: true, detail: blasStatus().reason });
    assert.match(formatEnvironment(report), /^BLAS matmul +OpenBLAS/m);
  });

  test("2-D products with every transpose combination, odd sizes", () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      checkProduct(ta ? [53, 37] : [37, 53], tb ? [29, 53] : [53, 29], ta, tb);
    }
  });

  test("sizes of 1, an inner size of 1, and empty products", () => {
    checkProduct([1, 1], [1, 1]);
    checkProduct([1, 7], [7, 1]);
    checkProduct([7, 1], [1, 7]);
    checkProduct([1, 7], [1, 7], true, false);
    checkProduct([1, 1, 5], [1, 5, 1]);
    // k = 0: an empty sum is 0 (the output memory is not cleared by wasm's malloc, so this is checked)
    checkProduct([3, 0], [0, 4]);
    checkProduct([0, 5], [5, 3]);
    checkProduct([2, 0, 5], [2, 5, 3]);
  });

  test("batched 3-D products and batch broadcasting (1 vs B, rank 3 vs 2, and two-sided, where wasm errs)", () => {
    checkProduct([5, 17, 23], [5, 23, 11]);
    checkProduct([5, 23, 17], [5, 11, 23], true, true);
    checkProduct([1, 17, 23], [6, 23, 11]);
    checkProduct([6, 17, 23], [1, 23, 11]);
    checkProduct([6, 17, 23], [23, 11]); // one (6·17)×23 product
    checkProduct([6, 17, 23], [11, 23], false, true);
    checkProduct([6, 23, 17], [23, 11], true, false); // transposed A: one product per batch
    checkProduct([17, 23], [6, 23, 11]);
    checkProduct([2, 1, 7, 5], [1, 3, 5, 4], false, false, true);
    checkProduct([3, 1, 4, 6, 5], [2, 1, 5, 3], false, false, true);
  });

  test("4-D attention shapes [B, heads, T, d], small and large enough to split the batch across threads", () => {
    checkProduct([2, 4, 16, 8], [2, 4, 16, 8], false, true); // Q·Kᵀ
    checkProduct([2, 4, 16, 16], [2, 4, 16, 8]); // P·V
    checkProduct([4, 8, 128, 64], [4, 8, 128, 64], false, true);
    checkProduct([4, 8, 128, 128], [4, 8, 128, 64]);
    checkProduct([4, 8, 128, 64], [4, 8, 128, 64], true, false); // Kᵀ-side gradient shape
  });

  test("stays correct after the wasm memory grows (the heap is re-read on every call)", () => {
    const before = tf.findBackend("wasm") as unknown as { wasm: { HEAPU8: Uint8Array } };
    const bytes = before.wasm.HEAPU8.buffer.byteLength;
    const big = tf.zeros([bytes / 4 + 1024 * 1024]); // forces memory.grow: the old ArrayBuffer is detached
    try {
      assert.ok(before.wasm.HEAPU8.buffer.byteLength > bytes, "the wasm heap did not grow");
      checkProduct([9, 31], [31, 10]);
    } finally {
      big.dispose();
    }
  });

  test("frees everything it allocates", () => {
    const a = tf.randomUniform([3, 20, 30]);
    const b = tf.randomUniform([30, 10]);
    const tensors = tf.memory().numTensors;
    const dataIds = (tf.findBackend("wasm") as unknown as { numDataIds(): number }).numDataIds();
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        tf.matMul(a, b).sum();
      });
    }
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal((tf.findBackend("wasm") as unknown as { numDataIds(): number }).numDataIds(), dataIds);
    tf.dispose([a, b]);
  });

  test("mismatched inner sizes and int32 tensors fail with tfjs's messages", () => {
    assert.throws(() => tf.matMul(tf.zeros([2, 3]), tf.zeros([4, 5])), /inner shapes \(3\) and \(4\)/);
    assert.throws(() => tf.matMul(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 5])), /Operands could not be broadcast together/);
    assert.throws(() => tf.matMul(tf.zeros([2, 3], "int32"), tf.zeros([3, 4], "int32")), /non-float32 tensors not yet supported/);
  });

  test("gradients through a chain of products (attention-like and with transposes) match the cpu backend", async () => {
    const shapes = { x: [72, 8], wq: [8, 8], wk: [8, 8], v: [2, 3, 12, 5], w: [7, 5] };
    const inputs = Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, random(shape)]));
    // y = softmax(q kᵀ) · v · wᵀ with q = x·Wq, k = x·Wkᵀ as [2, 3, 12, 8] heads, summed with fixed weights:
    // every transpose combination shows up in the backward pass (BatchMatMul's gradients are BatchMatMuls).
    // The projections are 2-D because tfjs's BatchMatMul gradient does not sum over broadcast batch dims.
    const loss = (x: tf.Tensor, wq: tf.Tensor, wk: tf.Tensor, v: tf.Tensor, w: tf.Tensor) => {
      const q = tf.reshape(tf.matMul(x, wq), [2, 3, 12, 8]);
      const k = tf.reshape(tf.matMul(x, wk, false, true), [2, 3, 12, 8]);
      const p = tf.softmax(tf.matMul(q, k, false, true));
      const y = tf.matMul(tf.reshape(tf.matMul(p, v), [72, 5]), w, false, true);
      const a = tf.matMul(y, tf.reshape(tf.linspace(-1, 1, 72 * 4), [72, 4]), true, false); // yᵀ·c
      return tf.sum(tf.mul(a, a));
    };
    const gradients = async (backend: string) => {
      await tf.setBackend(backend);
      const names = Object.keys(shapes);
      const args = names.map((name) => tf.tensor(inputs[name].values, inputs[name].shape));
      const grads = tf.grads(loss as (...xs: tf.Tensor[]) => tf.Scalar)(args);
      const out = grads.map((g) => g.dataSync() as Float32Array);
      tf.dispose([...args, ...grads]);
      return out;
    };
    try {
      const cpu = await gradients("cpu");
      const blas = await gradients("wasm");
      cpu.forEach((g, i) => {
        const scale = Math.max(...g.map(Math.abs));
        g.forEach((v, j) => assert.ok(Math.abs(blas[i][j] - v) <= 1e-4 * scale, `gradient ${i}[${j}]: BLAS ${blas[i][j]}, cpu ${v}`));
      });
    } finally {
      await tf.setBackend("wasm");
    }
  });

  test("QKV_BLAS=0 puts wasm's kernel back; QKV_BLAS_THREADS sets the thread count; bad values are errors", async () => {
    const ours = tf.getKernel("BatchMatMul", "wasm")?.kernelFunc;
    try {
      assert.deepEqual(installBlasKernels({ QKV_BLAS: "0" }), { installed: false, reason: "off: disabled by QKV_BLAS=0" });
      assert.notEqual(tf.getKernel("BatchMatMul", "wasm")?.kernelFunc, ours);
      assert.match(installBlasKernels({ QKV_BLAS_THREADS: "1" }).reason, /, 1 thread, for BatchMatMul$/);
      assert.equal(tf.getKernel("BatchMatMul", "wasm")?.kernelFunc, ours);
      checkProduct([3, 64, 48], [3, 48, 64]);
    } finally {
      installBlasKernels({});
    }
    assert.throws(() => installBlasKernels({ QKV_BLAS: "yes" }), (e: Error) => e instanceof BlasError && /QKV_BLAS="yes" must be 0/.test(e.message));
    assert.throws(() => installBlasKernels({ QKV_BLAS_THREADS: "0" }), /QKV_BLAS_THREADS="0" must be a positive integer/);
    process.env.QKV_BLAS = "2";
    try {
      // a typo must not turn into a silent fall back from wasm to the cpu backend
      await assert.rejects(selectBackend({ override: "" }), /QKV_BLAS="2" must be 0 \(off\) or 1/);
    } finally {
      delete process.env.QKV_BLAS;
    }
  });

  test("the addon rejects arguments that would reach outside the wasm heap, naming them", () => {
    const addon = require(BLAS_ADDON_PATH) as { gemm(...args: unknown[]): void };
    const heap = new ArrayBuffer(64);
    const one = new Int32Array([0]);
    assert.throws(() => addon.gemm(heap, 52, 1, 0, 1, 0, 2, 2, 2, false, false, one, one), /aOffset = 52 must be such that the operand lies inside the wasm heap/);
    assert.throws(() => addon.gemm(heap, 0, 1, 0, 1, 2, 2, 2, 2, false, false, one, one), /outOffset = 2 must be a multiple of 4/);
    const huge = 2 ** 30; // m·n·k overflows 64-bit integers: still caught
    assert.throws(() => addon.gemm(heap, 0, 1, 0, 1, 0, huge, huge, huge, false, false, one, one), /aOffset = 0 must be such that/);
    assert.throws(() => addon.gemm(heap, 0, 1, 0, 1, 0, 2, 2, 2, false, false, new Int32Array([1]), one), /aIndex\[0\] = 1 must be a batch index/);
    assert.throws(() => addon.gemm(heap, 0, 1, 0, 1, 0, -2, 2, 2, false, false, one, one), /m = -2 must be an integer/);
    assert.throws(() => addon.gemm(heap, 0, 1, 0, 1, 0, 2, 2, 2, false, false, [0], one), /aIndex must be an Int32Array/);
    assert.throws(() => addon.gemm(new Float32Array(16), 0, 1, 0, 1, 0, 2, 2, 2, false, false, one, one), /heap must be an ArrayBuffer/);
  });
});
