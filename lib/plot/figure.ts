// Figures are plain Plotly JSON (https://plotly.com/javascript/reference/), so the same object is drawn
// interactively in the notebook, rendered to PNG/SVG/PDF by Chromium, and stored in the .ipynb as-is.
// The builders below share one theme, so every figure of the project looks the same.

/** One Plotly trace. Only the fields this module reads are typed; any Plotly attribute may be set. */
export interface Trace {
  type?: string;
  name?: string;
  [attribute: string]: unknown;
}

/** Plotly layout. Only the fields this module reads are typed; any Plotly attribute may be set. */
export interface Layout {
  title?: string | { text?: string; [attribute: string]: unknown };
  width?: number;
  height?: number;
  shapes?: Record<string, unknown>[];
  [attribute: string]: unknown;
}

export interface Figure {
  data: Trace[];
  layout: Layout;
}

/** Pinned so that exports look the same on every machine: Debian's fonts-liberation2 provides it. */
export const FONT_FAMILY = "Liberation Sans, Arial, sans-serif";
export const DEFAULT_WIDTH = 720;
export const DEFAULT_HEIGHT = 460;
/** Colours of successive series (Tableau 10: distinct, colour-blind tolerant, prints well). */
export const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];
/** Outline of the best cell and of the λ = 1 diagonal, as in the paper's heatmaps. */
export const HIGHLIGHT_COLOR = "#e41a1c";

/** A Plotly colorscale: a named one ("Viridis") or explicit [position in 0..1, colour] stops. */
export type Colorscale = string | [number, string][];
/** ColorBrewer YlGnBu without its darkest stops, so the red outlines and the cell text stay readable. */
export const HEATMAP_COLORSCALE: [number, string][] = [
  [0, "#ffffd9"], [0.2, "#edf8b1"], [0.4, "#c7e9b4"], [0.6, "#7fcdbb"], [0.8, "#41b6c4"], [1, "#1d91c0"],
];

export const TEXT_COLOR = "#222222";
const GRID_COLOR = "#e6e6e6";
/** Heatmap cells without a value are left empty by Plotly, so the plot background shows: grey = diverged. */
const MISSING_COLOR = "#d0d0d0";

/** Width and height in CSS pixels, as the figure will be rendered. */
export function figureSize(fig: Figure): { width: number; height: number } {
  return { width: fig.layout.width ?? DEFAULT_WIDTH, height: fig.layout.height ?? DEFAULT_HEIGHT };
}

/** One line for logs and text/plain outputs, e.g. "Figure: MNLI accuracy (heatmap 7×5)". */
export function describeFigure(fig: Figure): string {
  const rawTitle = typeof fig.layout.title === "string" ? fig.layout.title : fig.layout.title?.text;
  const title = rawTitle ? rawTitle.replace(/<[^>]*>/g, "").trim() : "";
  // A diagram (lib/plot/diagram.ts) is drawn with shapes and annotations, without traces.
  const boxes = fig.data.length === 0 ? (fig.layout.shapes ?? []).filter((s) => s.type === "rect").length : 0;
  return `Figure${title ? `: ${title}` : ""} (${boxes > 0 ? `diagram, ${boxes} boxes` : describeTraces(fig.data)})`;
}

function describeTraces(data: Trace[]): string {
  const first = data[0];
  if (first === undefined) return "empty";
  const shown = data.filter((t) => t.showlegend !== false).length;
  if (first.type === "heatmap" && Array.isArray(first.z)) {
    const z = first.z as unknown[][];
    return `heatmap ${z.length}×${z[0]?.length ?? 0}`;
  }
  if (first.type === "bar") {
    return `bars, ${shown} series × ${(first.x as unknown[] | undefined)?.length ?? 0} categories`;
  }
  if (first.type === "scatter") return `lines, ${shown} series`;
  return `${data.length} traces`;
}

// ---------------------------------------------------------------------------------------------------
// Builders

export interface HeatmapCell {
  row: number;
  col: number;
}

export interface HeatmapOptions {
  /** z[row][col]; row i belongs to y[i], column j to x[j]. NaN, ±Infinity or null = diverged ("div"). */
  z: (number | null)[][];
  /** Column labels, left to right (e.g. the η_QK values). Numbers are printed compactly (2e-5). */
  x: (string | number)[];
  /** Row labels, top to bottom as in a table (e.g. the η_V values). */
  y: (string | number)[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Colour bar title. */
  zTitle?: string;
  /** Values below this are coloured as this value (the colour floor); their text still shows the value. */
  clipBelow?: number;
  /** Cell text that replaces the formatted value where given (e.g. "≤83" for a value known only as below the floor). */
  text?: (string | null | undefined)[][];
  /** Cells outlined in solid red (the best cell); `label` is written small in the cell's corner. */
  highlight?: (HeatmapCell & { label?: string })[];
  /** Cells outlined in dashed red (the λ = 1 diagonal). */
  diagonal?: HeatmapCell[];
  /** d3-style format of the cell text: ".Nf", ".Ne", ".Ng" or ".N%" (default ".3g"). */
  textFormat?: string;
  colorscale?: Colorscale;
  /**
   * Clip the colour range at Tukey's far-out fences (quartile ∓ 3 × IQR) on that side, so that a few extreme cells
   * (diverged runs, whose loss explodes) do not wash out the rest: "high" for losses, "low", "both", or "none"
   * (the default). Cells past the range are coloured at its end and marked ▲ (above) or ▼ (below) after their value.
   */
  robust?: "none" | "high" | "low" | "both";
  /** Cells where some runs diverged: `label` (e.g. "1/3") is written small under the value, "div. 1/3". */
  diverged?: (HeatmapCell & { label?: string })[];
  /**
   * The task was not learned (the verdict protocol's "no signal"): the panel is drawn in greys without a colour
   * bar or best-cell outline, and this reason is written under the title, so noise never looks like a winner.
   */
  noSignal?: string;
}

/** Greys for a panel with no signal: the cells are still readable, nothing stands out. */
export const NO_SIGNAL_COLORSCALE: [number, string][] = [[0, "#f2f2f2"], [1, "#d9d9d9"]];
/** Tukey's "far out" multiple of the interquartile range. */
const FENCE_IQR = 3;

/**
 * The colour range of `values` with the far-out fences applied on the sides asked for: [lo, hi]. With no spread
 * between the quartiles (most cells equal) nothing is clipped: a fence at the common value would hide every other.
 */
export function robustRange(values: readonly number[], side: "none" | "high" | "low" | "both"): [number, number] {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) throw new Error("robustRange: no finite values");
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  const quantile = (q: number) => {
    const pos = q * (sorted.length - 1);
    const i = Math.floor(pos);
    return i + 1 < sorted.length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
  };
  const q1 = quantile(0.25);
  const q3 = quantile(0.75);
  const iqr = q3 - q1;
  if (side === "none" || iqr === 0) return [min, max];
  const lo = side === "low" || side === "both" ? Math.max(min, q1 - FENCE_IQR * iqr) : min;
  const hi = side === "high" || side === "both" ? Math.min(max, q3 + FENCE_IQR * iqr) : max;
  return [lo, hi];
}

export function heatmap(opts: HeatmapOptions): Figure {
  const fn = "heatmap";
  const { z, clipBelow } = opts;
  if (!Array.isArray(z) || z.length === 0) fail(fn, "z", "must be a non-empty array of rows", z);
  z.forEach((row, i) => {
    if (!Array.isArray(row)) fail(fn, `z[${i}]`, "must be an array of numbers", row);
    if (row.length !== z[0].length) {
      fail(fn, "z", `is ragged: z[0] has ${z[0].length} values but z[${i}] has ${row.length}`);
    }
    row.forEach((v, j) => {
      if (v !== null && typeof v !== "number") fail(fn, `z[${i}][${j}]`, "must be a number or null", v);
    });
  });
  const rows = z.length;
  const cols = z[0].length;
  const x = axisLabels(fn, "x", opts.x, cols, "columns");
  const y = axisLabels(fn, "y", opts.y, rows, "rows");
  if (clipBelow !== undefined && !Number.isFinite(clipBelow)) {
    fail(fn, "clipBelow", "must be a finite number", clipBelow);
  }
  const format = numberFormatter(fn, "textFormat", opts.textFormat ?? ".3g");
  const colorscale = opts.colorscale ?? HEATMAP_COLORSCALE;
  checkColorscale(fn, colorscale);

  const shown: (number | null)[][] = [];
  const text: string[][] = [];
  for (const row of z) {
    const shownRow: (number | null)[] = [];
    const textRow: string[] = [];
    for (const v of row) {
      if (v === null || !Number.isFinite(v)) {
        shownRow.push(null);
        textRow.push("div");
      } else if (clipBelow !== undefined && v < clipBelow) {
        shownRow.push(clipBelow);
        textRow.push(format(v));
      } else {
        shownRow.push(v);
        textRow.push(format(v));
      }
    }
    shown.push(shownRow);
    text.push(textRow);
  }
  if (opts.text !== undefined) {
    if (!Array.isArray(opts.text) || opts.text.length !== rows) {
      fail(fn, "text", `must have one row per row of z (${rows})`, opts.text);
    }
    opts.text.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== cols) {
        fail(fn, `text[${i}]`, `must have ${cols} entries like z[${i}]`, row);
      }
      row.forEach((t, j) => {
        if (typeof t === "string") text[i][j] = t;
      });
    });
  }

  const robust = opts.robust ?? "none";
  if (!["none", "high", "low", "both"].includes(robust)) {
    fail(fn, "robust", 'must be "none", "high", "low" or "both"', robust);
  }
  const values = shown.flat().filter((v): v is number => v !== null);
  let range: [number, number] | undefined;
  if (values.length > 0) {
    const [lo, hi] = robustRange(values, robust);
    // With clipBelow the scale starts there even if no cell is clipped, so grids that share a floor compare.
    range = [clipBelow ?? lo, hi];
    const floor = clipBelow;
    shown.forEach((row, i) => row.forEach((v, j) => {
      if (v === null) return;
      if (v > hi) {
        row[j] = hi;
        text[i][j] += " ▲";
      } else if (floor === undefined && v < lo) {
        row[j] = lo;
        text[i][j] += " ▼";
      }
    }));
  }
  (opts.diverged ?? []).forEach((cell, i) => {
    checkCell(fn, `diverged[${i}]`, cell, rows, cols);
    const label = `div.${cell.label ? ` ${cell.label}` : ""}`;
    // A cell with no value left is only its label; one with a value gets the label under it.
    text[cell.row][cell.col] = shown[cell.row][cell.col] === null
      ? label
      : `${text[cell.row][cell.col]}<br><span style="font-size:10px">${label}</span>`;
  });
  if (opts.noSignal !== undefined && (typeof opts.noSignal !== "string" || opts.noSignal === "")) {
    fail(fn, "noSignal", "must be a non-empty reason", opts.noSignal);
  }
  const noSignal = opts.noSignal !== undefined;

  // Categorical axes place category k at coordinate k, so cell (row, col) spans col ± 0.5, row ± 0.5.
  // The outline is inset a little so that its full width stays inside the plot area at the edges.
  const outline = (cell: HeatmapCell, arg: string, line: Record<string, unknown>): Record<string, unknown> => {
    checkCell(fn, arg, cell, rows, cols);
    const inset = 0.02;
    return {
      type: "rect", xref: "x", yref: "y", layer: "above",
      x0: cell.col - 0.5 + inset, x1: cell.col + 0.5 - inset,
      y0: cell.row - 0.5 + inset, y1: cell.row + 0.5 - inset,
      line: { color: HIGHLIGHT_COLOR, ...line }, fillcolor: "rgba(0,0,0,0)",
    };
  };
  // Solid outlines come last so they are drawn over a dashed one on the same cell. With no signal the best
  // cell is noise: it is checked but not drawn.
  const highlight = (opts.highlight ?? []).map((c, i) => outline(c, `highlight[${i}]`, { width: 3 }));
  const shapes = [
    ...(opts.diagonal ?? []).map((c, i) => outline(c, `diagonal[${i}]`, { width: 2, dash: "dash" })),
    ...(noSignal ? [] : highlight),
  ];
  // A label sits small in the cell's top-right corner, clear of the centred value.
  const labels = (noSignal ? [] : opts.highlight ?? []).filter((c) => c.label).map((c) => ({
    text: c.label, xref: "x", yref: "y", x: c.col + 0.5, y: c.row - 0.5, xanchor: "right", yanchor: "top",
    xshift: -5, yshift: -3, showarrow: false, font: { size: 11, color: HIGHLIGHT_COLOR },
  }));

  const xTitle = opts.xTitle ?? "x";
  const yTitle = opts.yTitle ?? "y";
  const trace: Trace = {
    type: "heatmap",
    x, y, z: shown, text,
    texttemplate: "%{text}",
    hovertemplate: `${xTitle}: %{x}<br>${yTitle}: %{y}<br>${opts.zTitle ?? "value"}: %{text}<extra></extra>`,
    colorscale: noSignal ? NO_SIGNAL_COLORSCALE : colorscale,
    ...(range ? { zmin: range[0], zmax: range[1] } : {}),
    ...(noSignal ? { showscale: false } : {}),
    // Plotly sizes cell text to fit its longest entry, markup included: a "div." line would shrink every value.
    ...((opts.diverged ?? []).length > 0 ? { textfont: { size: 12 } } : {}),
    colorbar: {
      outlinewidth: 0, thickness: 16, ...(opts.zTitle ? { title: { text: opts.zTitle, side: "right" } } : {}),
    },
  };
  const categorical = { type: "category", showgrid: false, showline: false, ticks: "" };
  const title = noSignal
    ? `${opts.title ?? ""}<br><span style="font-size:13px;color:#6e7781">` +
      `no signal: ${escapeText(opts.noSignal!)}</span>`
    : opts.title;
  return {
    data: [trace],
    layout: baseLayout(title, {
      // Ranges fixed to the cells: plotly's autorange also spans the best cell's corner label, which left an empty
      // grey strip above the top row. Row 0 on top, like the paper's grids and like reading z as a table.
      xaxis: axis(opts.xTitle, { ...categorical, range: [-0.5, cols - 0.5], autorange: false }),
      yaxis: axis(opts.yTitle, { ...categorical, range: [rows - 0.5, -0.5], autorange: false }),
      plot_bgcolor: MISSING_COLOR,
      shapes,
      // The two-line title of a no-signal panel needs the room of one more line.
      ...(noSignal ? { margin: { l: 70, r: 20, t: 78, b: 60 } } : {}),
      ...(labels.length > 0 ? { annotations: labels } : {}),
    }),
  };
}

export interface LineSeries {
  name: string;
  x: number[];
  /** NaN leaves a gap (e.g. a diverged run). */
  y: number[];
  /** Band drawn from lower to upper (e.g. min and max over seeds); give both or neither. */
  lower?: number[];
  upper?: number[];
  /** The line's (and band's) colour, "#rrggbb" (default: the palette, by position). */
  color?: string;
  /** The line's dash (default solid), e.g. to tell two families of series apart beside their colours. */
  dash?: LineDash;
}

export const LINE_DASHES = ["solid", "dot", "dash", "dashdot"] as const;
export type LineDash = (typeof LINE_DASHES)[number];

export interface LinesOptions {
  series: LineSeries[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  logX?: boolean;
  logY?: boolean;
  yRange?: [number, number];
}

export function lines(opts: LinesOptions): Figure {
  const fn = "lines";
  const { series } = opts;
  if (!Array.isArray(series) || series.length === 0) fail(fn, "series", "must be a non-empty array", series);
  const bands: Trace[] = [];
  const curves: Trace[] = [];
  series.forEach((s, i) => {
    const arg = `series[${i}]`;
    if (typeof s.name !== "string" || s.name === "") fail(fn, `${arg}.name`, "must be a non-empty string", s.name);
    checkNumbers(fn, `${arg}.x`, s.x, undefined, { finite: true, positive: opts.logX === true });
    const sameAsX = { arg: `${arg}.x`, length: s.x.length };
    checkNumbers(fn, `${arg}.y`, s.y, sameAsX, { finite: false, positive: opts.logY === true });
    if (s.color !== undefined && !/^#[0-9a-fA-F]{6}$/.test(s.color)) {
      fail(fn, `${arg}.color`, "must be a colour #rrggbb", s.color);
    }
    if (s.dash !== undefined && !(LINE_DASHES as readonly string[]).includes(s.dash)) {
      fail(fn, `${arg}.dash`, `must be one of ${LINE_DASHES.join(", ")}`, s.dash);
    }
    const color = s.color ?? PALETTE[i % PALETTE.length];
    if ((s.lower === undefined) !== (s.upper === undefined)) {
      fail(fn, `${arg}.${s.lower === undefined ? "lower" : "upper"}`, "is missing: a band needs both lower and upper");
    }
    if (s.lower !== undefined && s.upper !== undefined) {
      checkNumbers(fn, `${arg}.lower`, s.lower, sameAsX, { finite: false, positive: opts.logY === true });
      checkNumbers(fn, `${arg}.upper`, s.upper, sameAsX, { finite: false, positive: opts.logY === true });
      const lower = s.lower;
      s.upper.forEach((u, k) => {
        if (u < lower[k]) fail(fn, `${arg}.upper[${k}]`, `is below lower[${k}] = ${lower[k]}`, u);
      });
      // One closed polygon: along upper, then back along lower.
      bands.push({
        type: "scatter", mode: "lines", name: `${s.name} (band)`, legendgroup: s.name, showlegend: false,
        x: [...s.x, ...[...s.x].reverse()],
        y: gaps([...s.upper, ...[...lower].reverse()]),
        fill: "toself", fillcolor: withAlpha(color, 0.2), line: { width: 0, color }, hoverinfo: "skip",
      });
    }
    curves.push({
      // Markers where there are few points (a sweep), so the measured values stand out from the joins.
      type: "scatter", mode: s.x.length <= 20 ? "lines+markers" : "lines", name: s.name, legendgroup: s.name,
      x: [...s.x], y: gaps(s.y), line: { color, width: 2, ...(s.dash && s.dash !== "solid" ? { dash: s.dash } : {}) },
    });
  });
  if (opts.yRange !== undefined) checkRange(fn, "yRange", opts.yRange);
  return {
    // Bands first, so every line is drawn on top of every band.
    data: [...bands, ...curves],
    layout: baseLayout(opts.title, {
      xaxis: axis(opts.xTitle, opts.logX ? logAxis(series.flatMap((s) => s.x), true) : {}),
      yaxis: axis(opts.yTitle, {
        ...(opts.logY ? logAxis(series.flatMap((s) => [...s.y, ...(s.lower ?? []), ...(s.upper ?? [])]), false) : {}),
        // Plotly expects the range of a log axis in log10 units.
        ...(opts.yRange ? { range: opts.logY ? opts.yRange.map(Math.log10) : [...opts.yRange] } : {}),
      }),
      legend: topLegend,
    }, legendRows(series.map((s) => s.name))),
  };
}

export interface BarSeries {
  name: string;
  /** One value per category; NaN leaves the bar out. */
  values: number[];
  /** Half-length of the error bar per category (e.g. the standard deviation over seeds). */
  errors?: number[];
}

export interface BarsOptions {
  categories: string[];
  series: BarSeries[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  yRange?: [number, number];
}

export function bars(opts: BarsOptions): Figure {
  const fn = "bars";
  const { categories, series } = opts;
  checkLabels(fn, "categories", categories);
  if (!Array.isArray(series) || series.length === 0) fail(fn, "series", "must be a non-empty array", series);
  const data = series.map((s, i): Trace => {
    const arg = `series[${i}]`;
    if (typeof s.name !== "string" || s.name === "") fail(fn, `${arg}.name`, "must be a non-empty string", s.name);
    const perCategory = { arg: "categories", length: categories.length };
    checkNumbers(fn, `${arg}.values`, s.values, perCategory, { finite: false, positive: false });
    if (s.errors !== undefined) {
      checkNumbers(fn, `${arg}.errors`, s.errors, perCategory, { finite: true, positive: false });
      s.errors.forEach((e, k) => {
        if (e < 0) fail(fn, `${arg}.errors[${k}]`, "must be ≥ 0", e);
      });
    }
    return {
      type: "bar", name: s.name, x: [...categories], y: gaps(s.values),
      marker: { color: PALETTE[i % PALETTE.length] },
      ...(s.errors
        ? {
            error_y: { type: "data", array: [...s.errors], visible: true, color: TEXT_COLOR, thickness: 1.5, width: 4 },
          }
        : {}),
    };
  });
  if (opts.yRange !== undefined) checkRange(fn, "yRange", opts.yRange);
  return {
    data,
    layout: baseLayout(opts.title, {
      barmode: "group", bargap: 0.25, bargroupgap: 0.05,
      xaxis: axis(opts.xTitle, { type: "category", showgrid: false }),
      yaxis: axis(opts.yTitle, opts.yRange ? { range: [...opts.yRange] } : {}),
      legend: topLegend,
    }, legendRows(series.map((s) => s.name))),
  };
}

// ---------------------------------------------------------------------------------------------------
// Theme

/**
 * Rows a horizontal legend of these entries wraps onto at the default width: plotly packs entries left to right,
 * each its symbol (≈ 40 px) and its text (≈ 7.5 px a character at the theme's 14 px font).
 */
/**
 * The height of one row of a horizontal legend at the theme's 14 px font, rounded up: plotly.js draws rows about
 * 31 px apart (measured in Chromium, test/figure-layout.test.ts); 26 px let a legend of 5 rows reach the title.
 */
export const LEGEND_ROW_PX = 32;

export function legendRows(names: readonly string[], width = DEFAULT_WIDTH - 90): number {
  let rows = 1;
  let used = 0;
  for (const name of names) {
    const entry = 40 + 7.5 * name.length;
    if (used > 0 && used + entry > width) {
      rows++;
      used = 0;
    }
    used += entry;
  }
  return rows;
}

/** Plotly reads <br>, <b>, <span> in titles: a reason given as plain text must not be taken for markup. */
function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The layout every figure shares; `legendRowCount` rows of a top legend get room between the title and the plot. */

function baseLayout(title: string | undefined, rest: Layout, legendRowCount = 1): Layout {
  const legend = "legend" in rest;
  return {
    width: DEFAULT_WIDTH,
    // A legend of more than one row makes the figure taller rather than the plot smaller: 14 long entries
    // (one a row) would otherwise leave no plot area at all.
    height: DEFAULT_HEIGHT + (legend ? LEGEND_ROW_PX * (legendRowCount - 1) : 0),
    font: { family: FONT_FAMILY, size: 14, color: TEXT_COLOR },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    colorway: PALETTE,
    // Room at the top for the title and, above the plot area, the legend.
    margin: { l: 70, r: 20, t: (title ? 40 : 10) + (legend ? 14 + LEGEND_ROW_PX * legendRowCount : 20), b: 60 },
    hoverlabel: { font: { family: FONT_FAMILY } },
    ...(title
      ? {
          title: {
            text: title, x: 0.5, xanchor: "center", y: 1, yref: "container", yanchor: "top", pad: { t: 16 },
            font: { size: 17 },
          },
        }
      : {}),
    ...rest,
  };
}

function axis(title: string | undefined, rest: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(title ? { title: { text: title } } : {}),
    showline: true, linecolor: TEXT_COLOR, linewidth: 1,
    ticks: "outside", ticklen: 5, tickcolor: TEXT_COLOR,
    showgrid: true, gridcolor: GRID_COLOR, zeroline: false,
    automargin: true,
    ...rest,
  };
}

/** Horizontal, right-aligned, just above the plot area: never covers data. */
const topLegend = { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom", bgcolor: "rgba(0,0,0,0)" };

/**
 * Plotly's default log ticks label the digits of a short range in small type (2, 3, ... 9). Explicit
 * ticks read better: a sweep's few x values (widths 64..16384, learning rates) as they are; otherwise
 * 1, 2 and 5 per decade over up to 3 decades, powers of ten over more.
 */
function logAxis(values: number[], useValues: boolean): Record<string, unknown> {
  const distinct = [...new Set(values.filter((v) => Number.isFinite(v) && v > 0))].sort((a, b) => a - b);
  if (distinct.length === 0) return { type: "log" };
  let ticks = distinct;
  if (!useValues || distinct.length > 10) {
    const low = Math.floor(Math.log10(distinct[0]));
    const high = Math.ceil(Math.log10(distinct[distinct.length - 1]));
    const mantissas = high - low <= 3 ? [1, 2, 5] : [1];
    // At most ~10 labelled decades: every 2nd, 3rd, ... power of ten over wider ranges.
    const step = Math.max(1, Math.ceil((high - low) / 10));
    ticks = [];
    for (let k = low; k <= high; k += step) for (const m of mantissas) ticks.push(Number((m * 10 ** k).toPrecision(1)));
  }
  return { type: "log", tickvals: ticks, ticktext: ticks.map(compactNumber) };
}

/** "#rrggbb" with an opacity, as Plotly's rgba(). */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/** JSON has no NaN; Plotly reads null as "no value here". */
function gaps(values: number[]): (number | null)[] {
  return values.map((v) => (Number.isFinite(v) ? v : null));
}

/**
 * Numbers as an axis label: integers as they are (widths 1024, 16384), others at 3 significant digits;
 * 2e-5 rather than 0.00002, as the paper prints learning rates.
 */
function compactNumber(v: number): string {
  const r = Number.isInteger(v) ? v : Number(v.toPrecision(3));
  return r !== 0 && (Math.abs(r) < 0.01 || Math.abs(r) >= 1e5) ? r.toExponential().replace("e+", "e") : String(r);
}

function numberFormatter(fn: string, arg: string, spec: string): (v: number) => string {
  const m = /^\.(\d{1,2})([feg%])$/.exec(spec);
  if (!m) fail(fn, arg, 'must look like ".1f", ".2e", ".3g" or ".1%"', spec);
  const digits = Number(m[1]);
  switch (m[2]) {
    case "f": return (v) => v.toFixed(digits);
    case "e": return (v) => v.toExponential(digits);
    case "%": return (v) => `${(v * 100).toFixed(digits)}%`;
    default: return (v) => v.toPrecision(Math.max(1, digits));
  }
}

// ---------------------------------------------------------------------------------------------------
// Validation: every error names the function, the argument and the bad value.

function fail(fn: string, arg: string, problem: string, ...got: [unknown?]): never {
  throw new Error(`${fn}: ${arg} ${problem}${got.length > 0 ? ` (got ${preview(got[0])})` : ""}`);
}

function preview(value: unknown): string {
  let s: string;
  try {
    s = typeof value === "number" ? String(value) : JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function checkLabels(fn: string, arg: string, labels: unknown): asserts labels is (string | number)[] {
  if (!Array.isArray(labels) || labels.length === 0) fail(fn, arg, "must be a non-empty array", labels);
  const seen = new Set<string>();
  labels.forEach((l, i) => {
    const ok = (typeof l === "string" && l !== "") || (typeof l === "number" && Number.isFinite(l));
    if (!ok) fail(fn, `${arg}[${i}]`, "must be a non-empty string or a finite number", l);
    if (seen.has(String(l))) fail(fn, `${arg}[${i}]`, "repeats an earlier label", l);
    seen.add(String(l));
  });
}

function axisLabels(fn: string, arg: string, labels: unknown, expected: number, what: string): string[] {
  checkLabels(fn, arg, labels);
  if (labels.length !== expected) fail(fn, arg, `has ${labels.length} labels but z has ${expected} ${what}`);
  return labels.map((l) => (typeof l === "number" ? compactNumber(l) : l));
}

/** `like`: the argument whose length this one must match, e.g. { arg: "categories", length: 4 }. */
function checkNumbers(
  fn: string, arg: string, values: unknown, like: { arg: string; length: number } | undefined,
  rule: { finite: boolean; positive: boolean },
): asserts values is number[] {
  if (!Array.isArray(values) || values.length === 0) fail(fn, arg, "must be a non-empty array of numbers", values);
  if (like !== undefined && values.length !== like.length) {
    fail(fn, arg, `has ${values.length} values but ${like.arg} has ${like.length}`);
  }
  values.forEach((v, i) => {
    if (typeof v !== "number") fail(fn, `${arg}[${i}]`, "must be a number", v);
    if (rule.finite && !Number.isFinite(v)) fail(fn, `${arg}[${i}]`, "must be finite", v);
    if (rule.positive && v <= 0) fail(fn, `${arg}[${i}]`, "must be > 0 on a log axis", v);
  });
}

function checkCell(fn: string, arg: string, cell: HeatmapCell, rows: number, cols: number): void {
  if (!Number.isInteger(cell.row) || cell.row < 0 || cell.row >= rows) {
    fail(fn, `${arg}.row`, `must be an integer in 0..${rows - 1}`, cell.row);
  }
  if (!Number.isInteger(cell.col) || cell.col < 0 || cell.col >= cols) {
    fail(fn, `${arg}.col`, `must be an integer in 0..${cols - 1}`, cell.col);
  }
}

function checkColorscale(fn: string, scale: Colorscale): void {
  if (typeof scale === "string") {
    if (scale === "") fail(fn, "colorscale", "must be a Plotly colorscale name or a list of stops", scale);
    return;
  }
  const ok = Array.isArray(scale) && scale.length >= 2 && scale[0][0] === 0 && scale[scale.length - 1][0] === 1 &&
    scale.every(([p, c], i) => typeof c === "string" && (i === 0 || p > scale[i - 1][0]));
  if (!ok) fail(fn, "colorscale", "must be stops [position, colour] rising from 0 to 1", scale);
}

function checkRange(fn: string, arg: string, range: unknown): void {
  const ok = Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] < range[1];
  if (!ok) fail(fn, arg, "must be [low, high] with low < high", range);
}
