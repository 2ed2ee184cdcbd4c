// lib/plot: figure builders checked against hand-computed JSON, display bundles, progress output, and
// static export through one shared Chromium (decoded and inspected independently of the renderer).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import {
  bars, ChromiumNotFoundError, chromiumProblem, closeRenderer, describeFigure, displayBundle, exportFigure,
  figuresDir, findChromium, heatmap, HIGHLIGHT_COLOR, inKernel, lines, mathBundle, progress, renderPng, show,
} from "../lib/plot/index";
import { withPage } from "../lib/plot/render";
import { countColor, decodePng } from "./helpers/png";

const close = (a: unknown, b: number): boolean => typeof a === "number" && Math.abs(a - b) < 1e-9;

interface Sent {
  message: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id?: string } };
  update: boolean;
}

/** Runs `fn` as if inside a tslab kernel: a stand-in for the module the kernel loads (see lib/plot/jupyter.ts). */
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
    assert.equal((fig.layout.yaxis as Record<string, unknown>).autorange, "reversed");

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

  test("in a kernel, show() sends one output per figure with a 2× PNG; progress updates one output", async () => {
    await inFakeKernel(dir, async (sent) => {
      assert.equal(inKernel(), true);
      assert.equal(await show(smallGrid()), undefined, "nothing returned, so the cell does not print the bundle again");
      assert.equal(sent.length, 1, "plotly.js was already inlined in this process");
      const { data, metadata } = sent[0].message;
      assert.deepEqual(Object.keys(data).sort(), ["application/vnd.plotly.v1+json", "image/png", "text/html", "text/plain"]);
      assert.deepEqual(metadata, { "image/png": { width: 720, height: 460 } });
      const png = decodePng(Buffer.from(String(data["image/png"]), "base64"));
      assert.deepEqual([png.width, png.height], [1440, 920]);
      assert.ok(String(data["text/html"]).includes(`<img src="data:image/png;base64,${data["image/png"]}"`));

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
