// Builds small notebooks for tests, in a temporary directory (the kernel runs from the repository root,
// so a notebook anywhere can import "./lib/index").
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KERNEL_NAME } from "../../lib/notebook/index";

export type CellSpec = string | { markdown: string };

export function writeNotebook(dir: string, name: string, cells: CellSpec[]): string {
  const nb = {
    cells: cells.map((c, i) =>
      typeof c === "string"
        ? { cell_type: "code", id: `c${i}`, metadata: {}, source: c, outputs: [], execution_count: null }
        : { cell_type: "markdown", id: `c${i}`, metadata: {}, source: c.markdown },
    ),
    metadata: {
      kernelspec: { name: KERNEL_NAME, display_name: "TypeScript (qkv-lab)", language: "typescript" },
      language_info: { name: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const file = path.join(dir, `${name}.ipynb`);
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `qkv-${prefix}-`));
}
