// The built-in synthetic task suite: SST-2-, MNLI-, QNLI- and QQP-like tasks generated from a seed, written
// as GLUE TSV with an unlabelled corpus per task and a manifest (suite.json).
//   writeSuite(dir, { seed, difficulty, knobs, sizes, tasks }) → SuiteManifest (files, sha256, row counts, baselines)
//   ensureSuite(dir)                                      → the default suite, written only when a file is missing
//   generateTask(name, suiteOptions({...}))              → splits and corpus in memory
//   knobs(difficulty, overrides)                          → what one difficulty number sets, knobs set apart
export { HeldOut } from "./corpus";
export {
  BUILTIN_TASKS, DEFAULT_SUITE, ensureSuite, exampleKey, generateTask, splitOf, suiteOptions, taskBaselines, writeSuite,
} from "./suite";
export type {
  FileEntry, GeneratedSplit, GeneratedTask, SuiteManifest, SuiteOptions, SuiteSizes, TaskManifest,
} from "./suite";
export { isSentimentGloss } from "./sst2";
export { TASK_NAMES } from "./task";
export type { BuiltinTask, Column, SplitSpec, TaskName } from "./task";
export { ancestors, buildWorld, isA, knobs, SuiteError } from "./world";
export type { KnobOverrides, Knobs, Person, World } from "./world";
