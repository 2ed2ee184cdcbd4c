// Showing a figure in the notebook. One output carries several MIME types and each frontend draws the
// richest it can: JupyterLab with the plotly extension and VS Code use the plotly JSON; the classic
// notebook and nbconvert's HTML run the text/html script (interactive when plotly.js is loaded, the PNG
// otherwise); GitHub and plain viewers show the PNG; consoles print the text.
//
// The image/png beside the plotly JSON is the figure at 1×, its CSS size: JupyterLab's plotly renderer
// (jupyterlab-plotly) shows that PNG at its natural size, ignoring the output's metadata, until the mouse enters
// it, and a 2× PNG there was drawn at twice the size and cropped. The HTML fallback keeps a 2× PNG, drawn at 1× by
// its width attribute, so static views stay sharp on high-DPI screens.
import { randomBytes } from "crypto";
import * as fs from "fs";
import { describeFigure, Figure, figureSize, Layout, Trace } from "./figure";
import { emitDisplay, escapeHtml, inKernel, MimeBundle } from "../display/jupyter";
import { ChromiumNotFoundError, PLOTLY_PATH, renderPng } from "./render";
import { exportFigure } from "./export";

export type FigureBundle = {
  "application/vnd.plotly.v1+json": { data: Trace[]; layout: Layout };
  "text/html": string;
  /** base64; absent when no PNG could be rendered. */
  "image/png"?: string;
  "text/plain": string;
};

/**
 * The display bundle of a figure, with `png` (a rendered PNG, 2× for sharpness) in the HTML fallback and as
 * image/png, or `png1x` (the same figure at 1×) as image/png where given.
 */
export function displayBundle(fig: Figure, png?: Buffer, png1x?: Buffer): FigureBundle {
  const { width, height } = figureSize(fig);
  const text = describeFigure(fig);
  const id = `qkv-figure-${randomBytes(6).toString("hex")}`;
  const fallback = png
    ? `<img src="data:image/png;base64,${png.toString("base64")}" width="${width}" height="${height}" ` +
      `alt="${escapeHtml(text)}" style="max-width:100%;height:auto">`
    : `<pre>${escapeHtml(text)}</pre>`;
  // JSON inside <script>: escaping "<" keeps a "</script>" in a title from ending the script early.
  const json = JSON.stringify({ data: fig.data, layout: fig.layout }).replace(/</g, "\\u003c");
  const html =
    `<div id="${id}" style="width:${width}px;max-width:100%">${fallback}</div>\n` +
    `<script type="text/javascript">\n(function () {\n` +
    `  var el = document.getElementById("${id}");\n` +
    `  if (!el || !window.Plotly) return;\n` +
    `  var fig = ${json};\n` +
    `  el.innerHTML = "";\n` +
    `  window.Plotly.newPlot(el, fig.data, fig.layout, { displaylogo: false });\n` +
    `})();\n</script>`;
  return {
    "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout },
    "text/html": html,
    ...(png ? { "image/png": (png1x ?? png).toString("base64") } : {}),
    "text/plain": text,
  };
}

let plotlyInlined = false;
let warnedNoChromium = false;

/**
 * Shows a figure in the running tslab kernel: `await show(fig)`. Returns nothing there (a returned
 * bundle would be printed again as the cell's value). Outside a kernel it prints the one-line
 * description and returns the bundle, without rendering a PNG.
 */
export async function show(fig: Figure, options: { save?: string } = {}): Promise<FigureBundle | undefined> {
  // `save`: also written to figures/ (exportFigure) under that name, so a notebook shows and exports in one call.
  if (options.save !== undefined) await exportFigure(fig, options.save);
  if (!inKernel()) {
    const bundle = displayBundle(fig);
    console.log(bundle["text/plain"]);
    return bundle;
  }
  const pngs = await pngsOrWarn(fig);
  if (!plotlyInlined) {
    emitDisplay(plotlyLoader());
    plotlyInlined = true;
  }
  emitDisplay(displayBundle(fig, pngs?.at2x, pngs?.at1x), { metadata: pngs ? { "image/png": figureSize(fig) } : {} });
  return undefined;
}

/**
 * The figure at 2× (for the HTML fallback) and at 1× (image/png), or none, with one warning, when there is no
 * Chromium.
 */
async function pngsOrWarn(fig: Figure): Promise<{ at2x: Buffer; at1x: Buffer } | undefined> {
  try {
    return { at2x: await renderPng(fig, { scale: 2 }), at1x: await renderPng(fig, { scale: 1 }) };
  } catch (e) {
    if (!(e instanceof ChromiumNotFoundError)) throw e;
    if (!warnedNoChromium) {
      process.stderr.write(`qkv-lab: figures are shown without their PNG fallback: ${e.message}\n`);
      warnedNoChromium = true;
    }
    return undefined;
  }
}

/**
 * plotly.js, inlined once per kernel (never a CDN: the notebook must work offline). The bundle is a UMD
 * that calls `module.exports = ...` when a CommonJS `module` is in scope and otherwise sets
 * window.Plotly; the wrapper's parameters hide any `define`/`module`/`exports` of the page (require.js
 * in the classic notebook, Electron in VS Code), so the browser path is always taken.
 */
function plotlyLoader(): MimeBundle {
  const source = fs.readFileSync(PLOTLY_PATH, "utf8").replace(/<\/script/gi, "<\\/script");
  return {
    "text/html":
      '<script type="text/javascript">\nif (!window.Plotly) {\n(function (define, module, exports) {\n' +
      `${source}\n}).call(window);\n}\n</script>`,
    "text/plain": "(plotly.js loaded for the interactive figures below)",
  };
}

export type MathBundle = { "text/html": string; "text/latex": string; "text/plain": string };

/**
 * The display bundle of a formula. The HTML is MathML rendered by KaTeX at display time, which browsers draw
 * natively: offline nbconvert HTML has no MathJax, and JupyterLab ranks text/html above text/latex anyway.
 * A malformed formula is an error here, not red text in the notebook.
 */
export function mathBundle(latex: string, plain: string): MathBundle {
  // Loaded lazily: only notebooks that show formulas pay for KaTeX.
  const katex = require("katex") as typeof import("katex");
  const mathml = katex.renderToString(latex, { output: "mathml", displayMode: true, throwOnError: true });
  return { "text/html": mathml, "text/latex": `$$${latex}$$`, "text/plain": plain };
}

/**
 * Shows a formula in the running kernel: `showMath("\\sqrt{2R^2 I / N}", "sqrt(2 R² I / N)")`. Outside a
 * kernel it prints the plain text and returns the bundle.
 */
export function showMath(latex: string, plain: string): MathBundle | undefined {
  const bundle = mathBundle(latex, plain);
  if (!inKernel()) {
    console.log(plain);
    return bundle;
  }
  emitDisplay(bundle);
  return undefined;
}
