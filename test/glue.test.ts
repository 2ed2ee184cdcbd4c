// The GLUE loader: on the real GLUE files in ../shared/glue (row counts and label counts from its README
// and from awk over the files, the substitutes for MNLI, QNLI and QQP), the paper's metrics against values
// worked by hand and against Table 2's majority-class cell, GLUE's original layouts, and every error on
// small files written to a temporary directory.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/backend/index";
import { DataError, MissingDataError } from "../lib/data/errors";
import { TextExample } from "../lib/data/example";
import { GLUE_TASK_NAMES, GlueTaskName, glueDir, glueFrame, loadGlueTask, scoreTask, TaskData } from "../lib/data/glue";
import { readTsv } from "../lib/data/tsv";
import { REPO_ROOT } from "../lib/paths";
import { tempDir } from "./helpers/notebooks";
import { SHARED_DIR } from "./helpers/tokenizer-cases";

const GLUE = path.join(SHARED_DIR, "glue");
const noGlue = fs.existsSync(path.join(GLUE, "README.md")) ? false : `the shared GLUE files are not at ${GLUE} (set SHARED_DIR)`;
const qkv = (...args: string[]) => spawnSync(path.join(REPO_ROOT, "bin", "qkv"), args, { encoding: "utf8" });

/** Writes files (relative path → lines or raw bytes) under a fresh temporary directory. */
function glueFixture(files: Record<string, string[] | Buffer>): string {
  const dir = tempDir("glue");
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), Array.isArray(content) ? content.join("\n") + "\n" : content);
  }
  return dir;
}

const RTE_HEADER = "index\tsentence1\tsentence2\tlabel";
const rteRows = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => `${i}\tPremise ${i + offset}.\tHypothesis ${i + offset}.\t${i % 2}`);

/** The DataError `fn` throws, checked to be one. */
function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DataError, `expected a DataError, got ${err}`);
    return err;
  }
  assert.fail("expected a DataError");
}

/** A GLUE file parsed the simplest possible way (independent of lib/data/tsv): the label column's values. */
function labelColumn(file: string): string[] {
  const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
  return lines.slice(1).map((l) => l.split("\t").pop()!);
}

const key = (e: TextExample) => `${e.text}\t${e.pair}\t${e.label}`;
const counts = (labels: number[]) => labels.reduce<Record<number, number>>((c, l) => ((c[l] = (c[l] ?? 0) + 1), c), {});

describe("GLUE on ../shared/glue", { skip: noGlue }, () => {
  const load = (task: GlueTaskName, seed = 0) => loadGlueTask(GLUE, task, { seed });

  test("row counts of every file equal the README's", () => {
    const expected: Record<string, [number, number]> = { RTE: [2490, 277], "STS-B": [5749, 1500], MRPC: [3668, 408], CoLA: [8551, 1043], "SST-2": [67349, 872] };
    for (const [task, [train, dev]] of Object.entries(expected)) {
      const data = load(task as GlueTaskName);
      assert.equal(data.train.length, train, task);
      assert.deepEqual(data.evalSets.map((e) => [e.name, e.examples.length]), [["dev", dev]], task);
      assert.equal(data.substituted, false, task);
      assert.deepEqual(data.notes, [], task);
    }
  });

  test("label sets and counts match the files (counted by awk)", () => {
    assert.deepEqual(counts(load("SST-2").train.map((e) => e.label)), { 0: 29780, 1: 37569 });
    assert.deepEqual(counts(load("CoLA").evalSets[0].examples.map((e) => e.label)), { 0: 322, 1: 721 });
    assert.deepEqual(counts(load("MNLI").evalSets[0].examples.map((e) => e.label)), { 0: 3479, 1: 3123, 2: 3213 });
    assert.deepEqual(counts(load("RTE").evalSets[0].examples.map((e) => e.label)), { 0: 146, 1: 131 });
    const stsb = load("STS-B").evalSets[0].examples.map((e) => e.label);
    assert.equal(Math.min(...stsb), 0);
    assert.equal(Math.max(...stsb), 5);
    assert.ok(Math.abs(stsb.reduce((s, x) => s + x, 0) - 3545.8613310903) < 1e-9); // awk's sum of the label column
    assert.deepEqual(load("STS-B").train.slice(0, 2).map((e) => e.label), [5, 3.799999952316284]);
    // Sentences keep GLUE's raw quote characters: MRPC dev's first pair starts with one.
    assert.equal(load("MRPC").evalSets[0].examples[0].pair, '" The foodservice pie business does not fit our long-term growth strategy .');
  });

  test("MNLI trains on a seeded split of dev_mismatched and evaluates on dev_matched and the held-out rest", () => {
    const data = load("MNLI");
    assert.equal(data.substituted, true);
    assert.deepEqual(data.evalSets.map((e) => e.name), ["matched", "mismatched"]);
    assert.equal(data.evalSets[0].examples.length, 9815);
    assert.equal(data.train.length + data.evalSets[1].examples.length, 9832);
    assert.equal(data.evalSets[1].examples.length, Math.round(0.2 * 9832));
    assert.match(data.notes.join("\n"), /train\.tsv is missing: training on a seeded split \(seed 0\) of dev_mismatched\.tsv: 7866 rows train, 1966/);
    // A partition: train and the held-out part together are dev_mismatched, row for row (labels read independently).
    const file = path.join(GLUE, "MNLI", "dev_mismatched.tsv");
    const whole = fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(1).map((l) => {
      const [, premise, hypothesis, label] = l.split("\t");
      return `${premise}\t${hypothesis}\t${Number(label)}`;
    });
    assert.deepEqual([...data.train, ...data.evalSets[1].examples].map(key).sort(), whole.sort());
    assert.deepEqual(counts([...data.train, ...data.evalSets[1].examples].map((e) => e.label)), counts(labelColumn(file).map(Number)));
  });

  test("the seeded split is deterministic, moves with the seed, and does not move with maxTrain or maxEval", () => {
    const a = load("QNLI", 0);
    const b = load("QNLI", 0);
    const c = load("QNLI", 1);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.evalSets[0].examples.map(key), c.evalSets[0].examples.map(key));
    assert.equal(a.train.length + a.evalSets[0].examples.length, 5463);
    const held = new Set(a.evalSets[0].examples.map(key));
    assert.ok(a.train.every((e) => !held.has(key(e))), "train and the held-out dev part overlap");
    const small = loadGlueTask(GLUE, "QNLI", { seed: 0, maxTrain: 100, maxEval: 50 });
    assert.equal(small.train.length, 100);
    assert.equal(small.evalSets[0].examples.length, 50);
    assert.ok(small.train.every((e) => !held.has(key(e))), "maxTrain moved the held-out split");
    assert.ok(small.evalSets[0].examples.every((e) => held.has(key(e))), "maxEval sampled outside the held-out split");
    assert.match(small.notes.join("\n"), /train: a seeded sample of 100 of 4370 rows/);
    assert.match(small.notes.join("\n"), /dev: a seeded sample of 50 of 1093 rows/);
  });

  test("MRPC stands in for the missing QQP, and says so", () => {
    const data = load("QQP");
    assert.equal(data.task, "QQP");
    assert.equal(data.dir, path.join(GLUE, "MRPC"));
    assert.equal(data.substituted, true);
    assert.equal(data.train.length, 3668);
    assert.equal(data.evalSets[0].examples.length, 408);
    assert.match(data.notes[0], /QQP is missing .*: MRPC .* stands in/);
  });

  test("QNLI predicted all not_entailment scores 50.54, Table 2's collapsed cell (majority class of the full dev set)", () => {
    // Train and the held-out part together are the whole dev set, as the paper scored it.
    const data = load("QNLI");
    const whole: TaskData = { ...data, evalSets: [{ name: "dev", examples: [...data.train, ...data.evalSets[0].examples] }] };
    const score = scoreTask(whole, { dev: whole.evalSets[0].examples.map(() => 1) });
    assert.equal(score.metric, "accuracy");
    assert.equal((100 * score.value).toFixed(2), "50.54");
  });

  test("MNLI's score is the mean of matched and mismatched accuracy", () => {
    const data = load("MNLI");
    const [matched, mismatched] = data.evalSets;
    const score = scoreTask(data, {
      matched: matched.examples.map((e) => e.label), // all right
      mismatched: mismatched.examples.map(() => 0), // right exactly on the entailment rows
    });
    const zeros = mismatched.examples.filter((e) => e.label === 0).length / mismatched.examples.length;
    assert.deepEqual(score.sets.map((s) => [s.name, s.value]), [["matched", 1], ["mismatched", zeros]]);
    assert.equal(score.value, (1 + zeros) / 2);
  });

  test("CoLA predicted constant has MCC 0 (its denominator vanishes)", () => {
    const data = load("CoLA");
    const score = scoreTask(data, { dev: data.evalSets[0].examples.map(() => 1) });
    assert.equal(score.metric, "mcc");
    assert.equal(score.value, 0);
    assert.equal(score.sets[0].metrics.accuracy, 721 / 1043);
  });

  test("qkv glue reports found and substitute tasks and exits 0", () => {
    const r = qkv("glue", "--dir", GLUE);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^RTE +found +accuracy — train 2,490, dev 277$/m);
    assert.match(r.stdout, /^MNLI +substitute +accuracy \(mean of matched and mismatched\) — train 7,866 \(GLUE 392,702\), matched 9,815, mismatched 1,966 \(GLUE 9,832\)$/m);
    assert.match(r.stdout, /^QQP +substitute/m);
    const json = JSON.parse(qkv("glue", "--dir", GLUE, "--json").stdout);
    assert.deepEqual(json.tasks.map((t: { task: string }) => t.task), [...GLUE_TASK_NAMES]);
    assert.deepEqual(json.tasks.find((t: { task: string }) => t.task === "QNLI").rows, { train: 4370, dev: 1093 });
    assert.deepEqual(json.tasks.find((t: { task: string }) => t.task === "STS-B").metric, "pearson");
  });
});

describe("GLUE metrics on hand-worked cases", () => {
  test("CoLA: MCC of a 2×2 confusion table", () => {
    // labels and predictions: TP 3, TN 2, FP 1, FN 2 → (3·2 − 1·2) / √((3+1)(3+2)(2+1)(2+2)) = 4/√240.
    const labels = [1, 1, 1, 1, 1, 0, 0, 0];
    const predictions = [1, 1, 1, 0, 0, 1, 0, 0];
    const dir = glueFixture({
      "CoLA/train.tsv": ["index\tsentence\tlabel", "0\tA sentence.\t1"],
      "CoLA/dev.tsv": ["index\tsentence\tlabel", ...labels.map((l, i) => `${i}\tSentence ${i}.\t${l}`)],
    });
    const score = scoreTask(loadGlueTask(dir, "CoLA", { seed: 0 }), { dev: predictions });
    assert.ok(Math.abs(score.value - 4 / Math.sqrt(240)) < 1e-15);
  });

  test("STS-B: Pearson of outputs against scores", () => {
    // x = 0..5, y swaps neighbours: Σ(x−x̄)(y−ȳ) = 14.5, Σ(x−x̄)² = Σ(y−ȳ)² = 17.5 → r = 29/35.
    const dir = glueFixture({
      "STS-B/train.tsv": ["index\tsentence1\tsentence2\tlabel", "0\tA.\tB.\t2.5"],
      "STS-B/dev.tsv": ["index\tsentence1\tsentence2\tlabel", ...[0, 1, 2, 3, 4, 5].map((s) => `${s}\tA ${s}.\tB ${s}.\t${s}`)],
    });
    const data = loadGlueTask(dir, "STS-B", { seed: 0 });
    assert.equal(data.labels, 1);
    const score = scoreTask(data, { dev: [1, 0, 3, 2, 5, 4] });
    assert.equal(score.metric, "pearson");
    assert.ok(Math.abs(score.value - 29 / 35) < 1e-15);
    assert.equal(scoreTask(data, { dev: [1, 3, 5, 7, 9, 11] }).value, 1);
  });

  test("predictions must name every eval set and match its length", () => {
    const dir = glueFixture({ "RTE/train.tsv": [RTE_HEADER, ...rteRows(4)], "RTE/dev.tsv": [RTE_HEADER, ...rteRows(3)] });
    const data = loadGlueTask(dir, "RTE", { seed: 0 });
    assert.throws(() => scoreTask(data, {}), /RTE: no predictions for eval set "dev"/);
    assert.throws(() => scoreTask(data, { dev: [0, 1] }), /RTE dev: 2 predictions for 3 examples/);
    assert.throws(() => scoreTask(data, { dev: [0, 1, 0], matched: [0] }), /unknown eval set\(s\) matched/);
  });
});

describe("GLUE files: layouts and errors", () => {
  test("a missing file is named", () => {
    const dir = glueFixture({ "RTE/dev.tsv": [RTE_HEADER, ...rteRows(2)] });
    const err = dataError(() => loadGlueTask(dir, "RTE", { seed: 0 }));
    assert.ok(err instanceof MissingDataError);
    assert.equal(err.message, `${path.join(dir, "RTE", "train.tsv")}: no such file`);
    assert.match(dataError(() => readTsv(path.join(dir, "RTE"))).message, /RTE: is a directory, not a file$/);
  });

  test("an empty directory: every task is missing, and qkv glue says so and exits 1", () => {
    const dir = tempDir("glue-empty");
    for (const task of GLUE_TASK_NAMES) assert.ok(dataError(() => loadGlueTask(dir, task, { seed: 0 })) instanceof MissingDataError, task);
    assert.match(dataError(() => loadGlueTask(dir, "RTE", { seed: 0 })).message, /RTE: no such folder/);
    assert.match(dataError(() => loadGlueTask(dir, "QQP", { seed: 0 })).message, /QQP is missing \(no train\.tsv, dev\.tsv\), and so is MRPC/);
    const r = qkv("glue", "--dir", dir);
    assert.equal(r.status, 1);
    assert.equal((r.stdout.match(/^\S+ +missing /gm) ?? []).length, 8);
  });

  test("a missing column is named with the header it saw", () => {
    const dir = glueFixture({ "RTE/train.tsv": ["index\tsentence1\tlabel", "0\tA.\t0"], "RTE/dev.tsv": [RTE_HEADER, ...rteRows(2)] });
    const err = dataError(() => loadGlueTask(dir, "RTE", { seed: 0 }));
    assert.equal(err.message, `${path.join(dir, "RTE", "train.tsv")}:1: missing column "sentence2" for RTE; the header has "index", "sentence1", "label"`);
    assert.equal(err.column, "sentence2");
  });

  test("a row with the wrong number of columns is named by line", () => {
    const dir = glueFixture({ "RTE/train.tsv": [RTE_HEADER, "0\tA.\tB.\t0", "1\tA. B.\t1", "2\tA.\tB.\t0"], "RTE/dev.tsv": [RTE_HEADER, ...rteRows(2)] });
    const err = dataError(() => loadGlueTask(dir, "RTE", { seed: 0 }));
    assert.equal(err.message, `${path.join(dir, "RTE", "train.tsv")}:3: expected 4 columns, got 3`);
    assert.equal(err.line, 3);
    // A blank line inside the file is an error too; the final newline is not.
    const blank = glueFixture({ "x.tsv": ["a\tb", "1\t2", "", "3\t4"] });
    assert.match(dataError(() => readTsv(path.join(blank, "x.tsv"))).message, /x\.tsv:3: blank line \(expected 2 tab-separated columns\)$/);
    assert.match(dataError(() => readTsv(path.join(glueFixture({ "e.tsv": Buffer.alloc(0) }), "e.tsv"))).message, /empty file/);
    const headerOnly = glueFixture({ "RTE/train.tsv": [RTE_HEADER], "RTE/dev.tsv": [RTE_HEADER, ...rteRows(2)] });
    assert.match(dataError(() => loadGlueTask(headerOnly, "RTE", { seed: 0 })).message, /RTE\/train\.tsv: no rows after the header$/);
  });

  test("bad labels are named by line and value", () => {
    const rte = glueFixture({ "RTE/train.tsv": [RTE_HEADER, ...rteRows(2), "2\tA.\tB.\t2"], "RTE/dev.tsv": [RTE_HEADER, ...rteRows(2)] });
    const err = dataError(() => loadGlueTask(rte, "RTE", { seed: 0 }));
    assert.equal(err.message, `${path.join(rte, "RTE", "train.tsv")}:4: label must be a class id in 0..1 or one of entailment, not_entailment, got "2"`);
    assert.deepEqual([err.line, err.column, err.value], [4, "label", "2"]);
    const stsb = (label: string) => {
      const dir = glueFixture({ "STS-B/train.tsv": ["index\tsentence1\tsentence2\tlabel", "0\tA.\tB.\t1", `1\tA.\tB.\t${label}`], "STS-B/dev.tsv": ["index\tsentence1\tsentence2\tlabel", "0\tA.\tB.\t1"] });
      return () => loadGlueTask(dir, "STS-B", { seed: 0 });
    };
    for (const label of ["5.5", "-0.1", "abc", "", "0x1", "NaN", "Infinity"]) {
      assert.match(dataError(stsb(label)).message, new RegExp(`train\\.tsv:3: label must be a similarity score in \\[0, 5\\], got ${JSON.stringify(JSON.stringify(label)).slice(1, -1)}`), label);
    }
    assert.equal(stsb("3.2e0")().train[1].label, 3.2);
    // CoLA has no label names in GLUE's files: a name is an error there, not a class.
    const cola = glueFixture({ "CoLA/train.tsv": ["index\tsentence\tlabel", "0\tA.\tacceptable"], "CoLA/dev.tsv": ["index\tsentence\tlabel", "0\tA.\t1"] });
    assert.match(dataError(() => loadGlueTask(cola, "CoLA", { seed: 0 })).message, /train\.tsv:2: label must be a class id in 0\.\.1, got "acceptable"$/);
  });

  test("a column named twice in the header is refused, naming both (issue 19, item 16)", () => {
    const dir = glueFixture({ "RTE/train.tsv": [`${RTE_HEADER}\tlabel`, ...rteRows(3).map((r) => `${r}\t1`)], "RTE/dev.tsv": [RTE_HEADER, ...rteRows(2)] });
    assert.match(dataError(() => loadGlueTask(dir, "RTE", { seed: 0 })).message, /train\.tsv:1: column "label" appears twice in the header \(columns 4 and 5\)/);
  });

  test("an empty sentence is named by line and column", () => {
    const dir = glueFixture({ "RTE/train.tsv": [RTE_HEADER, ...rteRows(3), "3\t \tB.\t0"], "RTE/dev.tsv": [RTE_HEADER, ...rteRows(2)] });
    const err = dataError(() => loadGlueTask(dir, "RTE", { seed: 0 }));
    assert.equal(err.message, `${path.join(dir, "RTE", "train.tsv")}:5: empty sentence1`);
  });

  test("bad UTF-8 is named by line and byte", () => {
    const bad = Buffer.concat([Buffer.from("a\tb\n1\tcaf\u00e9\n2\tna"), Buffer.from([0xff]), Buffer.from("ve\n")]);
    const err = dataError(() => readTsv(path.join(glueFixture({ "bad.tsv": bad }), "bad.tsv")));
    assert.match(err.message, /bad\.tsv:3: not valid UTF-8: byte 0xff at byte 5 of the line$/);
    assert.deepEqual([err.line, err.value], [3, "0xff"]);
    // A file cut inside a multi-byte character (the first two bytes of "€").
    const cut = Buffer.concat([Buffer.from("a\tb\n1\t2\n3\t"), Buffer.from([0xe2, 0x82])]);
    assert.match(dataError(() => readTsv(path.join(glueFixture({ "cut.tsv": cut }), "cut.tsv"))).message, /cut\.tsv:3: not valid UTF-8: byte 0xe2 at byte 3 of the line$/);
    // A Latin-1 letter (issue 19, item 13): 0xE9 opens a 3-byte character that the space after it cuts short.
    const latin1 = Buffer.concat([Buffer.from("a\tb\n"), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6e]), Buffer.from("\tx\n")]);
    const named = dataError(() => readTsv(path.join(glueFixture({ "latin1.tsv": latin1 }), "latin1.tsv")));
    assert.match(named.message, /latin1\.tsv:2: not valid UTF-8: byte 0xe9 at byte 4 of the line$/);
  });

  test("CRLF line ends and a BOM are accepted; quotes are text", () => {
    const file = path.join(glueFixture({ "q.tsv": Buffer.from('\ufeffa\tb\r\n"open quote\t1\r\nx "y"\t"\r\n') }), "q.tsv");
    assert.deepEqual(readTsv(file), { file, header: ["a", "b"], rows: [['"open quote', "1"], ['x "y"', '"']], firstLine: 2 });
  });

  test("GLUE's original layouts: MNLI's gold_label names, headerless CoLA, MRPC's and QQP's headers, STS-B's score", () => {
    const mnliHeader = "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label";
    const mnliRow = (i: number, gold: string) => `${i}\t1\t1n\tfiction\t( A )\t( B )\t(ROOT A)\t(ROOT B)\tPremise ${i}.\tHypothesis ${i}.\t${gold}\t${gold}`;
    const golds = ["entailment", "neutral", "contradiction", "neutral"];
    const dir = glueFixture({
      "MNLI/train.tsv": [mnliHeader, ...golds.map((g, i) => mnliRow(i, g))],
      "MNLI/dev_matched.tsv": [mnliHeader, mnliRow(0, "contradiction")],
      "MNLI/dev_mismatched.tsv": [mnliHeader, mnliRow(0, "entailment")],
      "MNLI/test_matched.tsv": ["index\tsentence1\tsentence2", "0\tA.\tB."],
      "CoLA/train.tsv": ["gj04\t1\t\tOur friends won't buy this analysis.", "gj04\t0\t*\tThey drank the pub."],
      "CoLA/dev.tsv": ["gj04\t1\t\tThe sailors rode the breeze."],
      "MRPC/train.tsv": ["Quality\t#1 ID\t#2 ID\t#1 String\t#2 String", "1\t702876\t702977\tAmrozi accused his brother .\tReferring to him .", "0\t1\t2\tA .\tB ."],
      "MRPC/dev.tsv": ["Quality\t#1 ID\t#2 ID\t#1 String\t#2 String", "1\t1\t2\tA .\tA ."],
      "QQP/dev.tsv": ["id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate", ...Array.from({ length: 10 }, (_, i) => `${i}\t${2 * i}\t${2 * i + 1}\tWhy ${i}?\tHow ${i}?\t${i % 2}`)],
      "STS-B/train.tsv": ["index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore", "0\tmain-captions\tMSRvid\t2012test\t1\tnone\tnone\tA plane.\tAn air plane.\t5.000"],
      "STS-B/dev.tsv": ["index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore", "0\tmain-captions\tMSRvid\t2012test\t1\tnone\tnone\tA man.\tA man.\t4.75"],
    });
    const mnli = loadGlueTask(dir, "MNLI", { seed: 0 });
    assert.deepEqual(mnli.train.map((e) => e.label), [0, 1, 2, 1]);
    assert.deepEqual(mnli.train[0], { text: "Premise 0.", pair: "Hypothesis 0.", label: 0 });
    assert.deepEqual([mnli.substituted, mnli.notes, mnli.test], [false, [], undefined]); // test_matched.tsv is GLUE's unlabelled test
    const cola = loadGlueTask(dir, "CoLA", { seed: 0 });
    assert.deepEqual(cola.train, [{ text: "Our friends won't buy this analysis.", label: 1 }, { text: "They drank the pub.", label: 0 }]);
    assert.deepEqual(loadGlueTask(dir, "MRPC", { seed: 0 }).train[0], { text: "Amrozi accused his brother .", pair: "Referring to him .", label: 1 });
    const qqp = loadGlueTask(dir, "QQP", { seed: 0 }); // only its dev set: a split of it, not MRPC
    assert.equal(qqp.dir, path.join(dir, "QQP"));
    assert.deepEqual([qqp.train.length, qqp.evalSets[0].examples.length], [8, 2]);
    assert.match(qqp.notes[0], /training on a seeded split \(seed 0\) of dev\.tsv: 8 rows train, 2 \(20%\)/);
    const half = loadGlueTask(dir, "QQP", { seed: 0, holdout: 0.5 });
    assert.deepEqual([half.train.length, half.evalSets[0].examples.length], [5, 5]);
    assert.equal(loadGlueTask(dir, "STS-B", { seed: 0 }).evalSets[0].examples[0].label, 4.75);
    const tiny = glueFixture({ "QNLI/dev.tsv": ["index\tquestion\tsentence\tlabel", "0\tWhy?\tBecause.\tentailment"] });
    assert.match(dataError(() => loadGlueTask(tiny, "QNLI", { seed: 0 })).message, /QNLI\/dev\.tsv: train\.tsv is missing and dev\.tsv has 1 row\(s\): too few to split/);
    // A headerless file whose row fails is named by its own line 1.
    const badCola = glueFixture({ "CoLA/train.tsv": ["gj04\t1\t\t ", "gj04\t0\t*\tB."], "CoLA/dev.tsv": ["gj04\t1\t\tA."] });
    assert.match(dataError(() => loadGlueTask(badCola, "CoLA", { seed: 0 })).message, /CoLA\/train\.tsv:1: empty column 4$/);
  });

  test("a labelled test.tsv is read (the built-in tasks' layout); an unlabelled one is skipped with a note", () => {
    const sst = ["index\tsentence\tlabel", "0\tgood .\t1", "1\tbad .\t0"];
    const labelled = loadGlueTask(glueFixture({ "SST-2/train.tsv": sst, "SST-2/dev.tsv": sst, "SST-2/test.tsv": sst }), "SST-2", { seed: 0 });
    assert.deepEqual(labelled.test, [{ text: "good .", label: 1 }, { text: "bad .", label: 0 }]);
    const hidden = loadGlueTask(glueFixture({ "SST-2/train.tsv": sst, "SST-2/dev.tsv": sst, "SST-2/test.tsv": ["index\tsentence", "0\tfine ."] }), "SST-2", { seed: 0 });
    assert.equal(hidden.test, undefined);
    assert.match(hidden.notes[0], /test\.tsv has no label column .*: not read/);
  });

  test("bad options and task names are named", () => {
    const dir = glueFixture({ "RTE/train.tsv": [RTE_HEADER, ...rteRows(2)], "RTE/dev.tsv": [RTE_HEADER, ...rteRows(2)] });
    assert.throws(() => loadGlueTask(dir, "WNLI" as GlueTaskName, { seed: 0 }), /unknown GLUE task "WNLI"; the tasks are RTE, STS-B/);
    assert.throws(() => loadGlueTask(dir, "RTE", { seed: 0.5 }), /seed must be an integer, got 0\.5/);
    assert.throws(() => loadGlueTask(dir, "RTE", { seed: 0, maxTrain: 0 }), /maxTrain must be a positive integer, got 0/);
    assert.throws(() => loadGlueTask(dir, "RTE", { seed: 0, holdout: 1 }), /holdout must be a fraction in \(0, 1\), got 1/);
    assert.match(dataError(() => loadGlueTask(path.join(dir, "nope"), "RTE", { seed: 0 })).message, /nope: no such directory$/);
  });

  test("qkv glue marks a malformed task invalid, with the file and line", () => {
    const dir = glueFixture({ "RTE/train.tsv": [RTE_HEADER, "0\tA.\tB.\t7"], "RTE/dev.tsv": [RTE_HEADER, ...rteRows(2)] });
    const r = qkv("glue", "--dir", dir, "--json");
    assert.equal(r.status, 1);
    const rte = JSON.parse(r.stdout).tasks[0];
    assert.equal(rte.status, "invalid");
    assert.equal(rte.error, `${path.join(dir, "RTE", "train.tsv")}:2: label must be a class id in 0..1 or one of entailment, not_entailment, got "7"`);
    const usage = qkv("glue", "--dir", path.join(dir, "RTE", "train.tsv"));
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /train\.tsv: not a directory \(--dir\)/);
  });
});

describe("GLUE_DIR and the DataFrame view", () => {
  test("glueDir: unset, not a directory, and a relative path made absolute", () => {
    assert.match(dataError(() => glueDir({})).message, /^GLUE_DIR: not set/);
    assert.match(dataError(() => glueDir({ GLUE_DIR: path.join(REPO_ROOT, "package.json") })).message, /package\.json: not a directory \(GLUE_DIR\)$/);
    assert.match(dataError(() => glueDir({ GLUE_DIR: "/no/such/glue" })).message, /^\/no\/such\/glue: no such directory \(GLUE_DIR\)$/);
    assert.equal(glueDir({ GLUE_DIR: path.relative(process.cwd(), REPO_ROOT) || "." }), REPO_ROOT);
  });

  test("glueFrame shows the examples, and loading danfojs leaves the tfjs backend choice alone", async () => {
    const frame = glueFrame([{ text: "a", pair: "b", label: 0 }, { text: "c", label: 2 }]);
    assert.deepEqual(frame.columns, ["text", "pair", "label"]);
    assert.deepEqual(frame.values, [["a", "b", 0], ["c", "", 2]]);
    assert.deepEqual(glueFrame([{ text: "a", label: 1 }]).columns, ["text", "label"]);
    // danfojs-node pulls in tfjs under the tfjs-node name (an npm alias): the selection must still skip that alias.
    const choice = await selectBackend();
    assert.notEqual(choice.name, "tfjs-node");
    assert.equal(tf.getBackend(), choice.tfBackend);
  });
});
