// The backward pass that frees as it goes (lib/backend/backprop.ts) against tfjs's own: the same gradients bit for
// bit (encoder with LoRA and dropout, decoder with LoRA), no tensor left behind, a lower high-water mark, and
// higher-order gradients still through tfjs's path.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { environmentReport, formatEnvironment, selectBackend } from "../lib/backend/index";
import { eagerBackpropEnabled, installEagerBackprop } from "../lib/backend/backprop";
import { attachAdapter } from "../lib/lora/attach";
import { createModel, makeBatch, modelLogits, preset, SeedSequence, trainableVariables } from "../lib/models/index";
import { taskLoss } from "../lib/train/loss";

/** Runs f on tfjs's own backward pass, then puts the freeing one back. */
function tfjsBackprop<T>(f: () => T): T {
  installEagerBackprop(false);
  try {
    return f();
  } finally {
    installEagerBackprop(true);
  }
}

/**
 * A LoRA step's loss gradients (and the embedding table's, so that the pass runs to the first op of the forward), and
 * the bytes of live tensors when it gets there: tfjs's own pass still holds every gradient and saved tensor then.
 */
function step(name: "encoder-tiny" | "decoder-tiny") {
  const model = createModel(preset(name), { labels: 2, seed: 4 });
  attachAdapter(model, { method: "lora", r: 4, loraAlpha: 8, targetModules: ["query", "value"] }, 6);
  for (const [n, v] of trainableVariables(model)) {
    if (n.endsWith("lora_B.weight")) v.assign(tf.randomNormal(v.shape, 0, 0.05, "float32", 9));
  }
  const embeddings = [...model.tensors.keys()].find((n) => /(embed_tokens|word_embeddings)\.weight$/.test(n))!;
  const table = tf.variable(model.tensors.get(embeddings)!);
  let bytesAtEnd = 0;
  const watch = tf.customGrad(((x: tf.Tensor) => ({
    value: tf.clone(x),
    gradFunc: (dy: tf.Tensor) => {
      bytesAtEnd = tf.memory().numBytes;
      return [dy];
    },
  })) as never) as (x: tf.Tensor) => tf.Tensor;
  const batch = makeBatch([[0, 5, 9, 13, 2], [0, 7, 7, 8, 11, 12, 13, 14, 2]], model.config.padTokenId);
  const labels = tf.tensor1d([1, 0], "int32");
  const xs = [...trainableVariables(model).values(), table];
  return () => {
    const tensors = tf.memory().numTensors;
    const plain = model.tensors.get(embeddings)!;
    const { value, grads } = tf.variableGrads(() => {
      model.tensors.set(embeddings, watch(table));
      return taskLoss(modelLogits(model, batch, { seeds: new SeedSequence(3) }), labels);
    }, xs);
    model.tensors.set(embeddings, plain);
    const out = {
      loss: value.dataSync()[0], bytesAtEnd,
      grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Array.from(g.dataSync())])),
    };
    tf.dispose([value, ...Object.values(grads)]);
    return { ...out, leaked: tf.memory().numTensors - tensors };
  };
}

describe("the freeing backward pass", () => {
  before(async () => {
    await selectBackend();
  });

  for (const name of ["encoder-tiny", "decoder-tiny"] as const) {
    test(`${name}: the same loss and LoRA gradients bit for bit as tfjs's pass, nothing left behind, fewer bytes held`, () => {
      const run = step(name);
      const ours = run();
      const theirs = tfjsBackprop(run);
      assert.equal(ours.loss, theirs.loss);
      assert.deepEqual(Object.keys(ours.grads).sort(), Object.keys(theirs.grads).sort());
      for (const [k, g] of Object.entries(theirs.grads)) assert.deepEqual(ours.grads[k], g, k);
      assert.equal(ours.leaked, 0);
      assert.equal(theirs.leaked, 0);
      assert.ok(ours.bytesAtEnd > 0 && ours.bytesAtEnd < 0.8 * theirs.bytesAtEnd, `${ours.bytesAtEnd} vs ${theirs.bytesAtEnd} bytes`);
    });
  }

  test("a gradient function that returns its dy unchanged for two inputs keeps both gradients alive", () => {
    const both = tf.customGrad(
      ((a: tf.Tensor, b: tf.Tensor) => ({ value: tf.add(a, b), gradFunc: (dy: tf.Tensor) => [dy, dy] })) as never,
    ) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([3, 4]));
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(both(tf.exp(a), tf.square(b)), 2)), [a, b]);
    assert.deepEqual(Array.from(grads[a.name].dataSync()), [2 * Math.fround(Math.E), Math.fround(2 * Math.fround(Math.exp(2)))]);
    assert.deepEqual(Array.from(grads[b.name].dataSync()), [12, 16]);
    tf.dispose([value, ...Object.values(grads), a, b]);
  });

  test("higher-order gradients go through tfjs's own pass: d²/dx² x³ = 6x", () => {
    const second = tf.grad(tf.grad((x: tf.Tensor) => tf.pow(x, 3)));
    assert.deepEqual(Array.from(second(tf.tensor1d([1, 2, -3])).dataSync()), [6, 12, -18]);
  });

  test("the environment report names the backward pass", async () => {
    const text = formatEnvironment(await environmentReport(await selectBackend()));
    assert.match(text, /backward pass +frees each node's saved tensors and gradients as it goes/);
  });

  test("QKV_EAGER_BACKPROP takes 0 or 1 and names a bad value", () => {
    assert.equal(eagerBackpropEnabled({}), true);
    assert.equal(eagerBackpropEnabled({ QKV_EAGER_BACKPROP: "0" }), false);
    assert.throws(() => eagerBackpropEnabled({ QKV_EAGER_BACKPROP: "yes" }), /QKV_EAGER_BACKPROP="yes": use 1/);
  });
});
