// How long figures take to render and export, cold (browser start) and warm (per figure).
// Run: node --import tsx bench/figure-export.ts [figures=10]
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { closeRenderer, exportFigure, heatmap, lines, renderPng } from "../lib/plot/index";

const count = Number(process.argv[2] ?? 10);
const grid = heatmap({
  z: Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => 80 + i + j / 2)),
  x: [2e-5, 5e-5, 1e-4, 2e-4, 4e-4, 8e-4],
  y: [1e-4, 2e-4, 4e-4, 8e-4, 1e-3, 2e-3],
  clipBelow: 82,
  highlight: [{ row: 5, col: 5 }],
  diagonal: [{ row: 0, col: 2 }],
});
const curves = lines({
  series: [0, 1, 2].map((k) => {
    const x = Array.from({ length: 200 }, (_, i) => i + 1);
    const y = x.map((t) => Math.exp(-t / (40 + 20 * k)));
    return { name: `λ = ${2 ** k}`, x, y, lower: y.map((v) => v * 0.9), upper: y.map((v) => v * 1.1) };
  }),
});

async function time<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qkv-bench-"));
  const cold = await time(() => renderPng(grid, { scale: 2 }));
  const rows: Record<string, string>[] = [];
  for (const [name, fig] of [["heatmap 6×6", grid], ["lines 3×200 with bands", curves]] as const) {
    const png: number[] = [];
    const all: number[] = [];
    for (let i = 0; i < count; i++) {
      png.push(await time(() => renderPng(fig, { scale: 2 })));
      all.push(await time(() => exportFigure(fig, `bench_${i}`, { dir })));
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    rows.push({
      figure: name,
      "PNG 2× (ms)": median(png).toFixed(0),
      "PNG+SVG+PDF (ms)": median(all).toFixed(0),
      "cold start / warm export": (cold / median(all)).toFixed(1),
    });
  }
  await closeRenderer();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`cold start (launch Chromium, load plotly.js, first PNG): ${cold.toFixed(0)} ms`);
  console.table(rows);
})();
