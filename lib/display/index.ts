// Showing things while code runs, in a Jupyter kernel (display messages tslab forwards) or a terminal: the kernel
// display primitives and the progress bars every long loop reports through. Below everything that reports.
export { emitDisplay, escapeHtml, inKernel } from "./jupyter";
export type { EmitOptions, MimeBundle } from "./jupyter";
export { duration, progress, PROGRESS_FILE_ENV } from "./progress";
export type { Progress, ProgressOptions } from "./progress";
export { markdownTable, showMarkdown } from "./markdown";
export type { MarkdownMarks, MarkdownTableOptions } from "./markdown";
export { showTable, tableHtml, tableText } from "./table";
export type { TableOptions, TableRow, TableValue } from "./table";
