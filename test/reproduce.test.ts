// End to end, as a researcher runs it: `qkv reproduce --profile smoke` on the overview notebook, its
// exported figures, the executed notebook converted to HTML and opened in headless Chromium, and the
// CLI's messages when something is wrong.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { REPO_ROOT, jupyterEnv } from "../lib/notebook/index";
import { CHROMIUM_ARGS, findChromium } from "../lib/plot/index";
import { tempDir, writeNotebook } from "./helpers/notebooks";

const dir = tempDir("reproduce");
const figures = path.join(dir, "figures");
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function qkv(args: string[], env: NodeJS.ProcessEnv = {}, timeout = 300_000) {
  const r = spawnSync(path.join(REPO_ROOT, "bin", "qkv"), args, {
    encoding: "utf8",
    env: { ...process.env, QKV_FIGURES_DIR: figures, ...env },
    timeout,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

describe("qkv reproduce --profile smoke on 00_overview", () => {
  const notebook = path.join(dir, "00_overview.ipynb");
  let run: ReturnType<typeof qkv>;
  before(() => {
    // A copy, so the test never rewrites the committed notebook.
    fs.copyFileSync(path.join(REPO_ROOT, "notebooks", "00_overview.ipynb"), notebook);
    run = qkv(["reproduce", notebook, "--profile", "smoke"]);
  });

  test("succeeds and reports the notebook's time and figures", () => {
    assert.equal(run.code, 0, run.all);
    assert.match(run.stdout, /✓ 00_overview\.ipynb +\d+\.\d s, 6 figure file\(s\)/);
    assert.match(run.stdout, /overview_paper_figure2\.\{pdf,png,svg\}/);
  });

  test("exports each figure as a decodable PNG, an SVG and a one-page vector PDF", () => {
    for (const name of ["overview_matmul_throughput", "overview_paper_figure2"]) {
      const png = fs.readFileSync(path.join(figures, `${name}.png`));
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.ok(png.readUInt32BE(16) > 100 && png.readUInt32BE(20) > 100, "IHDR size");
      const svg = fs.readFileSync(path.join(figures, `${name}.svg`), "utf8");
      assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      const pdf = fs.readFileSync(path.join(figures, `${name}.pdf`)).toString("latin1");
      assert.ok(pdf.startsWith("%PDF-"));
      assert.equal(pdf.match(/\/Type\s*\/Page\b/g)?.length, 1);
      assert.doesNotMatch(pdf, /\/Subtype\s*\/Image/);
    }
  });

  test("the executed notebook holds the environment report and both plots, one plotly.js", () => {
    const nb = JSON.parse(fs.readFileSync(notebook, "utf8"));
    const outputs = nb.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []);
    const text = JSON.stringify(outputs);
    assert.match(text, /backend +wasm|backend +cpu|backend +tfjs-node/);
    const plots = outputs.filter((o: { data?: Record<string, unknown> }) => o.data?.["application/vnd.plotly.v1+json"]);
    assert.equal(plots.length, 2);
    // nbformat stores text/html as a list of lines
    const html = (o: { data?: Record<string, string | string[]> }) => ([] as string[]).concat(o.data?.["text/html"] ?? []).join("");
    const loaders = outputs.filter((o: { data?: Record<string, string[]> }) => html(o).length > 1e6 && /Plotly/.test(html(o)));
    assert.equal(loaders.length, 1, "plotly.js is inlined exactly once per notebook");
    assert.doesNotMatch(text, /<script[^>]*\bsrc=\\?["']?https?:/, "no script is loaded from the network");
  });

  test("exported to HTML with nbconvert, the plots draw in headless Chromium", async () => {
    const html = path.join(dir, "00_overview.html");
    const r = spawnSync("jupyter", ["nbconvert", "--to", "html", "--output", html, notebook], { encoding: "utf8", env: jupyterEnv() });
    assert.equal(r.status, 0, r.stderr);
    const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(`file://${html}`);
      await page.waitForSelector(".js-plotly-plot .main-svg", { timeout: 30_000 });
      const drawn = await page.$$eval(".js-plotly-plot", (els) => els.length);
      assert.equal(drawn, 2);
      const plot = page.locator(".js-plotly-plot").last();
      await plot.scrollIntoViewIfNeeded();
      const shot = await plot.screenshot({ path: path.join(dir, "overview_plot.png") });
      assert.ok(shot.length > 10_000, "the screenshot of the plot has content");
      const heatmapCells = await page.$$eval(".js-plotly-plot .heatmaplayer image, .js-plotly-plot .hm image", (els) => els.length);
      assert.ok(heatmapCells >= 1, "the heatmap layer was drawn");
    } finally {
      await browser.close();
    }
  });
});

describe("qkv reproduce reports problems clearly", () => {
  test("a failing cell names the notebook and cell, prints the source and the error, exits 1", () => {
    const file = writeNotebook(dir, "broken_cell", ["const a = 1;", 'throw new Error("η_V grid is empty");']);
    const r = qkv(["reproduce", file, "--profile", "smoke"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /broken_cell\.ipynb failed in cell 2 \(code cell 2\)/);
    assert.match(r.stderr, /1 │ throw new Error\("η_V grid is empty"\);/);
    assert.match(r.stderr, /Error: η_V grid is empty/);
    assert.match(r.stdout, /broken_cell\.ipynb +FAILED/);
  });

  test("an unknown notebook lists the ones there are", () => {
    const r = qkv(["reproduce", "99_nothing"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no notebook "99_nothing" in notebooks\/ \(there are: 00_overview/);
  });

  test("a bad profile or timeout names the option and value", () => {
    assert.match(qkv(["reproduce", "--profile", "huge"]).stderr, /--profile="huge" is not a profile; use one of smoke, default, full/);
    assert.match(qkv(["reproduce", "--cell-timeout", "0"]).stderr, /--cell-timeout must be a positive number, got "0"/);
  });

  test("without Chromium it says what to install before running anything", () => {
    const r = qkv(["reproduce", "00_overview"], { QKV_CHROMIUM: "/nonexistent/chromium" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot start:[\s\S]*Chromium[\s\S]*apt-get install chromium/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
  });
});

describe("setup", () => {
  test("is idempotent: a second run installs nothing and leaves the kernelspec unchanged", () => {
    const r = spawnSync("bash", [path.join(REPO_ROOT, "scripts", "setup.sh")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /installing/);
    assert.match(r.stdout, /kernel qkv-tslab: unchanged/);
  });

  test("--lab is idempotent too: JupyterLab and the renderer in .qkv/lab are checked, not reinstalled; an unknown option is named", () => {
    const r = spawnSync("bash", [path.join(REPO_ROOT, "scripts", "setup.sh"), "--lab"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /installing/);
    const renderer = path.join(REPO_ROOT, ".qkv", "lab", "share", "jupyter", "labextensions", "jupyterlab-plotly", "package.json");
    assert.equal(JSON.parse(fs.readFileSync(renderer, "utf8")).version, "7.1.0");
    const bad = spawnSync("bash", [path.join(REPO_ROOT, "scripts", "setup.sh"), "--labs"], { encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /setup: error: unknown option --labs \(use --test, --lab\)/);
  });
});

// The CI run of every notebook (`qkv reproduce --profile smoke`): each runs end to end on tiny grids, each
// figure notebook exports its figures, and its executed copy carries the plots.
describe("qkv reproduce --profile smoke on every notebook", () => {
  const all = path.join(dir, "all");
  let run: ReturnType<typeof qkv>;
  before(() => {
    fs.mkdirSync(all, { recursive: true });
    const names = fs.readdirSync(path.join(REPO_ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort();
    for (const name of names) fs.copyFileSync(path.join(REPO_ROOT, "notebooks", name), path.join(all, name));
    run = qkv(["reproduce", ...names.map((n) => path.join(all, n)), "--profile", "smoke"], {}, 1_200_000);
  });

  test("every notebook succeeds", () => {
    assert.equal(run.code, 0, run.all);
    for (const name of fs.readdirSync(all).filter((f) => f.endsWith(".ipynb"))) assert.match(run.stdout, new RegExp(`✓ ${name.replace(".", "\\.")}`));
  });

  test("the figure notebooks export PNG, SVG and PDF and their executed copies hold the plots", () => {
    const expected: Record<string, string[]> = {
      "03_figure1.ipynb": ["figure1_sst2"], "04_figure2.ipynb": ["figure2_heatmap", "figure2_loss"],
      "05_figure3.ipynb": ["figure3_sst2"], "06_figure4.ipynb": ["figure4_mnli"], "07_figure5.ipynb": ["figure5_guidance"],
    };
    for (const [notebook, figureNames] of Object.entries(expected)) {
      for (const name of figureNames) for (const ext of ["png", "svg", "pdf"]) assert.ok(fs.existsSync(path.join(figures, `${name}.${ext}`)), `${notebook}: ${name}.${ext}`);
      const nb = JSON.parse(fs.readFileSync(path.join(all, notebook), "utf8"));
      const plots = nb.cells.flatMap((c: { outputs?: { data?: Record<string, unknown> }[] }) => c.outputs ?? []).filter((o: { data?: Record<string, unknown> }) => o.data?.["application/vnd.plotly.v1+json"]);
      assert.ok(plots.length >= figureNames.length, `${notebook}: ${plots.length} plots`);
    }
  });
});
