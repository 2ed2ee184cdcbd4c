// `qkv reproduce`: executes notebooks in order on the tslab kernel, stops at the first failure with the
// failing cell's source and error, and reports each notebook's time and the figures it exported.
// While it runs it shows which cell is running, the grids' progress inside it and an estimate of the time left:
// one live line on a terminal, and rate-limited lines in a log (CI, SLURM, `> log`), where a notebook can
// otherwise be silent for most of an hour. Each run writes its runtime table (figures/runtimes.md).
import * as fs from "fs";
import * as path from "path";
import {
  NotebookTiming,
  Profile,
  RUNTIME_TABLE_NAME,
  RuntimeHistory,
  currentProfile,
  describeEstimate,
  estimateLeft,
  executeNotebook,
  executionProblems,
  formatFailure,
  loadHistory,
  parseProfile,
  readNotebookCells,
  recordTimings,
  resolveNotebooks,
  runConditions,
  runtimeTable,
  saveHistory,
} from "../notebook/index";
import { chromiumProblem, figuresDir } from "../plot/index";
import { duration } from "../display/progress";
import { asUsageError, parseCommandArgs, positiveNumber } from "./args";

interface SummaryRow {
  name: string;
  seconds: number;
  figures: number;
  status: string;
}

export const usage = "qkv reproduce [NOTEBOOK...] [--profile smoke|default|full|paper] [--cell-timeout SECONDS]";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { profile: { type: "string" }, "cell-timeout": { type: "string" } },
    usage,
    Infinity,
  );
  const profile: Profile = values.profile !== undefined
    ? asUsageError(() => parseProfile(values.profile!, "--profile"))
    : currentProfile();
  // An hour: the overview's grid cell, the longest, computes Figure 1 and Table 1 from scratch, with room left for a
  // contended machine (its time on 2 cores is in bench/README.md).
  const cellTimeout = values["cell-timeout"] !== undefined ? positiveNumber(values["cell-timeout"], "--cell-timeout")
    : positiveNumber(process.env.QKV_CELL_TIMEOUT ?? "3600", "QKV_CELL_TIMEOUT");
  const notebooks = asUsageError(() => resolveNotebooks(positionals));

  // Everything a notebook needs, checked once up front so a missing tool fails in a second, not mid-run.
  const problems = executionProblems();
  const chromium = chromiumProblem();
  if (chromium) problems.push(chromium);
  if (problems.length > 0) {
    console.error(`qkv reproduce cannot start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    return 1;
  }

  const figures = figuresDir();
  console.log(`qkv reproduce: ${notebooks.length} notebook(s), profile ${profile}, ` +
    `figures → ${path.relative(process.cwd(), figures) || "."}`);
  const historyFile = path.join(figures, "runtimes.json");
  let history: RuntimeHistory;
  try {
    history = loadHistory(historyFile);
  } catch (err) {
    console.error(`qkv reproduce: ${(err as Error).message}; no time-left estimates this run`);
    history = { version: 1, profiles: {} };
  }
  const conditions = runConditions(profile, ["qkv reproduce", ...argv].join(" "));
  const rows: SummaryRow[] = [];
  const timings: NotebookTiming[] = [];
  const finish = (finished: boolean): void => {
    // The table of this run, and the history the next run's estimates come from.
    fs.mkdirSync(figures, { recursive: true });
    fs.writeFileSync(path.join(figures, RUNTIME_TABLE_NAME), runtimeTable(conditions, timings, finished));
    saveHistory(recordTimings(history, profile, timings, conditions.date), historyFile);
    console.log(`  runtime table: ${path.relative(process.cwd(), path.join(figures, RUNTIME_TABLE_NAME))}`);
  };
  for (const [k, notebook] of notebooks.entries()) {
    const name = path.basename(notebook);
    const before = snapshot(figures);
    const reporter = new ProgressReporter(name, codeCellCount(notebook), (running) =>
      describeEstimate(estimateLeft(history, profile, running, notebooks.slice(k + 1).map((n) => path.basename(n)))));
    const cells: number[] = [];
    const result = await executeNotebook(notebook, {
      profile,
      cellTimeout,
      onCell: (e) => {
        if (e.kind === "done" && e.seconds !== undefined) cells.push(e.seconds);
        reporter.cell(e);
      },
      onProgress: (line) => reporter.progress(line),
    });
    reporter.stop();
    const written = changedSince(figures, before);
    const interrupted = result.failure?.kind === "interrupted";
    const status = result.ok ? "ok" : interrupted ? "stopped" : "FAILED";
    rows.push({ name, seconds: result.seconds, figures: written.length, status });
    timings.push({ notebook: name, status, seconds: result.seconds, cells });
    if (!result.ok) {
      console.error(`\n${formatFailure(result)}\n`);
      printSummary(rows);
      finish(false);
      return interrupted ? 130 : 1;
    }
    const exported = written.length > 0 ? `, ${written.length} figure file(s): ${summarizeFigures(written)}` : "";
    console.log(`  ✓ ${name}  ${result.seconds.toFixed(1)} s${exported}`);
  }
  printSummary(rows);
  finish(true);
  return 0;
}

/** Code cells in a notebook (0 when it cannot be read: executeNotebook then reports why). */
function codeCellCount(file: string): number {
  try {
    return readNotebookCells(file).filter((c) => c.cell_type === "code").length;
  } catch {
    return 0;
  }
}

/** In a log, a cell's start is printed only this long after the previous line, and a still line this often. */
const LOG_CELL_GAP_MS = 10_000;
const LOG_HEARTBEAT_MS = 60_000;
/** Cells that take longer than this get a "done" line in a log. */
const LOG_SLOW_CELL_S = 30;

/**
 * What the user sees while one notebook runs. On a terminal (stderr a TTY): one line redrawn every second,
 * "name: cell 3/12 (2m10s) · about 45m left · grid figure1 [###…] 40/276 ETA 20m". In a log: a start line, a
 * line per cell start at most every 10 s, a line when a slow cell ends, the kernel's progress lines (already
 * one per 10 % and one a minute), and a still-running line after a minute of silence.
 */
class ProgressReporter {
  private readonly tty = process.stderr.isTTY === true;
  private readonly started = Date.now();
  private cellStarted = Date.now();
  private codeCell = 0;
  private lastLine = 0;
  private lastProgress = "";
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly name: string,
    private codeCells: number,
    private readonly estimate: (running: {
      notebook: string; codeCells: number; codeCell: number; notebookElapsed: number; cellElapsed: number;
    }) => string,
  ) {
    if (!this.tty) this.line(`▶ ${name}: ${codeCells} code cells; ${this.left()}`);
    this.timer = setInterval(() => this.tick(), this.tty ? 1000 : 5000);
    this.timer.unref();
  }

  cell(e: { kind: "start" | "done"; codeCell: number; codeCells: number; seconds?: number }): void {
    this.codeCells = e.codeCells;
    if (e.kind === "start") {
      this.codeCell = e.codeCell;
      this.cellStarted = Date.now();
      this.lastProgress = "";
      if (!this.tty && Date.now() - this.lastLine >= LOG_CELL_GAP_MS) {
        this.line(`${this.name}: cell ${e.codeCell}/${e.codeCells} (notebook ${this.elapsed()}; ${this.left()})`);
      }
    } else if (!this.tty && (e.seconds ?? 0) >= LOG_SLOW_CELL_S) {
      this.line(`${this.name}: cell ${e.codeCell}/${e.codeCells} done in ${duration(1000 * (e.seconds ?? 0))}`);
    }
    if (this.tty) this.redraw();
  }

  progress(text: string): void {
    this.lastProgress = text;
    if (this.tty) this.redraw();
    else this.line(`${this.name}: ${text}`);
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.tty) process.stderr.write("\r\x1b[K");
  }

  private tick(): void {
    if (this.tty) this.redraw();
    else if (Date.now() - this.lastLine >= LOG_HEARTBEAT_MS) {
      const where = this.codeCell === 0
        ? "starting the kernel"
        : `cell ${this.codeCell}/${this.codeCells} running for ${duration(Date.now() - this.cellStarted)}`;
      this.line(`${this.name}: ${where} (notebook ${this.elapsed()}; ${this.left()})`);
    }
  }

  private redraw(): void {
    // The time left before the grid's line: a narrow terminal cuts the end of the line.
    const parts = [
      `${this.name}: cell ${this.codeCell}/${this.codeCells} (${duration(Date.now() - this.cellStarted)})`, this.left(),
    ];
    if (this.lastProgress !== "") parts.push(this.lastProgress);
    const width = process.stderr.columns || 120; // 0 under some pseudo-terminals
    const text = `  ${parts.join(" · ")}`;
    process.stderr.write(`\r${text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text}\x1b[K`);
  }

  private line(text: string): void {
    process.stderr.write(`  ${text}\n`);
    this.lastLine = Date.now();
  }

  private elapsed(): string {
    return duration(Date.now() - this.started);
  }

  private left(): string {
    return this.estimate({
      notebook: this.name, codeCells: this.codeCells, codeCell: this.codeCell,
      notebookElapsed: (Date.now() - this.started) / 1000, cellElapsed: (Date.now() - this.cellStarted) / 1000,
    });
  }
}

function snapshot(dir: string): Map<string, number> {
  const files = new Map<string, number>();
  if (!fs.existsSync(dir)) return files;
  for (const f of fs.readdirSync(dir)) files.set(f, fs.statSync(path.join(dir, f)).mtimeMs);
  return files;
}

function changedSince(dir: string, before: Map<string, number>): string[] {
  return [...snapshot(dir)].filter(([f, mtime]) => before.get(f) !== mtime).map(([f]) => f).sort();
}

/** "a.{png,svg,pdf}, b.{png,svg,pdf}" */
function summarizeFigures(files: string[]): string {
  const byStem = new Map<string, string[]>();
  for (const f of files) {
    const ext = path.extname(f);
    const stem = f.slice(0, f.length - ext.length);
    byStem.set(stem, [...(byStem.get(stem) ?? []), ext.slice(1)]);
  }
  return [...byStem]
    .map(([stem, exts]) => (exts.length > 1 ? `${stem}.{${exts.join(",")}}` : `${stem}.${exts[0]}`))
    .join(", ");
}

function printSummary(rows: SummaryRow[]): void {
  const width = Math.max(8, ...rows.map((r) => r.name.length));
  const total = rows.reduce((s, r) => s + r.seconds, 0);
  console.log(`\n  ${"notebook".padEnd(width)}  status   seconds  figure files`);
  for (const r of rows) {
    console.log(`  ${r.name.padEnd(width)}  ${r.status.padEnd(7)}  ${r.seconds.toFixed(1).padStart(7)}  ` +
      `${String(r.figures).padStart(12)}`);
  }
  console.log(`  ${"total".padEnd(width)}           ${total.toFixed(1).padStart(7)}`);
}
