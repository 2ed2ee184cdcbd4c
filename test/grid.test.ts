// The grid runner: expansion (order, keys, λ from η_V), worker processes (2 give the bytes 1 gives), resume
// after the CLI is SIGKILLed mid-grid (its worker exits too), shards, runs that throw or diverge, --shard
// parsing and the SLURM script. A 1-layer encoder of width 32, pretrained for two steps here, keeps each
// fine-tuning run to a fraction of a second.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { parseShard } from "../lib/cli/grid";
import { selectBackend } from "../lib/backend/index";
import { writeSuite } from "../lib/data/builtin/index";
import { expandGrid, GridSpec, measureCost, PROTOCOL_HASH, runGrid, runKey, slurmScript } from "../lib/experiments/index";
import { REPO_ROOT } from "../lib/paths";
import { pretrain, pretrainRecipe } from "../lib/pretrain/index";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "qkv-grid-"));
const read = (file: string) => fs.readFileSync(file, "utf8");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const QKV = path.join(REPO_ROOT, "bin", "qkv");

let tasks = "";
let checkpoint = "";

before(async () => {
  await selectBackend();
  const root = tmp();
  tasks = path.join(root, "tasks");
  writeSuite(tasks, { tasks: ["SST-2"], sizes: { train: 60, dev: 40, test: 10, corpus: 300 } });
  const recipe = pretrainRecipe({ model: "encoder", corpus: "builtin", tasksDir: tasks, steps: 2, batchSize: 8, vocabSize: 256, maxLength: 16 });
  recipe.spec.config = { ...recipe.spec.config, hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64 };
  checkpoint = path.join(root, "encoder");
  pretrain(recipe.spec, recipe.corpus, checkpoint, { checkpointEvery: 0 });
});

/** 2 η_QK × 2 λ × 2 seeds = 8 runs of 12 steps. */
const tinyGrid = (): GridSpec => ({
  name: "tiny",
  base: {
    data: { dir: tasks, task: "SST-2", maxTrain: 40, maxEval: 20 }, checkpoint, init: "pretrained",
    adapter: { method: "lora", r: 2, loraAlpha: 2, targetModules: ["query", "value"] }, rates: { grouping: "paper" },
    steps: 12, batchSize: 8, maxLength: 16, schedule: "linear", seed: 0,
  },
  axes: { etaQK: [1e-3, 3e-3], ratio: [1, 4], seed: [0, 1] },
});

/** results.csv of the tiny grid computed once, uninterrupted, by one worker: what every other way must reproduce. */
let reference: Promise<string> | undefined;
const referenceCsv = () => (reference ??= runGrid(tinyGrid(), { resultsDir: tmp(), showProgress: false }).then((r) => read(path.join(r.resultsDir, "results.csv"))));

const runFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

describe("expandGrid", () => {
  test("count is the product of the axes, the last declared axis varies fastest, keys differ", () => {
    const spec = { ...tinyGrid(), axes: { seed: [0, 1, 2], etaQK: [1e-3, 2e-3], targets: ["q,v", ["key"]], ratio: [1] } };
    const configs = expandGrid(spec);
    assert.equal(configs.length, 12);
    const point = (i: number) => [configs[i].seed, configs[i].rates.etaQK, configs[i].adapter.targetModules];
    assert.deepEqual([point(0), point(1), point(2), point(11)], [[0, 1e-3, ["query", "value"]], [0, 1e-3, ["key"]], [0, 2e-3, ["query", "value"]], [2, 2e-3, ["key"]]]);
    assert.equal(new Set(configs.map(runKey)).size, 12);
    // Declared the other way round, seed varies fastest.
    const reordered = expandGrid({ ...spec, axes: { ratio: [1], targets: spec.axes.targets, etaQK: spec.axes.etaQK, seed: spec.axes.seed } });
    assert.deepEqual(reordered.slice(0, 3).map((c) => c.seed), [0, 1, 2]);
    // Task dirs are stored as configPath gives them; the checkpoint as its reference (folder + hash).
    assert.equal(configs[0].data.dir, tasks);
    assert.match(configs[0].checkpoint.sha256, /^[0-9a-f]{64}$/);
  });

  test("the adapter's scale, rsLoRA and layers as axes (issue 22, item 8); their peft defaults keep a run's key", () => {
    const spec = { ...tinyGrid(), axes: { alpha: [2, 8], rslora: [false, true], layers: [null, [0]], etaQK: [1e-3], ratio: [1], seed: [0] } };
    const configs = expandGrid(spec);
    assert.equal(configs.length, 8);
    const fields = configs.map((c) => [c.adapter.loraAlpha, c.adapter.useRslora ?? false, c.adapter.layersToTransform ?? null]);
    assert.deepEqual(fields.slice(0, 4), [[2, false, null], [2, false, [0]], [2, true, null], [2, true, [0]]]);
    assert.deepEqual(fields[4], [8, false, null]);
    // α 2 = the base's, rsLoRA off and every layer are peft's defaults: the same run as the base alone.
    const plain = expandGrid({ ...tinyGrid(), axes: { etaQK: [1e-3], ratio: [1], seed: [0] } })[0];
    assert.equal(runKey(configs[0]), runKey(plain));
    assert.equal(new Set(configs.map(runKey)).size, 8);
    assert.throws(() => expandGrid({ ...tinyGrid(), axes: { rslora: ["yes" as never], etaQK: [1e-3], ratio: [1], seed: [0] } }), /rslora must be true or false/);
    // The paper profile's base fields are checked once, naming the grid.
    assert.throws(() => expandGrid({ ...tinyGrid(), base: { ...tinyGrid().base, evalEvery: 0 } }), /grid "tiny": base.evalEvery must be a positive integer, got 0/);
    assert.throws(() => expandGrid({ ...tinyGrid(), base: { ...tinyGrid().base, beta2: 1 } }), /grid "tiny": base.beta2 must lie in \(0, 1\), got 1/);
  });

  test("a list of axis objects is the union of their products, a shared run kept once, in order", () => {
    const union = expandGrid({ ...tinyGrid(), axes: [{ etaQK: [1e-3, 2e-3], ratio: [1], seed: [0] }, { etaQK: [1e-3], ratio: [1, 4], seed: [0, 1] }] });
    assert.deepEqual(union.map((c) => [c.rates.etaQK, c.rates.ratio, c.seed]), [[1e-3, 1, 0], [2e-3, 1, 0], [1e-3, 1, 1], [1e-3, 4, 0], [1e-3, 4, 1]]);
    assert.ok(union.every((c) => c.protocol === PROTOCOL_HASH));
    assert.throws(() => expandGrid({ ...tinyGrid(), axes: [{ etaQK: [1e-3], ratio: [1] }, { etaQK: [1e-3], colour: [1] } as never] }), /axes\[1\]: unknown axis "colour"/);
    assert.throws(() => expandGrid({ ...tinyGrid(), axes: [] }), /a non-empty list of them/);
  });

  test("etaV sets λ = etaV / etaQK; adapter, rank and targets axes merge into the adapter", () => {
    const spec = { ...tinyGrid(), axes: { etaQK: [1e-4, 2e-4], etaV: [3e-4, 8e-4] } };
    assert.deepEqual(expandGrid(spec).map((c) => c.rates.ratio), [3, 8, 1.5, 4]);
    const adapters = expandGrid({ ...tinyGrid(), axes: { adapter: [{ method: "lora", loraAlpha: 8 }, { method: "dora", loraAlpha: 8 }], rank: [4, 8], targets: ["q,k,v"], etaQK: [1e-3], ratio: [1] } });
    assert.deepEqual(adapters.map((c) => [c.adapter.method, c.adapter.r, c.adapter.loraAlpha]), [["lora", 4, 8], ["lora", 8, 8], ["dora", 4, 8], ["dora", 8, 8]]);
    assert.ok(adapters.every((c) => JSON.stringify(c.adapter.targetModules) === '["query","key","value"]'));
  });

  test("a task's own steps replace base.steps for its runs only; a task without them keeps the key it had", () => {
    const task = { dir: tasks, task: "SST-2" as const, maxTrain: 40, maxEval: 20 };
    const plain = expandGrid({ ...tinyGrid(), axes: { task: [task], etaQK: [1e-3], ratio: [1] } });
    const mixed = expandGrid({ ...tinyGrid(), axes: { task: [task, { ...task, maxTrain: 30, steps: 24 }], etaQK: [1e-3], ratio: [1] } });
    assert.deepEqual(mixed.map((c) => c.steps), [12, 24]);
    assert.equal(runKey(mixed[0]), runKey(plain[0]));
    assert.ok(!("steps" in mixed[1].data), "the budget is a run setting, not part of the data");
    assert.throws(() => expandGrid({ ...tinyGrid(), axes: { task: [{ ...task, steps: 0 }], etaQK: [1e-3], ratio: [1] } }), /axes\.task\[0\]\.steps must be a positive integer, got 0/);
  });

  test("a bad spec is named: unknown axis, etaV beside ratio, repeated values, missing field, unknown task", () => {
    const base = tinyGrid();
    assert.throws(() => expandGrid({ ...base, axes: { lr: [1] } as never }), /unknown axis "lr"/);
    assert.throws(() => expandGrid({ ...base, axes: { etaQK: [1e-3], etaV: [1e-3], ratio: [1] } }), /etaV axis/);
    assert.throws(() => expandGrid({ ...base, axes: { etaQK: [1e-3], ratio: [1], targets: ["q,v", "value,query"] } }), /runs 0 and 1 have the same configuration/);
    assert.throws(() => expandGrid({ ...base, axes: { ratio: [1] } }), /run 0: no rates\.etaQK; set base\.rates\.etaQK or give an axis etaQK/);
    assert.throws(() => expandGrid({ ...base, axes: { etaQK: [1e-3], ratio: [1], task: [{ dir: tasks, task: "SST2" as never }] } }), /task "SST2" is not one of/);
    assert.throws(() => expandGrid({ ...base, axes: { etaQK: [], ratio: [1] } }), /axis etaQK must be a non-empty list/);
    assert.throws(() => expandGrid({ ...base, axes: { etaQK: [1e-3], ratio: [1], init: ["pretrainde" as never] } }), /run 0: init must be pretrained or random, got "pretrainde"/);
  });
});

describe("runGrid", () => {
  test("one worker and two workers write the same results.csv; a second call computes nothing", async () => {
    const expected = await referenceCsv();
    const dir = tmp();
    const seen: number[] = [];
    const two = await runGrid(tinyGrid(), { resultsDir: dir, workers: 2, showProgress: false, onProgress: (p) => seen.push(p.done) });
    assert.deepEqual([two.computed, two.cached, two.failed, two.missing, two.total], [8, 0, [], 0, 8]);
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(read(path.join(dir, "results.csv")), expected);
    assert.deepEqual(two.rows.map((r) => r.key), expandGrid(tinyGrid()).map(runKey));
    const lines = expected.trim().split("\n");
    assert.equal(lines[0], "key,task,maxTrain,checkpoint,init,method,targets,r,etaQK,ratio,etaV,seed,status,metric,before,after,selection,chance,chanceSelection,reportExamples,loss,lossMean,steps,trainable");
    assert.equal(lines.length, 9);
    assert.match(lines[4], /^[0-9a-f]{16},SST-2,40,.*,pretrained,lora,QV,2,0\.001,4,0\.004,1,ok,accuracy,(?:[0-9.]+,){8}12,\d+$/);
    assert.equal(read(path.join(dir, "timings.csv")).trim().split("\n").length, 9);
    const again = await runGrid(tinyGrid(), { resultsDir: dir, workers: 2, showProgress: false });
    assert.deepEqual([again.computed, again.cached], [0, 8]);
    assert.equal(read(path.join(dir, "results.csv")), expected);
  });

  test("the CLI SIGKILLed mid-grid: its worker exits quietly, a rerun computes only what is missing, the results are the same bytes", async () => {
    const dir = tmp();
    const file = path.join(dir, "tiny.json");
    fs.writeFileSync(file, JSON.stringify(tinyGrid()));
    const results = path.join(dir, "results");
    const runs = path.join(results, "runs");
    // stdout and stderr are pipes this test holds open: what the orphaned worker prints after its parent died lands here.
    const cli = spawn(QKV, ["grid", file, "--workers", "1", "--results", results], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    cli.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    cli.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    while (runFiles(runs).filter((f) => f.endsWith(".json")).length === 0) {
      assert.equal(cli.exitCode, null, "the grid ended before a run was stored");
      await sleep(5);
    }
    const workers = workersOf(cli.pid!);
    assert.equal(workers.length, 1);
    cli.kill("SIGKILL");
    // The orphaned worker stores the run it was computing, then exits on the disconnect.
    for (let waited = 0; !workers.every(exited); waited += 20) {
      assert.ok(waited < 20_000, `worker ${workers} still alive 20 s after its parent was killed`);
      await sleep(20);
    }
    // Issue 19, item 8: it exits quietly (it used to die on EPIPE, dumping tfjs's minified source).
    assert.doesNotMatch(output, /EPIPE|Error|\n\s+at /, output.slice(0, 2000));
    const stored = runFiles(runs).filter((f) => f.endsWith(".json")).length;
    assert.ok(stored >= 1 && stored < 8, `${stored} of 8 runs stored when killed`);
    const rerun = spawnSync(QKV, ["grid", file, "--workers", "1", "--results", results], { encoding: "utf8" });
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.match(rerun.stdout, new RegExp(`8 runs \\(${8 - stored} computed, ${stored} cached, 0 failed\\)`));
    assert.equal(read(path.join(results, "results.csv")), await referenceCsv());
    assert.deepEqual(runFiles(runs).sort(), expandGrid(tinyGrid()).map((c) => `${runKey(c)}.json`).sort());
    assert.deepEqual(fs.readdirSync(results).sort(), ["results.csv", "results.json", "runs", "timings.csv"]);
  });

  test("shards 0/2 and 1/2 into one folder, then a plain run that computes nothing, give the unsharded results.csv", async () => {
    const dir = tmp();
    const first = await runGrid(tinyGrid(), { resultsDir: dir, shard: { index: 0, count: 2 }, showProgress: false });
    assert.deepEqual([first.computed, first.missing], [4, 4]);
    assert.deepEqual(first.rows.map((r) => r.key), expandGrid(tinyGrid()).filter((_c, i) => i % 2 === 0).map(runKey));
    const second = await runGrid(tinyGrid(), { resultsDir: dir, shard: { index: 1, count: 2 }, showProgress: false });
    assert.deepEqual([second.computed, second.cached, second.missing], [4, 0, 0]);
    const plain = await runGrid(tinyGrid(), { resultsDir: dir, showProgress: false });
    assert.deepEqual([plain.computed, plain.cached], [0, 8]);
    assert.equal(read(path.join(dir, "results.csv")), await referenceCsv());
    await assert.rejects(runGrid(tinyGrid(), { resultsDir: dir, shard: { index: 2, count: 2 } }), /0 ≤ index < count/);
  });

  test("a run that throws is reported, not stored, and retried by the next call; a diverged run is stored as diverged", async () => {
    const spec: GridSpec = {
      ...tinyGrid(), name: "failing",
      axes: { task: [{ dir: tasks, task: "SST-2", maxTrain: 40, maxEval: 20 }, { dir: "/nonexistent/qkv-tasks", task: "SST-2" }], etaQK: [1e-3, 1e38], ratio: [1] },
    };
    // η = 1e38 overflows float32 in the second step (a smaller one only makes the loss huge: LayerNorm bounds the rest).
    const dir = tmp();
    const result = await runGrid(spec, { resultsDir: dir, workers: 2, showProgress: false });
    assert.deepEqual(result.failed.map((f) => f.index), [2, 3]);
    for (const f of result.failed) assert.match(f.error, /\/nonexistent\/qkv-tasks: no such directory/);
    assert.deepEqual([result.computed, result.missing], [2, 2]);
    assert.deepEqual(result.rows.map((r) => r.status), ["ok", "diverged"]);
    assert.equal(result.rows[1].loss, null);
    assert.equal(runFiles(path.join(dir, "runs")).length, 2);
    // Through the CLI: the failed runs are tried again, listed, and the exit code is 1.
    const specFile = path.join(dir, "failing.json");
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const cli = spawnSync(QKV, ["grid", specFile, "--workers", "2", "--results", dir], { encoding: "utf8" });
    assert.equal(cli.status, 1, cli.stderr);
    assert.match(cli.stdout, /4 runs \(0 computed, 2 cached, 2 failed, 2 missing\)/);
    assert.match(cli.stderr, new RegExp(`failed: run 3 \\(${result.failed[1].key}\\) .*no such directory`));
  });
});

describe("two processes, one grid (issue 19, items 9 and 10)", () => {
  test("two runGrid calls of one spec into one folder compute each run once and write the same table", async () => {
    const dir = tmp();
    const [a, b] = await Promise.all([runGrid(tinyGrid(), { resultsDir: dir, showProgress: false }), runGrid(tinyGrid(), { resultsDir: dir, showProgress: false })]);
    assert.equal(a.computed + b.computed, 8, `computed ${a.computed} + ${b.computed}`);
    assert.deepEqual([a.cached + a.computed, b.cached + b.computed], [8, 8]);
    assert.equal(read(path.join(dir, "results.csv")), await referenceCsv());
    assert.deepEqual(runFiles(path.join(dir, "runs")).filter((f) => !f.endsWith(".json")), [], "locks left behind");
  });

  test("a lock left by a dead process is taken over", async () => {
    const dir = tmp();
    const dead = spawnSync("true").pid!;
    const key = runKey(expandGrid(tinyGrid())[0]);
    fs.mkdirSync(path.join(dir, "runs"), { recursive: true });
    fs.writeFileSync(path.join(dir, "runs", `${key}.lock`), JSON.stringify({ pid: dead, host: os.hostname(), since: "then" }));
    const result = await runGrid(tinyGrid(), { resultsDir: dir, showProgress: false });
    assert.equal(result.computed, 8);
    assert.ok(!fs.existsSync(path.join(dir, "runs", `${key}.lock`)));
  });

  test("another spec of the same name is refused by name before computing; --replace takes the folder over, reusing shared runs", async () => {
    const dir = tmp();
    await runGrid(tinyGrid(), { resultsDir: dir, showProgress: false });
    const before = read(path.join(dir, "results.csv"));
    const other: GridSpec = { ...tinyGrid(), axes: { etaQK: [1e-3, 3e-3], ratio: [1, 4], seed: [0, 1, 2] } };
    await assert.rejects(runGrid(other, { resultsDir: dir, showProgress: false }),
      (err: Error) => err.name === "GridConflict" && /another grid spec named "tiny" \(axes\.seed: \[0,1\] there, \[0,1,2\] here\).*--replace/.test(err.message));
    assert.equal(read(path.join(dir, "results.csv")), before, "the table was rewritten");
    assert.equal(runFiles(path.join(dir, "runs")).length, 8, "runs were computed");
    const file = path.join(tmp(), "other.json");
    fs.writeFileSync(file, JSON.stringify(other));
    const refused = spawnSync(QKV, ["grid", file, "--workers", "1", "--results", dir], { encoding: "utf8" });
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /refusing to overwrite its results\.csv/);
    const replaced = spawnSync(QKV, ["grid", file, "--workers", "1", "--results", dir, "--replace"], { encoding: "utf8" });
    assert.equal(replaced.status, 0, replaced.stderr);
    assert.match(replaced.stdout, /replacing its table.*\n.*12 runs \(4 computed, 8 cached, 0 failed\)/);
  });
});

describe("runGrid outputs (issue 19, item 5)", () => {
  test("a stored run without result.before is named by its file (item 14)", async () => {
    const dir = tmp();
    await runGrid(tinyGrid(), { resultsDir: dir, showProgress: false });
    const file = path.join(dir, "runs", `${runKey(expandGrid(tinyGrid())[0])}.json`);
    const stored = JSON.parse(read(file));
    delete stored.result.before;
    fs.writeFileSync(file, JSON.stringify(stored));
    await assert.rejects(runGrid(tinyGrid(), { resultsDir: dir, showProgress: false }), (err: Error) => err.message.startsWith(`${file}: not a complete stored run`) && /delete it to recompute/.test(err.message));
  });

  test("a results folder that cannot be written is refused by name before any run is computed", async () => {
    const blocker = path.join(tmp(), "blocker");
    fs.writeFileSync(blocker, "");
    const progress: unknown[] = [];
    await assert.rejects(runGrid(tinyGrid(), { resultsDir: path.join(blocker, "results"), showProgress: false, onProgress: (p) => progress.push(p) }),
      (err: Error) => err.name === "OutputPathError" && /grid tiny: results folder .*blocker\/results\/runs: cannot write in/.test(err.message));
    assert.equal(progress.length, 0, "nothing computed");
  });
});

describe("sharding and SLURM", () => {
  test("--shard takes i/N with 0 ≤ i < N and names anything else", () => {
    assert.deepEqual(parseShard("1/4"), { index: 1, count: 4 });
    assert.deepEqual(parseShard("0/1"), { index: 0, count: 1 });
    for (const bad of ["4/4", "-1/4", "1/0", "1.5/4", "a/b", "3", "1/4/2", ""]) {
      assert.throws(() => parseShard(bad), (e: Error) => e.name === "UsageError" && e.message.includes(`got ${JSON.stringify(bad)}`), bad);
    }
  });

  test("slurmScript: an array of N tasks, each running its shard with one worker, and how to collect", () => {
    const script = slurmScript("example", 4, { args: ["--profile", "full"], time: "02:00:00" });
    assert.ok(script.startsWith("#!/bin/bash\n"));
    for (const line of ["#SBATCH --array=0-3", "#SBATCH --job-name=qkv-example", "#SBATCH --cpus-per-task=2", "#SBATCH --time=02:00:00", `cd ${REPO_ROOT}`]) {
      assert.ok(script.split("\n").includes(line), `missing ${line}:\n${script}`);
    }
    assert.match(script, /^#SBATCH --output=.*%x-%A_%a\.out$/m);
    assert.match(script, /^exec bin\/qkv grid example --profile full --shard "\$SLURM_ARRAY_TASK_ID\/4" --workers 1$/m);
    assert.match(script, /^# .*bin\/qkv grid example --profile full --collect/m);
    // Every #SBATCH line comes before the first command, or SLURM ignores it.
    const lines = script.split("\n");
    const firstCommand = lines.findIndex((l) => l !== "" && !l.startsWith("#"));
    assert.ok(lines.slice(firstCommand).every((l) => !l.startsWith("#SBATCH")));
    assert.match(slurmScript("/data/my grids/g.json", 2), /^exec bin\/qkv grid '\/data\/my grids\/g\.json' --shard "\$SLURM_ARRAY_TASK_ID\/2" --workers 1$/m);
  });
});

/** State and parent of a process from /proc/PID/stat (after the command name, which may hold spaces), or undefined when gone. */
function stat(pid: string | number): { state: string; parent: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** The grid workers whose parent is `pid` (Linux; tsx may have an esbuild child there too). */
function workersOf(pid: number): number[] {
  const isWorker = (d: string) => {
    try {
      return stat(d)?.parent === pid && fs.readFileSync(`/proc/${d}/cmdline`, "utf8").includes("lib/experiments/worker.ts");
    } catch {
      return false; // gone meanwhile
    }
  };
  return fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d) && isWorker(d)).map(Number);
}

/** Gone, or a zombie nobody has reaped yet (a container's PID 1 may never reap). */
function exited(pid: number): boolean {
  const s = stat(pid);
  return s === undefined || s.state === "Z";
}

describe("measureCost (Table 3)", () => {
  test("the adapter file holds 4 bytes per trainable parameter plus headers; QV is smaller and smaller on disk than QKV", async () => {
    const [qv, qkv] = ["query,value", "query,key,value"].map((targets) => expandGrid({ ...tinyGrid(), axes: { targets: [targets], etaQK: [1e-3], ratio: [1] } })[0]);
    const costs = [await measureCost(qv, 2, 1), await measureCost(qkv, 2, 1)];
    for (const c of costs) {
      // safetensors: an 8-byte length, a JSON header of about 100 bytes per tensor, float32 data; plus adapter_config.json.
      assert.ok(c.adapterBytes > 4 * c.trainable && c.adapterBytes < 4 * c.trainable + 4096, `${c.adapterBytes} bytes for ${c.trainable} parameters`);
      assert.ok(c.stepMs > 0 && c.residentBytes > 4 * c.trainable && c.stepPeakBytes > 0);
    }
    // One layer of width 32, r = 2: W_k's adapter is 2·(32 + 32) parameters.
    assert.equal(costs[1].trainable - costs[0].trainable, 2 * (32 + 32));
    assert.ok(costs[0].adapterBytes < costs[1].adapterBytes);
    // Full fine-tuning has no adapter: its trained matrices and head, 4 bytes each plus the header.
    const full = expandGrid({ ...tinyGrid(), base: { ...tinyGrid().base, adapter: { method: "full", targetModules: ["query", "value"] } }, axes: { etaQK: [1e-3], ratio: [1] } })[0];
    const fullCost = await measureCost(full, 2, 1);
    assert.ok(fullCost.adapterBytes > 4 * fullCost.trainable && fullCost.adapterBytes < 4 * fullCost.trainable + 4096, `${fullCost.adapterBytes} bytes for ${fullCost.trainable}`);
  });
});
