// Progress and time-left in `qkv reproduce` (issue 21, item 6): the rate-limited log lines of lib/display/progress.ts,
// the side channel from the kernel to the runner, the estimates from an earlier run, and the runtime table each
// run writes. The end-to-end test runs a small notebook twice through bin/qkv with stderr piped, as in CI.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import {
  REPO_ROOT, describeEstimate, estimateLeft, loadHistory, recordTimings, runConditions, runtimeTable,
} from "../lib/notebook/index";
import { LOG_HEARTBEAT_MS, progress } from "../lib/display/progress";
import { tempDir, writeNotebook } from "./helpers/notebooks";

const dir = tempDir("runtimes");
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("progress lines in a log", () => {
  test("between the 10 % lines, one line a minute while the count advances, none while it stands still", () => {
    let t = 0;
    const written: string[] = [];
    const bar = progress(100, "grid figure1", { stream: { isTTY: false, write: (s) => written.push(s) }, now: () => t });
    // 5 items in 5 minutes (under 10 %): a heartbeat each minute with a time-left estimate.
    for (let i = 0; i < 5; i++) {
      t += LOG_HEARTBEAT_MS;
      bar.tick(1, `run ${i}`);
    }
    assert.equal(written.length, 1 + 5);
    assert.equal(written[1], "grid figure1  [....................] 1/100  ETA 1h39m  run 0\n");
    assert.equal(written[5], "grid figure1  [#...................] 5/100  ETA 1h35m  run 4\n");
    // Ten minutes without a finished item: nothing new to say.
    t += 10 * LOG_HEARTBEAT_MS;
    bar.tick(0);
    assert.equal(written.length, 6);
    bar.done();
    assert.match(written[6], /^grid figure1 {2}\[#{1}\.{19}\] 5\/100 {2}in 15m00s\n$/);
  });

  test("in a kernel with QKV_PROGRESS_FILE the same lines go to that file; a file that cannot be written is dropped", () => {
    const file = path.join(dir, "side.progress");
    // progressFile stands in for the kernel case: the display goes to the (non-TTY) stream here.
    const bar = progress(10, "sweep", { stream: { isTTY: false, write: () => undefined }, progressFile: file });
    for (let i = 0; i < 10; i++) bar.tick();
    bar.done("ok");
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
    assert.equal(lines.length, 11);
    assert.match(lines[10], /^sweep {2}\[#{20}\] 10\/10 {2}in 0s {2}ok$/);
    const broken = progress(3, "x", { stream: { isTTY: false, write: () => undefined }, progressFile: path.join(dir, "no", "such", "dir", "f") });
    broken.tick();
    broken.done();
  });
});

describe("time-left estimates", () => {
  const history = recordTimings({ version: 1, profiles: {} }, "default", [
    { notebook: "00_overview.ipynb", status: "ok", seconds: 100, cells: [10, 80, 10] },
    { notebook: "01_theorem1.ipynb", status: "ok", seconds: 50, cells: [50] },
    { notebook: "02_theorem2.ipynb", status: "FAILED", seconds: 5, cells: [5] },
  ], new Date("2026-12-04T00:00:00Z"));

  test("only successful notebooks are recorded, per profile", () => {
    assert.deepEqual(Object.keys(history.profiles.default), ["00_overview.ipynb", "01_theorem1.ipynb"]);
    assert.equal(history.profiles.smoke, undefined);
  });

  test("the running cell's remainder, the cells after it and the notebooks after this one", () => {
    const running = { notebook: "00_overview.ipynb", codeCells: 3, codeCell: 2, notebookElapsed: 40, cellElapsed: 30 };
    // cell 2: 80 − 30 = 50 left, cell 3: 10, then 01: 50.
    assert.deepEqual(estimateLeft(history, "default", running, ["01_theorem1.ipynb"]), { seconds: 110, untimed: [], knownSeconds: 110 });
    // A cell running past its earlier time counts as finishing now.
    assert.equal(estimateLeft(history, "default", { ...running, cellElapsed: 500 }, []).seconds, 10);
    // Cells added since: the earlier total less the time spent.
    assert.equal(estimateLeft(history, "default", { ...running, codeCells: 4 }, []).seconds, 60);
    assert.equal(describeEstimate({ seconds: 110, untimed: [], knownSeconds: 110 }), "about 1m50s left");
  });

  test("a notebook never timed at this profile makes the estimate unknown, and says which", () => {
    const running = { notebook: "00_overview.ipynb", codeCells: 3, codeCell: 1, notebookElapsed: 0, cellElapsed: 0 };
    const e = estimateLeft(history, "smoke", running, ["01_theorem1.ipynb"]);
    assert.deepEqual(e, { seconds: null, untimed: ["00_overview.ipynb", "01_theorem1.ipynb"], knownSeconds: 0 });
    assert.equal(describeEstimate(e), "time left unknown (no earlier timed run of 00_overview, 01_theorem1)");
    // What is known is a lower bound, and many untimed notebooks are counted, not listed.
    const partial = estimateLeft(history, "default", { ...running, codeCell: 2, cellElapsed: 0 }, ["01_theorem1.ipynb", "a.ipynb", "b.ipynb", "c.ipynb"]);
    assert.equal(partial.knownSeconds, 80 + 10 + 50);
    assert.equal(describeEstimate(partial), "over 2m20s left (3 notebooks not timed yet at this profile)");
  });

  test("a history file that does not parse is an error naming it and what to do", () => {
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, "{ not json");
    assert.throws(() => loadHistory(file), /bad\.json is not valid JSON .*delete it, the next run rewrites it/);
    fs.writeFileSync(file, '{"version": 7}');
    assert.throws(() => loadHistory(file), /is not a runtime history of version 1/);
    assert.deepEqual(loadHistory(path.join(dir, "none.json")), { version: 1, profiles: {} });
  });
});

describe("the runtime table", () => {
  test("states the conditions (stored results, commit, machine), one row per notebook with its slowest cell, the total", () => {
    const results = path.join(dir, "results");
    fs.mkdirSync(path.join(results, "figure1", "runs"), { recursive: true });
    fs.writeFileSync(path.join(results, "figure1", "runs", "a.json"), "{}");
    const conditions = runConditions("default", "qkv reproduce", results);
    assert.equal(conditions.storedResults, 1);
    assert.match(conditions.commit, /^[0-9a-f]{7,}/);
    const table = runtimeTable(conditions, [
      { notebook: "00_overview.ipynb", status: "ok", seconds: 2520.4, cells: [1, 2500, 19.4] },
      { notebook: "01_theorem1.ipynb", status: "FAILED", seconds: 3, cells: [] },
    ], false);
    assert.match(table, /stored results at the start: 1 files already under data\/results\/: grids found there were read back/);
    assert.match(table, /\| 00_overview\.ipynb \| ok \| 42m00s \| 2520\.4 \| code cell 2: 41m40s \|/);
    assert.match(table, /\| 01_theorem1\.ipynb \| FAILED \| 3s \| 3\.0 \| {2}\|/);
    assert.match(table, /\| \*\*total\*\* \| \| \*\*42m03s\*\* \| 2523\.4 \| \|/);
    assert.match(table, /stopped at the first failure/);
    const fresh = runtimeTable({ ...conditions, storedResults: 0 }, [], true);
    assert.match(fresh, /none: every grid and sweep was computed by this run \(the time of a fresh clone\)/);
  });
});

describe("qkv reproduce in a log (stderr not a TTY)", () => {
  test("relays the kernel's progress lines while the notebook runs, estimates time left from the run before, and writes the table", () => {
    const figures = path.join(dir, "figures");
    const file = writeNotebook(dir, "progress_demo", [
      'import * as qkv from "./lib/index";',
      [
        "const bar = qkv.progress(4, \"demo sweep\");",
        "for (let i = 0; i < 4; i++) { await new Promise((r) => setTimeout(r, 300)); bar.tick(1, `item ${i}`); }",
        "bar.done(\"all items\");",
      ].join("\n"),
    ]);
    const qkv = () => spawnSync(path.join(REPO_ROOT, "bin", "qkv"), ["reproduce", file, "--profile", "smoke"], {
      encoding: "utf8", env: { ...process.env, QKV_FIGURES_DIR: figures }, timeout: 240_000,
    });
    const first = qkv();
    assert.equal(first.status, 0, first.stdout + first.stderr);
    assert.match(first.stderr, /▶ progress_demo\.ipynb: 2 code cells; time left unknown \(no earlier timed run of progress_demo\)/);
    // The lines the bar wrote inside the kernel, relayed while the notebook ran.
    assert.match(first.stderr, /progress_demo\.ipynb: demo sweep {2}\[\.{20}\] 0\/4 {2}ETA \?/);
    assert.match(first.stderr, /progress_demo\.ipynb: demo sweep {2}\[#{10}\.{10}\] 2\/4 {2}ETA \d+s {2}item 1/);
    assert.match(first.stderr, /progress_demo\.ipynb: demo sweep {2}\[#{20}\] 4\/4 {2}in \d+s {2}all items/);
    const table = fs.readFileSync(path.join(figures, "runtimes.md"), "utf8");
    assert.match(table, /- profile: smoke/);
    assert.match(table, /\| progress_demo\.ipynb \| ok \| \d+s \| [\d.]+ \| code cell \d: \d+s \|/);
    const history = JSON.parse(fs.readFileSync(path.join(figures, "runtimes.json"), "utf8"));
    assert.equal(history.profiles.smoke["progress_demo.ipynb"].cells.length, 2);

    const second = qkv();
    assert.equal(second.status, 0, second.stdout + second.stderr);
    assert.match(second.stderr, /▶ progress_demo\.ipynb: 2 code cells; about \d+s left/);
    assert.doesNotMatch(second.stderr + second.stdout, /\r|\x1b\[/, "no terminal control codes in a log");
  });
});
