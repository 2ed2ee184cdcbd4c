// lib/backend/wasm-aliasing: clone() and same-dtype casts share data on wasm instead of copying it, and
// nothing observable changes: values survive disposing the original, variables rebind on assign, gradients
// agree with the copying kernels.
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
