// Result tables as people read them: in a notebook an HTML table (JupyterLab and the classic notebook wrap a wide
// console.table into unreadable lines), with aligned plain text beside it for consoles, logs and nbconvert's text
// outputs; outside a kernel the plain text alone.
import { emitDisplay, escapeHtml, inKernel } from "./jupyter";

export type TableValue = string | number | boolean | null | undefined;
export type TableRow = Record<string, TableValue>;

export interface TableOptions {
  /** A line above the table. */
  caption?: string;
  /** CSS for one cell (e.g. a verdict's colour), or undefined for none. */
  cellStyle?: (column: string, value: TableValue) => string | undefined;
}

const columnsOf = (rows: readonly TableRow[]): string[] => [...new Set(rows.flatMap((r) => Object.keys(r)))];
const cellText = (v: TableValue): string => (v === null || v === undefined ? "" : String(v));

/** The table as aligned plain text: a header, a rule, one line per row (numbers right-aligned). */
export function tableText(rows: readonly TableRow[], caption?: string): string {
  const columns = columnsOf(rows);
  const widths = columns.map((c) => Math.max([...c].length, ...rows.map((r) => [...cellText(r[c])].length)));
  const pad = (text: string, width: number, right: boolean) => (right ? text.padStart(width) : text.padEnd(width));
  const line = (cells: string[], numeric: boolean[]) =>
    cells.map((t, i) => pad(t, widths[i], numeric[i])).join("  ").trimEnd();
  return [
    ...(caption ? [caption] : []),
    line(columns, columns.map(() => false)),
    widths.map((w) => "─".repeat(w)).join("  "),
    ...rows.map((r) => line(columns.map((c) => cellText(r[c])), columns.map((c) => typeof r[c] === "number"))),
  ].join("\n");
}

/** The table as HTML, self-contained (inline styles, so it looks the same in every frontend and in exported HTML). */
export function tableHtml(rows: readonly TableRow[], options: TableOptions = {}): string {
  const columns = columnsOf(rows);
  const th = 'style="text-align:left;padding:3px 10px;border-bottom:1px solid #888"';
  const cell = (c: string, v: TableValue) => {
    const align = typeof v === "number" ? "right" : "left";
    const extra = options.cellStyle?.(c, v) ?? "";
    const style = `text-align:${align};padding:2px 10px;white-space:nowrap;${extra}`;
    return `<td style="${style}">${escapeHtml(cellText(v))}</td>`;
  };
  return [
    '<div style="overflow-x:auto">',
    ...(options.caption ? [`<div style="font-weight:600;margin:4px 0">${escapeHtml(options.caption)}</div>`] : []),
    '<table style="border-collapse:collapse;font-size:13px">',
    `<thead><tr>${columns.map((c) => `<th ${th}>${escapeHtml(c)}</th>`).join("")}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${columns.map((c) => cell(c, r[c])).join("")}</tr>`).join("")}</tbody>`,
    "</table></div>",
  ].join("");
}

/** Shows a table: HTML with a plain-text alternative in a tslab kernel, the plain text elsewhere. */
export function showTable(rows: readonly TableRow[], options: TableOptions = {}): void {
  const text = tableText(rows, options.caption);
  if (inKernel()) emitDisplay({ "text/html": tableHtml(rows, options), "text/plain": text });
  else console.log(text);
}
