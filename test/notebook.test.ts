// Notebook execution through nbconvert on the project's tslab kernel, and every failure mode's message.
import * as path from "node:path";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, describe, test } from "node:test";
import { executeNotebook, executionProblems, formatFailure, kernelProblems } from "../lib/notebook/index";
import { KERNEL_DIR, kernelSpec } from "../lib/notebook/kernelspec";
import { REPO_ROOT } from "../lib/paths";
import { tempDir, writeNotebook } from "./helpers/notebooks";

const dir = tempDir("nb");
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const run = (file: string, extra: Partial<Parameters<typeof executeNotebook>[1]> = {}) =>
  executeNotebook(file, { profile: "smoke", cellTimeout: 120, ...extra });

describe("executeNotebook", () => {
  test("runs every cell on the tslab kernel and writes the outputs in place", async () => {
    const file = writeNotebook(dir, "ok", [
      { markdown: "# a title" },
      'import * as qkv from "./lib/index";\nconsole.log("profile=" + qkv.currentProfile());',
      "const n: number = 6 * 7;\nconsole.log(`answer ${n}`);",
    ]);
    const events: string[] = [];
    const result = await run(file, { onCell: (e) => events.push(`${e.kind}:${e.codeCell}/${e.codeCells}`) });
    assert.equal(result.ok, true, result.failure && formatFailure(result));
    const nb = JSON.parse(fs.readFileSync(file, "utf8"));
    const text = (i: number) => nb.cells[i].outputs.map((o: { text: string[] }) => o.text.join("")).join("");
    assert.equal(text(1), "profile=smoke\n"); // the profile reaches the kernel through QKV_PROFILE
    assert.equal(text(2), "answer 42\n");
    assert.deepEqual(events, ["start:1/2", "done:1/2", "start:2/2", "done:2/2"]);
  });

  test("a failing cell is reported with its notebook, position, source and real message; the file is untouched", async () => {
    const file = writeNotebook(dir, "fails", [
      { markdown: "intro" },
      "const fine = 1;",
      'function explode(): never {\n  throw new Error("the grid file data/x.csv has no column eta_v");\n}\nexplode();',
      'console.log("never runs");',
    ]);
    const before = fs.readFileSync(file);
    const result = await run(file);
    assert.equal(result.ok, false);
    assert.equal(result.failure?.kind, "cell-error");
    const message = formatFailure(result);
    assert.match(message, /fails\.ipynb failed in cell 3 \(code cell 2\)/);
    assert.match(message, /1 │ function explode\(\): never \{/);
    assert.match(message, /Error: the grid file data\/x\.csv has no column eta_v/);
    assert.doesNotMatch(message, /<Error>:/);
    assert.doesNotMatch(message, /node_modules\/tslab/); // kernel frames are noise
    assert.deepEqual(fs.readFileSync(file), before);
  });

  test("a TypeScript syntax error names the cell and shows the compiler's message", async () => {
    const file = writeNotebook(dir, "syntax", ["const ok = 1;", "const broken = (1 + ;"]);
    const result = await run(file);
    assert.equal(result.failure?.kind, "cell-error");
    const message = formatFailure(result);
    assert.match(message, /syntax\.ipynb failed in cell 2 \(code cell 2\)/);
    assert.match(message, /Expression expected/);
  });

  test("a missing kernel says which kernel and how to register it", async () => {
    const file = writeNotebook(dir, "nokernel", ["1 + 1"]);
    const result = await run(file, { kernelName: "no-such-kernel" });
    assert.equal(result.failure?.kind, "setup");
    assert.match(formatFailure(result), /cannot find the kernel "no-such-kernel".*npm run setup/);
  });

  test("a notebook that is not valid JSON is named, and nothing runs", async () => {
    const file = `${dir}/broken.ipynb`;
    fs.writeFileSync(file, '{"cells": [');
    const result = await run(file);
    assert.equal(result.failure?.kind, "setup");
    assert.match(formatFailure(result), /broken\.ipynb is not a valid notebook: its JSON does not parse/);
  });

  test("a kernel that never answers is started twice, then reported as a start failure (no cell ran)", async () => {
    // A kernelspec whose "kernel" is a process that never opens its ports.
    const kernels = path.join(dir, "silent-jupyter");
    fs.mkdirSync(path.join(kernels, "kernels", "silent"), { recursive: true });
    fs.writeFileSync(
      path.join(kernels, "kernels", "silent", "kernel.json"),
      JSON.stringify({ argv: ["sh", "-c", "sleep 600", "silent", "{connection_file}"], display_name: "silent", language: "typescript" }),
    );
    const file = writeNotebook(dir, "silent", ["1 + 1"]);
    const progress: string[] = [];
    const result = await run(file, {
      kernelName: "silent", startTimeout: 3, env: { ...process.env, JUPYTER_PATH: kernels },
      onProgress: (line) => progress.push(line),
    });
    assert.deepEqual(result.failure, { kind: "kernel-start", timeout: 3, tries: 2 });
    assert.deepEqual(progress, ["silent.ipynb: the kernel did not answer in 3 s; starting it again"]);
    assert.match(formatFailure(result), /silent\.ipynb: the tslab kernel did not answer within 3 s of starting \(2 tries\)/);
  });

  test("a per-cell timeout names the cell that hung", async () => {
    const file = writeNotebook(dir, "slow", ["await new Promise((r) => setTimeout(r, 60_000));"]);
    const result = await run(file, { cellTimeout: 3 });
    assert.equal(result.failure?.kind, "timeout");
    assert.match(formatFailure(result), /cell 1 \(code cell 1\) ran longer than the per-cell timeout of 3 s/);
  });
});

describe("preflight", () => {
  test("the kernelspec names its launcher relative to itself, so a copied checkout runs its own lib/", () => {
    const [launcher] = kernelSpec().argv;
    assert.match(launcher, /^\{resource_dir\}\/\.\.\/\.\.\/\.\.\/bin\/tslab-kernel$/);
    assert.equal(path.resolve(KERNEL_DIR, launcher.replace("{resource_dir}/", "")), path.join(REPO_ROOT, "bin", "tslab-kernel"));
    assert.ok(!JSON.stringify(kernelSpec().argv).includes(REPO_ROOT), "no absolute path to this checkout in argv");
  });

  test("the kernel is registered (setup ran)", () => {
    assert.deepEqual(kernelProblems(), []);
  });

  test("without jupyter on PATH the message says what to install", () => {
    const problems = executionProblems({ ...process.env, PATH: "/nonexistent" });
    assert.ok(problems.some((p) => /jupyter-nbconvert, python3-nbclient and jupyter-client/.test(p)), problems.join("\n"));
  });
});
