// A grid as a SLURM job array: one shard per array task.
import * as path from "path";
import { REPO_ROOT } from "../../paths";

export interface SlurmOptions {
  /** More arguments for every shard's `qkv grid` (e.g. ["--profile", "full"]). */
  args?: string[];
  /** Default qkv-<grid name>. */
  jobName?: string;
  /** Default 2. */
  cpusPerTask?: number;
  /** SLURM's --time (e.g. "04:00:00"); left to the cluster's default when absent. */
  time?: string;
  /** Where the tasks' logs go (default <repository>/.qkv/slurm; SLURM does not create it). */
  logDir?: string;
}

/**
 * A SLURM job-array script running `qkv grid GRID` as `shards` array tasks, one shard each (GRID: a named
 * grid, or the absolute path of a grid JSON file). Every task writes results.csv from what is stored when it
 * ends; the comment says how to write the complete one once all have finished.
 */
export function slurmScript(grid: string, shards: number, options: SlurmOptions = {}): string {
  if (!Number.isInteger(shards) || shards < 1) {
    throw new Error(`slurmScript: shards must be a positive integer, got ${JSON.stringify(shards)}`);
  }
  const logDir = options.logDir ?? path.join(REPO_ROOT, ".qkv", "slurm");
  const args = [grid, ...(options.args ?? [])].map(shellQuote).join(" ");
  const jobName = options.jobName ?? `qkv-${path.basename(grid, ".json")}`;
  return [
    "#!/bin/bash",
    `# \`qkv grid ${grid}\` as a SLURM job array of ${shards} shards, one per array task.`,
    `# Submit with: mkdir -p ${shellQuote(logDir)} && sbatch THIS_FILE`,
    `# When every task has finished, write the complete results.csv with: bin/qkv grid ${args} --collect`,
    "# (or rerun it without --shard: every run is stored, so it computes nothing and only rewrites the results files).",
    `#SBATCH --job-name=${jobName}`,
    `#SBATCH --array=0-${shards - 1}`,
    `#SBATCH --cpus-per-task=${options.cpusPerTask ?? 2}`,
    ...(options.time ? [`#SBATCH --time=${options.time}`] : []),
    `#SBATCH --output=${path.join(logDir, "%x-%A_%a.out")}`,
    "set -euo pipefail",
    `cd ${shellQuote(REPO_ROOT)}`,
    "# OpenBLAS would start a thread per core of the node, not of the allocation.",
    'export QKV_BLAS_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    `exec bin/qkv grid ${args} --shard "$SLURM_ARRAY_TASK_ID/${shards}" --workers 1`,
    "",
  ].join("\n");
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
