// Plotting for the notebooks: figure builders (plain Plotly JSON), inline display in tslab, static export.
export {
  bars, describeFigure, figureSize, heatmap, legendRows, lines, robustRange, LINE_DASHES,
  DEFAULT_HEIGHT, DEFAULT_WIDTH, FONT_FAMILY, HEATMAP_COLORSCALE, HIGHLIGHT_COLOR, NO_SIGNAL_COLORSCALE, PALETTE,
} from "./figure";
export type {
  BarSeries, BarsOptions, Colorscale, Figure, HeatmapCell, HeatmapOptions, Layout, LineDash, LineSeries, LinesOptions,
  Trace,
} from "./figure";
export { displayBundle, mathBundle, show, showMath } from "./display";
export type { FigureBundle, MathBundle } from "./display";
export { figuresDir, exportFigure } from "./export";
export type { ExportFormat, ExportOptions } from "./export";
export { emitDisplay, inKernel } from "../display/jupyter";
export type { EmitOptions, MimeBundle } from "../display/jupyter";
export { progress } from "../display/progress";
export { markdownTable, showMarkdown, showTable, tableHtml, tableText } from "../display/index";
export type { MarkdownMarks, MarkdownTableOptions, TableOptions, TableRow, TableValue } from "../display/index";
export type { Progress, ProgressOptions } from "../display/progress";
export {
  CHROMIUM_ARGS, ChromiumNotFoundError, chromiumProblem, closeRenderer, findChromium, renderPng, renderSvg, svgToPdf,
} from "./render";
export type { PngOptions } from "./render";
export { diagramBoxes, flowDiagram } from "./diagram";
export { gapFigure } from "./gaps";
export { accuracyHeatmap, lossCurves } from "./grids";
export type { AccuracyHeatmap, LossCurveCell } from "./grids";
export { showVerdict } from "./verdicts";
export { showConvergence } from "./convergence";
export type { ConvergenceOptions } from "./convergence";
export type { GapFigureOptions } from "./gaps";
export type { DiagramBox, DiagramEdge, DiagramNode, DiagramOptions } from "./diagram";
