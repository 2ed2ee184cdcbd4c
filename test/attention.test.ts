// The fused attention kernel (native/blas.c via lib/backend/attention.ts) on the wasm backend, against a float64
// reference computed here from the definition and against tfjs's composite (the kernel uninstalled): values,
// the gradients of q, k and v, dropout's multiplier drawn as tf.dropout draws it, both layouts, both bias shapes,
// and a whole model's logits and LoRA gradients. PyTorch checks the model with the kernel on in models.test.ts.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { environmentReport, formatEnvironment, selectBackend } from "../lib/backend/index";
import {
  AttentionError, attentionStatus, dropoutMultiplier, fusedAttention, fusedAttentionActive, installAttentionKernels,
  uninstallAttentionKernels,
} from "../lib/backend/attention";
import { BLAS_ADDON_PATH } from "../lib/backend/blas";
import { attachAdapter } from "../lib/lora/attach";
import { createModel, makeBatch, modelLogits, preset, SeedSequence, trainableVariables } from "../lib/models/index";
import { attention, selfAttention } from "../lib/models/layers";
import { taskLoss } from "../lib/train/loss";

const skip = fs.existsSync(BLAS_ADDON_PATH) ? false : `${BLAS_ADDON_PATH} is not built: run scripts/build-native.sh`;

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Runs f with the fused kernel off (tfjs's composite), then puts it back. */
function composite<T>(f: () => T): T {
  uninstallAttentionKernels();
  try {
    return f();
  } finally {
    installAttentionKernels();
  }
}

/** softmax(q kᵀ/√dh + bias) v per (b, h) in float64, q [B,H,Tq,dh], k, v [B,H,Tk,dh], bias [Bb,1,Rb,Tk]. */
function reference(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor4D): Float64Array {
  const [B, H, Tq, dh] = q.shape;
  const Tk = k.shape[2];
  const [qd, kd, vd, bd] = [q, k, v, bias].map((t) => t.dataSync());
  const out = new Float64Array(B * H * Tq * dh);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < Tq; i++) {
    const s = new Float64Array(Tk);
    for (let j = 0; j < Tk; j++) {
      let dot = 0;
      for (let c = 0; c < dh; c++) dot += qd[((b * H + h) * Tq + i) * dh + c] * kd[((b * H + h) * Tk + j) * dh + c];
      const bb = bias.shape[0] === 1 ? 0 : b;
      const bi = bias.shape[2] === 1 ? 0 : i;
      s[j] = dot / Math.sqrt(dh) + bd[(bb * bias.shape[2] + bi) * Tk + j];
    }
    const max = Math.max(...s);
    const e = s.map((x) => Math.exp(x - max));
    const sum = e.reduce((a, x) => a + x, 0);
    for (let c = 0; c < dh; c++) {
      let acc = 0;
      for (let j = 0; j < Tk; j++) acc += (e[j] / sum) * vd[((b * H + h) * Tk + j) * dh + c];
      out[((b * H + h) * Tq + i) * dh + c] = acc;
    }
  }
  return out;
}

describe("fused attention (wasm + OpenBLAS addon)", { skip }, () => {
  let choice: Awaited<ReturnType<typeof selectBackend>>;
  before(async () => {
    choice = await selectBackend({ override: "wasm" });
    assert.ok(fusedAttentionActive(), "the attention kernel is installed with the OpenBLAS kernel");
  });

  test("matches the float64 definition, heads layout, Tq ≠ Tk, a full [B, 1, Tq, Tk] bias", () => {
    const [B, H, Tq, Tk, dh] = [2, 3, 5, 7, 4];
    const q = tf.randomNormal([B, H, Tq, dh], 0, 1, "float32", 1) as tf.Tensor4D;
    const k = tf.randomNormal([B, H, Tk, dh], 0, 1, "float32", 2) as tf.Tensor4D;
    const v = tf.randomNormal([B, H, Tk, dh], 0, 1, "float32", 3) as tf.Tensor4D;
    const bias = tf.mul(tf.greater(tf.randomUniform([B, 1, Tq, Tk], 0, 1, "float32", 4), 0.7), -1e9) as tf.Tensor4D;
    const ours = fusedAttention(q, k, v, bias, null, { layout: "heads" }).dataSync();
    const ref = reference(q, k, v, bias);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ours[i] - ref[i]));
    assert.ok(worst < 2e-6, `max |fused − float64| = ${worst}`);
  });

  for (const dropout of [0, 0.3]) {
    test(`self-attention in token layout equals tfjs's composite, values and gradients (dropout ${dropout})`, () => {
      const [B, T, H, dh] = [3, 6, 2, 8];
      const x = [1, 2, 3].map((s) => tf.randomNormal([B * T, H * dh], 0, 1, "float32", s) as tf.Tensor2D);
      const mask = tf.tensor2d([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0]]);
      const bias = tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [B, 1, 1, T]);
      const run = () => {
        const options = { seeds: dropout > 0 ? new SeedSequence(7) : undefined };
        const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
          tf.sum(tf.mul(selfAttention(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, B, T, H, bias, dropout,
            options), tf.range(0, B * T * H * dh).reshape([B * T, H * dh]).div(100)));
        const out = selfAttention(x[0], x[1], x[2], B, T, H, bias, dropout, { seeds: dropout > 0 ? new SeedSequence(7) : undefined });
        return { out, grads: tf.grads(f)(x) };
      };
      const fused = run();
      const plain = composite(run);
      assert.ok(maxAbsDiff(fused.out, plain.out) < 1e-5, `values differ by ${maxAbsDiff(fused.out, plain.out)}`);
      fused.grads.forEach((g, i) => {
        const d = maxAbsDiff(g, plain.grads[i]);
        assert.ok(d < 1e-4, `gradient ${"qkv"[i]} differs by ${d}`);
      });
    });
  }

  test("dropout's multiplier is tf.dropout's, draw for draw", () => {
    const x = tf.ones([4, 50]);
    const ours = dropoutMultiplier([4, 50], 0.25, 11);
    assert.equal(maxAbsDiff(tf.dropout(x, 0.25, undefined, 11), ours), 0);
  });

  test("a model's logits and LoRA gradients equal the composite path's (encoder, attention dropout on)", () => {
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 3 });
    attachAdapter(model, { method: "lora", r: 4, loraAlpha: 8, targetModules: ["query", "value"] }, 5);
    for (const [name, v] of trainableVariables(model)) {
      if (name.endsWith("lora_B.weight")) v.assign(tf.randomNormal(v.shape, 0, 0.05, "float32", 9));
    }
    const batch = makeBatch([[0, 5, 9, 13, 2], [0, 7, 7, 8, 11, 12, 2]], model.config.padTokenId);
    const labels = tf.tensor1d([1, 0], "int32");
    const run = () => {
      const vars = [...trainableVariables(model).values()];
      const { value, grads } = tf.variableGrads(
        () => taskLoss(modelLogits(model, batch, { seeds: new SeedSequence(3) }), labels), vars,
      );
      return { value: value.dataSync()[0], grads, logits: modelLogits(model, batch, {}) };
    };
    const fused = run();
    const plain = composite(run);
    assert.ok(Math.abs(fused.value - plain.value) < 1e-5, `loss ${fused.value} vs ${plain.value}`);
    assert.ok(maxAbsDiff(fused.logits, plain.logits) < 1e-5);
    for (const name of Object.keys(plain.grads)) {
      const d = maxAbsDiff(fused.grads[name], plain.grads[name]);
      assert.ok(d < 1e-5, `${name}: gradients differ by ${d}`);
    }
  });

  test("the composite path is what runs once the kernel is uninstalled", () => {
    composite(() => assert.equal(fusedAttentionActive(), false));
    assert.equal(fusedAttentionActive(), true);
  });

  test("bad shapes are refused by name", () => {
    const q = tf.zeros([2, 2, 3, 4]) as tf.Tensor4D;
    assert.throws(() => fusedAttention(q, q, q, tf.zeros([2, 1, 2, 3]), null, { layout: "heads" }),
      (err: Error) => err instanceof AttentionError && /bias has shape \[2,1,2,3\]/.test(err.message));
    assert.throws(() => fusedAttention(tf.zeros([6, 8]), tf.zeros([6, 8]), tf.zeros([6, 8]), tf.zeros([4, 1, 1, 3]),
      null, { layout: "tokens", batch: 4, heads: 2 }), /B = 4 and H = 2/);
    assert.throws(() => fusedAttention(q, q, q, tf.zeros([2, 1, 3, 3]), tf.zeros([2, 2, 3, 2]), { layout: "heads" }),
      /keep has shape \[2,2,3,2\]; it must be \[2, 2, 3, 3\]/);
    assert.equal(attention(q, q, q, tf.zeros([2, 1, 3, 3]), 0, {}).shape.join(), "2,2,3,4");
  });

  test("QKV_FUSED_ATTENTION=0 turns it off and says so; a typo is an error; the environment report names it", async () => {
    assert.equal(installAttentionKernels({ QKV_FUSED_ATTENTION: "0" }), false);
    assert.equal(fusedAttentionActive(), false);
    assert.match(formatEnvironment(await environmentReport(choice)), /fused attention +off: disabled by QKV_FUSED_ATTENTION=0/);
    assert.equal(installAttentionKernels({ QKV_FUSED: "0" }), false);
    assert.match(attentionStatus().reason, /QKV_FUSED=0/);
    assert.throws(() => installAttentionKernels({ QKV_FUSED_ATTENTION: "no" }),
      (err: Error) => err instanceof AttentionError && /QKV_FUSED_ATTENTION="no" must be 0 \(off\) or 1/.test(err.message));
    assert.equal(installAttentionKernels({}), true);
    assert.equal((await environmentReport(choice)).fusedAttention?.active, true);
  });
});
