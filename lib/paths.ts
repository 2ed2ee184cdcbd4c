// The checkout's root, from which every project folder (notebooks/, figures/, data/, .jupyter/) is found.
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..");

/** The built-in task suite's folder (regenerated where missing by a notebook's `setup({ tasks: true })`). */
export const TASKS_DIR = path.join(REPO_ROOT, "data", "tasks");

/** A folder under data/results/, where the notebooks' sweeps and grids store their runs. */
export const resultsPath = (...parts: string[]): string => path.join(REPO_ROOT, "data", "results", ...parts);
