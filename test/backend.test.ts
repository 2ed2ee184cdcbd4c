// Backend selection: order, override, the reasons it gives, and that the chosen backend computes correctly.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { BackendCandidate, BackendName, defaultCandidates, selectBackend } from "../lib/backend/index";
import { LOCAL_TFJS_NODE } from "../lib/backend/select";

/** Candidates whose loaders fail or succeed as told; the successful ones use the always-present cpu backend. */
function fakeCandidates(working: BackendName[]): BackendCandidate[] {
  return (["tfjs-node-gpu", "tfjs-node", "wasm", "cpu"] as BackendName[]).map((name) => ({
    name,
    load: async () => {
      if (!working.includes(name)) throw new Error(`${name} missing in this fake`);
      return "cpu";
    },
  }));
}

describe("selectBackend", () => {
  test("picks the first candidate that loads and says why the faster ones were skipped", async () => {
    const choice = await selectBackend({ override: "", candidates: fakeCandidates(["tfjs-node", "wasm", "cpu"]) });
    assert.equal(choice.name, "tfjs-node");
    assert.deepEqual(choice.attempts.map((a) => [a.name, a.ok]), [["tfjs-node-gpu", false], ["tfjs-node", true]]);
    assert.match(choice.reason, /tfjs-node-gpu: tfjs-node-gpu missing in this fake/);
  });

  test("a GPU backend wins when it loads", async () => {
    const choice = await selectBackend({ override: "", candidates: fakeCandidates(["tfjs-node-gpu", "cpu"]) });
    assert.equal(choice.name, "tfjs-node-gpu");
    assert.match(choice.reason, /fastest backend/);
  });

  test("QKV_BACKEND forces a backend, and a forced backend that fails is an error, not a silent fallback", async () => {
    const forced = await selectBackend({ override: "cpu", candidates: fakeCandidates(["wasm", "cpu"]) });
    assert.equal(forced.name, "cpu");
    assert.match(forced.reason, /forced by QKV_BACKEND=cpu/);
    await assert.rejects(
      selectBackend({ override: "tfjs-node-gpu", candidates: fakeCandidates(["cpu"]) }),
      /QKV_BACKEND=tfjs-node-gpu was requested but cannot be used: tfjs-node-gpu missing/,
    );
    await assert.rejects(selectBackend({ override: "webgpu" }), /QKV_BACKEND="webgpu" is not a backend; use one of tfjs-node-gpu, tfjs-node, wasm, cpu or auto/);
  });

  test("on this machine: the native packages are explained, and the chosen backend multiplies correctly", async () => {
    const choice = await selectBackend({ override: "" });
    const names = defaultCandidates().map((c) => c.name);
    const chosenAt = names.indexOf(choice.name);
    // every faster candidate failed with a reason, the chosen one is active in tfjs
    assert.deepEqual(choice.attempts.map((a) => a.name), names.slice(0, chosenAt + 1));
    for (const a of choice.attempts.slice(0, -1)) assert.ok(a.why.length > 0);
    assert.equal(tf.getBackend(), choice.tfBackend);
    const nodeAttempt = choice.attempts.find((a) => a.name === "tfjs-node");
    if (nodeAttempt && !nodeAttempt.ok) assert.match(nodeAttempt.why, /not installed|not built|pure-JS alias|libtensorflow|tfjs-core|used only when QKV_BACKEND=tfjs-node/);

    // 3×4 · 4×2 against a plain-JS product
    const a = [[1, 2, 3, 4], [-1, 0.5, 2, 0], [3, 3, -2, 1]];
    const b = [[1, -1], [0.5, 2], [2, 0], [-3, 1]];
    const expected = a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
    const got = (await tf.matMul(tf.tensor2d(a), tf.tensor2d(b)).array()) as number[][];
    got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) < 1e-5)));
  });

  const built = fs.existsSync(path.join(LOCAL_TFJS_NODE, "node_modules", "@tensorflow", "tfjs-node", "package.json"));
  test(
    "QKV_BACKEND=tfjs-node loads the build against tensorflow-cpu on the project's tfjs and gets a product's gradient right",
    { skip: built ? false : "tfjs-node is not built here (scripts/build-tfjs-node.sh)" },
    () => {
      // In a child process: tfjs keeps one active backend per process, and the other tests use the default.
      const code = `
        const tf = require("@tensorflow/tfjs");
        const { selectBackend } = require("./lib/backend/index");
        selectBackend().then(async (c) => {
          const g = tf.grad((x) => tf.matMul(x, x).sum())(tf.tensor2d([[1, 2], [3, 4]]));
          console.log(JSON.stringify({ name: c.name, tf: tf.getBackend(), grad: Array.from(await g.data()) }));
        });`;
      const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], {
        cwd: path.resolve(__dirname, ".."), encoding: "utf8", env: { ...process.env, QKV_BACKEND: "tfjs-node" },
      });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
      assert.deepEqual(out, { name: "tfjs-node", tf: "tensorflow", grad: [7, 11, 9, 13] });
    },
  );
});
