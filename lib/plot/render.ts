// Static rendering with one headless Chromium (playwright-core driving the system's browser), started on
// first use and reused for every figure: starting it costs seconds, a figure then costs tens of ms.
// plotly.js comes from node_modules (the machines have no internet), and Plotly.toImage draws PNG and SVG
// exactly as the interactive figure looks. PDFs are Chromium's print of the SVG, so they stay vector.
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Browser, Page } from "playwright-core";
import { Figure, figureSize } from "./figure";

const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
/**
 * Flags for a headless Chromium on a machine without internet: no sandbox (containers), no GPU, no background
 * traffic.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic",
];

export class ChromiumNotFoundError extends Error {
  constructor(searched: string) {
    super(
      `No Chromium to render figures with (searched ${searched}). Install Debian's chromium ` +
        "(`apt-get install chromium`, which `npm run setup` does) or set QKV_CHROMIUM to a Chromium/Chrome binary.",
    );
    this.name = "ChromiumNotFoundError";
  }
}

/** The browser binary: $QKV_CHROMIUM if set (and nothing else then), else the usual system paths. */
export function findChromium(): string {
  const fromEnv = process.env.QKV_CHROMIUM;
  const candidates = fromEnv ? [fromEnv] : CHROMIUM_CANDIDATES;
  const found = candidates.find(isExecutableFile);
  if (found === undefined) {
    throw new ChromiumNotFoundError(fromEnv ? `QKV_CHROMIUM=${fromEnv}` : candidates.join(", "));
  }
  return found;
}

/** Why figures cannot be rendered here, as one sentence for a preflight check; undefined if they can. */
export function chromiumProblem(): string | undefined {
  try {
    findChromium();
    return undefined;
  } catch (e) {
    if (e instanceof ChromiumNotFoundError) return e.message;
    throw e;
  }
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Path of the plotly.js bundle that is loaded into the renderer page and inlined into notebooks. */
export const PLOTLY_PATH = require.resolve("plotly.js-dist-min");

/** The in-page helpers of page.js, as seen from Node. */
interface PageApi {
  png(fig: Figure, width: number, height: number, scale: number): Promise<string>;
  svg(fig: Figure, width: number, height: number): Promise<string>;
}

interface Renderer {
  browser: Browser;
  page: Page;
}

let renderer: Promise<Renderer> | undefined;

function getRenderer(): Promise<Renderer> {
  if (renderer) return renderer;
  const started = launch();
  renderer = started;
  // Forget a failed start or a crashed browser, so the next figure tries again.
  const forget = (): void => {
    if (renderer === started) renderer = undefined;
  };
  started.then((r) => r.browser.on("disconnected", forget), forget);
  return started;
}

async function launch(): Promise<Renderer> {
  const executablePath = findChromium();
  // Loaded here, not at the top: importing the library should not cost playwright's load time.
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  try {
    unrefChromium(executablePath);
    process.off("beforeExit", closeOnExit);
    process.on("beforeExit", closeOnExit);
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
    await page.addScriptTag({ path: PLOTLY_PATH });
    await page.addScriptTag({ path: path.join(__dirname, "page.js") });
    return { browser, page };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

// Chromium's pipes would keep a plain `node script.ts` alive after its last export. They are unref'd
// and the browser is closed on 'beforeExit' instead; while a render is in flight, a timer keeps the
// process up until the answer arrives. (A tslab kernel never exits by itself, so none of this matters there.)
const closeOnExit = (): void => void closeRenderer();
let inFlight = 0;
let keepAlive: NodeJS.Timeout | undefined;

async function withRenderer<T>(fn: (r: Renderer) => Promise<T>): Promise<T> {
  if (inFlight++ === 0) keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    return await fn(await getRenderer());
  } finally {
    if (--inFlight === 0) clearInterval(keepAlive);
  }
}

/**
 * playwright does not expose the browser's process; node's list of active handles does (an undocumented
 * but long-standing API). Without it, nothing breaks: a script then has to call closeRenderer() to exit.
 */
function unrefChromium(executablePath: string): void {
  const handles = (process as unknown as { _getActiveHandles?(): unknown[] })._getActiveHandles?.() ?? [];
  for (const handle of handles) {
    if (handle instanceof ChildProcess && handle.spawnfile === executablePath) {
      handle.unref();
      for (const stream of handle.stdio) (stream as { unref?(): void } | null)?.unref?.();
    }
  }
}

/** Closes the shared browser (the next render starts a new one). Also done automatically at exit. */
export async function closeRenderer(): Promise<void> {
  const pending = renderer;
  renderer = undefined;
  process.off("beforeExit", closeOnExit);
  const r = await pending?.catch(() => undefined);
  await r?.browser.close();
}

/** Runs `fn` with the renderer's page (plotly.js loaded): for checks that need the same browser. */
export function withPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  return withRenderer((r) => fn(r.page));
}

export interface PngOptions {
  /** Pixels per CSS pixel: 2 gives a 1440×920 PNG for a 720×460 figure. Default 1. */
  scale?: number;
}

export async function renderPng(fig: Figure, opts: PngOptions = {}): Promise<Buffer> {
  const scale = opts.scale ?? 1;
  if (!(scale > 0 && scale <= 10)) throw new Error(`renderPng: scale must be in (0, 10] (got ${scale})`);
  const { width, height } = figureSize(fig);
  const base64 = await withPage((page) =>
    page.evaluate(
      ([f, w, h, s]) => (globalThis as unknown as { qkv: PageApi }).qkv.png(f, w, h, s),
      [fig, width, height, scale] as const,
    ),
  );
  return Buffer.from(base64, "base64");
}

/** SVG text; heatmap cells are vector rects, not the raster Plotly embeds (see page.js). */
export async function renderSvg(fig: Figure): Promise<string> {
  const { width, height } = figureSize(fig);
  return withPage((page) =>
    page.evaluate(
      ([f, w, h]) => (globalThis as unknown as { qkv: PageApi }).qkv.svg(f, w, h), [fig, width, height] as const,
    ),
  );
}

/** Prints an SVG (from renderSvg) on one page of exactly its size, with no margins. */
export async function svgToPdf(svg: string, size: { width: number; height: number }): Promise<Buffer> {
  return withRenderer(async ({ browser }) => {
    // A page of its own: page.pdf() prints the whole page, and concurrent exports must not share one.
    const page = await browser.newPage();
    try {
      await page.setContent(
        '<!doctype html><html><head><meta charset="utf-8">' +
          "<style>html,body{margin:0;padding:0}svg{display:block}</style>" +
          `</head><body>${svg}</body></html>`,
      );
      return await page.pdf({
        width: `${size.width}px`,
        height: `${size.height}px`,
        margin: { top: "0", right: "0", bottom: "0", left: "0" },
        printBackground: true,
        pageRanges: "1",
      });
    } finally {
      await page.close();
    }
  });
}
