// Executes one notebook on the project's tslab kernel with `jupyter nbconvert --execute`, and turns every
// way that can fail into a message that names the notebook, the cell and what to do.
//
// The executed notebook is written to .qkv/run/ first and renamed over the original only when every cell
// succeeded: a failed, timed-out or interrupted run leaves the notebook (and its previous outputs) intact.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../paths";
import { PROGRESS_FILE_ENV } from "../display/progress";
import { JUPYTER_DIR, KERNEL_NAME, jupyterEnv, kernelProblems } from "./kernelspec";
import { Profile } from "../experiments/profile";

const HOOKS = path.join(__dirname, "nbconvert_hooks.py");
const MARKER = "[qkv-nb] ";
const RUN_DIR = path.join(REPO_ROOT, ".qkv", "run");
const LOG_DIR = path.join(REPO_ROOT, ".qkv", "logs");
/**
 * Seconds nbconvert waits for the kernel's first reply (our choice). A tslab kernel answers in about 5 s on an idle
 * machine; nbclient's default of 60 s once ran out on a busy one (a CI run), so the wait is longer and a kernel that
 * still does not answer is started once more before the notebook is reported as failed.
 */
export const KERNEL_START_TIMEOUT = 180;

export interface ExecuteOptions {
  profile: Profile;
  /** Per-cell timeout in seconds. */
  cellTimeout: number;
  /** Called as cells start and finish (code-cell positions, 1-based). */
  onCell?: (event: { kind: "start" | "done"; codeCell: number; codeCells: number; seconds?: number }) => void;
  /** Called with each progress line the notebook's own loops write (grid sweeps: lib/display/progress.ts). */
  onProgress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The kernelspec to run on (default: the project's tslab kernel). */
  kernelName?: string;
  /** Seconds to wait for the kernel's first reply (default KERNEL_START_TIMEOUT). */
  startTimeout?: number;
}

export type NotebookFailure =
  | { kind: "cell-error"; cell: CellRef; stdout: string; stderr: string }
  | { kind: "timeout"; cell: CellRef; timeout: number }
  | { kind: "kernel-died"; cell?: CellRef }
  | { kind: "kernel-start"; timeout: number; tries: number }
  | { kind: "setup"; message: string }
  | { kind: "interrupted" }
  | { kind: "nbconvert"; tail: string };

export interface CellRef {
  /** 1-based position among all cells, as a reader counts them. */
  number: number;
  /** 1-based position among code cells. */
  codeNumber: number;
  source: string;
}

export interface NotebookRun {
  notebook: string;
  ok: boolean;
  seconds: number;
  failure?: NotebookFailure;
  /** nbconvert's full stderr, kept for debugging. */
  logFile?: string;
}

interface NotebookCell {
  cell_type: string;
  source: string | string[];
}

/** Parses a notebook file, with errors that name the file and what is wrong. */
export function readNotebookCells(file: string): NotebookCell[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  let nb: { cells?: unknown };
  try {
    nb = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not a valid notebook: its JSON does not parse (${(err as Error).message})`);
  }
  if (!Array.isArray(nb.cells)) throw new Error(`${file} is not a valid notebook: it has no "cells" list`);
  return nb.cells as NotebookCell[];
}

/** Problems that stop any notebook from running, each phrased as what to install or fix. */
export function executionProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  if (!onPath("jupyter-nbconvert", env)) {
    problems.push(
      "jupyter nbconvert is not installed: install Debian's jupyter-nbconvert, python3-nbclient and jupyter-client " +
        "(`npm run setup` does)",
    );
  }
  return problems.concat(kernelProblems());
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? "").split(path.delimiter).some((dir) => dir !== "" && fs.existsSync(path.join(dir, command)));
}

/**
 * Runs the notebook; a kernel that does not answer in time is started once more (no cell has run then, so the second
 * try starts from the same notebook), and the progress line says so.
 */
export async function executeNotebook(file: string, options: ExecuteOptions): Promise<NotebookRun> {
  const started = Date.now();
  const first = await executeOnce(file, options);
  if (first.failure?.kind !== "kernel-start") return first;
  const { timeout } = first.failure;
  options.onProgress?.(`${path.basename(file)}: the kernel did not answer in ${timeout} s; starting it again`);
  const second = await executeOnce(file, options);
  const run = { ...second, seconds: (Date.now() - started) / 1000 };
  return second.failure?.kind === "kernel-start" ? { ...run, failure: { ...second.failure, tries: 2 } } : run;
}

async function executeOnce(file: string, options: ExecuteOptions): Promise<NotebookRun> {
  const started = Date.now();
  const name = path.basename(file, ".ipynb");
  const seconds = () => (Date.now() - started) / 1000;
  const done = (failure?: NotebookFailure, logFile?: string): NotebookRun => ({
    notebook: file,
    ok: failure === undefined,
    seconds: seconds(),
    failure,
    logFile,
  });

  let cells: NotebookCell[];
  try {
    cells = readNotebookCells(file);
  } catch (err) {
    return done({ kind: "setup", message: (err as Error).message });
  }
  const problems = executionProblems(options.env);
  if (problems.length > 0) return done({ kind: "setup", message: problems.join("\n") });

  const codeNumbers = new Map<number, number>();
  cells.forEach((cell, i) => {
    if (cell.cell_type === "code") codeNumbers.set(i, codeNumbers.size + 1);
  });
  const cellRef = (index: number): CellRef => ({
    number: index + 1,
    codeNumber: codeNumbers.get(index) ?? 0,
    source: sourceText(cells[index]?.source ?? ""),
  });

  const kernelName = options.kernelName ?? KERNEL_NAME;
  const startTimeout = options.startTimeout ?? KERNEL_START_TIMEOUT;
  fs.mkdirSync(RUN_DIR, { recursive: true });
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const outName = `${name}.${process.pid}`;
  const outFile = path.join(RUN_DIR, `${outName}.ipynb`);
  const logFile = path.join(LOG_DIR, `${name}.log`);
  const args = [
    "nbconvert", "--to", "notebook", "--execute",
    "--config", HOOKS,
    `--ExecutePreprocessor.kernel_name=${kernelName}`,
    `--ExecutePreprocessor.timeout=${options.cellTimeout}`,
    `--ExecutePreprocessor.startup_timeout=${startTimeout}`,
    "--output-dir", RUN_DIR, "--output", outName,
    file,
  ];
  // The kernel's progress bars also append their log lines here (nbconvert keeps a cell's outputs until
  // the notebook is done); we tail it while the notebook runs.
  const progressFile = path.join(RUN_DIR, `${outName}.progress`);
  fs.writeFileSync(progressFile, "");
  const env = {
    ...jupyterEnv(options.env ?? process.env), QKV_PROFILE: options.profile, [PROGRESS_FILE_ENV]: progressFile,
  };
  const tail = tailLines(progressFile, (line) => options.onProgress?.(line));

  const events: { event: string; index: number; source?: string; outputs?: Output[]; seconds?: number }[] = [];
  const child = spawn("jupyter", args, { env, cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  let pending = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    log += chunk;
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith(MARKER)) continue;
      const event = JSON.parse(line.slice(MARKER.length));
      events.push(event);
      if (event.event === "start" || event.event === "done") {
        options.onCell?.({
          kind: event.event,
          codeCell: codeNumbers.get(event.index) ?? 0,
          codeCells: codeNumbers.size,
          seconds: event.seconds,
        });
      }
    }
  });
  // Ctrl-C reaches nbconvert (same process group); we only wait and report. The original is untouched.
  const interrupted = { value: false };
  const onSigint = () => (interrupted.value = true);
  process.on("SIGINT", onSigint);
  const code: number | null = await new Promise((resolve) => {
    child.on("error", () => resolve(127));
    child.on("close", (status) => resolve(status));
  });
  process.off("SIGINT", onSigint);
  tail.stop();
  fs.rmSync(progressFile, { force: true });
  fs.writeFileSync(logFile, log);

  if (code === 0 && fs.existsSync(outFile)) {
    fs.renameSync(outFile, file);
    return done(undefined, logFile);
  }
  fs.rmSync(outFile, { force: true });

  const error = events.find((e) => e.event === "error");
  const lastStarted = [...events].reverse().find((e) => e.event === "start");
  if (interrupted.value || code === null) return done({ kind: "interrupted" }, logFile);
  if (error) {
    const outputs = error.outputs ?? [];
    return done(
      {
        kind: "cell-error", cell: cellRef(error.index), stdout: streamText(outputs, "stdout"),
        stderr: errorText(outputs),
      },
      logFile,
    );
  }
  if (/CellTimeoutError|Cell execution timed out|Timeout waiting for execute reply/.test(log)) {
    return done({ kind: "timeout", cell: cellRef(lastStarted?.index ?? 0), timeout: options.cellTimeout }, logFile);
  }
  if (/NoSuchKernel|No such kernel/.test(log)) {
    return done({
      kind: "setup",
      message: `Jupyter cannot find the kernel "${kernelName}" under ${JUPYTER_DIR}: run \`npm run setup\``,
    }, logFile);
  }
  if (/Kernel didn't respond (to heartbeats )?in \d+ seconds/.test(log)) {
    return done({ kind: "kernel-start", timeout: startTimeout, tries: 1 }, logFile);
  }
  if (/DeadKernelError|Kernel died/.test(log)) {
    return done({ kind: "kernel-died", cell: lastStarted ? cellRef(lastStarted.index) : undefined }, logFile);
  }
  if (code === 127) {
    return done({
      kind: "setup",
      message: "`jupyter` could not be started: install Debian's jupyter-nbconvert (`npm run setup` does)",
    }, logFile);
  }
  return done({ kind: "nbconvert", tail: lastLines(log, 15) }, logFile);
}

/**
 * Calls `onLine` with each complete line appended to `file`, polled once a second, until stop() (which reads the
 * rest).
 */
function tailLines(file: string, onLine: (line: string) => void): { stop(): void } {
  let offset = 0;
  let partial = "";
  const read = () => {
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      return; // not there (yet, or any more): nothing to report
    }
    if (size <= offset) return;
    const fd = fs.openSync(file, "r");
    try {
      const buffer = Buffer.alloc(size - offset);
      fs.readSync(fd, buffer, 0, buffer.length, offset);
      offset = size;
      const lines = (partial + buffer.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") onLine(line);
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(read, 1000);
  return {
    stop() {
      clearInterval(timer);
      read();
    },
  };
}

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

function sourceText(source: string | string[]): string {
  return Array.isArray(source) ? source.join("") : source;
}

function streamText(outputs: Output[], name: "stdout" | "stderr"): string {
  return outputs
    .filter((o) => o.output_type === "stream" && o.name === name)
    .map((o) => sourceText(o.text ?? ""))
    .join("");
}

/** The cell's stderr (where tslab writes the real message), or a kernel's error output if there is one. */
function errorText(outputs: Output[]): string {
  const errors = outputs
    .filter((o) => o.output_type === "error")
    .map((o) => [`${o.ename ?? ""}: ${o.evalue ?? ""}`, ...(o.traceback ?? [])].join("\n"));
  return [streamText(outputs, "stderr"), ...errors].filter((s) => s.trim() !== "" && s.trim() !== ":").join("\n");
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

/** A failure as the lines a person reads: which notebook, which cell, its source, its error, what to do. */
export function formatFailure(run: NotebookRun): string {
  const nb = path.relative(process.cwd(), run.notebook) || run.notebook;
  const f = run.failure;
  if (!f) return `${nb}: ok`;
  const lines: string[] = [];
  const where = (cell: CellRef) => `cell ${cell.number} (code cell ${cell.codeNumber})`;
  switch (f.kind) {
    case "cell-error":
      lines.push(`${nb} failed in ${where(f.cell)}:`, "", indentSource(f.cell.source), "");
      lines.push(f.stderr.trim() !== "" ? indent(cleanStack(f.stderr)) : "  (the cell wrote no error message)");
      if (f.stdout.trim() !== "") lines.push("", "  its stdout:", indent(lastLines(f.stdout, 10)));
      break;
    case "timeout":
      lines.push(
        `${nb}: ${where(f.cell)} ran longer than the per-cell timeout of ${f.timeout} s:`, "",
        indentSource(f.cell.source), "",
        "  Raise it with --cell-timeout SECONDS (or QKV_CELL_TIMEOUT), or run a smaller --profile.",
      );
      break;
    case "kernel-died":
      if (f.cell) {
        lines.push(`${nb}: the tslab kernel died while running ${where(f.cell)} ` +
          "(out of memory, or a crash in native code):");
        lines.push("", indentSource(f.cell.source));
      } else {
        lines.push(`${nb}: the tslab kernel did not start; check \`npm run setup\` and the log below.`);
      }
      break;
    case "kernel-start":
      lines.push(
        `${nb}: the tslab kernel did not answer within ${f.timeout} s of starting (${f.tries} tries); no cell ran.`,
        "  A busy machine is the usual cause: run it again when it is quieter; if it persists, run `npm run setup`.",
      );
      break;
    case "setup":
      lines.push(`${nb} cannot run: ${f.message}`);
      break;
    case "interrupted":
      lines.push(`${nb}: interrupted.`);
      break;
    case "nbconvert":
      lines.push(`${nb}: jupyter nbconvert failed:`, indent(f.tail));
      break;
  }
  if (f.kind !== "setup") {
    lines.push(
      "", `  The notebook file was left as it was. nbconvert's log: ${path.relative(process.cwd(), run.logFile ?? "")}`,
    );
  }
  return lines.join("\n");
}

function indent(text: string, prefix = "  "): string {
  return text.trimEnd().split("\n").map((l) => prefix + l).join("\n");
}

function indentSource(source: string): string {
  const lines = source.trimEnd().split("\n");
  const width = String(lines.length).length;
  return lines.map((l, i) => `  ${String(i + 1).padStart(width)} │ ${l}`).join("\n");
}

/** Drops the kernel's own frames (tslab, node:vm) from a stack: they say nothing about the notebook. */
function cleanStack(stderr: string): string {
  return stderr
    .split("\n")
    .filter((l) => !/^\s+at .*(node_modules[\\/]tslab|node:vm|node:internal|sigintHandlersWrap)/.test(l))
    .join("\n");
}
