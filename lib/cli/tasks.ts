// `qkv tasks`: writes the built-in synthetic task suite (GLUE-style TSV, a corpus per task, suite.json) and
// prints each file's rows with the majority-class and bag-of-words baselines.
import * as path from "path";
import { checkOutputPath } from "../files/index";
import { KnobOverrides, SuiteError, SuiteManifest, TASK_NAMES, TaskName, writeSuite } from "../data/builtin/index";
import { REPO_ROOT } from "../paths";
import { integerOption, parseCommandArgs, UsageError } from "./args";

export const usage =
  "qkv tasks [--out data/tasks] [--seed 0] [--difficulty 0.5] [--knobs hardNegative=0,negation=0.2,…] " +
  `[--train 2000] [--dev 500] [--test 2000] [--corpus 20000] [--tasks ${TASK_NAMES.join(",")}] [--json]`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    out: { type: "string" }, seed: { type: "string", default: "0" }, difficulty: { type: "string", default: "0.5" },
    knobs: { type: "string" }, train: { type: "string", default: "2000" }, dev: { type: "string", default: "500" },
    test: { type: "string", default: "2000" }, corpus: { type: "string", default: "20000" },
    tasks: { type: "string", default: TASK_NAMES.join(",") }, json: { type: "boolean" },
  }, usage);
  const difficulty = Number(values.difficulty);
  if (values.difficulty!.trim() === "" || !Number.isFinite(difficulty) || difficulty < 0 || difficulty > 1) {
    throw new UsageError(`--difficulty must be a number in [0, 1], got ${JSON.stringify(values.difficulty)}`);
  }
  const knobOverrides = values.knobs === undefined ? undefined : parseKnobs(values.knobs);
  const tasks = values.tasks!.split(",").map((t) => t.trim());
  for (const t of tasks) {
    if (!(TASK_NAMES as readonly string[]).includes(t)) {
      throw new UsageError(
        `--tasks: unknown task ${JSON.stringify(t)}; the built-in tasks are ${TASK_NAMES.join(", ")}`,
      );
    }
  }
  const out = values.out === undefined ? path.join(REPO_ROOT, "data", "tasks") : path.resolve(values.out);
  checkOutputPath(out, "folder", [], "--out");
  let manifest: SuiteManifest;
  try {
    manifest = writeSuite(out, {
      seed: integerOption(values.seed!, "--seed", 0), difficulty: difficulty, knobs: knobOverrides,
      tasks: tasks as TaskName[],
      sizes: {
        train: integerOption(values.train!, "--train", 1), dev: integerOption(values.dev!, "--dev", 1),
        test: integerOption(values.test!, "--test", 1), corpus: integerOption(values.corpus!, "--corpus", 1),
      },
    });
  } catch (e) {
    // What the generator rejects (a size the world cannot fill) is the user's to change: exit 2.
    if (e instanceof SuiteError) throw new UsageError(e.message);
    throw e;
  }
  if (values.json) {
    console.log(JSON.stringify(manifest));
    return 0;
  }
  const setApart = Object.entries(manifest.knobs ?? {}).map(([knob, p]) => `${knob} ${p}`);
  console.log(`built-in suite in ${out}: seed ${manifest.seed}, difficulty ${manifest.difficulty}` +
    `${setApart.length > 0 ? ` (knobs set apart: ${setApart.join(", ")})` : ""}`);
  const rows = [["task", "file", "rows", "majority", "bag of words"]];
  for (const [name, task] of Object.entries(manifest.tasks)) {
    for (const [file, entry] of Object.entries(task!.files)) {
      const b = task!.baselines[file];
      rows.push([name, file, String(entry.rows), b ? b.majority.toFixed(3) : "", b ? b.bagOfWords.toFixed(3) : ""]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) {
    console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
  }
  return 0;
}

/** "hardNegative=0,negation=0.2" → { hardNegative: 0, negation: 0.2 } (the generator checks names and ranges). */
function parseKnobs(text: string): KnobOverrides {
  const out: Record<string, number> = {};
  for (const item of text.split(",")) {
    const [name, value, ...rest] = item.split("=").map((x) => x.trim());
    const p = Number(value);
    if (!name || value === undefined || value === "" || rest.length > 0 || !Number.isFinite(p)) {
      throw new UsageError(`--knobs takes name=probability pairs separated by commas, got ${JSON.stringify(item)}`);
    }
    out[name] = p;
  }
  return out;
}
