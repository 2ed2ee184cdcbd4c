// `qkv grid NAME|FILE.json`: a fine-tuning sweep (lib/experiments/grid) from the named grids or a JSON
// GridSpec, on parallel workers, resumable (stored runs are skipped), one shard of it (--shard i/N, as a SLURM
// array task runs it), or the SLURM array script itself (--slurm N). Exit 1 when some runs failed.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  collectGrid, expandGrid, GridConflict, GridInterrupted, gridSummary, GridResult, GridSpec, gridResultsDir, runGrid,
  slurmScript,
} from "../experiments/grid/index";
import { GRID_NAMES, namedGrid } from "../experiments/grids";
import { currentProfile, parseProfile, Profile } from "../experiments/profile";
import { asUsageError, integerOption, parseCommandArgs, UsageError } from "./args";

export const usage =
  `qkv grid ${GRID_NAMES.join("|")}|FILE.json [--profile smoke|default|full|paper (named grids)] ` +
  "[--workers N (default: cores)] [--shard i/N] [--results DIR (default data/results/NAME)] " +
  "[--replace (take over a folder another spec of this name wrote)] " +
  "[--collect (only write results.csv from the stored runs)] " +
  "[--slurm N (print a SLURM array script)]";

/** "i/N" → { index: i, count: N }, 0 ≤ i < N, or a UsageError naming the value. */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new UsageError(`--shard must be i/N with integers 0 ≤ i < N (e.g. 0/4), got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/** A named grid, or a GridSpec read from a JSON file (an argument ending in .json, or an existing file). */
function loadSpec(arg: string, profile: Profile): { spec: GridSpec; file?: string } {
  if (!arg.endsWith(".json") && !(fs.existsSync(arg) && fs.statSync(arg).isFile())) {
    return { spec: asUsageError(() => namedGrid(arg, profile)) };
  }
  const file = path.resolve(arg);
  if (!fs.existsSync(file)) throw new UsageError(`${arg}: no such grid file`);
  try {
    return { spec: JSON.parse(fs.readFileSync(file, "utf8")) as GridSpec, file };
  } catch (err) {
    throw new UsageError(`${arg}: not valid JSON (${(err as Error).message})`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, {
    profile: { type: "string" }, workers: { type: "string" }, shard: { type: "string" }, results: { type: "string" },
    collect: { type: "boolean" }, slurm: { type: "string" }, replace: { type: "boolean" },
  }, usage, Infinity);
  if (positionals.length !== 1) {
    throw new UsageError(`name one grid (${GRID_NAMES.join(", ")}) or a grid JSON file\nusage: ${usage}`);
  }
  const profile = v.profile === undefined
    ? currentProfile()
    : asUsageError(() => parseProfile(v.profile!, "--profile"));
  const { spec, file } = loadSpec(positionals[0], profile);
  const configs = asUsageError(() => expandGrid(spec));
  const resultsDir = path.resolve(v.results ?? gridResultsDir(spec));
  const shard = v.shard === undefined ? undefined : parseShard(v.shard);
  if (v.slurm !== undefined) {
    if (shard || v.collect) {
      throw new UsageError("--slurm prints the script for every shard: give it without --shard and --collect");
    }
    const shards = integerOption(v.slurm, "--slurm", 1);
    // Every task must run the same grid: the profile and results folder go in explicitly.
    const args = [
      ...(file ? [] : ["--profile", profile]), ...(v.results ? ["--results", resultsDir] : []),
      ...(v.replace ? ["--replace"] : []),
    ];
    process.stdout.write(slurmScript(file ?? positionals[0], shards, { args }));
    return 0;
  }
  const where = path.relative(process.cwd(), resultsDir) || ".";
  if (v.collect) {
    if (shard) throw new UsageError("--collect writes the results of every shard: give it without --shard");
    const rows = collectGrid(spec, resultsDir, configs);
    console.log(`grid ${spec.name}: ${rows.length} of ${configs.length} runs stored` +
      `${rows.length < configs.length ? `, ${configs.length - rows.length} missing` : ""} ` +
      `→ ${path.join(where, "results.csv")}`);
    return 0;
  }
  const workers = v.workers === undefined ? os.availableParallelism() : integerOption(v.workers, "--workers", 1);
  console.error(`grid ${spec.name}: ${configs.length} runs${shard ? `, shard ${shard.index}/${shard.count}` : ""}` +
    `${file ? "" : ` (profile ${profile})`} → ${where}; ` +
    "interrupt at will, rerunning resumes");
  let result: GridResult;
  try {
    result = await runGrid(spec, { resultsDir, workers, shard, replace: v.replace, report: false });
  } catch (err) {
    if (err instanceof GridConflict) throw new UsageError(err.message);
    if (!(err instanceof GridInterrupted)) throw err;
    console.error(
      `grid ${spec.name}: ${err.message}; the finished runs are kept in ${path.join(where, "runs")}, rerun to resume`,
    );
    return 128 + os.constants.signals[err.signal];
  }
  // Each failed run's reason first, so that the summary is the last line.
  for (const f of result.failed) console.error(`  failed: run ${f.index} (${f.key}) ${f.label}: ${f.error}`);
  console.log(gridSummary(result));
  return result.failed.length > 0 ? 1 : 0;
}
