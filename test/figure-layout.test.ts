// Issue 21's acceptance: no figure has its legend over its title or its plot area. Every figure builder is drawn
// by plotly.js in headless Chromium (the renderer's page) with long legends and titles, and the drawn boxes are
// measured: the legend's and the title's from the DOM, the plot area from plotly's own layout (_fullLayout._size).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { lossCurves } from "../lib/plot/index";
import type { GridRow } from "../lib/experiments/index";
import { bars, closeRenderer, Figure, figureSize, heatmap, lines } from "../lib/plot/index";
import { withPage } from "../lib/plot/render";

after(closeRenderer);

interface Box { x0: number; y0: number; x1: number; y1: number }
interface Drawn { title: Box | null; legend: Box | null; legendItems: number; plot: Box; width: number; height: number }

// A string, not a function: tsx would wrap a function's inner helpers in __name(), which the page does not have.
const DRAW = `async ([fig, width, height]) => {
  const gd = document.createElement("div");
  document.body.appendChild(gd);
  await window.Plotly.newPlot(gd, fig.data, { ...fig.layout, width: width, height: height }, { staticPlot: true });
  const root = gd.getBoundingClientRect();
  const box = (el) => {
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { x0: r.left - root.left, y0: r.top - root.top, x1: r.right - root.left, y1: r.bottom - root.top };
  };
  const s = gd._fullLayout._size;
  const out = {
    title: box(gd.querySelector(".gtitle")), legend: box(gd.querySelector("g.legend")),
    legendItems: gd.querySelectorAll("g.legend .traces").length,
    plot: { x0: s.l, y0: s.t, x1: s.l + s.w, y1: s.t + s.h }, width: width, height: height,
  };
  window.Plotly.purge(gd);
  gd.remove();
  return out;
}`;

async function draw(fig: Figure): Promise<Drawn> {
  const { width, height } = figureSize(fig);
  return withPage((page) => page.evaluate(`(${DRAW})(${JSON.stringify([fig, width, height])})`)) as Promise<Drawn>;
}

const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
const show = (b: Box | null) => (b ? `[${[b.x0, b.y0, b.x1, b.y1].map((v) => v.toFixed(0)).join(", ")}]` : "none");

function checkLayout(name: string, fig: Figure, d: Drawn, legendEntries: number): void {
  const where = `${name}: title ${show(d.title)}, legend ${show(d.legend)}, plot area ${show(d.plot)}`;
  if (fig.layout.title) assert.ok(d.title, `${name}: the title is drawn`);
  if (d.title) assert.ok(!overlaps(d.title, d.plot), `${where}: the title overlaps the plot area`);
  assert.ok(d.plot.y1 - d.plot.y0 >= 250 && d.plot.x1 - d.plot.x0 >= 450, `${where}: the plot area is squeezed`);
  assert.equal(d.legendItems, legendEntries, `${name}: every legend entry is drawn`);
  if (legendEntries === 0) return;
  assert.ok(d.legend, `${name}: a legend`);
  assert.ok(!overlaps(d.legend, d.plot), `${where}: the legend overlaps the plot area`);
  if (d.title) assert.ok(!overlaps(d.legend, d.title), `${where}: the legend overlaps the title`);
  assert.ok(d.legend.x0 >= 0 && d.legend.y0 >= 0 && d.legend.x1 <= d.width && d.legend.y1 <= d.height, `${where}: the legend leaves the figure`);
}

const longName = (i: number) => `λ = ${i + 1} (η_V ${((i + 1) * 1e-4).toPrecision(2)}), mean of 3 seeds with a band`;
const longTitle = "Encoder — QQP: training loss at η_QK = 0.0005, every η_V of the best cell's column";

/** A grid row with a loss curve, as lossCurves reads it. */
function curveRow(seed: number, shift: number): GridRow {
  const loss = Array.from({ length: 20 }, (_, i) => ({ step: 5 * (i + 1), loss: 0.7 - 0.01 * i * shift + 0.001 * seed }));
  return { status: "ok", seed, result: { loss } } as unknown as GridRow;
}

describe("legends stay clear of the title and the plot area, for every figure builder", () => {
  const cases: { name: string; fig: Figure; entries: number }[] = [
    ...[1, 2, 3, 5, 9, 14].map((n) => ({
      name: `lines, ${n} long series`,
      fig: lines({ title: longTitle, xTitle: "step", yTitle: "training loss", series: Array.from({ length: n }, (_, i) => ({ name: longName(i), x: [1, 2, 3], y: [i, i + 1, i + 3] })) }),
      // plotly.js draws no legend for a single trace.
      entries: n === 1 ? 0 : n,
    })),
    {
      name: "lines, 12 short series on log axes with bands",
      fig: lines({
        title: "float32 matmul throughput on this machine", logX: true, logY: true,
        series: Array.from({ length: 12 }, (_, i) => ({ name: `n=${2 ** i}`, x: [1, 10, 100], y: [1 + i, 10 + i, 100 + i], lower: [0.5, 5, 50], upper: [2 + i, 20 + i, 200 + i] })),
      }),
      entries: 12,
    },
    {
      name: "lines without a title, 7 long series",
      fig: lines({ series: Array.from({ length: 7 }, (_, i) => ({ name: longName(i), x: [1, 2], y: [i, i] })) }),
      entries: 7,
    },
    ...[2, 6].map((n) => ({
      name: `bars, ${n} long series`,
      fig: bars({
        title: longTitle, categories: ["MNLI", "SST-2", "QQP", "QNLI"],
        series: Array.from({ length: n }, (_, i) => ({ name: `${longName(i)} (LoRA QV r=8)`, values: [50 + i, 60 + i, 70, 80], errors: [1, 1, 1, 1] })),
      }),
      entries: n,
    })),
    {
      name: "lossCurves (Figures 3, 4), six cells",
      fig: lossCurves(
        [...[1, 2, 4, 8, 16].map((l, i) => ({ name: `λ = ${l} (η_V ${(5e-4 * l).toPrecision(2)})`, rows: [curveRow(0, i), curveRow(1, i), curveRow(2, i)] })),
          { name: "best λ = 1 (η 0.001)", rows: [curveRow(0, 3)] }],
        longTitle,
      ),
      entries: 6,
    },
    {
      name: "heatmap with a two-line no-signal title",
      fig: heatmap({
        title: "QQP analog: test accuracy (%), mean of up to 3 seeds", z: [[50.1, 50.2], [50.3, 50.4]], x: ["1e-4", "2e-4"], y: ["2e-4", "1e-4"],
        xTitle: "η_QK", yTitle: "η_V", clipBelow: 50, noSignal: "no run beat the majority baseline beyond the chance band",
      }),
      entries: 0,
    },
    {
      name: "heatmap with highlight labels",
      fig: heatmap({ title: "LoRA network, width n = 256: held-out loss / initial", z: [[1, 0.5], [0.7, 0.2]], x: [1, 2], y: [3, 4], highlight: [{ row: 1, col: 1, label: "λ*=4" }] }),
      entries: 0,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => checkLayout(c.name, c.fig, await draw(c.fig), c.entries));
  }
});
