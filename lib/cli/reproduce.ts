// `qkv reproduce`: executes notebooks in order on the tslab kernel, stops at the first failure with the
// failing cell's source and error, and reports each notebook's time and the figures it exported.
import * as fs from "fs";
import * as path from "path";
import {
  Profile,
  currentProfile,
  executeNotebook,
  executionProblems,
  formatFailure,
  parseProfile,
  resolveNotebooks,
} from "../notebook/index";
import { chromiumProblem, figuresDir } from "../plot/index";
import { asUsageError, parseCommandArgs, positiveNumber } from "./args";

interface SummaryRow {
  name: string;
  seconds: number;
  figures: number;
  status: string;
}

export const usage = "qkv reproduce [NOTEBOOK...] [--profile smoke|default|full] [--cell-timeout SECONDS]";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { profile: { type: "string" }, "cell-timeout": { type: "string" } },
    usage,
    Infinity,
  );
  const profile: Profile = values.profile !== undefined ? asUsageError(() => parseProfile(values.profile!, "--profile")) : currentProfile();
  // An hour: the overview's grid cell computes Figure 1 and Table 1 (about 30 min on 2 cores from scratch).
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
  console.log(`qkv reproduce: ${notebooks.length} notebook(s), profile ${profile}, figures → ${path.relative(process.cwd(), figures) || "."}`);
  const rows: SummaryRow[] = [];
  for (const notebook of notebooks) {
    const name = path.basename(notebook);
    const before = snapshot(figures);
    const liveLine = process.stderr.isTTY;
    const result = await executeNotebook(notebook, {
      profile,
      cellTimeout,
      onCell: (e) => {
        if (liveLine && e.kind === "start") process.stderr.write(`\r  ${name}: cell ${e.codeCell}/${e.codeCells} …\x1b[K`);
      },
    });
    if (liveLine) process.stderr.write("\r\x1b[K");
    const written = changedSince(figures, before);
    const interrupted = result.failure?.kind === "interrupted";
    rows.push({ name, seconds: result.seconds, figures: written.length, status: result.ok ? "ok" : interrupted ? "stopped" : "FAILED" });
    if (!result.ok) {
      console.error(`\n${formatFailure(result)}\n`);
      printSummary(rows);
      return interrupted ? 130 : 1;
    }
    const exported = written.length > 0 ? `, ${written.length} figure file(s): ${summarizeFigures(written)}` : "";
    console.log(`  ✓ ${name}  ${result.seconds.toFixed(1)} s${exported}`);
  }
  printSummary(rows);
  return 0;
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
  return [...byStem].map(([stem, exts]) => (exts.length > 1 ? `${stem}.{${exts.join(",")}}` : `${stem}.${exts[0]}`)).join(", ");
}

function printSummary(rows: SummaryRow[]): void {
  const width = Math.max(8, ...rows.map((r) => r.name.length));
  const total = rows.reduce((s, r) => s + r.seconds, 0);
  console.log(`\n  ${"notebook".padEnd(width)}  status   seconds  figure files`);
  for (const r of rows) {
    console.log(`  ${r.name.padEnd(width)}  ${r.status.padEnd(7)}  ${r.seconds.toFixed(1).padStart(7)}  ${String(r.figures).padStart(12)}`);
  }
  console.log(`  ${"total".padEnd(width)}           ${total.toFixed(1).padStart(7)}`);
}
