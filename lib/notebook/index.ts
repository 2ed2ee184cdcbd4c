export { CATALOG, NOTEBOOKS_DIR, catalogStatus, listNotebooks, resolveNotebooks } from "./catalog";
export type { CatalogEntry } from "./catalog";
export { executeNotebook, executionProblems, formatFailure, readNotebookCells } from "./execute";
export type { CellRef, ExecuteOptions, NotebookFailure, NotebookRun } from "./execute";
export { JUPYTER_DIR, KERNEL_NAME, REPO_ROOT, installKernelSpec, jupyterEnv, kernelProblems, kernelSpec } from "./kernelspec";
export { PROFILES, byProfile, currentProfile, parseProfile } from "./profile";
export type { Profile } from "./profile";
