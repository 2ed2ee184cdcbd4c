// `qkv train` and `qkv params` end to end through bin/qkv: a run from a JSON config (token ids and text
// rows), its outputs, and the errors for bad configs and data.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { REPO_ROOT } from "../lib/paths";
import { tempDir } from "./helpers/notebooks";

const qkv = (...args: string[]) => spawnSync(path.join(REPO_ROOT, "bin", "qkv"), args, { encoding: "utf8" });

function writeData(dir: string): void {
  const rows = (n: number, offset: number) =>
    Array.from({ length: n }, (_, i) => JSON.stringify({ ids: [0, ...Array.from({ length: 4 + (i % 5) }, (_, t) => 6 + (i % 2) * 25 + ((i * 7 + t * 3 + offset) % 25)), 2], label: i % 2 })).join("\n");
  fs.writeFileSync(path.join(dir, "train.jsonl"), rows(48, 0) + "\n");
  fs.writeFileSync(path.join(dir, "dev.jsonl"), rows(16, 11) + "\n");
  // A 12-word WordPiece vocabulary for the text rows.
  fs.writeFileSync(path.join(dir, "vocab.txt"), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "movie", "not", "a", "##s", "film"].join("\n") + "\n");
  fs.writeFileSync(path.join(dir, "text.jsonl"), ["good movie", "bad film", "not a good movies", "a bad movie"].map((t, i) => JSON.stringify({ text: t, label: (i + 1) % 2 })).join("\n"));
}

const baseConfig = {
  model: "encoder-tiny", labels: 2,
  adapter: { method: "lora", r: 4, lora_alpha: 8, target_modules: ["query", "value", "output"] },
  rates: { etaQK: 0.01, ratio: 4, grouping: "paper" }, schedule: { name: "linear", warmupSteps: 2 },
  batchSize: 16, steps: 12, evalEvery: 6, seed: 1, data: { train: "train.jsonl", eval: "dev.jsonl" },
};

describe("qkv train", () => {
  test("a run from a config writes its result and a loadable adapter", () => {
    const dir = tempDir("train");
    writeData(dir);
    fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify(baseConfig));
    const r = qkv("train", "--config", path.join(dir, "run.json"), "--out", path.join(dir, "out", "result.json"), "--save-adapter", path.join(dir, "adapter"));
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /encoder-tiny: lora on query\+value\+output, r 4/);
    const result = JSON.parse(fs.readFileSync(path.join(dir, "out", "result.json"), "utf8"));
    assert.equal(result.history.length, 12);
    assert.deepEqual(result.evals.map((e: { step: number }) => e.step), [6, 12]);
    assert.equal(result.diverged, false);
    assert.ok(fs.existsSync(path.join(dir, "adapter", "adapter_model.safetensors")));
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "adapter", "adapter_config.json"), "utf8")).r, 4);
  });

  test("text rows are tokenized with data.tokenizer", () => {
    const dir = tempDir("train");
    writeData(dir);
    fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify({ ...baseConfig, steps: 2, data: { train: "text.jsonl", tokenizer: "." } }));
    const r = qkv("train", "--config", path.join(dir, "run.json"), "--quiet");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /done: 2 steps/);
  });

  test("bad configs and data are named: field, file and line", () => {
    const dir = tempDir("train");
    writeData(dir);
    const expectError = (config: object, pattern: RegExp) => {
      fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify(config));
      const r = qkv("train", "--config", path.join(dir, "run.json"));
      assert.equal(r.status, 2, `bad input exits 2: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    };
    expectError({ ...baseConfig, rates: { etaQK: -1 } }, /rates: learning rate η_QK \(etaQK\) must be a positive finite number, got -1/);
    expectError({ ...baseConfig, rates: { etaQK: 1e-3, ratio: 0 } }, /learning-rate ratio λ \(ratio\) must be a positive finite number, got 0/);
    expectError({ ...baseConfig, adapter: { r: 0 } }, /adapter: r must be a positive integer, got 0/);
    expectError({ ...baseConfig, adapter: { r: 17 } }, /r = 17 exceeds min\(d_in, d_out\) = 16 of the query matrix/);
    expectError({ ...baseConfig, adapter: { target_modules: ["query", "keys"] } }, /unknown target "keys"/);
    expectError({ ...baseConfig, model: "bert-base" }, /model must be one of roberta-base/);
    expectError({ ...baseConfig, stpes: 3 }, /stpes: unknown field; did you mean steps\?/);
    expectError({ ...baseConfig, adapter: { r: 4, lora_aplha: 32 } }, /adapter\.lora_aplha: unknown field; did you mean lora_alpha\?/);
    expectError({ ...baseConfig, steps: 0 }, /steps must be an integer ≥ 1, got 0/);
    fs.appendFileSync(path.join(dir, "train.jsonl"), '{"ids": [0, 5, 2], "label": 7}\n');
    expectError(baseConfig, /train\.jsonl:49: label must be an integer in \[0, 2\), got 7/);
    const none = qkv("train");
    assert.equal(none.status, 2);
    assert.match(none.stderr, /--config is required/);
  });
});

describe("qkv train outputs (issue 19, items 4, 5, 15)", () => {
  test("an output that is an input, a folder for a file, or an unwritable place is refused before training, exit 2", () => {
    const dir = tempDir("train");
    writeData(dir);
    const config = path.join(dir, "run.json");
    fs.writeFileSync(config, JSON.stringify(baseConfig));
    const before = fs.readFileSync(config, "utf8");
    const refused = (args: string[], pattern: RegExp) => {
      const r = qkv("train", "--config", config, ...args);
      assert.equal(r.status, 2, r.stderr + r.stdout);
      assert.match(r.stderr, pattern);
      assert.doesNotMatch(r.stdout, /step|done/, "refused before training");
    };
    refused(["--out", config], /--out .*run\.json is also an input: refusing to overwrite it/);
    refused(["--out", path.join(dir, "train.jsonl")], /--out .*train\.jsonl is also an input/);
    refused(["--out", dir], /--out .* is a folder; give a file path/);
    refused(["--save-adapter", path.join(dir, "dev.jsonl")], /--save-adapter .*dev\.jsonl is also an input/);
    fs.writeFileSync(path.join(dir, "blocker"), "");
    refused(["--out", path.join(dir, "blocker", "result.json")], /--out .*blocker\/result\.json: cannot write in .*blocker \((ENOTDIR|EEXIST)/);
    assert.equal(fs.readFileSync(config, "utf8"), before, "the config is untouched");
  });
  test("a run that diverges exits 1 and says why", () => {
    const dir = tempDir("train");
    writeData(dir);
    fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify({ ...baseConfig, rates: { etaQK: 1e3, ratio: 1, grouping: "paper" }, steps: 60, evalEvery: 0 }));
    const r = qkv("train", "--config", path.join(dir, "run.json"), "--quiet");
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /diverged at step \d+: (mean loss .* above 4 ×|loss (NaN|Infinity))/);
  });
});

describe("clear messages (issue 19, items 14 and 16)", () => {
  test("folders for files, negative option values, an environment variable and a file in an output path are named", () => {
    const dir = tempDir("train");
    writeData(dir);
    const asConfig = qkv("train", "--config", dir);
    assert.equal(asConfig.status, 2);
    assert.match(asConfig.stderr, /: is a folder, not a file/);
    fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify({ ...baseConfig, data: { train: "." } }));
    const asData = qkv("train", "--config", path.join(dir, "run.json"));
    assert.equal(asData.status, 2);
    assert.match(asData.stderr, /: is a folder, not a file/);
    const negative = qkv("params", "--model", "roberta-base", "--rank", "-1");
    assert.equal(negative.status, 2);
    assert.match(negative.stderr, /r must be a positive integer, got -1/);
    const stray = qkv("params", "--model", "roberta-base", "extra");
    assert.equal(stray.status, 2);
    assert.match(stray.stderr, /unexpected argument "extra"/);
    const timeout = spawnSync(path.join(REPO_ROOT, "bin", "qkv"), ["reproduce", "00_overview"], { encoding: "utf8", env: { ...process.env, QKV_CELL_TIMEOUT: "-5" } });
    assert.equal(timeout.status, 2);
    assert.match(timeout.stderr, /QKV_CELL_TIMEOUT must be a positive number, got "-5"/);
    const tasks = qkv("tasks", "--out", path.join(dir, "train.jsonl", "suite"));
    assert.equal(tasks.status, 2);
    assert.match(tasks.stderr, /--out .*train\.jsonl\/suite: cannot write in .*\(ENOTDIR: a part of the path is a file/);
  });

  test("a JSONL byte-order mark is stripped; a maxLength that leaves no text is warned about", () => {
    const dir = tempDir("train");
    writeData(dir);
    fs.writeFileSync(path.join(dir, "bom.jsonl"), "\ufeff" + fs.readFileSync(path.join(dir, "text.jsonl"), "utf8"));
    fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify({ ...baseConfig, steps: 3, evalEvery: 0, data: { train: "bom.jsonl", tokenizer: "." } }));
    const bom = qkv("train", "--config", path.join(dir, "run.json"), "--quiet");
    assert.equal(bom.status, 0, bom.stderr);
    assert.doesNotMatch(bom.stderr, /warning/);
    fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify({ ...baseConfig, steps: 3, evalEvery: 0, data: { train: "text.jsonl", tokenizer: ".", maxLength: 2 } }));
    const short = qkv("train", "--config", path.join(dir, "run.json"), "--quiet");
    assert.equal(short.status, 0, short.stderr);
    assert.match(short.stderr, /warning: .*text\.jsonl: 4 of 4 rows keep no text after truncation to maxLength 2/);
  });
});

describe("qkv train --save-model, and the backend named (issues 18 and 19)", () => {
  test("full fine-tuning: --save-adapter is refused before training, naming --save-model, whose folder loads back", () => {
    const dir = tempDir("train");
    writeData(dir);
    fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify({ ...baseConfig, adapter: { method: "full", target_modules: ["query"] }, steps: 3, evalEvery: 0 }));
    const refused = qkv("train", "--config", path.join(dir, "run.json"), "--save-adapter", path.join(dir, "adapter"));
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /full fine-tuning .* has no adapter; use --save-model DIR/);
    assert.doesNotMatch(refused.stdout, /step|done/);
    // Forcing the cpu backend is a choice, not a forgotten selectBackend(): no warning says otherwise.
    const saved = spawnSync(path.join(REPO_ROOT, "bin", "qkv"), ["train", "--config", path.join(dir, "run.json"), "--save-model", path.join(dir, "model"), "--quiet"], {
      encoding: "utf8", env: { ...process.env, QKV_BACKEND: "cpu" },
    });
    assert.equal(saved.status, 0, saved.stderr);
    assert.doesNotMatch(saved.stderr, /selectBackend/);
    assert.deepEqual(fs.readdirSync(path.join(dir, "model")).sort(), ["config.json", "model.safetensors"]);
  });
});

describe("qkv params", () => {
  test("prints peft's counts as JSON", () => {
    const r = qkv("params", "--model", "roberta-base", "--method", "lora", "--targets", "q,k,v", "--rank", "8", "--labels", "2", "--convention", "peft-0.5", "--json");
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(Object.keys(JSON.parse(r.stdout)), ["adapter", "head", "trainable", "total", "convention"]);
    assert.equal(JSON.parse(r.stdout).trainable, 1_626_628);
    const bad = qkv("params", "--model", "roberta-base", "--convention", "peft-9");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--convention must be one of paper, peft-0\.5, peft-0\.15, got "peft-9"/);
  });

  test("defaults to the paper's Table 2 convention and says so, with the value the paper prints", () => {
    const lora = qkv("params", "--model", "roberta-base", "--method", "lora", "--targets", "q,k,v", "--rank", "8");
    assert.equal(lora.status, 0, lora.stderr);
    assert.match(lora.stdout, /trainable {2}1,626,628 \(1\.63 M\)/);
    assert.match(lora.stdout, /counted by paper: the paper's Table 2 convention: LoRA as peft 0\.5 .*\(the default;/);
    assert.match(lora.stdout, /the paper's Table 2 prints 1\.62 M for this row/);
    const dora = qkv("params", "--model", "roberta-base", "--method", "dora", "--targets", "q,v", "--rank", "8", "--json");
    assert.deepEqual(JSON.parse(dora.stdout), { adapter: 313_344, head: 592_130, trainable: 905_474, total: 124_960_514, convention: "paper" });
    const other = qkv("params", "--model", "roberta-base", "--method", "lora", "--targets", "q,k,v", "--convention", "peft-0.15");
    assert.match(other.stdout, /trainable {2}1,034,498 \(1\.03 M\)[\s\S]*counted by peft-0\.15: peft ≥ 0\.15: the head counted once\n/);
  });
});
