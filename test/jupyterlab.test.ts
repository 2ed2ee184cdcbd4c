// Issue 21's acceptance: the notebooks as people use them, in JupyterLab in headless Chromium. A small notebook
// that uses the library's outputs (figures, result tables, a Markdown table) is executed on the project's kernel,
// then opened in the JupyterLab that scripts/setup.sh --lab installs (.qkv/lab), once with the plotly renderer
// and once with it disabled. Each time: the executed outputs render (an image with the renderer, turning
// interactive under the mouse; the HTML fallback's image without it), the cells run again on the project's kernel,
// tables are HTML tables, and no output is wider than its area.
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, Browser, Page } from "playwright-core";
import { executeNotebook, formatFailure, REPO_ROOT } from "../lib/notebook/index";
import { CHROMIUM_ARGS, findChromium } from "../lib/plot/index";
import { tempDir, writeNotebook } from "./helpers/notebooks";

const LAB = path.join(REPO_ROOT, ".qkv", "lab", "bin", "jupyter-lab");
const dir = tempDir("lab");
const TOKEN = "qkv-lab-test";
let notebook = "";
let browser: Browser | undefined;

const longNames = ["λ = 1 (η_V 0.0005), mean of 3 seeds", "λ = 4 (η_V 0.002), mean of 3 seeds", "λ = 8 (η_V 0.004), mean of 3 seeds"];
const wideRow = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`a rather long column name ${i}`, `value ${i} with some words`]));

before(async () => {
  assert.ok(fs.existsSync(LAB), `JupyterLab is not installed in .qkv/lab: run \`bash scripts/setup.sh --lab\` (npm test does)`);
  notebook = writeNotebook(dir, "lab_check", [
    { markdown: "# JupyterLab check" },
    'import * as qkv from "./lib/index";\nimport * as tslab from "tslab";',
    `await qkv.show(qkv.lines({ title: "three long legend entries", xTitle: "step", yTitle: "loss", series: ${JSON.stringify(longNames)}.map((name, i) => ({ name: name, x: [1, 2, 3], y: [i, i + 1, i + 2] })) }));`,
    'await qkv.show(qkv.heatmap({ title: "a heatmap", z: [[50, 60], [70, 80]], x: ["1e-4", "2e-4"], y: ["2e-4", "1e-4"], clipBelow: 50 }));',
    `qkv.showTable([${JSON.stringify(wideRow)}, ${JSON.stringify(wideRow)}], { caption: "a wide result table" });`,
    'tslab.display.markdown("| method | SST-2 |\\n|---|---|\\n| LoRA (QKV) r=8 | **93.92** |");',
    'console.log("lab-check: run by " + (process.env.QKV_PROFILE ? "nbconvert" : "JupyterLab"));',
  ]);
  const run = await executeNotebook(notebook, { profile: "smoke", cellTimeout: 180 });
  assert.equal(run.ok, true, run.failure && formatFailure(run));
  browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** A JupyterLab server on the test's folder, with its own config, data and settings (so nothing is trusted yet). */
async function startLab(name: string, renderer: boolean): Promise<{ url: string; server: ChildProcess; log: () => string }> {
  const home = path.join(dir, name);
  const config = path.join(home, "config");
  fs.mkdirSync(path.join(config, "labconfig"), { recursive: true });
  // The renderer's plugin id: JupyterLab 4 still loads a mime extension whose package name alone is disabled.
  if (!renderer) fs.writeFileSync(path.join(config, "labconfig", "page_config.json"), JSON.stringify({ disabledExtensions: { "@jupyterlab/plotly-extension:factory": true } }));
  // No "get Jupyter news?" toast over the outputs.
  const settings = path.join(home, "settings", "@jupyterlab", "apputils-extension");
  fs.mkdirSync(settings, { recursive: true });
  fs.writeFileSync(path.join(settings, "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false", checkForUpdates: false }));
  const port = await freePort();
  const server = spawn(LAB, [
    "--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--ServerApp.port_retries=0", `--IdentityProvider.token=${TOKEN}`,
    `--ServerApp.root_dir=${dir}`, ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
  ], {
    env: {
      ...process.env, JUPYTER_PATH: path.join(REPO_ROOT, ".jupyter"), JUPYTER_CONFIG_DIR: config, JUPYTER_DATA_DIR: path.join(home, "data"),
      JUPYTERLAB_SETTINGS_DIR: path.join(home, "settings"), JUPYTERLAB_WORKSPACES_DIR: path.join(home, "workspaces"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  server.stdout!.on("data", (d) => (log += d));
  server.stderr!.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`jupyter lab exited (${server.exitCode}):\n${log}`);
    try {
      const r = await fetch(`${base}/api/status?token=${TOKEN}`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`jupyter lab did not answer within 90 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url: `${base}/lab/tree/${path.basename(notebook)}?token=${TOKEN}`, server, log: () => log };
}

/** Widths of every output against its area, and which outputs are tables. */
async function outputs(page: Page) {
  return page.$$eval(".jp-OutputArea-output", (els) => els.map((el) => ({
    scroll: el.scrollWidth, client: el.clientWidth,
    html: el.classList.contains("jp-RenderedHTMLCommon") || el.querySelector(".jp-RenderedHTMLCommon") !== null,
    tables: el.querySelectorAll("table").length, text: (el.textContent ?? "").slice(0, 80),
  })));
}

async function checkOutputs(page: Page, renderer: boolean, stage: string): Promise<void> {
  // Outputs render asynchronously (a loaded machine takes seconds): wait for the last of each kind first.
  const figureSelector = renderer ? ".jp-RenderedPlotly"
    : '.jp-OutputArea-output:has(img[alt^="Figure"]), .jp-OutputArea-output:has(.js-plotly-plot .main-svg)';
  await page.locator(figureSelector).nth(1).waitFor({ timeout: 60_000 });
  await page.locator(".jp-RenderedMarkdown table").first().waitFor({ timeout: 60_000 });
  const all = await outputs(page);
  for (const o of all) assert.ok(o.scroll <= o.client + 1, `${stage}: an output is ${o.scroll} px wide in a ${o.client} px area: ${o.text}`);
  const tables = all.filter((o) => o.tables > 0);
  assert.equal(tables.length, 2, `${stage}: the result table and the Markdown table render as HTML tables`);
  assert.ok(await page.locator(".jp-OutputArea-output table th", { hasText: "a rather long column name 13" }).count() >= 1, `${stage}: the result table's header`);
  assert.equal(await page.locator(".jp-RenderedMarkdown table strong", { hasText: "93.92" }).count(), 1, `${stage}: the Markdown table`);
  if (renderer) {
    // The renderer first shows the bundle's PNG: at the figure's size, not at twice it, then the plot under the mouse.
    const images = page.locator(".jp-RenderedPlotly img.plot-img");
    assert.equal(await page.locator(".jp-RenderedPlotly").count(), 2, `${stage}: both figures go to the plotly renderer`);
    for (let i = 0; i < 2; i++) {
      const image = images.nth(i);
      if (!(await image.isVisible())) continue; // already interactive
      const size = await image.evaluate((img: HTMLImageElement) => ({ natural: img.naturalWidth, shown: img.getBoundingClientRect().width, area: img.closest(".jp-OutputArea-output")!.clientWidth }));
      assert.equal(size.natural, 720, `${stage}: the renderer's image is the 1× PNG`);
      assert.ok(size.shown <= size.area, `${stage}: the renderer's image (${size.shown} px) fits its area (${size.area} px)`);
    }
    const first = page.locator(".jp-RenderedPlotly").first();
    await first.scrollIntoViewIfNeeded();
    await first.hover();
    await first.locator(".plot-container .main-svg").first().waitFor({ timeout: 30_000 });
  } else {
    assert.equal(await page.locator(".jp-RenderedPlotly").count(), 0, `${stage}: the renderer is disabled`);
    // Untrusted (as opened): the HTML, sanitized (no script, no id), shows its fallback image, the 2× PNG drawn at
    // 720 px. Trusted (live outputs): its script draws the interactive plot with the plotly.js the kernel inlined.
    const figures = page.locator(figureSelector);
    assert.equal(await figures.count(), 2, `${stage}: both figures are drawn`);
    for (let i = 0; i < 2; i++) {
      const drawn = await figures.nth(i).evaluate((el) => {
        const img = el.querySelector("img") as HTMLImageElement | null;
        return {
          interactive: el.querySelector(".main-svg") !== null,
          image: img ? { natural: img.naturalWidth, shown: Math.round(img.getBoundingClientRect().width), area: el.clientWidth } : null,
        };
      });
      const image = drawn.image;
      assert.ok(drawn.interactive || (image !== null && image.natural >= 720 && image.shown === 720 && image.shown <= image.area), `${stage}: figure ${i + 1} is drawn at its size: ${JSON.stringify(drawn)}`);
    }
  }
}

async function runAll(page: Page): Promise<void> {
  await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Run$/ }).click();
  await page.locator(".lm-Menu-itemLabel", { hasText: /^Run All Cells$/ }).click();
  await page.locator(".jp-OutputArea-output", { hasText: "lab-check: run by JupyterLab" }).waitFor({ timeout: 180_000 });
}

for (const renderer of [true, false]) {
  describe(`JupyterLab ${renderer ? "with" : "without"} the plotly renderer`, () => {
    test("opens the executed notebook, renders it, runs it again on the project's kernel", { timeout: 400_000 }, async () => {
      const lab = await startLab(renderer ? "with" : "without", renderer);
      const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
      try {
        await page.goto(lab.url);
        await page.locator(".jp-OutputArea-output", { hasText: "lab-check: run by nbconvert" }).waitFor({ timeout: 120_000 });
        await page.locator(".jp-Toolbar-kernelName", { hasText: "TypeScript (qkv-lab)" }).first().waitFor({ timeout: 60_000 });
        // Outputs nbconvert wrote: the notebook opens untrusted, as every executed notebook does.
        await checkOutputs(page, renderer, "as executed");
        await runAll(page);
        await checkOutputs(page, renderer, "run in JupyterLab");
        if (!renderer) {
          // Live outputs are trusted: their script draws the interactive plot with the plotly.js the kernel inlined.
          await page.locator(".jp-OutputArea-output .js-plotly-plot .main-svg").nth(1).waitFor({ timeout: 60_000 });
        }
      } catch (err) {
        const shapes = await page.$$eval(".jp-OutputArea-output", (els) => els.map((e) => `${e.className} > ${Array.from(e.querySelectorAll("*")).slice(0, 4).map((c) => c.tagName + "." + c.className).join(" ")}`)).catch(() => []);
        (err as Error).message += `\noutputs:\n${shapes.join("\n")}`;
        await page.screenshot({ path: path.join(REPO_ROOT, ".qkv", `jupyterlab-test-${renderer ? "with" : "without"}.png`), fullPage: true }).catch(() => undefined);
        throw new Error(`${(err as Error).message}\n(screenshot in .qkv/; server log tail:\n${lab.log().split("\n").slice(-15).join("\n")})`);
      } finally {
        await page.close();
        lab.server.kill("SIGTERM");
        await new Promise((r) => lab.server.once("exit", r));
      }
    });
  });
}
