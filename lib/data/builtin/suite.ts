// The suite: generates each task's splits and corpus from (seed, difficulty, sizes), scores the baselines,
// and writes a GLUE_DIR-like tree — <out>/<task>/{train,dev,test}.tsv (MNLI: dev_matched, dev_mismatched),
// <out>/<task>/corpus.txt — and <out>/suite.json with every file's sha256 and row count.
//
// Determinism: every split draws from its own stream Rng(seed, hash("<task>/<file>")), so changing one size
// leaves the other files as they were. Splits are disjoint by construction, not by order: an example belongs
// to the split that a hash of (seed, its text) assigns it (60% train, 20% dev, 20% test of the text space),
// and each split keeps only its own, so no text is shared and no split depends on another's size.
import * as fs from "fs";
import * as path from "path";
import { sha256, writeFileAtomic } from "../../files/index";
import { Rng } from "../../random/index";
import { bagOfWordsBaseline, majorityBaseline } from "../baselines";
import { TextExample } from "../example";
import { buildCorpus, HeldOut } from "./corpus";
import { MNLI } from "./mnli";
import { QNLI } from "./qnli";
import { QQP } from "./qqp";
import { SST2 } from "./sst2";
import { BuiltinTask, GenContext, SplitSpec, TASK_NAMES, TaskName } from "./task";
import { buildWorld, chance, KnobOverrides, knobs, streamId, SuiteError, World } from "./world";
import { toCorpus, toTsv } from "./writer";

export const BUILTIN_TASKS: Record<TaskName, BuiltinTask> = { "SST-2": SST2, MNLI: MNLI, QNLI: QNLI, QQP: QQP };

export interface SuiteSizes {
  train: number;
  /** Per dev file (MNLI writes two). */
  dev: number;
  test: number;
  /** Corpus sentences per task. */
  corpus: number;
}

export interface SuiteOptions {
  seed: number;
  difficulty: number;
  /** Knobs set apart from the difficulty (none by default). */
  knobs?: KnobOverrides;
  sizes: SuiteSizes;
  tasks: readonly TaskName[];
}

export const DEFAULT_SUITE: SuiteOptions = {
  seed: 0,
  difficulty: 0.5,
  sizes: { train: 2000, dev: 500, test: 2000, corpus: 20000 },
  tasks: TASK_NAMES,
};

/** Options completed from the defaults and checked; a bad field is named with its value. */
export function suiteOptions(
  partial: Partial<Omit<SuiteOptions, "sizes">> & { sizes?: Partial<SuiteSizes> } = {},
): SuiteOptions {
  const options: SuiteOptions = { ...DEFAULT_SUITE, ...partial, sizes: { ...DEFAULT_SUITE.sizes, ...partial.sizes } };
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new SuiteError(`seed must be an integer ≥ 0, got ${JSON.stringify(options.seed)}`);
  }
  knobs(options.difficulty, options.knobs);
  for (const [name, n] of Object.entries(options.sizes)) {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new SuiteError(`sizes.${name} must be a positive integer, got ${JSON.stringify(n)}`);
    }
  }
  if (!Array.isArray(options.tasks) || options.tasks.length === 0) {
    throw new SuiteError(
      `tasks must name at least one of ${TASK_NAMES.join(", ")}, got ${JSON.stringify(options.tasks)}`,
    );
  }
  for (const t of options.tasks) {
    if (!(TASK_NAMES as readonly string[]).includes(t)) {
      throw new SuiteError(`tasks: unknown task ${JSON.stringify(t)}; the built-in tasks are ${TASK_NAMES.join(", ")}`);
    }
  }
  return options;
}

export interface GeneratedSplit {
  spec: SplitSpec;
  examples: TextExample[];
}

export interface GeneratedTask {
  task: BuiltinTask;
  splits: GeneratedSplit[];
  corpus: string[];
}

const BUCKETS = 20;
const TRAIN_BUCKETS = 12;
const DEV_BUCKETS = 4;

/** The split kind a text belongs to, from a hash of the seed and the text. */
export function splitOf(seed: number, key: string): SplitSpec["kind"] {
  const b = streamId(`${seed}\t${key}`) % BUCKETS;
  return b < TRAIN_BUCKETS ? "train" : b < TRAIN_BUCKETS + DEV_BUCKETS ? "dev" : "test";
}

export const exampleKey = (ex: TextExample) => (ex.pair === undefined ? ex.text : `${ex.text}\t${ex.pair}`);

function sizeOf(spec: SplitSpec, sizes: SuiteSizes): number {
  return spec.kind === "train" ? sizes.train : spec.kind === "dev" ? sizes.dev : sizes.test;
}

function generateSplit(task: BuiltinTask, spec: SplitSpec, options: SuiteOptions, world: World): TextExample[] {
  const n = sizeOf(spec, options.sizes);
  const stream = `${task.name}/${spec.file}`;
  const rng = new Rng(options.seed, streamId(stream));
  const ctx: GenContext = {
    rng: rng, world: world, knobs: knobs(options.difficulty, options.knobs), mismatched: spec.mismatched,
  };
  const classes = task.labelNames.length;
  // Balanced classes in a shuffled order (Fisher-Yates).
  const labels = Array.from({ length: n }, (_, i) => i % classes);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  const seen = new Set<string>();
  const examples: TextExample[] = [];
  const maxDraws = 50 * n + 1000;
  let draws = 0;
  for (const label of labels) {
    for (;;) {
      if (++draws > maxDraws) {
        throw new SuiteError(`${stream}: only ${examples.length} distinct examples of ${n} after ${maxDraws} draws; ` +
          `ask for fewer (--${spec.kind}) or raise --difficulty`);
      }
      const ex = task.example(ctx, label);
      const key = exampleKey(ex);
      if (splitOf(options.seed, key) !== spec.kind || seen.has(key)) continue;
      seen.add(key);
      examples.push(ex);
      break;
    }
  }
  if (spec.kind === "train") {
    addLabelNoise(examples, classes, ctx.knobs.labelNoise, new Rng(options.seed, streamId(`${stream}/noise`)));
  }
  return examples;
}

/** Replaces a fraction `rate` of the labels by a uniformly drawn other class. */
function addLabelNoise(examples: TextExample[], classes: number, rate: number, rng: Rng): void {
  for (const ex of examples) {
    if (chance(rng, rate)) ex.label = (ex.label + 1 + rng.int(classes - 1)) % classes;
  }
}

/** One task's splits and corpus (nothing written). */
export function generateTask(name: TaskName, options: SuiteOptions): GeneratedTask {
  const task = BUILTIN_TASKS[name];
  const world = buildWorld(options.seed);
  const splits = task.splits.map((spec) => ({ spec: spec, examples: generateSplit(task, spec, options, world) }));
  const heldOut = new HeldOut();
  for (const s of splits) {
    if (s.spec.kind === "train") continue;
    for (const ex of s.examples) {
      heldOut.add(ex.text);
      if (ex.pair !== undefined) heldOut.add(ex.pair);
    }
  }
  const ctx: GenContext = {
    rng: new Rng(options.seed, streamId(`${name}/corpus.txt`)), world: world,
    knobs: knobs(options.difficulty, options.knobs), mismatched: false,
  };
  return { task: task, splits: splits, corpus: buildCorpus(task, ctx, options.sizes.corpus, heldOut) };
}

export interface FileEntry {
  rows: number;
  sha256: string;
}

export interface TaskManifest {
  labels: readonly string[];
  files: Record<string, FileEntry>;
  /** Accuracy on each dev and test file: the majority class of train, and bag-of-words logistic regression. */
  baselines: Record<string, { majority: number; bagOfWords: number }>;
}

export interface SuiteManifest {
  generator: string;
  seed: number;
  difficulty: number;
  /** Present only when knobs were set apart from the difficulty. */
  knobs?: KnobOverrides;
  sizes: SuiteSizes;
  tasks: Partial<Record<TaskName, TaskManifest>>;
}

/** Baseline accuracies of a generated task on its dev and test files. */
export function taskBaselines(generated: GeneratedTask): TaskManifest["baselines"] {
  const train = generated.splits.find((s) => s.spec.kind === "train")!.examples;
  const evals = generated.splits.filter((s) => s.spec.kind !== "train");
  const sets = evals.map((s) => s.examples);
  const majority = majorityBaseline(train, sets).accuracy;
  const bow = bagOfWordsBaseline(train, sets).accuracy;
  return Object.fromEntries(evals.map((s, k) => [
    s.spec.file, { majority: round(majority[k]), bagOfWords: round(bow[k]) },
  ]));
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** Generates the suite into `dir` (each file written atomically) and returns the manifest it wrote. */
export function writeSuite(dir: string, partial: Parameters<typeof suiteOptions>[0] = {}): SuiteManifest {
  const options = suiteOptions(partial);
  const manifest: SuiteManifest = {
    generator: "qkv-lab built-in suite v1", seed: options.seed, difficulty: options.difficulty,
    ...(options.knobs !== undefined && Object.keys(options.knobs).length > 0 ? { knobs: options.knobs } : {}),
    sizes: options.sizes, tasks: {},
  };
  for (const name of options.tasks) {
    const generated = generateTask(name, options);
    const files: Record<string, FileEntry> = {};
    const put = (file: string, content: string, rows: number) => {
      writeFileAtomic(path.join(dir, name, file), content);
      files[file] = { rows: rows, sha256: sha256(content) };
    };
    for (const s of generated.splits) {
      put(s.spec.file, toTsv(s.spec.file, generated.task.columns, s.examples), s.examples.length);
    }
    put("corpus.txt", toCorpus("corpus.txt", generated.corpus), generated.corpus.length);
    manifest.tasks[name] = { labels: generated.task.labelNames, files: files, baselines: taskBaselines(generated) };
  }
  writeFileAtomic(path.join(dir, "suite.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/**
 * The suite `dir`'s suite.json describes, its files regenerated when one is missing or differs from the manifest's
 * sha256 (a fresh clone has only suite.json: the files are regenerated, byte-identical, rather than committed; a
 * checkout whose suite.json moved on, as when the test split grew to 2000 rows, gets the files it names). Without a
 * suite.json, the default suite. Returns the manifest.
 */
export function ensureSuite(dir: string, log?: (line: string) => void): SuiteManifest {
  const manifestFile = path.join(dir, "suite.json");
  if (!fs.existsSync(manifestFile)) {
    log?.(`writing the default built-in suite into ${dir} (\`qkv tasks\`, a few seconds)`);
    return writeSuite(dir);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as SuiteManifest;
  const current = Object.entries(manifest.tasks).every(([task, t]) => Object.entries(t.files).every(([file, f]) => {
    const where = path.join(dir, task, file);
    return fs.existsSync(where) && sha256(fs.readFileSync(where)) === f.sha256;
  }));
  if (current) return manifest;
  log?.(`writing the built-in suite that ${manifestFile} describes (\`qkv tasks\`, a few seconds)`);
  return writeSuite(dir, {
    seed: manifest.seed, difficulty: manifest.difficulty, knobs: manifest.knobs, sizes: manifest.sizes,
    tasks: Object.keys(manifest.tasks) as TaskName[],
  });
}
