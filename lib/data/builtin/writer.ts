// The suite's file formats: GLUE-style TSV (a header, then one row per example, no quoting — GLUE writes
// none, so a cell must hold no tab or line break) and the corpus (one sentence per line).
import { TextExample } from "../example";
import { Column } from "./task";
import { SuiteError } from "./world";

function cell(value: string, where: string): string {
  if (/[\t\r\n]/.test(value)) {
    throw new SuiteError(
      `${where} holds a tab or line break, which TSV without quoting cannot carry: ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The TSV text of a split: the header row, then each example under the task's columns. */
export function toTsv(file: string, columns: readonly Column[], examples: readonly TextExample[]): string {
  const lines = [columns.map((c) => c.name).join("\t")];
  examples.forEach((ex, i) => {
    const row = columns.map((c) => {
      switch (c.role) {
        case "index":
          return String(i);
        case "label":
          return String(ex.label);
        case "text":
          return cell(ex.text, `${file} row ${i} ${c.name}`);
        default:
          if (ex.pair === undefined) throw new SuiteError(`${file} row ${i} has no ${c.name}`);
          return cell(ex.pair, `${file} row ${i} ${c.name}`);
      }
    });
    lines.push(row.join("\t"));
  });
  return lines.join("\n") + "\n";
}

export function toCorpus(file: string, sentences: readonly string[]): string {
  return sentences.map((s, i) => cell(s, `${file} line ${i + 1}`)).join("\n") + "\n";
}
