// Checkpoints with Hugging Face names (lib/models/checkpoint), peft-style adapters (lib/lora/adapter-io),
// merging, and the errors for bad files and bad adapter settings.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/backend/index";
import { adapterConfig, attachAdapter, loadAdapter, mergeAdapters, saveAdapter, unmergeAdapters } from "../lib/lora/index";
import { configFromHf, configToHf, createModel, disposeBatch, disposeModel, loadModel, makeBatch, Model, modelLogits, preset, saveModel, trainableVariables } from "../lib/models/index";
import { SafetensorsError, writeSafetensors } from "../lib/safetensors/index";
import { Rng } from "../lib/random/index";
import { pythonProblem, runReference } from "./helpers/hf";
import { tempDir } from "./helpers/notebooks";
import { relativeError, values } from "./helpers/torch";

before(async () => {
  await selectBackend();
});

const ROWS = [[0, 5, 9, 12, 2], [0, 33, 2]];
const logitsOf = (model: Model) => {
  const batch = makeBatch(ROWS, model.config.padTokenId);
  const out = values(modelLogits(model, batch));
  disposeBatch(batch);
  return out;
};

/** Gives adapters non-zero B (and moved magnitudes) so that they change the function. */
function train(model: Model): void {
  let i = 0;
  for (const v of trainableVariables(model).values()) v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.1, "float32", 40 + i++))));
}

describe("model checkpoints", () => {
  for (const name of ["encoder-tiny", "decoder-tiny"] as const) {
    test(`${name}: save and load give the same tensors and outputs`, () => {
      const dir = tempDir("checkpoint");
      const model = createModel(preset(name), { labels: 3, seed: 4 });
      saveModel(model, dir);
      const { model: loaded, initialized, unused } = loadModel(dir);
      assert.deepEqual([initialized, unused], [[], []]);
      assert.equal(loaded.labels, 3);
      assert.deepEqual(loaded.config, model.config);
      for (const [n, t] of model.tensors) assert.deepEqual(values(loaded.tensors.get(n)!), values(t), n);
      assert.deepEqual(logitsOf(loaded), logitsOf(model));
      disposeModel(model);
      disposeModel(loaded);
    });
  }

  test("a pretrained-only checkpoint (RobertaForMaskedLM names) loads with a new head, and says so", () => {
    const dir = tempDir("checkpoint");
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 1 });
    const d = model.config.hiddenSize;
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [n, t] of model.tensors) if (!n.startsWith("classifier.")) tensors.set(n, { shape: t.shape, data: t.dataSync() as Float32Array });
    tensors.set("lm_head.dense.weight", { shape: [d, d], data: new Float32Array(d * d) });
    tensors.set("roberta.pooler.dense.bias", { shape: [d], data: new Float32Array(d) });
    writeSafetensors(path.join(dir, "model.safetensors"), tensors);
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(configToHf(model.config, 2)));
    const { model: loaded, initialized, unused } = loadModel(dir, { labels: 3 });
    assert.deepEqual(initialized.sort(), ["classifier.dense.bias", "classifier.dense.weight", "classifier.out_proj.bias", "classifier.out_proj.weight"]);
    assert.deepEqual(unused.sort(), ["lm_head.dense.weight", "roberta.pooler.dense.bias"]);
    assert.deepEqual(loaded.tensors.get("classifier.out_proj.weight")!.shape, [3, d]);
    disposeModel(model);
    disposeModel(loaded);
  });

  test("roberta-base's and Llama-3.1-8B's config.json map onto the presets", () => {
    const roberta = {
      architectures: ["RobertaForMaskedLM"], attention_probs_dropout_prob: 0.1, bos_token_id: 0, eos_token_id: 2, hidden_act: "gelu",
      hidden_dropout_prob: 0.1, hidden_size: 768, initializer_range: 0.02, intermediate_size: 3072, layer_norm_eps: 1e-5,
      max_position_embeddings: 514, model_type: "roberta", num_attention_heads: 12, num_hidden_layers: 12, pad_token_id: 1,
      type_vocab_size: 1, vocab_size: 50265,
    };
    assert.deepEqual(configFromHf(roberta), preset("roberta-base"));
    const llama = {
      architectures: ["LlamaForCausalLM"], attention_bias: false, bos_token_id: 128000, eos_token_id: 128001, hidden_act: "silu",
      hidden_size: 4096, intermediate_size: 14336, max_position_embeddings: 131072, mlp_bias: false, model_type: "llama",
      num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, rms_norm_eps: 1e-5, rope_theta: 500000.0,
      rope_scaling: { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: "llama3" },
      tie_word_embeddings: false, vocab_size: 128256,
    };
    assert.deepEqual(configFromHf(llama), preset("llama-3.1-8b"));
    assert.throws(() => configFromHf({ ...roberta, model_type: "gpt2" }), /model_type "gpt2" is not supported; use a BERT \("bert"\), RoBERTa/);
    assert.throws(() => configFromHf({ ...roberta, hidden_size: "768" }), /hidden_size must be a number, got "768"/);
    assert.throws(() => configFromHf({ ...roberta, num_attention_heads: 7 }), /hiddenSize 768 is not a multiple of numHeads 7/);
  });

  test("bad checkpoints: a shape that disagrees with config.json, an unknown dtype, a truncated file, no weights", () => {
    const dir = tempDir("checkpoint");
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 1 });
    saveModel(model, dir);
    const file = path.join(dir, "model.safetensors");
    const good = fs.readFileSync(file);
    const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...config, intermediate_size: 48 }));
    assert.throws(() => loadModel(dir), /tensor roberta\.encoder\.layer\.0\.intermediate\.dense\.bias has shape \[32\] but config\.json implies \[48\]/);
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
    const headerLength = Number(good.readBigUInt64LE(0));
    const header = good.subarray(8, 8 + headerLength).toString("utf8").replace('"F32"', '"X32"'); // same length, so the offsets still hold
    fs.writeFileSync(file, Buffer.concat([good.subarray(0, 8), Buffer.from(header), good.subarray(8 + headerLength)]));
    assert.throws(() => loadModel(dir), (e: unknown) => e instanceof SafetensorsError && /unknown dtype "X32"/i.test((e as Error).message));
    fs.writeFileSync(file, good.subarray(0, good.length - 10));
    assert.throws(() => loadModel(dir), SafetensorsError);
    fs.rmSync(file);
    assert.throws(() => loadModel(dir), /no model\.safetensors/);
    disposeModel(model);
  });
});

describe("adapters", () => {
  test("full fine-tuning has no adapter file: saveAdapter refuses and names saveModel, whose folder reproduces the model", () => {
    const dir = tempDir("checkpoint");
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 2 });
    attachAdapter(model, { method: "full", targetModules: ["query", "value"] }, 3);
    train(model);
    assert.throws(() => saveAdapter(model, dir), /no adapter to save: save the model folder instead \(saveModel/);
    saveModel(model, dir);
    const loaded = loadModel(dir, { labels: 2 });
    assert.ok(relativeError(logitsOf(loaded.model), logitsOf(model)) < 1e-6);
    [model, loaded.model].forEach(disposeModel);
  });

  for (const method of ["lora", "dora"] as const) {
    test(`${method}: adapter-only save and load reproduce the fine-tuned model`, () => {
      const dir = tempDir("checkpoint");
      const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 2 });
      attachAdapter(model, { method, r: 4, loraAlpha: 16, targetModules: ["query", "value"] }, 3);
      train(model);
      saveAdapter(model, dir);
      const fresh = createModel(preset("encoder-tiny"), { labels: 2, seed: 2 });
      loadAdapter(fresh, dir);
      assert.deepEqual(fresh.adapter, model.adapter);
      assert.ok(relativeError(logitsOf(fresh), logitsOf(model)) < 1e-6);
      const peft = JSON.parse(fs.readFileSync(path.join(dir, "adapter_config.json"), "utf8"));
      assert.equal(peft.use_dora, method === "dora");
      assert.deepEqual(peft.target_modules, ["query", "value"]);
      disposeModel(model);
      disposeModel(fresh);
    });
  }

  test("an adapter file that does not fit the model is refused, naming the tensor", () => {
    const dir = tempDir("checkpoint");
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 2 });
    attachAdapter(model, { r: 4, targetModules: ["query", "value"] }, 3);
    saveAdapter(model, dir);
    const config = JSON.parse(fs.readFileSync(path.join(dir, "adapter_config.json"), "utf8"));
    fs.writeFileSync(path.join(dir, "adapter_config.json"), JSON.stringify({ ...config, target_modules: ["query"] }));
    assert.throws(() => loadAdapter(createModel(preset("encoder-tiny"), { labels: 2, seed: 2 }), dir), /tensor base_model\.model\.roberta\.encoder\.layer\.0\.attention\.self\.value\.lora_A\.weight is not part of a lora adapter on query/);
    fs.writeFileSync(path.join(dir, "adapter_config.json"), JSON.stringify({ ...config, r: 2 }));
    assert.throws(() => loadAdapter(createModel(preset("encoder-tiny"), { labels: 2, seed: 2 }), dir), /has shape \[4,16\], the model expects \[2,16\]/);
    disposeModel(model);
  });

  test("merge then unmerge: same outputs merged, original weights restored (LoRA and DoRA)", () => {
    for (const method of ["lora", "dora"] as const) {
      const model = createModel(preset("decoder-tiny"), { labels: 2, seed: 5 });
      attachAdapter(model, { method, r: 2, loraAlpha: 4, targetModules: ["query", "key", "value"] }, 6);
      train(model);
      const name = "model.layers.1.self_attn.k_proj.weight";
      const original = values(model.tensors.get(name)!);
      const adapted = logitsOf(model);
      mergeAdapters(model);
      assert.ok(relativeError(logitsOf(model), adapted) < 1e-5, `${method} merged`);
      assert.ok(relativeError(values(model.tensors.get(name)!), original) > 1e-3, "the weight changed");
      unmergeAdapters(model);
      assert.ok(relativeError(values(model.tensors.get(name)!), original) < 1e-6, `${method} unmerged`);
      assert.ok(relativeError(logitsOf(model), adapted) < 1e-5);
      disposeModel(model);
    }
  });

  test("bad adapter settings name the field", () => {
    const model = preset("roberta-base");
    assert.throws(() => adapterConfig({ targetModules: ["query", "keys"] }, model), /unknown target "keys"/);
    assert.throws(() => adapterConfig({ r: 0 }, model), /r must be a positive integer, got 0/);
    assert.throws(() => adapterConfig({ r: 769 }, model), /r = 769 exceeds min\(d_in, d_out\) = 768 of the query matrix/);
    assert.throws(() => adapterConfig({ r: 8, loraAlpha: 0 }, model), /lora_alpha must be a positive finite number, got 0/);
    assert.throws(() => adapterConfig({ r: 8, lora_alpha: -2 }, model), /lora_alpha must be a positive finite number, got -2/);
    assert.throws(() => adapterConfig({ loraDropout: 1 }, model), /lora_dropout must be in \[0, 1\), got 1/);
    assert.throws(() => adapterConfig({ method: "ia3" as never }, model), /method must be one of lora, dora, full, got "ia3"/);
    assert.throws(() => adapterConfig({ targetModules: [] }, model), /target_modules is empty/);
    // Under grouped-query attention the key/value matrices are narrower: 4096×1024 in Llama-3.1-8B.
    assert.throws(() => adapterConfig({ r: 2048, targetModules: ["value"] }, preset("llama-3.1-8b")), /min\(d_in, d_out\) = 1024 of the value matrix \(4096×1024\)/);
  });
});

describe("config.json and the shard index (issue 19, items 11 and 12)", () => {
  /** A saved encoder-tiny (RoBERTa) folder and its config.json as a dict. */
  const saved = (name: string) => {
    const dir = tempDir(name);
    const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 0 });
    saveModel(model, dir);
    disposeModel(model);
    return { dir, file: path.join(dir, "config.json"), json: JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) };
  };
  const refusedWith = (dir: string, pattern: RegExp) =>
    assert.throws(() => loadModel(dir, { labels: 2 }), (err: Error) => ["ConfigError", "CheckpointError"].includes(err.name) && pattern.test(err.message), String(pattern));

  test("bad values are refused by their config.json key", () => {
    const { dir, file, json } = saved("config-values");
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ layer_norm_eps: -1e-5 }, /config\.json: layer_norm_eps must be a positive finite number, got -0\.00001/],
      [{ hidden_dropout_prob: 1.5 }, /config\.json: hidden_dropout_prob must be a probability in \[0, 1\), got 1\.5/],
      [{ attention_probs_dropout_prob: -0.1 }, /attention_probs_dropout_prob must be a probability/],
      [{ pad_token_id: 64 }, /config\.json: pad_token_id must be an integer in \[0, vocabSize 64\), got 64/],
      [{ hidden_size: 16.5 }, /config\.json: hidden_size must be a positive integer, got 16\.5/],
    ];
    for (const [change, pattern] of cases) {
      fs.writeFileSync(file, JSON.stringify({ ...json, ...change }));
      refusedWith(dir, pattern);
    }
  });

  test("a config.json with fewer layers than the checkpoint holds is refused, naming the layers", () => {
    const { dir, file, json } = saved("config-layers");
    fs.writeFileSync(file, JSON.stringify({ ...json, num_hidden_layers: 1 }));
    refusedWith(dir, /holds \d+ tensor\(s\) that config\.json does not describe, e\.g\. roberta\.encoder\.layer\.1\..*layers up to 1 but config\.json's num_hidden_layers is 1/);
  });

  test("model.safetensors.index.json: invalid JSON is named; shards outside the folder are refused, not opened", () => {
    const { dir } = saved("config-index");
    fs.renameSync(path.join(dir, "model.safetensors"), path.join(dir, "shard-1.safetensors"));
    const index = path.join(dir, "model.safetensors.index.json");
    fs.writeFileSync(index, "{ not json");
    refusedWith(dir, /model\.safetensors\.index\.json: not valid JSON/);
    for (const shard of ["../shard-1.safetensors", "/etc/passwd", "sub/shard-1.safetensors"]) {
      fs.writeFileSync(index, JSON.stringify({ weight_map: { "roberta.embeddings.word_embeddings.weight": shard } }));
      refusedWith(dir, new RegExp(`weight_map names shard ${JSON.stringify(shard).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}, which is not a file name in`));
    }
    fs.writeFileSync(index, JSON.stringify({ weight_map: { "roberta.embeddings.word_embeddings.weight": "shard-1.safetensors" } }));
    const loaded = loadModel(dir, { labels: 2 });
    disposeModel(loaded.model);
  });

  test("fuzzed config.json files: every one read means what transformers reads, every refusal names the file and key (acceptance)", { skip: pythonProblem("transformers") || false }, () => {
    const rng = new Rng(11);
    const bases = [configToHf(preset("bert-tiny"), 2), configToHf(preset("encoder-tiny"), 2), configToHf(preset("decoder-tiny"), 2)];
    const odd = [null, "x", -1, 0, 1e308, -1e-5, 1.5, 0.5, true, [], {}, "1e-4", 3, 2 ** 53 + 2];
    const trials: { base: number; key: string; renamed: boolean; config: Record<string, unknown> }[] = [];
    for (let t = 0; t < 600; t++) {
      const base = Math.floor(rng.uniform() * bases.length);
      const config: Record<string, unknown> = JSON.parse(JSON.stringify(bases[base]));
      const keys = Object.keys(config).filter((k) => k !== "model_type" && k !== "architectures" && k !== "id2label");
      const key = keys[Math.floor(rng.uniform() * keys.length)];
      const renamed = rng.uniform() < 0.35;
      if (renamed) {
        config[`${key}_x`] = config[key];
        delete config[key];
      } else config[key] = odd[Math.floor(rng.uniform() * odd.length)];
      trials.push({ base, key, renamed, config });
    }
    const theirs = runReference<Record<string, unknown>[]>("hf_config.py", trials.map((t) => t.config));
    let read = 0;
    for (const [i, t] of trials.entries()) {
      const what = `${t.key}${t.renamed ? " removed" : ` = ${JSON.stringify(t.config[t.key])}`} (${t.config.model_type})`;
      let ours: ReturnType<typeof configFromHf>;
      try {
        ours = configFromHf(t.config, "/m/config.json");
      } catch (err) {
        assert.equal((err as Error).name, "ConfigError", `${what}: ${(err as Error).message}`);
        assert.match((err as Error).message, /^\/m\/config\.json: /, what);
        continue;
      }
      read++;
      const hf = theirs[i];
      assert.equal(hf.error, undefined, `${what}: read here, but transformers refuses it: ${hf.error}`);
      const mine = configToHf(ours, 2);
      for (const key of Object.keys(hf)) {
        if (key in mine && !(key === "pad_token_id" && hf[key] === null)) assert.deepEqual(mine[key], hf[key], `${what}: ${key} is ${JSON.stringify(mine[key])} here, ${JSON.stringify(hf[key])} in transformers`);
      }
    }
    assert.ok(read > 100 && read < trials.length, `${read} of ${trials.length} mutated files read`);
  });
});
