// A strict reader for GLUE-style TSV files: one header row, then every row with exactly the header's
// number of tab-separated fields. Quote characters are ordinary text: GLUE's sentences contain raw `"`
// (MRPC's `" The foodservice pie business ...`), and a CSV-style reader would swallow tabs and newlines
// up to the next quote and silently merge rows. Bytes must be valid UTF-8 (a BOM is dropped), CRLF line
// ends are accepted, and a blank line inside the file is an error rather than a row of empty fields.
import * as fs from "fs";
import { DataError } from "./errors";

export interface TsvTable {
  file: string;
  header: string[];
  rows: string[][];
  /** The line of rows[0]; rows[i] is on line firstLine + i (blank lines are rejected, so there are no gaps). */
  firstLine: number;
}

export function readTsv(file: string): TsvTable {
  const text = decodeUtf8(file, readBytes(file));
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop(); // the final newline ends the last row, it does not start one
  if (lines.length === 0) throw new DataError({ file }, "empty file: expected a header row");
  const header = stripCr(lines[0]).split("\t");
  const width = header.length;
  const rows = new Array<string[]>(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const line = stripCr(lines[i]);
    if (line === "") throw new DataError({ file, line: i + 1 }, `blank line (expected ${width} tab-separated columns)`);
    const fields = line.split("\t");
    if (fields.length !== width) {
      throw new DataError({ file, line: i + 1 }, `expected ${width} columns, got ${fields.length}`);
    }
    rows[i - 1] = fields;
  }
  return { file, header, rows, firstLine: 2 };
}

function readBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT"
      ? "no such file"
      : code === "EISDIR" ? "is a directory, not a file" : `cannot be read (${(err as Error).message})`;
    throw new DataError({ file }, why);
  }
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

function decodeUtf8(file: string, bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes);
    const lineStart = bytes.lastIndexOf(0x0a, at - 1) + 1;
    let line = 1;
    for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
    const value = `0x${bytes[at].toString(16).padStart(2, "0")}`;
    throw new DataError(
      { file, line, value },
      `not valid UTF-8: byte ${value} at byte ${at - lineStart + 1} of the line`,
    );
  }
}

/**
 * The offset of the first byte that makes the file invalid UTF-8, found by bisection with the decoder's own
 * rules: in streaming mode a prefix that merely ends inside a multi-byte character still decodes, so a prefix
 * fails exactly when it reaches a bad byte, and the shortest failing prefix ends at the culprit.
 */
function firstInvalidByte(bytes: Buffer): number {
  const decodes = (n: number) => {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let good = 0; // the longest prefix known to decode
  let bad = bytes.length;
  // The whole buffer may fail only because it ends inside a character: then the truncated tail is the culprit.
  if (decodes(bad)) {
    let start = bad - 1;
    while (start > 0 && (bytes[start] & 0xc0) === 0x80) start--;
    return start;
  }
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    if (decodes(mid)) good = mid;
    else bad = mid;
  }
  // The failing byte may be a fine one that cut short the character an earlier lead byte began ("caf\xe9 on":
  // 0xE9 starts a 3-byte character, the space ends it): then that lead byte is the culprit.
  const failing = bad - 1;
  let start = failing - 1;
  while (start >= 0 && failing - start < 4 && (bytes[start] & 0xc0) === 0x80) start--;
  if (start >= 0 && start < failing) {
    const lead = bytes[start];
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (length > failing - start) return start;
  }
  return failing;
}
