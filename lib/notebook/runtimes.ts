// How long `qkv reproduce` took, kept by the run itself: a history of each notebook's last successful time
// per profile (.qkv/runtimes.json), from which the next run estimates the time left, and a table of the
// run just finished (figures/runtimes.md) that the README points to instead of quoting numbers that age.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../paths";
import { duration } from "../display/progress";

export const RUNTIME_HISTORY_FILE = path.join(REPO_ROOT, ".qkv", "runtimes.json");
export const RUNTIME_TABLE_NAME = "runtimes.md";

export interface NotebookTiming {
  /** The notebook's file name, e.g. "00_overview.ipynb". */
  notebook: string;
  status: "ok" | "FAILED" | "stopped";
  seconds: number;
  /** Seconds per code cell, in order, for the cells that finished. */
  cells: number[];
}

interface HistoryEntry {
  seconds: number;
  cells: number[];
  date: string;
}

export interface RuntimeHistory {
  version: 1;
  /** profile → notebook → its last successful run. */
  profiles: Record<string, Record<string, HistoryEntry>>;
}

/** The history, or an empty one when there is none yet; a file that does not parse is an error naming it. */
export function loadHistory(file = RUNTIME_HISTORY_FILE): RuntimeHistory {
  if (!fs.existsSync(file)) return { version: 1, profiles: {} };
  let parsed: RuntimeHistory;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}): delete it, the next run rewrites it`);
  }
  if (parsed?.version !== 1 || typeof parsed.profiles !== "object" || parsed.profiles === null) {
    throw new Error(`${file} is not a runtime history of version 1: delete it, the next run rewrites it`);
  }
  return parsed;
}

/** Records the notebooks that succeeded (a failed run's time says nothing about the next one). */
export function recordTimings(
  history: RuntimeHistory, profile: string, timings: NotebookTiming[], date: Date,
): RuntimeHistory {
  const byNotebook = { ...(history.profiles[profile] ?? {}) };
  for (const t of timings) {
    if (t.status === "ok") byNotebook[t.notebook] = { seconds: t.seconds, cells: t.cells, date: date.toISOString() };
  }
  return { version: 1, profiles: { ...history.profiles, [profile]: byNotebook } };
}

export function saveHistory(history: RuntimeHistory, file = RUNTIME_HISTORY_FILE): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(history, null, 1)}\n`);
}

export interface RunningNotebook {
  notebook: string;
  /** Code cells in the notebook now. */
  codeCells: number;
  /** The code cell running now (1-based), 0 before the first. */
  codeCell: number;
  /** Seconds since the notebook started and since the running cell started. */
  notebookElapsed: number;
  cellElapsed: number;
}

export interface Estimate {
  /** Seconds left for the running notebook and those after it; null when one of them was never timed. */
  seconds: number | null;
  /** Notebooks with no earlier successful run at this profile. */
  untimed: string[];
  /** Seconds left for the notebooks that were timed (a lower bound when some were not). */
  knownSeconds: number;
}

/**
 * Time left, from each notebook's last successful run at this profile. The running notebook's remainder is
 * the earlier times of its cells still to come plus what is left of the running cell's earlier time; when its
 * cells changed since (a different count), the earlier total less the time spent. A notebook that then read
 * its grids back from data/results/ makes these estimates high for a run that computes them, and the reverse.
 */
export function estimateLeft(
  history: RuntimeHistory, profile: string, running: RunningNotebook, after: string[],
): Estimate {
  const known = history.profiles[profile] ?? {};
  const untimed: string[] = [];
  let seconds = 0;
  const current = known[running.notebook];
  if (!current) untimed.push(running.notebook);
  else if (current.cells.length === running.codeCells && running.codeCell >= 1) {
    const i = running.codeCell - 1;
    seconds += Math.max(0, current.cells[i] - running.cellElapsed) +
      current.cells.slice(i + 1).reduce((a, b) => a + b, 0);
  } else {
    seconds += Math.max(0, current.seconds - running.notebookElapsed);
  }
  for (const nb of after) {
    if (known[nb]) seconds += known[nb].seconds;
    else untimed.push(nb);
  }
  return { seconds: untimed.length > 0 ? null : seconds, untimed, knownSeconds: seconds };
}

/** "about 12m30s left", or what is known: "over 4m left (3 notebooks not timed yet at this profile)". */
export function describeEstimate(estimate: Estimate): string {
  if (estimate.seconds !== null) return `about ${duration(1000 * estimate.seconds)} left`;
  const names = estimate.untimed.map((n) => n.replace(/\.ipynb$/, ""));
  const which = names.length <= 2
    ? `no earlier timed run of ${names.join(", ")}`
    : `${names.length} notebooks not timed yet at this profile`;
  return estimate.knownSeconds > 0
    ? `over ${duration(1000 * estimate.knownSeconds)} left (${which})`
    : `time left unknown (${which})`;
}

/** What the table says about the conditions of the run, gathered when it starts. */
export interface RunConditions {
  date: Date;
  profile: string;
  command: string;
  /** Files under data/results/ when the run started: 0 means every grid was computed by this run. */
  storedResults: number;
  commit: string;
  machine: string;
}

export function runConditions(
  profile: string, command: string, resultsDir = path.join(REPO_ROOT, "data", "results"),
): RunConditions {
  let commit = "unknown (not a git checkout)";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"],
    });
    if (dirty.trim() !== "") commit += " with uncommitted changes";
  } catch {
    // keep "unknown": the table is still worth writing
  }
  const cpus = os.cpus();
  const machine = `${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), ` +
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  return { date: new Date(), profile, command, storedResults: countFiles(resultsDir), commit, machine };
}

function countFiles(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    n += entry.isDirectory() ? countFiles(path.join(dir, entry.name)) : 1;
  }
  return n;
}

/** The Markdown table of one run: conditions, then one row per notebook with its slowest cell. */
export function runtimeTable(conditions: RunConditions, timings: NotebookTiming[], finished: boolean): string {
  const total = timings.reduce((s, t) => s + t.seconds, 0);
  const cache = conditions.storedResults === 0
    ? "none: every grid and sweep was computed by this run (the time of a fresh clone)"
    : `${conditions.storedResults} files already under data/results/: grids found there were read back, ` +
      "so these times are lower than a fresh clone's";
  const rows = timings.map((t) => {
    const slowest = t.cells.reduce((best, s, i) => (s > t.cells[best] ? i : best), 0);
    const cell = t.cells.length > 0 ? `code cell ${slowest + 1}: ${duration(1000 * t.cells[slowest])}` : "";
    return `| ${t.notebook} | ${t.status} | ${duration(1000 * t.seconds)} | ${t.seconds.toFixed(1)} | ${cell} |`;
  });
  return [
    "# Runtimes of `qkv reproduce`",
    "",
    "Written by the run it describes (lib/notebook/runtimes.ts); every `qkv reproduce` rewrites it.",
    "",
    `- command: \`${conditions.command}\``,
    `- profile: ${conditions.profile}`,
    `- started: ${conditions.date.toISOString()}; ${finished ? "finished" : "stopped at the first failure"}`,
    `- commit: ${conditions.commit}`,
    `- machine: ${conditions.machine}`,
    `- stored results at the start: ${cache}`,
    "",
    "| notebook | status | time | seconds | slowest cell |",
    "|---|---|---|---|---|",
    ...rows,
    `| **total** | | **${duration(1000 * total)}** | ${total.toFixed(1)} | |`,
    "",
  ].join("\n");
}
