// The encoder and decoder, forward and backward, against an independent PyTorch implementation in float64
// (test/reference/torch_models.py) on the same weights, for LoRA, DoRA and full fine-tuning.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/backend/index";
import { attachAdapter } from "../lib/lora/attach";
import { QKV_SUBSETS, targetLabel } from "../lib/lora/targets";
import { createModel, disposeBatch, makeBatch, Model, ModelConfig, modelLogits, preset, tensorShapes, trainableVariables } from "../lib/models/index";
import { backboneParameterCount, headParameterCount } from "../lib/models/count";
import { lossAndGrads, relativeError, torchProblem, torchReference, values } from "./helpers/torch";

const skipTorch = torchProblem();

before(async () => {
  await selectBackend();
});

/** Gives every adapter factor non-zero values so that every gradient path carries signal. */
function perturbAdapters(model: Model, seed: number): void {
  let i = 0;
  for (const [name, v] of trainableVariables(model)) {
    if (name.endsWith("lora_B.weight") || name.endsWith("lora_magnitude_vector")) {
      v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.05, "float32", seed + i++))));
    }
  }
}

const ROWS = [[0, 5, 9, 12, 7, 2], [0, 33, 4, 2], [0, 17, 60, 21, 40, 11, 2]];

const CASES: { model: "encoder-tiny" | "decoder-tiny"; method: "lora" | "dora" | "full"; targets: string[]; detachNorm?: boolean; labels: number; llama3Rope?: boolean }[] = [
  { model: "encoder-tiny", method: "lora", targets: ["query", "key", "value", "output"], labels: 3 },
  { model: "encoder-tiny", method: "dora", targets: ["query", "value"], labels: 2, detachNorm: false },
  { model: "encoder-tiny", method: "dora", targets: ["key"], labels: 2, detachNorm: true },
  { model: "encoder-tiny", method: "full", targets: ["query", "value"], labels: 1 },
  { model: "decoder-tiny", method: "lora", targets: ["query", "key", "value", "output"], labels: 3 },
  { model: "decoder-tiny", method: "dora", targets: ["query", "value"], labels: 2, detachNorm: false },
  { model: "decoder-tiny", method: "full", targets: ["key", "output"], labels: 1, llama3Rope: true },
];

describe("models against PyTorch (float64 reference, 1e-4 relative)", { skip: skipTorch || false }, () => {
  for (const c of CASES) {
    test(`${c.model} ${c.method} on ${c.targets.join("+")}${c.detachNorm === undefined ? "" : `, detachNorm ${c.detachNorm}`}${c.llama3Rope ? ", Llama 3.1 RoPE scaling" : ""}, ${c.labels} label(s)`, () => {
      // A short original context so that both the interpolated and the divided frequency bands are used.
      const rope = c.llama3Rope ? { ropeTheta: 10000, ropeScaling: { factor: 4, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 } } : {};
      const model = createModel({ ...preset(c.model), ...rope } as ModelConfig, { labels: c.labels, seed: 3 });
      attachAdapter(model, { method: c.method, r: 4, loraAlpha: 8, targetModules: c.targets, detachNorm: c.detachNorm ?? true }, 5);
      perturbAdapters(model, 11);
      const targets = c.labels === 1 ? [0.3, -1.2, 2.0] : [0, c.labels - 1, 1];
      const ours = lossAndGrads(model, ROWS, targets);
      const [ref] = torchReference([{ model, rows: ROWS, targets, trainable: [...trainableVariables(model).keys()] }]);
      assert.ok(Math.abs(ours.loss - ref.loss) / Math.abs(ref.loss) < 1e-4, `loss ${ours.loss} vs ${ref.loss}`);
      assert.ok(relativeError(ours.logits, ref.logits) < 1e-4, `logits ${ours.logits} vs ${ref.logits}`);
      for (const [name, g] of ours.grads) {
        const err = relativeError(g, ref.grads[name]);
        assert.ok(err < 1e-4, `gradient of ${name}: relative error ${err.toExponential(2)}`);
      }
      for (const t of model.tensors.values()) t.dispose();
    });
  }
});

// Every non-empty subset of {W_q, W_k, W_v}, LoRA and DoRA (exact norm gradient): our float32 gradient's
// derivative along a random direction against a float64 central difference of the same loss.
describe("attention-block gradients against finite differences (float64)", { skip: skipTorch || false }, () => {
  test("7 target subsets × {LoRA, DoRA}, one-layer encoder", () => {
    const config = { ...preset("encoder-tiny"), numLayers: 1 };
    const cases: { label: string; model: Model; ours: number; scale: number }[] = [];
    const torchCases = [];
    let seed = 20;
    for (const method of ["lora", "dora"] as const) {
      for (const targets of QKV_SUBSETS) {
        // Fan-in-scaled weights: attention far from uniform, so every adapted matrix, W_k included, moves the loss.
        const model = createModel(config, { labels: 2, seed: seed++, init: "fan-in" });
        attachAdapter(model, { method, r: 3, loraAlpha: 6, targetModules: targets, detachNorm: false }, seed++);
        perturbAdapters(model, seed++);
        // Differentiate the adapter only (the head's gradient is covered above).
        const adapterNames = [...trainableVariables(model).keys()].filter((n) => /lora_/.test(n));
        const direction: Record<string, number[]> = {};
        adapterNames.forEach((n, i) => (direction[n] = values(tf.randomNormal(model.tensors.get(n)!.shape, 0, 1, "float32", seed + i))));
        const { grads } = lossAndGrads(model, ROWS, [1, 0, 1]);
        // ours = Σ g·d, and scale = Σ|g·d|, the size of its terms. Where they cancel (DoRA on W_q: a sum 1,500× smaller
        // than its terms), float32 rounding of the terms, which differs between CPUs, is the whole error; a wrong
        // gradient is off by the terms.
        let ours = 0;
        let scale = 0;
        for (const n of adapterNames) {
          grads.get(n)!.forEach((g, j) => {
            ours += g * direction[n][j];
            scale += Math.abs(g * direction[n][j]);
          });
        }
        cases.push({ label: `${method} ${targetLabel(targets)}`, model, ours, scale });
        torchCases.push({ model, rows: ROWS, targets: [1, 0, 1], trainable: adapterNames, direction, eps: 1e-5 });
      }
    }
    const refs = torchReference(torchCases);
    cases.forEach(({ label, model, ours, scale }, i) => {
      const fd = refs[i].fd!;
      assert.ok(Math.abs(fd) > 1e-4, `${label}: the direction carries signal (${fd})`);
      assert.ok(Math.abs(ours - fd) < 1e-4 * Math.abs(fd) + 1e-6 * scale, `${label}: directional derivative ${ours} vs finite difference ${fd} (terms ${scale.toFixed(3)})`);
      for (const t of model.tensors.values()) t.dispose();
    });
  });
});

describe("model structure", () => {
  test("instantiated tensors add up to the counted backbone and head", () => {
    for (const name of ["encoder-tiny", "decoder-tiny"] as const) {
      const config = preset(name);
      let total = 0;
      for (const shape of tensorShapes(config, 3).values()) total += shape.reduce((a, b) => a * b, 1);
      assert.equal(total, backboneParameterCount(config) + headParameterCount(config, 3), name);
    }
  });

  test("an attached adapter leaves the function unchanged (B = 0) and its trainables match the count", () => {
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 1 });
    const batch = makeBatch(ROWS, 1);
    const before = values(modelLogits(model, batch));
    attachAdapter(model, { method: "dora", r: 2, targetModules: ["query", "value"] }, 2);
    const after = values(modelLogits(model, batch));
    assert.ok(relativeError(after, before) < 1e-6);
    const d = 16;
    const expected = 2 * 2 * (2 * (d + d) + d) + headParameterCount(model.config, 2);
    assert.equal([...trainableVariables(model).values()].reduce((n, v) => n + v.size, 0), expected);
    disposeBatch(batch);
  });
});
