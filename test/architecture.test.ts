// The direction of lib/'s dependencies (issue 20): every folder imports only from folders below it, in the order
// base utilities → models → lora → train → theory and data → experiments → plot and notebooks → cli. Type-only
// imports count too.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../lib/paths";

const LIB = path.join(REPO_ROOT, "lib");
const LEVELS: Record<string, number> = {
  paths: 0, random: 0, files: 0, validate: 0, safetensors: 0, tokenizers: 0, backend: 0, stats: 0, weights: 0, workers: 0, display: 0,
  models: 1,
  lora: 2,
  train: 3,
  bounds: 4, dynamics: 4, data: 4, paper: 4,
  pretrain: 5, experiments: 5,
  plot: 6, notebook: 6,
  cli: 7,
  index: 8,
};

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

const folderOf = (file: string) => path.relative(LIB, file).split(path.sep)[0].replace(/\.ts$/, "");

test("every import in lib/ points down the layers (issue 20)", () => {
  const upward = new Set<string>();
  for (const file of files(LIB)) {
    const from = folderOf(file);
    assert.ok(from in LEVELS, `lib/${from} has no place in the layers: add it to LEVELS`);
    // Code lines only: a comment may quote an import.
    const code = fs.readFileSync(file, "utf8").split("\n").filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l)).join("\n");
    for (const match of code.matchAll(/(?:from|import)\s+"(\.{1,2}\/[^"]+)"/g)) {
      const to = folderOf(path.resolve(path.dirname(file), match[1]));
      assert.ok(to in LEVELS, `${path.relative(LIB, file)} imports lib/${to}, which has no place in the layers`);
      if (LEVELS[to] > LEVELS[from]) upward.add(`${path.relative(LIB, file)} -> ${to}`);
    }
  }
  assert.deepEqual([...upward].sort(), []);
});
