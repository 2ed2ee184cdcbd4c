// A progress bar for long loops (grid sweeps, training). In a notebook it is one output updated in place;
// in a terminal, one line redrawn with \r; in logs (stderr not a TTY), a line every 10 %, so CI logs stay short.
import { randomBytes } from "crypto";
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
}

const BAR_WIDTH = 20;
/** At most 5 redraws a second: a kernel message or a terminal redraw per tick would slow fast loops. */
const MIN_REDRAW_MS = 200;

export function progress(total: number, label: string, opts: ProgressOptions = {}): Progress {
  if (!Number.isInteger(total) || total < 0) throw new Error(`progress: total must be an integer ≥ 0 (got ${total})`);
  const stream = opts.stream ?? process.stderr;
  const mode = inKernel() ? "kernel" : stream.isTTY ? "tty" : "log";
  const displayId = randomBytes(8).toString("hex");
  const start = Date.now();
  let count = 0;
  let finished = false;
  let lastRedraw = -Infinity;
  let lastDecile = 0;
  let drawnOnce = false;
  let ttyWidth = 0;

  /** "42/100  ETA 1m03s  note": everything after the bar. */
  const status = (note: string | undefined): string => {
    const shown = Math.min(count, total);
    const elapsed = Date.now() - start;
    const timing = finished ? `in ${duration(elapsed)}`
      : shown === 0 ? "ETA ?"
      : `ETA ${duration((elapsed / shown) * (total - shown))}`;
    return `${shown}/${total}  ${timing}${note ? `  ${note}` : ""}`;
  };

  const draw = (note: string | undefined): void => {
    const filled = total === 0 ? BAR_WIDTH : Math.round((BAR_WIDTH * Math.min(count, total)) / total);
    const text = `${label}  [${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${status(note)}`;
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
    } else {
      stream.write(`${text}\n`);
    }
    drawnOnce = true;
    lastRedraw = Date.now();
  };

  draw(undefined);
  return {
    tick(n = 1, note?: string) {
      if (finished) return;
      count += n;
      if (mode === "log") {
        // Deciles 1..9 only: done() prints the last line.
        const decile = total === 0 ? 10 : Math.floor((10 * count) / total);
        if (decile > lastDecile && decile < 10) draw(note);
        lastDecile = Math.max(lastDecile, decile);
      } else if (Date.now() - lastRedraw >= MIN_REDRAW_MS) {
        draw(note);
      }
    },
    done(note?: string) {
      if (finished) return;
      finished = true;
      draw(note);
    },
  };
}

/** 12s, 1m03s, 2h05m. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
