// A progress bar for long loops (grid sweeps, training). In a notebook it is one output updated in place;
// in a terminal, one line redrawn with \r; in logs (stderr not a TTY), a line every 10 % and at least one a
// minute while work advances, so CI logs stay short and a long run still shows it is alive.
//
// Inside a kernel run by `qkv reproduce` the notebook's output goes to the executed notebook, which nobody
// sees until it is done; QKV_PROGRESS_FILE (set by lib/notebook/execute.ts) names a file the same log lines
// are appended to, which `qkv reproduce` tails and prints.
import { randomBytes } from "crypto";
import * as fs from "fs";
import { emitDisplay, escapeHtml, inKernel } from "./jupyter";

export interface Progress {
  /** Counts `n` more items done (default 1); `note` is shown after the bar (e.g. the last loss). */
  tick(n?: number, note?: string): void;
  /** Marks the work finished and shows the final line, with the elapsed time. */
  done(note?: string): void;
}

export interface ProgressOptions {
  /** Where terminal output goes (default process.stderr); for tests. */
  stream?: { write(text: string): unknown; isTTY?: boolean };
  /** The clock in ms (default Date.now); for tests. */
  now?: () => number;
  /** The side-channel file for `qkv reproduce` (default: $QKV_PROGRESS_FILE, only inside a kernel). */
  progressFile?: string;
}

/** The environment variable naming the side-channel file (see the top of this file). */
export const PROGRESS_FILE_ENV = "QKV_PROGRESS_FILE";

const BAR_WIDTH = 20;
/** At most 5 redraws a second: a kernel message or a terminal redraw per tick would slow fast loops. */
const MIN_REDRAW_MS = 200;
/** In a log, a line at least this often while the count advances, between the 10 % lines. */
export const LOG_HEARTBEAT_MS = 60_000;

export function progress(total: number, label: string, opts: ProgressOptions = {}): Progress {
  if (!Number.isInteger(total) || total < 0) throw new Error(`progress: total must be an integer ≥ 0 (got ${total})`);
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const mode = inKernel() ? "kernel" : stream.isTTY ? "tty" : "log";
  const sideFile = opts.progressFile ?? (mode === "kernel" ? process.env[PROGRESS_FILE_ENV] : undefined);
  const displayId = randomBytes(8).toString("hex");
  const start = now();
  let count = 0;
  let finished = false;
  let lastRedraw = -Infinity;
  let drawnOnce = false;
  let ttyWidth = 0;

  /** "42/100  ETA 1m03s  note": everything after the bar. */
  const status = (note: string | undefined): string => {
    const shown = Math.min(count, total);
    const elapsed = now() - start;
    const timing = finished ? `in ${duration(elapsed)}`
      : shown === 0 ? "ETA ?"
      : `ETA ${duration((elapsed / shown) * (total - shown))}`;
    return `${shown}/${total}  ${timing}${note ? `  ${note}` : ""}`;
  };
  const line = (note: string | undefined): string => {
    const filled = total === 0 ? BAR_WIDTH : Math.round((BAR_WIDTH * Math.min(count, total)) / total);
    return `${label}  [${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${status(note)}`;
  };

  // The log policy, shared by log mode and the side-channel file: a start line, one per new decile, one a
  // minute while the count advances, and the final line.
  const logWriter = (write: (text: string) => void) => {
    let lastDecile = 0;
    let lastLine = -Infinity;
    let countAtLastLine = -1;
    const emit = (note: string | undefined) => {
      write(`${line(note)}\n`);
      lastLine = now();
      countAtLastLine = count;
    };
    return {
      start: () => emit(undefined),
      tick: (note: string | undefined) => {
        // Deciles 1..9 only: done() prints the last line.
        const decile = total === 0 ? 10 : Math.floor((10 * count) / total);
        if ((decile > lastDecile && decile < 10) || (now() - lastLine >= LOG_HEARTBEAT_MS && count > countAtLastLine)) {
          emit(note);
        }
        lastDecile = Math.max(lastDecile, decile);
      },
      done: (note: string | undefined) => emit(note),
    };
  };
  const log = mode === "log" ? logWriter((text) => stream.write(text)) : undefined;
  // Appending must never break the loop it reports on: a side file that cannot be written is dropped.
  let sideOk = sideFile !== undefined && sideFile !== "";
  const side = sideOk
    ? logWriter((text) => {
        if (!sideOk) return;
        try {
          fs.appendFileSync(sideFile!, text);
        } catch {
          sideOk = false;
        }
      })
    : undefined;

  const redraw = (note: string | undefined): void => {
    const text = line(note);
    if (mode === "kernel") {
      const html =
        `<div style="font-family:monospace">${escapeHtml(label)} ` +
        `<progress value="${Math.min(count, total)}" max="${Math.max(total, 1)}" style="width:20em"></progress> ` +
        `${escapeHtml(status(note))}</div>`;
      emitDisplay({ "text/plain": text, "text/html": html }, { displayId, update: drawnOnce });
    } else if (mode === "tty") {
      // Pad with spaces so a shorter line fully covers the previous one.
      stream.write(`\r${text.padEnd(ttyWidth)}${finished ? "\n" : ""}`);
      ttyWidth = text.length;
    }
    drawnOnce = true;
    lastRedraw = now();
  };

  if (log) log.start();
  else redraw(undefined);
  side?.start();
  return {
    tick(n = 1, note?: string) {
      if (finished) return;
      count += n;
      if (log) log.tick(note);
      else if (now() - lastRedraw >= MIN_REDRAW_MS) redraw(note);
      side?.tick(note);
    },
    done(note?: string) {
      if (finished) return;
      finished = true;
      if (log) log.done(note);
      else redraw(note);
      side?.done(note);
    },
  };
}

/** 12s, 1m03s, 2h05m. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
