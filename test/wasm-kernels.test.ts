// The project's JS kernels for tfjs-wasm. wasm-aliasing: clone() and same-dtype casts share data instead of
// copying it, and nothing observable changes (values survive disposing the original, variables rebind on
// assign, gradients agree with the copying kernels). wasm-segment-sum: gather's gradient, by hand and vs cpu.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/backend/index";
import { installWasmAliasing, uninstallWasmAliasing } from "../lib/backend/wasm-aliasing";

before(async () => {
  await selectBackend({ override: "wasm" });
});

describe("wasm aliasing", () => {
  test("a clone shares the data, outlives the original and is unaffected by a variable's assign", () => {
    const x = tf.tensor([1, 2, 3]);
    const y = tf.clone(x);
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
    const v = tf.variable(tf.tensor([4, 5]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor([6, 7]));
    assert.deepEqual(Array.from(snapshot.dataSync()), [4, 5]);
    assert.deepEqual(Array.from(v.dataSync()), [6, 7]);
    const same = tf.cast(snapshot, "float32");
    snapshot.dispose();
    assert.deepEqual(Array.from(same.dataSync()), [4, 5]);
    assert.deepEqual(Array.from(tf.cast(tf.tensor([1.7, -2.2]), "int32").dataSync()), [1, -2]);
    tf.dispose([y, v, same]);
  });

  test("gradients of a chain are the same with and without aliasing, and nothing leaks", () => {
    const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.erf(tf.mul(x, 0.7)), tf.add(tf.square(x), tf.cast(x, "float32"))));
    const x = tf.randomNormal([64, 32], 0, 1, "float32", 3);
    const run = () => {
      const before = tf.memory().numTensors;
      const g = tf.grad(f)(x);
      const out = Array.from(g.dataSync());
      g.dispose();
      assert.equal(tf.memory().numTensors, before, "no tensor leaked");
      return out;
    };
    const aliased = run();
    uninstallWasmAliasing();
    const copied = run();
    installWasmAliasing();
    assert.deepEqual(aliased, copied);
    x.dispose();
  });
});

describe("wasm UnsortedSegmentSum (gather's gradient)", () => {
  test("an embedding table's gradient on wasm equals the cpu backend's, repeated ids summed", async () => {
    const table = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 0, 1]];
    const ids = [2, 0, 2, 3, 2];
    const weights = [[1, -1, 2], [0.5, 0.5, 0.5], [3, 0, -2], [1, 1, 1], [-1, 2, 0]];
    const gradOn = async (backend: string) => {
      await tf.setBackend(backend);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(ids, "int32")), tf.tensor2d(weights))))(tf.tensor2d(table));
      return g.arraySync();
    };
    const cpu = await gradOn("cpu");
    const wasm = await gradOn("wasm");
    assert.deepEqual(wasm, cpu);
    // by hand: row 2 collects weights 0, 2 and 4; row 1 none
    assert.deepEqual(wasm, [[0.5, 0.5, 0.5], [0, 0, 0], [3, 1, 0], [1, 1, 1]]);
    const direct = tf.unsortedSegmentSum(tf.tensor2d([[1, 1], [2, 2], [3, 3]]), tf.tensor1d([1, -1, 1], "int32"), 3);
    assert.deepEqual(direct.arraySync(), [[0, 0], [4, 4], [0, 0]]);
  });
});
