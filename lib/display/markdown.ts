// Tables as markdown, the form a notebook's prose tables take (and the one a paper's table is pasted from): one
// renderer, with the paper's marks (best value per column in bold, second underlined) and, optionally, a reference
// value beside ours in the same cell (the paper's), so no notebook writes `|---|` by hand.
import { emitDisplay, inKernel } from "./jupyter";
import { TableRow, TableValue } from "./table";

export interface MarkdownMarks {
  /** The columns whose best and second-best values are marked. */
  columns: readonly string[];
  /** Which end is best: "max" (accuracy, the default) or "min" (a loss). */
  best?: "max" | "min";
  /** The rows that compete (default all): e.g. not a "before fine-tuning" row. */
  rows?: (row: TableRow, index: number) => boolean;
}

export interface MarkdownTableOptions {
  /** The columns shown, in order (default: every column, in the order first seen); others stay readable by format. */
  columns?: readonly string[];
  /** Column headers where they differ from the column names. */
  headers?: Readonly<Record<string, string>>;
  /** A cell's text (default: numbers as String, null/undefined empty); `row` is the whole row, hidden columns too. */
  format?: (value: TableValue, column: string, row: TableRow) => string;
  marks?: MarkdownMarks;
  /** A value shown beside ours in parentheses, e.g. the paper's; undefined for none. */
  beside?: (row: TableRow, column: string) => string | undefined;
  /** A paragraph above the table. */
  caption?: string;
}

const escapeCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const plain = (value: TableValue) => (value === null || value === undefined ? "" : String(value));

/** The rank of each competing finite value in its column: 0 for the best (ties share it), 1 for the second. */
function columnRanks(rows: readonly TableRow[], marks: MarkdownMarks): Map<string, number[]> {
  const ranks = new Map<string, number[]>();
  for (const column of marks.columns) {
    const competing = rows.map((row, i) =>
      (marks.rows?.(row, i) ?? true) && typeof row[column] === "number" && Number.isFinite(row[column]));
    const distinct = [...new Set(rows.filter((_, i) => competing[i]).map((row) => row[column] as number))];
    distinct.sort((a, b) => (marks.best === "min" ? a - b : b - a));
    ranks.set(column, rows.map((row, i) => (competing[i] ? distinct.indexOf(row[column] as number) : -1)));
  }
  return ranks;
}

/** The rows as a markdown table (GitHub's pipe form), with the marks and side values the options ask for. */
export function markdownTable(rows: readonly TableRow[], options: MarkdownTableOptions = {}): string {
  const columns = options.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const format = options.format ?? plain;
  const ranks = options.marks ? columnRanks(rows, options.marks) : new Map<string, number[]>();
  const cell = (row: TableRow, i: number, column: string) => {
    let text = escapeCell(format(row[column], column, row));
    const rank = ranks.get(column)?.[i];
    if (rank === 0) text = `**${text}**`;
    else if (rank === 1) text = `<u>${text}</u>`;
    const side = options.beside?.(row, column);
    return side === undefined ? text : `${text} (${escapeCell(side)})`;
  };
  return [
    ...(options.caption ? [options.caption, ""] : []),
    `| ${columns.map((c) => escapeCell(options.headers?.[c] ?? c)).join(" | ")} |`,
    `|${columns.map(() => "---|").join("")}`,
    ...rows.map((row, i) => `| ${columns.map((c) => cell(row, i, c)).join(" | ")} |`),
  ].join("\n");
}

/** Shows markdown: rendered in a kernel (with the source as its plain-text form), printed elsewhere. */
export function showMarkdown(text: string): void {
  if (inKernel()) emitDisplay({ "text/markdown": text, "text/plain": text });
  else console.log(text);
}
