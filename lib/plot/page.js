// Runs inside the headless Chromium page of render.ts, not in Node: plotly.js is loaded before this file.
// Plain JavaScript on purpose: it is sent to the browser as it is, with no compiler in between.
"use strict";

window.qkv = {
  /** PNG as base64 (no data: prefix). */
  async png(fig, width, height, scale) {
    const url = await Plotly.toImage(fig, { format: "png", width, height, scale });
    return url.slice(url.indexOf(",") + 1);
  },

  /** SVG text, with heatmap rasters replaced by vector cells. */
  async svg(fig, width, height) {
    const url = await Plotly.toImage(fig, { format: "svg", width, height });
    const body = url.slice(url.indexOf(",") + 1);
    const svg = url.slice(0, url.indexOf(",")).endsWith(";base64")
      ? new TextDecoder().decode(Uint8Array.from(atob(body), (c) => c.charCodeAt(0)))
      : decodeURIComponent(body);
    return vectorizeHeatmaps(svg);
  },
};

// Plotly draws a heatmap as an embedded PNG, one pixel per cell, stretched over the plot area with
// `image-rendering: pixelated`. A PDF made from that SVG would carry a raster image, so each such image is
// replaced by one <rect> per pixel, in the pixel's colour: the same picture, as vectors.
const MAX_CELLS = 40000;

async function vectorizeHeatmaps(svgText) {
  const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const error = doc.querySelector("parsererror");
  if (error) throw new Error(`Plotly produced SVG that is not well-formed XML: ${error.textContent}`);
  for (const image of Array.from(doc.querySelectorAll("g.hm > image"))) {
    const style = image.getAttribute("style") || "";
    const href = image.getAttributeNS("http://www.w3.org/1999/xlink", "href") || image.getAttribute("href");
    if (!style.includes("pixelated") || !href) continue;
    const pixels = await decodePixels(href);
    if (pixels.width * pixels.height > MAX_CELLS) continue;
    image.replaceWith(cellRects(doc, image, pixels, style));
  }
  return new XMLSerializer().serializeToString(doc);
}

async function decodePixels(href) {
  const img = new Image();
  img.src = href;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

function cellRects(doc, image, pixels, style) {
  const ns = "http://www.w3.org/2000/svg";
  const num = (name) => Number(image.getAttribute(name) || 0);
  const x0 = num("x"), y0 = num("y");
  const w = num("width") / pixels.width, h = num("height") / pixels.height;
  const group = doc.createElementNS(ns, "g");
  const opacity = /opacity:\s*([\d.]+)/.exec(style);
  if (opacity) group.setAttribute("opacity", opacity[1]);
  const alphaAt = (row, col) =>
    row < pixels.height && col < pixels.width ? pixels.data[4 * (row * pixels.width + col) + 3] : 0;
  // An opaque rect reaches 0.5 px under an opaque right or lower neighbour, which is drawn later and
  // covers it: without that, anti-aliasing in PDF viewers shows hairline seams between cells.
  const overlap = (alpha, neighbourAlpha) => (alpha === 255 && neighbourAlpha === 255 ? 0.5 : 0);
  for (let row = 0; row < pixels.height; row++) {
    for (let col = 0; col < pixels.width; col++) {
      const k = 4 * (row * pixels.width + col);
      const alpha = pixels.data[k + 3];
      if (alpha === 0) continue; // no value: the background shows, as in Plotly's own drawing
      const rect = doc.createElementNS(ns, "rect");
      rect.setAttribute("x", String(x0 + col * w));
      rect.setAttribute("y", String(y0 + row * h));
      rect.setAttribute("width", String(w + overlap(alpha, alphaAt(row, col + 1))));
      rect.setAttribute("height", String(h + overlap(alpha, alphaAt(row + 1, col))));
      rect.setAttribute("fill", `rgb(${pixels.data[k]},${pixels.data[k + 1]},${pixels.data[k + 2]})`);
      if (alpha < 255) rect.setAttribute("fill-opacity", String(alpha / 255));
      group.appendChild(rect);
    }
  }
  return group;
}
