// Flow diagrams (boxes joined by arrows) as plain Plotly JSON, so a diagram is shown, exported and stored
// exactly like the project's charts: the paper's Figure 5 ("how the theory guides the experiments") is one.
// Nodes sit on a column/row grid; the geometry is in pixels (1 axis unit = 1 CSS pixel), and each box is
// made wide enough for its longest line, estimated from the font's advance widths.
import { Figure, FONT_FAMILY, PALETTE, TEXT_COLOR, withAlpha } from "./figure";

export interface DiagramNode {
  id: string;
  /** Plotly pseudo-HTML: `<br>` between lines; `<b>`, `<i>`, `<sub>`, `<sup>` inside them. */
  label: string;
  /** Grid position, 0-based: columns left to right, rows top to bottom. */
  column: number;
  row: number;
  /** Nodes of one kind share a colour (PALETTE, in order of first appearance). */
  kind?: string;
  /** Small grey text under the label, e.g. the notebook that reproduces the node (pseudo-HTML too). */
  note?: string;
}

export interface DiagramEdge {
  from: string;
  to: string;
  /** Small text beside the arrow's midpoint. */
  label?: string;
}

export interface DiagramOptions {
  nodes: DiagramNode[];
  /**
   * Straight arrows: right edge → left edge when the target lies in a later column (left → right for an
   * earlier one), bottom → top within a column. Place nodes so that no arrow has to cross a box.
   */
  edges: DiagramEdge[];
  title?: string;
  /** Headings above the columns, one per column. */
  columnTitles?: string[];
  /** Font size of the labels in px (default 13); notes are 2 px smaller. */
  fontSize?: number;
}

const NOTE_COLOR = "#666666";
const ARROW_COLOR = "#555555";
/** Plotly's line height, in ems (LINE_SPACING in plotly.js); <sub> and <sup> are drawn at 70 %. */
const LINE_SPACING = 1.3;
const SMALL_SCRIPT = 0.7;
const PAD_X = 12;
const PAD_Y = 9;
const NOTE_GAP = 4;
const MIN_BOX_WIDTH = 120;
const MIN_COLUMN_GAP = 56;
const ROW_GAP = 28;
const MARGIN = 16;
const BR = /<br\s*\/?>/i;

/** A box as drawn: its node's id and corners in axis units (= CSS pixels inside the plot area; y grows downward). */
export interface DiagramBox {
  id: string;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export function flowDiagram(opts: DiagramOptions): Figure {
  const { nodes, edges } = opts;
  checkInput(opts);
  const size = opts.fontSize ?? 13;
  const noteSize = size - 2;
  const columns = Math.max(...nodes.map((n) => n.column)) + 1;
  const rows = Math.max(...nodes.map((n) => n.row)) + 1;
  if (opts.columnTitles !== undefined && opts.columnTitles.length !== columns) {
    throw new Error(
      `flowDiagram: columnTitles has ${opts.columnTitles.length} titles but the nodes use ${columns} columns`,
    );
  }

  // Content size of each node; every box of a column gets the column's widest and tallest content, so the
  // columns read as aligned blocks and all arrows leave and enter at mid-height.
  const content = nodes.map((n) => {
    const lines = n.label.split(BR);
    const noteLines = n.note === undefined ? [] : n.note.split(BR);
    return {
      width: Math.max(...lines.map((l) => textWidth(l, size)), ...noteLines.map((l) => textWidth(l, noteSize))),
      labelHeight: lines.length * LINE_SPACING * size,
      height: lines.length * LINE_SPACING * size +
        (noteLines.length > 0 ? NOTE_GAP + noteLines.length * LINE_SPACING * noteSize : 0),
    };
  });
  // A column is also as wide as its heading, so that neighbouring headings never run into each other.
  const columnWidth = Array.from({ length: columns }, (_, c) =>
    Math.max(MIN_BOX_WIDTH, opts.columnTitles ? Math.ceil(textWidth(heading(opts.columnTitles[c]), size)) : 0));
  const columnHeight = Array.from({ length: columns }, () => 0);
  nodes.forEach((n, i) => {
    columnWidth[n.column] = Math.max(columnWidth[n.column], Math.ceil(content[i].width + 2 * PAD_X));
    columnHeight[n.column] = Math.max(columnHeight[n.column], Math.ceil(content[i].height + 2 * PAD_Y));
  });
  const rowHeight = Math.max(...columnHeight);
  // Gaps wide enough for the widest edge label (and its padding) beside an arrow.
  const labelSize = size - 2;
  const gap = Math.max(
    MIN_COLUMN_GAP, ...edges.map((e) => (e.label ? Math.ceil(textWidth(e.label, labelSize)) + 16 : 0)),
  );
  const header = opts.columnTitles ? Math.ceil(LINE_SPACING * size) + 10 : 0;
  const left = columnWidth.map((_, c) => columnWidth.slice(0, c).reduce((a, b) => a + b, 0) + c * gap);
  const width = left[columns - 1] + columnWidth[columns - 1];
  const height = header + rows * rowHeight + (rows - 1) * ROW_GAP;

  const boxes = new Map<string, DiagramBox>();
  nodes.forEach((n) => {
    const middle = header + n.row * (rowHeight + ROW_GAP) + rowHeight / 2;
    const h = columnHeight[n.column];
    boxes.set(n.id, {
      id: n.id, x0: left[n.column], x1: left[n.column] + columnWidth[n.column], y0: middle - h / 2, y1: middle + h / 2,
    });
  });

  const kinds = [...new Set(nodes.map((n) => n.kind ?? ""))];
  const colorOf = (n: DiagramNode) => PALETTE[kinds.indexOf(n.kind ?? "") % PALETTE.length];
  const shapes = nodes.map((n) => {
    const b = boxes.get(n.id)!;
    return {
      type: "rect", name: n.id, xref: "x", yref: "y", layer: "below",
      x0: b.x0, x1: b.x1, y0: b.y0, y1: b.y1,
      line: { color: colorOf(n), width: 1.5 }, fillcolor: withAlpha(colorOf(n), 0.1),
    };
  });

  // Each node's text block (label, then note) is centred in its box.
  const texts = nodes.flatMap((n, i) => {
    const b = boxes.get(n.id)!;
    const top = (b.y0 + b.y1) / 2 - content[i].height / 2;
    const centre = (b.x0 + b.x1) / 2;
    const label = {
      name: n.id, text: n.label, x: centre, y: top, xref: "x", yref: "y", xanchor: "center", yanchor: "top",
      align: "center", showarrow: false, borderpad: 0, font: { size, color: TEXT_COLOR },
    };
    if (n.note === undefined) return [label];
    const note = {
      name: `${n.id} (note)`, text: n.note, x: centre, y: top + content[i].labelHeight + NOTE_GAP, xref: "x", yref: "y",
      xanchor: "center", yanchor: "top", align: "center", showarrow: false, borderpad: 0,
      font: { size: noteSize, color: NOTE_COLOR },
    };
    return [label, note];
  });

  const arrows = edges.flatMap((e) => {
    const [tail, head] = edgeEnds(boxes.get(e.from)!, boxes.get(e.to)!);
    const arrow = {
      name: `${e.from} → ${e.to}`, text: "", x: head.x, y: head.y, ax: tail.x, ay: tail.y,
      xref: "x", yref: "y", axref: "x", ayref: "y", showarrow: true,
      arrowhead: 2, arrowsize: 1.2, arrowwidth: 1.5, arrowcolor: ARROW_COLOR, standoff: 0, startstandoff: 0,
    };
    if (!e.label) return [arrow];
    // Beside a vertical arrow, above any other, on white so that a crossing line does not hide it.
    const vertical = tail.x === head.x;
    const label = {
      name: `${e.from} → ${e.to} (label)`, text: e.label, x: (tail.x + head.x) / 2, y: (tail.y + head.y) / 2,
      xref: "x", yref: "y", xanchor: vertical ? "left" : "center", yanchor: vertical ? "middle" : "bottom",
      xshift: vertical ? 4 : 0, yshift: vertical ? 0 : 2, showarrow: false, borderpad: 1, bgcolor: "#ffffff",
      font: { size: labelSize, color: NOTE_COLOR },
    };
    return [arrow, label];
  });

  const headings = (opts.columnTitles ?? []).map((t, c) => ({
    name: `column ${c}`, text: heading(t), x: left[c] + columnWidth[c] / 2, y: 0, xref: "x", yref: "y",
    xanchor: "center", yanchor: "top", showarrow: false, borderpad: 0, font: { size, color: NOTE_COLOR },
  }));

  const top = opts.title ? 56 : MARGIN;
  const hidden = { visible: false, fixedrange: true, showgrid: false, zeroline: false };
  return {
    data: [],
    layout: {
      width: width + 2 * MARGIN,
      height: height + top + MARGIN,
      font: { family: FONT_FAMILY, size, color: TEXT_COLOR },
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff",
      margin: { l: MARGIN, r: MARGIN, t: top, b: MARGIN, pad: 0 },
      ...(opts.title
        ? {
            title: {
              text: opts.title, x: 0.5, xanchor: "center", y: 1, yref: "container", yanchor: "top", pad: { t: 16 },
              font: { size: 17 },
            },
          }
        : {}),
      // Axis units are pixels: the plot area is exactly width × height, with y reversed so row 0 is on top.
      xaxis: { ...hidden, range: [0, width] },
      yaxis: { ...hidden, range: [height, 0] },
      hovermode: false,
      dragmode: false,
      showlegend: false,
      shapes,
      annotations: [...headings, ...texts, ...arrows],
    },
  };
}

function heading(title: string): string {
  return `<b>${title}</b>`;
}

/** The boxes of a figure made by flowDiagram, by node id (read back from its shapes). */
export function diagramBoxes(fig: Figure): Map<string, DiagramBox> {
  const boxes = new Map<string, DiagramBox>();
  for (const s of fig.layout.shapes ?? []) {
    const { name, x0, x1, y0, y1 } = s as { name: string; x0: number; x1: number; y0: number; y1: number };
    boxes.set(name, { id: name, x0, x1, y0, y1 });
  }
  return boxes;
}

/** Where an arrow leaves its source box and where its head touches the target box. */
function edgeEnds(from: DiagramBox, to: DiagramBox): [{ x: number; y: number }, { x: number; y: number }] {
  const midY = (b: DiagramBox) => (b.y0 + b.y1) / 2;
  const midX = (b: DiagramBox) => (b.x0 + b.x1) / 2;
  if (to.x0 > from.x0) return [{ x: from.x1, y: midY(from) }, { x: to.x0, y: midY(to) }];
  if (to.x0 < from.x0) return [{ x: from.x0, y: midY(from) }, { x: to.x1, y: midY(to) }];
  if (to.y0 > from.y0) return [{ x: midX(from), y: from.y1 }, { x: midX(to), y: to.y0 }];
  return [{ x: midX(from), y: from.y0 }, { x: midX(to), y: to.y1 }];
}

function checkInput(opts: DiagramOptions): void {
  const fn = "flowDiagram";
  if (!Array.isArray(opts.nodes) || opts.nodes.length === 0) throw new Error(`${fn}: nodes must be a non-empty array`);
  if (!Array.isArray(opts.edges)) throw new Error(`${fn}: edges must be an array`);
  if (opts.fontSize !== undefined && !(opts.fontSize >= 6 && opts.fontSize <= 40)) {
    throw new Error(`${fn}: fontSize must be between 6 and 40 px (got ${opts.fontSize})`);
  }
  const byId = new Map<string, DiagramNode>();
  const byCell = new Map<string, DiagramNode>();
  opts.nodes.forEach((n, i) => {
    if (typeof n.id !== "string" || n.id === "") throw new Error(`${fn}: nodes[${i}] needs a non-empty id`);
    const name = `node "${n.id}"`;
    if (byId.has(n.id)) throw new Error(`${fn}: ${name} is defined twice (nodes[${i}] repeats an earlier id)`);
    byId.set(n.id, n);
    if (typeof n.label !== "string" || n.label.trim() === "") throw new Error(`${fn}: ${name} needs a non-empty label`);
    for (const key of ["column", "row"] as const) {
      if (!Number.isInteger(n[key]) || n[key] < 0) {
        throw new Error(`${fn}: ${name}: ${key} must be an integer ≥ 0 (got ${n[key]})`);
      }
    }
    const cell = `${n.column},${n.row}`;
    const other = byCell.get(cell);
    if (other) {
      throw new Error(`${fn}: ${name} is in the same cell (column ${n.column}, row ${n.row}) as node "${other.id}"`);
    }
    byCell.set(cell, n);
  });
  opts.edges.forEach((e, i) => {
    const name = `edges[${i}] ("${e.from}" → "${e.to}")`;
    for (const end of [e.from, e.to]) {
      if (!byId.has(end)) throw new Error(`${fn}: ${name} names an unknown node "${end}"`);
    }
    if (e.from === e.to) throw new Error(`${fn}: ${name} joins node "${e.from}" to itself`);
  });
}

// ---------------------------------------------------------------------------------------------------
// Text width. Plotly sizes annotations in the browser; the boxes are laid out here, so the width of a line
// is estimated from Helvetica's advance widths (Liberation Sans, the pinned font, is metric-compatible
// with Arial and Helvetica), in 1/1000 em for the printable ASCII characters 32..126.
const ASCII_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space ! " # $ % & ' ( ) * + , - . /
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0-9 : ; < = > ?
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ A-O
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P-Z [ \ ] ^ _
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` a-o
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p-z { | } ~
];
/** Other characters: arrows are wide; Greek letters and maths symbols are close to the widest lower case. */
const ARROWS = /[\u2190-\u21ff]/;
const OTHER_WIDTH = 650;
const ARROW_WIDTH = 1000;
/** Bold glyphs are up to ~10 % wider than regular ones in Helvetica-Bold. */
const BOLD = 1.1;
const ENTITIES: Record<string, string> = {
  "&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " ", "&quot;": '"', "&#39;": "'",
};

/** Estimated width in px of one line of Plotly pseudo-HTML (no `<br>`) at `size` px. */
function textWidth(line: string, size: number): number {
  let width = 0;
  let bold = 0;
  let script = 0;
  for (const token of line.match(/<[^>]*>|&[#\w]+;|[^<&]+|[<&]/g) ?? []) {
    const tag = /^<(\/?)(\w+)/.exec(token);
    if (tag) {
      const step = tag[1] ? -1 : 1;
      if (tag[2].toLowerCase() === "b") bold += step;
      if (/^su[bp]$/i.test(tag[2])) script += step;
      continue;
    }
    const text = ENTITIES[token] ?? token;
    const scale = (size / 1000) * (bold > 0 ? BOLD : 1) * SMALL_SCRIPT ** Math.max(0, script);
    for (const ch of text) {
      const code = ch.codePointAt(0)!;
      const em = code >= 32 && code <= 126 ? ASCII_WIDTHS[code - 32] : ARROWS.test(ch) ? ARROW_WIDTH : OTHER_WIDTH;
      width += em * scale;
    }
  }
  return width;
}
