export { CATALOG, NOTEBOOKS_DIR, catalogStatus, listNotebooks, resolveNotebooks } from "./catalog";
export type { CatalogEntry } from "./catalog";
export { guidanceDiagram, guidanceNotebook } from "./guidance";
export { executeNotebook, executionProblems, formatFailure, readNotebookCells } from "./execute";
export type { CellRef, ExecuteOptions, NotebookFailure, NotebookRun } from "./execute";
export { REPO_ROOT, resultsPath, TASKS_DIR } from "../paths";
export { JUPYTER_DIR, KERNEL_NAME, installKernelSpec, jupyterEnv, kernelProblems, kernelSpec } from "./kernelspec";
export { PROFILES, byProfile, currentProfile, parseProfile } from "../experiments/profile";
export type { Profile } from "../experiments/profile";
export {
  RUNTIME_HISTORY_FILE, RUNTIME_TABLE_NAME, describeEstimate, estimateLeft, loadHistory, recordTimings, runConditions,
  runtimeTable, saveHistory,
} from "./runtimes";
export type { Estimate, NotebookTiming, RunConditions, RunningNotebook, RuntimeHistory } from "./runtimes";
export { setup } from "./setup";
export type { NotebookSetup } from "./setup";
