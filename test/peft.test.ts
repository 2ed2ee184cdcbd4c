// Adapter files that mean the same in peft (issue 18, parts 3 and 4), checked live against peft and
// transformers (scripts/setup.sh --test installs them into .qkv/python): qkv-lab's adapters load in peft with the
// same logits and no warning, peft's load here with the same logits, for LoRA, DoRA, rsLoRA, rank and alpha
// patterns, layer subsets and regular-expression targets, on RoBERTa, BERT and Llama classifiers; one training
// step's gradients; LoRA+'s groups as create_loraplus_optimizer builds them; DoRA under dropout as peft computes it.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/backend/index";
import { AdapterFields, adaptedModules, applyLinear, attachAdapter, countParameters, loadAdapter, saveAdapter } from "../lib/lora/index";
import { parameterGroups } from "../lib/train/index";
import { createModel, disposeBatch, disposeModel, makeBatch, Model, modelLogits, preset, saveModel, trainableVariables } from "../lib/models/index";
import { pythonProblem, runReference } from "./helpers/hf";
import { tempDir } from "./helpers/notebooks";
import { lossAndGrads, relativeError, values } from "./helpers/torch";

const skip = pythonProblem("peft", "transformers") || false;

before(async () => {
  await selectBackend();
});

type Arch = "encoder-tiny" | "bert-tiny" | "decoder-tiny";
/** Rows per architecture: RoBERTa's <s> 0 … </s> 2 with pad 1; BERT's [CLS] 2 … [SEP] 3 with types; Llama without padding. */
const ROWS: Record<Arch, { ids: number[][]; types?: number[][]; pad: number }> = {
  "encoder-tiny": { ids: [[0, 5, 9, 12, 2], [0, 33, 2]], pad: 1 },
  "bert-tiny": { ids: [[2, 5, 9, 12, 3, 7, 3], [2, 33, 4, 3]], types: [[0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0]], pad: 0 },
  "decoder-tiny": { ids: [[5, 9, 12, 7, 8], [33, 4, 21, 40, 11]], pad: 0 },
};

function inputs(arch: Arch) {
  const { ids, types, pad } = ROWS[arch];
  const T = Math.max(...ids.map((r) => r.length));
  const fill = (r: number[], v: number) => [...r, ...Array(T - r.length).fill(v)];
  return {
    input_ids: ids.map((r) => fill(r, pad)), attention_mask: ids.map((r) => fill(r.map(() => 1), 0)),
    token_type_ids: types ? types.map((t) => fill(t, 0)) : null,
  };
}

function logitsOf(model: Model, arch: Arch): number[] {
  const { ids, types, pad } = ROWS[arch];
  const batch = makeBatch(ids, pad, undefined, types);
  const out = values(modelLogits(model, batch));
  disposeBatch(batch);
  return out;
}

/** Non-zero adapter factors and magnitudes, so the adapter changes the function. */
function perturb(model: Model, seed: number): void {
  let i = 0;
  for (const [name, v] of trainableVariables(model)) {
    if (/lora_|magnitude/.test(name)) v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.1, "float32", seed + i++))));
  }
}

/** The adapter options each case exercises (peft's vocabulary, as an adapter_config.json or a run config writes them). */
const OPTIONS: { label: string; arch: Arch; fields: AdapterFields }[] = [
  { label: "LoRA on q, v", arch: "encoder-tiny", fields: { r: 4, lora_alpha: 8, target_modules: ["query", "value"] } },
  { label: "DoRA on q, k, v, o", arch: "bert-tiny", fields: { method: "dora", r: 2, lora_alpha: 4, target_modules: ["query", "key", "value", "attention.output.dense"] } },
  { label: "rsLoRA with rank and alpha patterns", arch: "encoder-tiny", fields: { r: 4, lora_alpha: 8, use_rslora: true, target_modules: ["query", "key", "value"], rank_pattern: { value: 2 }, alpha_pattern: { key: 3 } } },
  { label: "layers_to_transform [1]", arch: "decoder-tiny", fields: { r: 2, lora_alpha: 4, target_modules: ["q_proj", "v_proj"], layers_to_transform: [1] } },
  { label: "a regular expression over module names", arch: "encoder-tiny", fields: { r: 2, lora_alpha: 2, peft_type: "LORA", target_modules: ".*layer\\.0\\.attention\\.self\\.(query|value)" } },
  { label: "DoRA with rsLoRA and a layer subset on Llama", arch: "decoder-tiny", fields: { method: "dora", r: 2, lora_alpha: 4, use_rslora: true, target_modules: ["k_proj", "o_proj"], layers_to_transform: [0] } },
];

describe("adapter files read the same in peft (issue 18, part 3)", { skip }, () => {
  test("qkv-lab → peft (AutoPeftModel, from the file's base_model_name_or_path): same logits, no warning; peft → qkv-lab: same logits; every option", () => {
    const cases: Record<string, unknown>[] = [];
    const ours: { logits: number[]; model: Model; arch: Arch; fields: AdapterFields; out: string; label: string }[] = [];
    for (const [i, o] of OPTIONS.entries()) {
      const dir = tempDir("peft");
      const model = createModel(preset(o.arch), { labels: 2, seed: 10 + i, init: "fan-in" });
      saveModel(model, path.join(dir, "model"));
      attachAdapter(model, o.fields, 20 + i);
      perturb(model, 30 + i);
      saveAdapter(model, path.join(dir, "adapter"), { baseModel: path.join(dir, "model") });
      const shared = { model_dir: path.join(dir, "model"), labels: 2, ...inputs(o.arch) };
      cases.push({ op: "to_peft", auto: true, adapter_dir: path.join(dir, "adapter"), ...shared });
      const { peft_type: _type, method, ...config } = o.fields as Record<string, unknown>;
      cases.push({ op: "from_peft", config: { ...config, use_dora: method === "dora" }, seed: 40 + i, out_dir: path.join(dir, "from-peft"), ...shared });
      ours.push({ logits: logitsOf(model, o.arch), model, arch: o.arch, fields: o.fields, out: path.join(dir, "from-peft"), label: o.label });
    }
    const { results, versions } = runReference<{ results: { logits: number[]; warnings: string[]; shapes?: Record<string, number[]> }[]; versions: Record<string, string> }>("hf_peft.py", cases);
    for (const [i, o] of ours.entries()) {
      const toPeft = results[2 * i];
      const fromPeft = results[2 * i + 1];
      assert.ok(relativeError(toPeft.logits, o.logits) < 1e-5, `${o.label}: peft ${versions.peft} reads our adapter with logits off by ${relativeError(toPeft.logits, o.logits)}`);
      assert.deepEqual(toPeft.warnings, [], `${o.label}: peft warned`);
      const fresh = createModel(preset(o.arch), { labels: 2, seed: 10 + i, init: "fan-in" });
      loadAdapter(fresh, o.out);
      assert.ok(relativeError(logitsOf(fresh, o.arch), fromPeft.logits) < 1e-5, `${o.label}: peft's adapter read here with logits off by ${relativeError(logitsOf(fresh, o.arch), fromPeft.logits)}`);
      // The same tensors, by name and shape, as peft's model holds.
      const mine = Object.fromEntries([...trainableVariables(fresh)].map(([n, v]) => [n, v.shape]));
      assert.deepEqual(mine, fromPeft.shapes, `${o.label}: trained tensors`);
      const counted = countParameters(fresh.config, fresh.adapter!, { labels: 2 });
      assert.equal(counted.trainable, Object.values(mine).reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0), `${o.label}: countParameters`);
      [o.model, fresh].forEach(disposeModel);
    }
  });

  test("one training step's gradients equal peft's (rsLoRA with patterns, DoRA on BERT)", () => {
    const cases: Record<string, unknown>[] = [];
    const ours: { grads: Map<string, number[]>; label: string }[] = [];
    for (const i of [1, 2]) {
      const o = OPTIONS[i];
      const dir = tempDir("peft-grad");
      const model = createModel(preset(o.arch), { labels: 2, seed: 50 + i, init: "fan-in" });
      saveModel(model, path.join(dir, "model"));
      attachAdapter(model, o.fields, 60 + i);
      perturb(model, 70 + i);
      saveAdapter(model, path.join(dir, "adapter"));
      const targets = [1, 0];
      cases.push({ op: "to_peft", adapter_dir: path.join(dir, "adapter"), model_dir: path.join(dir, "model"), labels: 2, targets, ...inputs(o.arch) });
      ours.push({ grads: lossAndGrads(model, ROWS[o.arch].ids, targets, ROWS[o.arch].types).grads, label: o.label });
      disposeModel(model);
    }
    const { results } = runReference<{ results: { grads: Record<string, number[]> }[] }>("hf_peft.py", cases);
    for (const [i, o] of ours.entries()) {
      const theirs = results[i].grads;
      assert.deepEqual([...o.grads.keys()].sort(), Object.keys(theirs).sort(), `${o.label}: the trained tensors`);
      for (const [name, g] of o.grads) assert.ok(relativeError(g, theirs[name]) < 1e-4, `${o.label}: ${name} off by ${relativeError(g, theirs[name])}`);
    }
  });

  test("LoRA+ groups (learning rate and weight decay per tensor) equal create_loraplus_optimizer's, DoRA magnitudes decayed", () => {
    const dir = tempDir("peft-loraplus");
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 3 });
    saveModel(model, path.join(dir, "model"));
    attachAdapter(model, { method: "dora", r: 2, targetModules: ["query", "value"] }, 4);
    saveAdapter(model, path.join(dir, "adapter"));
    const { results } = runReference<{ results: { groups: { names: string[]; lr: number; weight_decay: number }[] }[] }>("hf_peft.py", [
      { op: "loraplus", adapter_dir: path.join(dir, "adapter"), model_dir: path.join(dir, "model"), labels: 2, lr: 1e-3, ratio: 16, weight_decay: 0.01 },
    ]);
    const byName = (groups: { names: string[]; lr: number; weightDecay: number }[]) =>
      Object.fromEntries(groups.flatMap((g) => g.names.map((n) => [n, [g.lr, g.weightDecay]])));
    const mine = byName(parameterGroups(trainableVariables(model), { etaQK: 1e-3, ratio: 16, grouping: "loraplus", weightDecay: 0.01 }));
    const theirs = byName(results[0].groups.map((g) => ({ names: g.names, lr: g.lr, weightDecay: g.weight_decay })));
    assert.deepEqual(mine, theirs);
    assert.deepEqual(mine["roberta.encoder.layer.0.attention.self.value.lora_magnitude_vector"], [1.6e-2, 0.01]);
    disposeModel(model);
  });

  test("DoRA under lora_dropout computes what peft's layer computes for the same mask", () => {
    const [dIn, dOut, r, alpha, n, p] = [6, 5, 2, 4, 3, 0.5];
    const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 0.5, "float32", seed);
    const parts = { weight: rand([dOut, dIn], 1) as tf.Tensor2D, bias: rand([dOut], 2) as tf.Tensor1D, loraA: rand([r, dIn], 3) as tf.Tensor2D, loraB: rand([dOut, r], 4) as tf.Tensor2D, magnitude: tf.abs(rand([dOut], 5)) as tf.Tensor1D };
    const x = rand([n, dIn], 6) as tf.Tensor2D;
    // The mask tf.dropout draws for this seed, found by dropping a tensor of ones.
    const seed = 7;
    const mask = tf.dropout(tf.onesLike(x), p, undefined, seed);
    const options = { scaling: alpha / r, dropout: p, seed, detachNorm: true };
    const y = values(applyLinear(x, parts, options));
    const input = applyLinear(x, parts, { ...options, doraDropout: "input" });
    const { results } = runReference<{ results: { y: number[] }[] }>("hf_peft.py", [{
      op: "dora_dropout", d_in: dIn, d_out: dOut, r, alpha, weight: parts.weight.arraySync(), bias: values(parts.bias), A: parts.loraA.arraySync(), B: parts.loraB.arraySync(),
      magnitude: values(parts.magnitude), x: x.arraySync(), mask: mask.arraySync(),
    }]);
    assert.ok(relativeError(y, results[0].y) < 1e-5, `peft's DoRA dropout: off by ${relativeError(y, results[0].y)}`);
    assert.ok(relativeError(values(input), results[0].y) > 1e-3, "the input-only variant differs (the test can fail)");
  });
});

describe("adapter files without peft (issue 18, part 3)", () => {
  test("adapter_config.json holds peft's fields only; qkv-lab's own go beside it; a model card is written; full fine-tuning is refused, naming --save-model", () => {
    const dir = tempDir("peft-files");
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 3 });
    attachAdapter(model, { method: "dora", r: 2, targetModules: ["query", "value"], detachNorm: false, rankPattern: { value: 1 } }, 4);
    saveAdapter(model, dir, { baseModel: "roberta-base" });
    const config = JSON.parse(fs.readFileSync(path.join(dir, "adapter_config.json"), "utf8"));
    assert.equal(config.base_model_name_or_path, "roberta-base");
    assert.equal(config.inference_mode, true);
    assert.deepEqual(config.rank_pattern, { value: 1 });
    for (const own of ["method", "detach_norm", "exclude_modules"]) assert.ok(!(own in config), `${own} in adapter_config.json`);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "qkv_adapter.json"), "utf8")), { method: "dora", detach_norm: false, dora_dropout: "peft", peft_version: "0.13.2" });
    assert.match(fs.readFileSync(path.join(dir, "README.md"), "utf8"), /base_model: "roberta-base"[\s\S]*PeftModel\.from_pretrained/);
    const fresh = createModel(preset("encoder-tiny"), { labels: 2, seed: 3 });
    assert.deepEqual(loadAdapter(fresh, dir), model.adapter);
    [model, fresh].forEach(disposeModel);
    const full = createModel(preset("encoder-tiny"), { labels: 2, seed: 3 });
    attachAdapter(full, { method: "full", targetModules: ["query"] }, 4);
    assert.throws(() => saveAdapter(full, tempDir("peft-full")), /no adapter to save: save the model folder instead.*--save-model DIR/);
    disposeModel(full);
  });

  test("patterns resolve per module as peft resolves them; a regular expression reaching past attention is refused by name", () => {
    const config = preset("encoder-tiny");
    const modules = adaptedModules({ method: "lora", r: 4, loraAlpha: 8, loraDropout: 0, targetModules: ["query", "value"], detachNorm: true, useRslora: true, rankPattern: { "layer.1.attention.self.value": 2 }, excludeModules: ["roberta.encoder.layer.0.attention.self.query"] }, config);
    assert.deepEqual(modules.map((m) => [m.name.replace("roberta.encoder.", ""), m.r, m.scaling]), [
      ["layer.0.attention.self.value", 4, 8 / 2], ["layer.1.attention.self.query", 4, 8 / 2], ["layer.1.attention.self.value", 2, 8 / Math.SQRT2],
    ]);
    const model = createModel(config, { labels: 2, seed: 0 });
    assert.throws(() => attachAdapter(model, { targetRegex: ".*layer\\.0\\..*dense" }, 0), /also matches roberta\.encoder\.layer\.0\.attention\.output\.dense|also matches roberta\.encoder\.layer\.0\.(intermediate|output)\.dense/);
    assert.throws(() => attachAdapter(model, { targetModules: ["query"], layersToTransform: [5] }, 0), /layers_to_transform names layer 5, but the model has layers 0-1/);
    disposeModel(model);
  });
});
