// lib/plot: figure builders checked against hand-computed JSON, display bundles, progress output, and
// static export through one shared Chromium (decoded and inspected independently of the renderer).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { CATALOG } from "../lib/notebook/index";
import { guidanceDiagram, guidanceNotebook } from "../lib/notebook/index";
import { GUIDANCE_COLUMNS, GUIDANCE_EDGES, GUIDANCE_NODES } from "../lib/paper/index";
import {
  bars, ChromiumNotFoundError, chromiumProblem, closeRenderer, describeFigure, diagramBoxes, displayBundle, exportFigure,
  figuresDir, findChromium, flowDiagram, heatmap, HIGHLIGHT_COLOR, NO_SIGNAL_COLORSCALE, robustRange, inKernel, legendRows, lines, mathBundle, tableHtml, tableText, PALETTE, progress, renderPng, renderSvg, show,
} from "../lib/plot/index";
import type { DiagramBox, DiagramNode, DiagramOptions, Figure } from "../lib/plot/index";
import { withPage } from "../lib/plot/render";
import { countColor, decodePng } from "./helpers/png";

const close = (a: unknown, b: number): boolean => typeof a === "number" && Math.abs(a - b) < 1e-9;

interface Sent {
  message: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id?: string } };
  update: boolean;
}

/** Runs `fn` as if inside a tslab kernel: a stand-in for the module the kernel loads (see lib/display/jupyter.ts). */
async function inFakeKernel(dir: string, fn: (sent: Sent[]) => Promise<void>): Promise<void> {
  const key = path.join(dir, "node_modules", "tslab", "dist", "jupyter.js");
  const sent: Sent[] = [];
  const fake = { lastWriteDisplayData: (message: Sent["message"], update: boolean) => sent.push({ message, update }) };
  require.cache[key] = { id: key, filename: key, loaded: true, exports: fake } as unknown as NodeJS.Module;
  try {
    await fn(sent);
  } finally {
    delete require.cache[key];
  }
}

/** 2×2 grid: a clipped cell, a diverged cell, the best cell at (1, 1) and the diagonal cell (0, 0). */
function smallGrid() {
  return heatmap({
    z: [[37.4, 60], [NaN, 80.26]],
    x: [1e-4, 2e-4],
    y: ["low", "high"],
    title: "Toy grid",
    clipBelow: 50,
    textFormat: ".1f",
    highlight: [{ row: 1, col: 1, label: "best" }],
    diagonal: [{ row: 0, col: 0 }],
  });
}

describe("heatmap", () => {
  test("text overrides the printed value where given (a value known only as below the floor)", () => {
    const fig = heatmap({ z: [[10, 90]], x: ["a", "b"], y: ["r"], clipBelow: 83, text: [["≤83", null]], textFormat: ".1f" });
    assert.deepEqual(fig.data[0].text, [["≤83", "90.0"]]);
    assert.deepEqual(fig.data[0].z, [[83, 90]]);
    assert.throws(() => heatmap({ z: [[1, 2]], x: ["a", "b"], y: ["r"], text: [["x"]] }), /heatmap: text\[0\] must have 2 entries like z\[0\]/);
  });

  test("clips, labels and outlines the cells computed by hand", () => {
    const fig = smallGrid();
    const trace = fig.data[0];
    assert.equal(trace.type, "heatmap");
    assert.deepEqual(trace.z, [[50, 60], [null, 80.26]]);
    // 37.4 is below the floor: coloured as 50, but its text keeps the value (as the paper prints 37.4)
    assert.deepEqual(trace.text, [["37.4", "60.0"], ["div", "80.3"]]);
    assert.deepEqual(trace.x, ["1e-4", "2e-4"]);
    assert.deepEqual(trace.y, ["low", "high"]);
    assert.equal(trace.zmin, 50);
    assert.equal(trace.zmax, 80.26);
    assert.equal((fig.layout.xaxis as Record<string, unknown>).type, "category");
    // Row 0 on top; the ranges are the cells' (no room for the label's box, which autorange gave).
    assert.deepEqual((fig.layout.yaxis as Record<string, unknown>).range, [1.5, -0.5]);
    assert.deepEqual((fig.layout.xaxis as Record<string, unknown>).range, [-0.5, 1.5]);

    // Category k sits at coordinate k: cell (row, col) spans col ± 0.5 by row ± 0.5 (inset by 0.02).
    const [diag, best] = fig.layout.shapes ?? [];
    assert.equal(fig.layout.shapes?.length, 2);
    for (const [shape, row, col] of [[diag, 0, 0], [best, 1, 1]] as const) {
      assert.equal(shape.type, "rect");
      assert.equal(shape.xref, "x");
      assert.equal(shape.yref, "y");
      assert.ok(close(shape.x0, col - 0.48) && close(shape.x1, col + 0.48), `x of cell (${row}, ${col})`);
      assert.ok(close(shape.y0, row - 0.48) && close(shape.y1, row + 0.48), `y of cell (${row}, ${col})`);
    }
    assert.deepEqual(best.line, { color: HIGHLIGHT_COLOR, width: 3 });
    assert.deepEqual(diag.line, { color: HIGHLIGHT_COLOR, width: 2, dash: "dash" });
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(HIGHLIGHT_COLOR.slice(i, i + 2), 16));
    assert.ok(r > 200 && g < 60 && b < 60, `${HIGHLIGHT_COLOR} is red`);
    const [label] = fig.layout.annotations as Record<string, unknown>[];
    assert.equal(label.text, "best");
    assert.ok(close(label.x, 1.5) && close(label.y, 0.5), "label in the best cell's top-right corner");
    assert.equal(describeFigure(fig), "Figure: Toy grid (heatmap 2×2)");
  });

  test("a robust colour range: far-out cells (Tukey's fences, 3 × IQR) are coloured at its end and marked", () => {
    // Quartiles of [1, 1.1, 1.2, 1.3, 50]: 1.1 and 1.3, IQR 0.2, so the upper fence is 1.3 + 0.6 = 1.9.
    const loss = [[1, 1.1, 1.2], [1.3, 50, NaN]];
    const fig = heatmap({ z: loss, x: ["a", "b", "c"], y: ["r0", "r1"], robust: "high", textFormat: ".2f" });
    assert.ok(close(fig.data[0].zmax, 1.9) && fig.data[0].zmin === 1);
    assert.deepEqual(fig.data[0].z, [[1, 1.1, 1.2], [1.3, fig.data[0].zmax, null]]);
    assert.deepEqual(fig.data[0].text, [["1.00", "1.10", "1.20"], ["1.30", "50.00 ▲", "div"]]);
    // Without it the one extreme cell sets the range, and every other cell is in the bottom 1 % of the scale.
    assert.equal(heatmap({ z: loss, x: ["a", "b", "c"], y: ["r0", "r1"] }).data[0].zmax, 50);
    const [lo, hi] = robustRange([-40, 1, 1.1, 1.2, 1.3], "both");
    assert.ok(close(lo, 1 - 3 * 0.2) && hi === 1.3); // quartiles 1 and 1.2
    // Most cells equal (no spread between the quartiles): nothing is clipped, the learned cells keep their colour.
    assert.deepEqual(robustRange([50, 50, 50, 50, 80], "high"), [50, 80]);
  });

  test("diverged cells are labelled; a no-signal panel is grey, without colour bar or best outline, and says why", () => {
    const fig = heatmap({
      z: [[50.1, 50.7], [null, 50]], x: ["a", "b"], y: ["r0", "r1"], title: "QQP", highlight: [{ row: 0, col: 1, label: "best" }],
      diverged: [{ row: 1, col: 1, label: "2/3" }, { row: 1, col: 0, label: "3/3" }], noSignal: "no run beat <the> majority",
    });
    assert.equal((fig.data[0].text as string[][])[1][1], '50.0<br><span style="font-size:10px">div. 2/3</span>');
    assert.equal((fig.data[0].text as string[][])[1][0], "div. 3/3", "a cell with no value left is only its label");
    assert.equal(fig.data[0].showscale, false);
    assert.deepEqual(fig.data[0].colorscale, NO_SIGNAL_COLORSCALE);
    assert.deepEqual(fig.layout.shapes, []);
    assert.equal(fig.layout.annotations, undefined);
    assert.equal((fig.layout.title as { text: string }).text, 'QQP<br><span style="font-size:13px;color:#6e7781">no signal: no run beat &lt;the&gt; majority</span>');
    assert.throws(() => heatmap({ z: [[1]], x: ["a"], y: ["r"], diverged: [{ row: 1, col: 0 }] }), /heatmap: diverged\[0\]\.row must be an integer in 0\.\.0 \(got 1\)/);
    assert.throws(() => heatmap({ z: [[1]], x: ["a"], y: ["r"], robust: "up" as never }), /heatmap: robust must be "none", "high", "low" or "both"/);
  });

  test("rejects bad input, naming the argument", () => {
    const base = { x: ["a", "b"], y: ["r0", "r1"] };
    assert.throws(() => heatmap({ ...base, z: [[1, 2], [3]] }), /^Error: heatmap: z is ragged: z\[0\] has 2 values but z\[1\] has 1$/);
    assert.throws(() => heatmap({ ...base, x: ["a", "b", "c"], z: [[1, 2], [3, 4]] }), /heatmap: x has 3 labels but z has 2 columns/);
    assert.throws(() => heatmap({ ...base, y: ["r0"], z: [[1, 2], [3, 4]] }), /heatmap: y has 1 labels but z has 2 rows/);
    assert.throws(() => heatmap({ ...base, x: ["a", "a"], z: [[1, 2], [3, 4]] }), /heatmap: x\[1\] repeats an earlier label \(got "a"\)/);
    assert.throws(() => heatmap({ ...base, z: [[1, 2], [3, 4]], highlight: [{ row: 2, col: 0 }] }), /heatmap: highlight\[0\]\.row must be an integer in 0\.\.1 \(got 2\)/);
    assert.throws(() => heatmap({ ...base, z: [[1, 2], [3, 4]], textFormat: "%.2f" }), /heatmap: textFormat must look like/);
    assert.throws(() => heatmap({ ...base, z: [[1, 2], [3, 4]], clipBelow: NaN }), /heatmap: clipBelow must be a finite number/);
  });
});

describe("lines and bars", () => {
  test("a band is a closed polygon in the series colour, hidden from the legend", () => {
    const fig = lines({
      series: [
        { name: "λ = 1", x: [1, 2, 3], y: [3, NaN, 1], lower: [2.5, 1.5, 0.5], upper: [3.5, 2.5, 1.5] },
        { name: "λ = 4", x: [1, 2, 3], y: [2, 1, 0.5] },
      ],
      logX: true,
      logY: true,
    });
    assert.equal(fig.data.length, 3);
    const [band, first, second] = fig.data;
    assert.deepEqual(band.x, [1, 2, 3, 3, 2, 1]);
    assert.deepEqual(band.y, [3.5, 2.5, 1.5, 0.5, 1.5, 2.5]);
    assert.equal(band.fill, "toself");
    assert.equal(band.showlegend, false);
    const color = (first.line as { color: string }).color;
    const rgb = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16)).join(",");
    assert.equal(band.fillcolor, `rgba(${rgb},0.2)`);
    assert.deepEqual(first.y, [3, null, 1]);
    assert.notEqual((second.line as { color: string }).color, color);
    // Log ticks: a sweep's own x values; 1-2-5 per decade on y (0.5..3.5 lies in decades 0.1..10).
    const { xaxis, yaxis } = fig.layout as Record<string, Record<string, unknown>>;
    assert.deepEqual([xaxis.type, xaxis.tickvals, xaxis.ticktext], ["log", [1, 2, 3], ["1", "2", "3"]]);
    assert.equal(yaxis.type, "log");
    assert.deepEqual(yaxis.tickvals, [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50]);
    assert.equal(describeFigure(fig), "Figure (lines, 2 series)");
  });

  test("a series may set its colour (line and band) and its dash", () => {
    const fig = lines({
      series: [
        { name: "gd", x: [1, 2], y: [0, 0.1], lower: [-0.1, 0], upper: [0.1, 0.2], color: "#2ca02c" },
        { name: "sign", x: [1, 2], y: [0, 0.1], color: "#2ca02c", dash: "dot" },
        { name: "plain", x: [1, 2], y: [1, 2] },
      ],
    });
    const [band, gd, sign, plain] = fig.data;
    assert.equal(band.fillcolor, "rgba(44,160,44,0.2)");
    assert.deepEqual(gd.line, { color: "#2ca02c", width: 2 });
    assert.deepEqual(sign.line, { color: "#2ca02c", width: 2, dash: "dot" });
    assert.deepEqual(plain.line, { color: PALETTE[2], width: 2 });
    const one = { name: "a", x: [1], y: [1] };
    assert.throws(() => lines({ series: [{ ...one, color: "green" }] }), /series\[0\]\.color must be a colour #rrggbb/);
    assert.throws(() => lines({ series: [{ ...one, dash: "wavy" as "dot" }] }), /series\[0\]\.dash must be one of/);
  });

  test("lines and bars reject bad input, naming the argument", () => {
    assert.throws(() => lines({ series: [{ name: "a", x: [1, 2], y: [1] }] }), /lines: series\[0\]\.y has 1 values but series\[0\]\.x has 2/);
    assert.throws(() => lines({ series: [{ name: "a", x: [1], y: [1], lower: [0] }] }), /lines: series\[0\]\.upper is missing/);
    assert.throws(() => lines({ series: [{ name: "a", x: [0, 1], y: [1, 1] }], logX: true }), /lines: series\[0\]\.x\[0\] must be > 0 on a log axis/);
    assert.throws(
      () => bars({ categories: ["A", "B"], series: [{ name: "s", values: [1, 2] }, { name: "t", values: [1] }] }),
      /bars: series\[1\]\.values has 1 values but categories has 2/,
    );
    assert.throws(() => bars({ categories: ["A"], series: [{ name: "s", values: [1], errors: [-1] }] }), /bars: series\[0\]\.errors\[0\] must be ≥ 0/);
  });

  test("bars are grouped, with error bars", () => {
    const fig = bars({
      categories: ["MNLI", "SST-2"],
      series: [{ name: "λ = 1", values: [85, 93], errors: [0.5, 0.3] }, { name: "λ = 4", values: [86, 94] }],
    });
    assert.equal(fig.layout.barmode, "group");
    assert.deepEqual(fig.data[0].error_y, { type: "data", array: [0.5, 0.3], visible: true, color: "#222222", thickness: 1.5, width: 4 });
    assert.equal(fig.data[1].error_y, undefined);
    assert.equal(describeFigure(fig), "Figure (bars, 2 series × 2 categories)");
  });
});

describe("display", () => {
  test("a bundle carries the plotly JSON, HTML with the PNG and a draw script, the PNG and a text line", () => {
    const fig = heatmap({ z: [[1]], x: ["a"], y: ["b"], title: "T </script>" });
    const png = Buffer.from("not really a png");
    const bundle = displayBundle(fig, png);
    assert.deepEqual(Object.keys(bundle).sort(), ["application/vnd.plotly.v1+json", "image/png", "text/html", "text/plain"]);
    assert.deepEqual(JSON.parse(JSON.stringify(bundle["application/vnd.plotly.v1+json"])), { data: fig.data, layout: fig.layout });
    assert.equal(bundle["image/png"], png.toString("base64"));
    assert.equal(bundle["text/plain"], "Figure: T (heatmap 1×1)");
    const html = bundle["text/html"];
    const id = /<div id="(qkv-figure-[0-9a-f]+)"/.exec(html)?.[1];
    assert.ok(id, "the figure has a container with an id");
    assert.ok(html.includes(`<img src="data:image/png;base64,${png.toString("base64")}"`));
    assert.ok(html.includes(`document.getElementById("${id}")`) && html.includes("window.Plotly.newPlot(el, fig.data, fig.layout"));
    assert.equal(html.split("</script>").length, 2, "the title cannot close the script early");

    const withoutPng = displayBundle(fig);
    assert.equal(withoutPng["image/png"], undefined);
    assert.ok(!withoutPng["text/html"].includes("<img"));
  });

  test("outside a kernel, show() prints the text line and returns the bundle", async () => {
    assert.equal(inKernel(), false);
    const printed: unknown[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void printed.push(...args);
    try {
      const bundle = await show(smallGrid());
      assert.deepEqual(printed, ["Figure: Toy grid (heatmap 2×2)"]);
      assert.equal(bundle?.["image/png"], undefined);
    } finally {
      console.log = log;
    }
  });
  test("a formula is MathML (drawn without MathJax) with its LaTeX and plain text; bad LaTeX is an error", () => {
    const bundle = mathBundle("\\sqrt{\\frac{4R^2}{N}}", "sqrt(4R²/N)");
    assert.ok(bundle["text/html"].includes('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'));
    assert.ok(bundle["text/html"].includes("<msqrt>") && bundle["text/html"].includes("<mfrac>"));
    assert.equal(bundle["text/latex"], "$$\\sqrt{\\frac{4R^2}{N}}$$");
    assert.equal(bundle["text/plain"], "sqrt(4R²/N)");
    assert.throws(() => mathBundle("\\frac{1}", "x"), /KaTeX parse error/);
  });
});

describe("progress", () => {
  test("in a log (not a TTY) it prints a start line, one line per 10 % and a final line", () => {
    const written: string[] = [];
    const bar = progress(1000, "sweep", { stream: { isTTY: false, write: (s) => written.push(s) } });
    for (let i = 0; i < 1000; i++) bar.tick(1, `run ${i}`);
    bar.done("all runs");
    assert.equal(written.length, 11);
    assert.ok(written.every((s) => s.endsWith("\n") && !s.slice(0, -1).includes("\n")));
    assert.match(written[0], /^sweep {2}\[\.{20}\] 0\/1000 {2}ETA \?\n$/);
    assert.match(written[5], /^sweep {2}\[#{10}\.{10}\] 500\/1000 {2}ETA \d+s {2}run 499\n$/);
    assert.match(written[10], /^sweep {2}\[#{20}\] 1000\/1000 {2}in \d+s {2}all runs\n$/);
  });

  test("in a terminal it redraws one line, at most 5 times a second", () => {
    const written: string[] = [];
    const bar = progress(100_000, "train", { stream: { isTTY: true, write: (s) => written.push(s) } });
    for (let i = 0; i < 100_000; i++) bar.tick();
    bar.done();
    assert.ok(written.length <= 4, `${written.length} redraws for a fast loop`);
    assert.ok(written.every((s) => s.startsWith("\r")));
    assert.ok(written[written.length - 1].endsWith("100000/100000  in 0s\n"));
  });
});

describe("static export", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qkv-plot-"));
  after(async () => {
    await closeRenderer();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("no Chromium: a ChromiumNotFoundError that says what was searched and what to do", async () => {
    const saved = process.env.QKV_CHROMIUM;
    process.env.QKV_CHROMIUM = path.join(dir, "no-such-chromium");
    try {
      assert.throws(findChromium, (e: unknown) => {
        assert.ok(e instanceof ChromiumNotFoundError);
        assert.match(e.message, /searched QKV_CHROMIUM=.*no-such-chromium/);
        assert.match(e.message, /apt-get install chromium/);
        assert.match(e.message, /npm run setup/);
        assert.match(e.message, /set QKV_CHROMIUM to a Chromium\/Chrome binary/);
        return true;
      });
      assert.match(chromiumProblem() ?? "", /No Chromium/);
      // The renderer has not started yet, so this really tries the missing binary.
      await assert.rejects(renderPng(smallGrid()), ChromiumNotFoundError);

      // In a notebook the figure still shows (interactive, no PNG), with one warning for the session.
      const warnings: string[] = [];
      const write = process.stderr.write;
      process.stderr.write = ((text: string) => warnings.push(text) > 0) as typeof process.stderr.write;
      try {
        await inFakeKernel(dir, async (sent) => {
          await show(smallGrid());
          await show(smallGrid());
          assert.equal(sent.length, 3, "plotly.js once, then one output per figure");
          const [loader, first, second] = sent.map((m) => m.message);
          const script = String(loader.data["text/html"]);
          assert.ok(script.includes("(function (define, module, exports) {") && script.includes("}).call(window);"));
          assert.ok(script.length > 1_000_000, "the whole plotly.js bundle is inlined");
          for (const m of [first, second]) {
            assert.deepEqual(Object.keys(m.data).sort(), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
            assert.ok(!String(m.data["text/html"]).includes("<img") && String(m.data["text/html"]).includes("Plotly.newPlot"));
          }
        });
      } finally {
        process.stderr.write = write;
      }
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /^qkv-lab: figures are shown without their PNG fallback: No Chromium.*apt-get install chromium.*\n$/);
    } finally {
      if (saved === undefined) delete process.env.QKV_CHROMIUM;
      else process.env.QKV_CHROMIUM = saved;
    }
  });

  test("exportFigure writes a decodable PNG, a well-formed SVG and a one-page vector PDF", async (t) => {
    const fig = smallGrid();
    let start = Date.now();
    const written = await exportFigure(fig, "toy-grid", { dir });
    t.diagnostic(`first export (browser cold start + png/svg/pdf): ${Date.now() - start} ms`);
    assert.deepEqual(written, ["png", "svg", "pdf"].map((ext) => path.join(dir, `toy-grid.${ext}`)));
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp")), [], "no temporary files left");

    const png = decodePng(fs.readFileSync(written[0]));
    assert.deepEqual([png.width, png.height], [720 * 2, 460 * 2]);
    assert.equal(png.inflatedLength, png.height * (1 + png.width * png.channels));
    assert.ok(countColor(png, [0xe4, 0x1a, 0x1c]) > 1000, "the red outlines are drawn");
    assert.ok(countColor(png, [0xd0, 0xd0, 0xd0], 2) > 1000, "the diverged cell is grey");

    const svg = fs.readFileSync(written[1], "utf8");
    const parsed = await withPage((page) =>
      page.evaluate((text) => {
        const doc = new DOMParser().parseFromString(text, "image/svg+xml");
        const root = doc.documentElement;
        return {
          error: doc.querySelector("parsererror")?.textContent ?? null,
          root: root.localName,
          width: root.getAttribute("width"),
          height: root.getAttribute("height"),
          images: doc.querySelectorAll("image").length,
          texts: Array.from(doc.querySelectorAll("text")).map((e) => e.textContent),
        };
      }, svg),
    );
    assert.equal(parsed.error, null);
    assert.deepEqual([parsed.root, parsed.width, parsed.height], ["svg", "720", "460"]);
    assert.equal(parsed.images, 0, "heatmap cells are vector rects, not an embedded raster");
    for (const text of ["37.4", "60.0", "div", "80.3", "best", "Toy grid"]) assert.ok(parsed.texts.includes(text), text);

    const pdf = fs.readFileSync(written[2]).toString("latin1");
    assert.ok(pdf.startsWith("%PDF-"));
    assert.equal(pdf.match(/\/Type\s*\/Page\b/g)?.length, 1, "exactly one page");
    assert.match(pdf, /\/Count 1\b/);
    assert.ok(!/\/Subtype\s*\/Image/.test(pdf), "no raster image in the PDF");
    const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf);
    assert.ok(box && Math.abs(Number(box[1]) - 540) < 1 && Math.abs(Number(box[2]) - 345) < 1, "page = 720×460 px");

    start = Date.now();
    const lineFig = lines({ series: [{ name: "loss", x: [1, 2, 3], y: [3, 2, 1], lower: [2, 1, 0.5], upper: [4, 3, 1.5] }] });
    const [onlyPng] = await exportFigure(lineFig, "loss.curve", { dir, formats: ["png"], scale: 1 });
    t.diagnostic(`warm export of one PNG: ${Date.now() - start} ms`);
    const small = decodePng(fs.readFileSync(onlyPng));
    assert.deepEqual([small.width, small.height], [720, 460]);
    assert.ok(countColor(small, [0xd2, 0xe3, 0xf0], 6) > 1000, "the band is drawn at low opacity");
  });

  test("exportFigure rejects names that are not plain file names", async () => {
    for (const name of ["../escape", "a b", "", ".hidden", "fig/1"]) {
      await assert.rejects(exportFigure(smallGrid(), name, { dir }), /exportFigure: name .* is not a plain file name/, name);
    }
    await assert.rejects(exportFigure(smallGrid(), "ok", { dir, formats: ["jpg" as "png"] }), /exportFigure: formats/);
  });

  test("figures go to figures/ at the repository root unless QKV_FIGURES_DIR says otherwise", () => {
    const saved = process.env.QKV_FIGURES_DIR;
    try {
      delete process.env.QKV_FIGURES_DIR;
      assert.equal(figuresDir(), path.resolve(__dirname, "..", "figures"));
      process.env.QKV_FIGURES_DIR = dir;
      assert.equal(figuresDir(), dir);
    } finally {
      if (saved === undefined) delete process.env.QKV_FIGURES_DIR;
      else process.env.QKV_FIGURES_DIR = saved;
    }
  });

  test("in a kernel, show() sends one output per figure, a 1× PNG beside a 2× one in its HTML; progress updates one output", async () => {
    await inFakeKernel(dir, async (sent) => {
      assert.equal(inKernel(), true);
      assert.equal(await show(smallGrid()), undefined, "nothing returned, so the cell does not print the bundle again");
      assert.equal(sent.length, 1, "plotly.js was already inlined in this process");
      const { data, metadata } = sent[0].message;
      assert.deepEqual(Object.keys(data).sort(), ["application/vnd.plotly.v1+json", "image/png", "text/html", "text/plain"]);
      assert.deepEqual(metadata, { "image/png": { width: 720, height: 460 } });
      // image/png at the figure's CSS size (JupyterLab's plotly renderer draws it at its natural size), the HTML
      // fallback's PNG at 2×, drawn at 1× by its width attribute.
      const png = decodePng(Buffer.from(String(data["image/png"]), "base64"));
      assert.deepEqual([png.width, png.height], [720, 460]);
      const fallback = /<img src="data:image\/png;base64,([^"]+)" width="720" height="460"/.exec(String(data["text/html"]));
      assert.ok(fallback, "the HTML fallback holds a PNG drawn at 720 × 460");
      const sharp = decodePng(Buffer.from(fallback[1], "base64"));
      assert.deepEqual([sharp.width, sharp.height], [1440, 920]);

      const bar = progress(10, "grid");
      for (let i = 0; i < 10; i++) bar.tick();
      bar.done();
      const updates = sent.slice(1);
      assert.ok(updates.length >= 2 && updates.length <= 3, `${updates.length} progress messages`);
      assert.deepEqual(updates.map((u) => u.update), [false, ...updates.slice(1).map(() => true)]);
      const ids = new Set(updates.map((u) => u.message.transient.display_id));
      assert.equal(ids.size, 1, "every update names the same display");
      assert.match([...ids][0] ?? "", /^[0-9a-f]{16}$/);
      const last = updates[updates.length - 1].message.data;
      assert.match(String(last["text/plain"]), /^grid {2}\[#{20}\] 10\/10 {2}in 0s$/);
      assert.match(String(last["text/html"]), /<progress value="10" max="10"/);
    });
  });

  test("a plain node script that exports a figure exits by itself", () => {
    const script = path.join(dir, "export-and-exit.ts");
    const lib = path.resolve(__dirname, "..", "lib", "plot", "index");
    fs.writeFileSync(
      script,
      `import { exportFigure, bars } from ${JSON.stringify(lib)};\n` +
        `exportFigure(bars({ categories: ["a"], series: [{ name: "s", values: [1] }] }), "exit-check", ` +
        `{ dir: ${JSON.stringify(dir)}, formats: ["svg"] }).then(() => console.log("exported"));\n`,
    );
    const run = spawnSync(process.execPath, ["--import", "tsx", script], {
      cwd: path.resolve(__dirname, ".."), encoding: "utf8", timeout: 40_000,
    });
    assert.equal(run.error, undefined, "the script finished before the timeout");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), "exported");
    assert.ok(fs.existsSync(path.join(dir, "exit-check.svg")));
  });
});

describe("flowDiagram (Figure 5's builder) and the guidance content", () => {
  type Point = { x: number; y: number };
  type Arrow = { name: string; x: number; y: number; ax: number; ay: number; axref: string; ayref: string; showarrow: boolean };
  const arrowsOf = (fig: Figure) => (fig.layout.annotations as Arrow[]).filter((a) => a.showarrow);
  const onBoundary = (b: DiagramBox, p: Point): boolean => {
    const inX = p.x >= b.x0 && p.x <= b.x1;
    const inY = p.y >= b.y0 && p.y <= b.y1;
    return (inY && (close(p.x, b.x0) || close(p.x, b.x1))) || (inX && (close(p.y, b.y0) || close(p.y, b.y1)));
  };
  const overlap = (a: DiagramBox, b: DiagramBox): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  /** Whether the segment p-q runs through the inside of box b, not just along or up to its edge (Liang-Barsky clipping). */
  const crosses = (p: Point, q: Point, b: DiagramBox): boolean => {
    let [t0, t1] = [0, 1];
    const d = { x: q.x - p.x, y: q.y - p.y };
    for (const [num, den] of [[p.x - b.x0, -d.x], [b.x1 - p.x, d.x], [p.y - b.y0, -d.y], [b.y1 - p.y, d.y]]) {
      if (den === 0) {
        if (num <= 0) return false;
      } else if (den < 0) t0 = Math.max(t0, num / den);
      else t1 = Math.min(t1, num / den);
    }
    return t1 - t0 > 1e-6;
  };

  /** Forward, backward, downward and upward edges; b's label is the longest, so column 0 is widest. */
  const small = (): DiagramOptions => ({
    nodes: [
      { id: "a", label: "<b>A</b><br>short", column: 0, row: 0, kind: "x" },
      { id: "b", label: "B with a much longer label than the rest", column: 0, row: 1, kind: "x", note: "note" },
      { id: "c", label: "C", column: 0, row: 2, kind: "y" },
      { id: "e", label: "E", column: 1, row: 1, kind: "y" },
    ],
    edges: [
      { from: "a", to: "b", label: "down" }, { from: "c", to: "b" }, { from: "a", to: "e", label: "forward" }, { from: "e", to: "c" },
    ],
    columnTitles: ["first", "second"],
  });

  test("boxes sit on the grid, one size per column, without overlaps; axis units are pixels", () => {
    const fig = flowDiagram(small());
    const boxes = diagramBoxes(fig);
    const [a, b, c, e] = ["a", "b", "c", "e"].map((id) => boxes.get(id)!);
    assert.deepEqual([a.x0, a.x1], [b.x0, b.x1], "one width per column");
    assert.deepEqual([a.x0, a.x1], [c.x0, c.x1]);
    assert.ok(a.y1 < b.y0 && b.y1 < c.y0, "rows run top to bottom");
    assert.ok(a.x1 < e.x0, "columns run left to right");
    assert.ok(close((b.y0 + b.y1) / 2, (e.y0 + e.y1) / 2), "one row, one mid-height");
    assert.ok(a.x1 - a.x0 > 1.5 * (e.x1 - e.x0), "the long label widens its column");
    assert.equal(a.x0, 0);
    const { layout } = fig;
    const margin = layout.margin as { l: number; r: number; t: number; b: number };
    const [xaxis, yaxis] = [layout.xaxis, layout.yaxis] as { range: number[] }[];
    assert.equal(margin.l + xaxis.range[1] + margin.r, layout.width, "1 x unit = 1 px");
    assert.equal(margin.t + yaxis.range[0] + margin.b, layout.height, "1 y unit = 1 px");
    assert.deepEqual([xaxis.range[1], yaxis.range[1]], [e.x1, 0], "the plot area ends at the last column; y is reversed");
    const [fill, line] = [fig.layout.shapes![0].fillcolor, (fig.layout.shapes![0].line as { color: string }).color];
    assert.equal(fill, "rgba(31,119,180,0.1)");
    assert.equal(line, PALETTE[0]);
    assert.equal((fig.layout.shapes![3].line as { color: string }).color, PALETTE[1], "a second kind, the next colour");
    for (const [i, p] of [...boxes.values()].entries()) {
      for (const q of [...boxes.values()].slice(i + 1)) assert.ok(!overlap(p, q), `${p.id} and ${q.id} overlap`);
    }
  });

  test("every arrow leaves its source box's edge and ends on its target box's edge, on the right sides", () => {
    const fig = flowDiagram(small());
    const boxes = diagramBoxes(fig);
    const arrow = (name: string) => arrowsOf(fig).find((x) => x.name === name)!;
    const [a, b, c, e] = ["a", "b", "c", "e"].map((id) => boxes.get(id)!);
    const mid = (p: DiagramBox) => ({ x: (p.x0 + p.x1) / 2, y: (p.y0 + p.y1) / 2 });
    // Down the column: bottom centre to top centre; up it: top centre to bottom centre.
    assert.deepEqual(arrow("a → b"), { ...arrow("a → b"), ax: mid(a).x, ay: a.y1, x: mid(b).x, y: b.y0 });
    assert.deepEqual(arrow("c → b"), { ...arrow("c → b"), ax: mid(c).x, ay: c.y0, x: mid(b).x, y: b.y1 });
    // To a later column: right edge to left edge; to an earlier one: left edge to right edge.
    assert.deepEqual(arrow("a → e"), { ...arrow("a → e"), ax: a.x1, ay: mid(a).y, x: e.x0, y: mid(e).y });
    assert.deepEqual(arrow("e → c"), { ...arrow("e → c"), ax: e.x0, ay: mid(e).y, x: c.x1, y: mid(c).y });
    for (const x of arrowsOf(fig)) assert.deepEqual([x.axref, x.ayref, x.showarrow], ["x", "y", true], x.name);
    const labels = (fig.layout.annotations as { name: string; text: string }[]).filter((x) => x.name.endsWith("(label)"));
    assert.deepEqual(labels.map((l) => [l.name, l.text]), [["a → b (label)", "down"], ["a → e (label)", "forward"]]);
  });

  test("bad input is an error that names the node or edge", () => {
    const base = small();
    const withNodes = (nodes: DiagramNode[]) => () => flowDiagram({ ...base, nodes });
    assert.throws(withNodes([...base.nodes, { id: "b", label: "again", column: 3, row: 0 }]), /^Error: flowDiagram: node "b" is defined twice \(nodes\[4\]/);
    assert.throws(withNodes([...base.nodes, { id: "z", label: "Z", column: 1, row: 1 }]), /flowDiagram: node "z" is in the same cell \(column 1, row 1\) as node "e"/);
    assert.throws(withNodes([{ ...base.nodes[0], row: 0.5 }]), /flowDiagram: node "a": row must be an integer ≥ 0 \(got 0.5\)/);
    assert.throws(withNodes([{ ...base.nodes[0], label: " " }]), /flowDiagram: node "a" needs a non-empty label/);
    assert.throws(() => flowDiagram({ ...base, edges: [...base.edges, { from: "a", to: "nowhere" }] }), /flowDiagram: edges\[4\] \("a" → "nowhere"\) names an unknown node "nowhere"/);
    assert.throws(() => flowDiagram({ ...base, edges: [{ from: "e", to: "e" }] }), /flowDiagram: edges\[0\] \("e" → "e"\) joins node "e" to itself/);
    assert.throws(() => flowDiagram({ ...base, columnTitles: ["one"] }), /flowDiagram: columnTitles has 1 titles but the nodes use 2 columns/);
  });

  test("Figure 5's content names only notebooks in CATALOG, and its experiments cover Figures 1-4 and Tables 1-3", () => {
    const names = new Set(CATALOG.map((e) => e.notebook));
    for (const node of GUIDANCE_NODES) {
      for (const nb of node.notebooks) assert.ok(names.has(nb), `node "${node.id}" names ${nb}, which is not in CATALOG`);
    }
    const covered = new Set(GUIDANCE_NODES.filter((n) => n.kind === "experiment").flatMap((n) => n.notebooks));
    const experiments = CATALOG.filter((e) => /^(Figure [1-4]|Table [1-3]):/.test(e.reproduces)).map((e) => e.notebook);
    assert.equal(experiments.length, 7);
    assert.deepEqual([...covered].sort(), experiments.sort());
    const theory = GUIDANCE_NODES.filter((n) => n.kind === "theory").flatMap((n) => n.notebooks).sort();
    assert.deepEqual(theory, CATALOG.filter((e) => /^Theorem [12]:/.test(e.reproduces)).map((e) => e.notebook).sort());
    // The boxes show the notebooks of what they reproduce (theorems, experiments), without ".ipynb".
    const diagram = guidanceDiagram();
    const notes = Object.fromEntries(diagram.nodes.map((n) => [n.id, n.note]));
    assert.equal(notes.theorem1, "01_theorem1_generalization");
    assert.equal(notes["figures1-3"], "03_figure1 · 05_figure3");
    assert.equal(notes.strategy, undefined);
    const renamed = { ...GUIDANCE_NODES[0], notebooks: ["01_renamed.ipynb"] };
    assert.throws(() => guidanceNotebook(renamed, "01_renamed.ipynb"), /guidance: node "theorem1" names notebook "01_renamed.ipynb", which is not in CATALOG/);
  });

  test("in Figure 5 no box overlaps another and no arrow passes through a box (its own two included)", () => {
    // The check itself: an edge that skips a column passes through the box between.
    const skip = flowDiagram({
      nodes: ["p", "m", "q"].map((id, column) => ({ id: id, label: id, column: column, row: 0 })), edges: [{ from: "p", to: "q" }],
    });
    const [skipArrow] = arrowsOf(skip);
    assert.ok(crosses({ x: skipArrow.ax, y: skipArrow.ay }, { x: skipArrow.x, y: skipArrow.y }, diagramBoxes(skip).get("m")!));

    const fig = flowDiagram(guidanceDiagram());
    const boxes = [...diagramBoxes(fig).values()];
    assert.equal(boxes.length, GUIDANCE_NODES.length);
    assert.match(describeFigure(fig), new RegExp(`\\(diagram, ${GUIDANCE_NODES.length} boxes\\)$`));
    for (const [i, p] of boxes.entries()) for (const q of boxes.slice(i + 1)) assert.ok(!overlap(p, q), `${p.id} and ${q.id} overlap`);
    const arrows = arrowsOf(fig);
    assert.equal(arrows.length, GUIDANCE_EDGES.length);
    for (const edge of GUIDANCE_EDGES) {
      const arrow = arrows.find((x) => x.name === `${edge.from} → ${edge.to}`)!;
      const [tail, head] = [{ x: arrow.ax, y: arrow.ay }, { x: arrow.x, y: arrow.y }];
      assert.ok(onBoundary(diagramBoxes(fig).get(edge.from)!, tail), `${arrow.name} starts on its source's edge`);
      assert.ok(onBoundary(diagramBoxes(fig).get(edge.to)!, head), `${arrow.name} ends on its target's edge`);
      for (const box of boxes) assert.ok(!crosses(tail, head, box), `${arrow.name} crosses box ${box.id}`);
    }
  });

  test("rendered, every label and note fits inside its box; headings and edge labels stay clear of boxes and each other", async (t) => {
    t.after(closeRenderer);
    const fig = flowDiagram(guidanceDiagram());
    const svg = await renderSvg(fig);
    // Each annotation's drawn text, in page pixels of the figure (Plotly numbers them by data-index).
    const drawn = await withPage((page) =>
      page.evaluate((text) => {
        const holder = document.createElement("div");
        holder.innerHTML = text;
        document.body.appendChild(holder);
        const root = holder.querySelector("svg")!.getBoundingClientRect();
        const out = Array.from(holder.querySelectorAll("g.annotation")).map((g) => {
          const r = g.querySelector("text")!.getBoundingClientRect();
          return { index: Number(g.getAttribute("data-index")), x0: r.left - root.left, x1: r.right - root.left, y0: r.top - root.top, y1: r.bottom - root.top };
        });
        holder.remove();
        return out;
      }, svg),
    );
    const annotations = fig.layout.annotations as { name: string; text: string }[];
    assert.equal(drawn.length, annotations.length);
    const margin = fig.layout.margin as { l: number; t: number };
    const boxes = diagramBoxes(fig);
    const inPixels = (b: DiagramBox): DiagramBox => ({ ...b, x0: b.x0 + margin.l, x1: b.x1 + margin.l, y0: b.y0 + margin.t, y1: b.y1 + margin.t });
    let checked = 0;
    const free: DiagramBox[] = [];
    for (const d of drawn) {
      const { name, text } = annotations[d.index];
      if (text === "") continue; // an arrow
      const owner = boxes.get(name.replace(/ \(note\)$/, ""));
      if (owner) {
        const box = inPixels(owner);
        const room = Math.min(d.x0 - box.x0, box.x1 - d.x1, d.y0 - box.y0, box.y1 - d.y1);
        assert.ok(room >= 4, `"${name}" is drawn ${room.toFixed(1)} px from its box's edge`);
        checked++;
      } else {
        for (const b of boxes.values()) assert.ok(!overlap({ ...d, id: name }, inPixels(b)), `"${name}" overlaps box ${b.id}`);
        free.push({ ...d, id: name });
      }
    }
    // Column headings and edge labels stay clear of each other too.
    for (const [i, p] of free.entries()) for (const q of free.slice(i + 1)) assert.ok(!overlap(p, q), `"${p.id}" overlaps "${q.id}"`);
    assert.equal(free.length, GUIDANCE_COLUMNS.length + GUIDANCE_EDGES.filter((e) => e.label).length);
    assert.equal(checked, GUIDANCE_NODES.length + GUIDANCE_NODES.filter((n) => n.kind === "theory" || n.kind === "experiment").length);
  });
});

describe("legends", () => {
  test("a legend that wraps onto more rows gets more room between the title and the plot (it was drawn over the title)", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `λ = ${i + 1} (η_V 0.00${i + 1})`);
    assert.equal(legendRows(names(2)), 1);
    assert.equal(legendRows(names(9)), 3);
    const top = (n: number) => (lines({ title: "t", series: names(n).map((name) => ({ name, x: [1, 2], y: [1, 2] })) }).layout.margin as { t: number }).t;
    assert.ok(top(9) - top(2) >= 2 * 26, `top margin ${top(2)} → ${top(9)}`);
  });
});

describe("result tables", () => {
  const rows = [{ task: "MNLI", "effect [95 % CI]": "+3.1 [−0.4, +6.6]", seeds: 3, verdict: "inconclusive" }, { task: "SST-2 <b>", seeds: 12, verdict: "reproduced" }];
  test("plain text: one header, a rule, aligned columns, numbers to the right, missing cells empty", () => {
    const lines = tableText(rows, "caption").split("\n");
    assert.equal(lines[0], "caption");
    assert.equal(lines.length, 5);
    assert.equal(lines[1].indexOf("seeds"), lines[3].indexOf(" 3") - 3);
    assert.ok(lines[4].startsWith("SST-2 <b>"));
  });
  test("HTML: escaped text, one row per result, a style per cell on request", () => {
    const html = tableHtml(rows, { cellStyle: (c, v) => (c === "verdict" && v === "reproduced" ? "color:green" : undefined) });
    assert.equal((html.match(/<tr>/g) ?? []).length, 3);
    assert.ok(html.includes("SST-2 &lt;b&gt;") && !html.includes("<b>"));
    assert.equal((html.match(/color:green/g) ?? []).length, 1);
  });
});
