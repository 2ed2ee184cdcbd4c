// Writing figures to disk for the paper and the README: figures/NAME.{png,svg,pdf} at the repository root.
// Figures are generated, never edited, so every write replaces the whole file atomically.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../paths";
import { Figure, figureSize } from "./figure";
import { renderPng, renderSvg, svgToPdf } from "./render";

export type ExportFormat = "png" | "svg" | "pdf";

export interface ExportOptions {
  /** Output folder; default $QKV_FIGURES_DIR, else figures/ at the repository root. */
  dir?: string;
  /** Default all three. */
  formats?: ExportFormat[];
  /** PNG pixels per CSS pixel (default 2, sharp in print and on high-DPI screens). */
  scale?: number;
}

const FORMATS: ExportFormat[] = ["png", "svg", "pdf"];

export function figuresDir(): string {
  return process.env.QKV_FIGURES_DIR || path.join(REPO_ROOT, "figures");
}

/** Writes DIR/NAME.png, .svg and .pdf (or the formats asked for); returns the paths written. */
export async function exportFigure(fig: Figure, name: string, opts: ExportOptions = {}): Promise<string[]> {
  if (typeof name !== "string" || !/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)) {
    throw new Error(
      `exportFigure: name ${JSON.stringify(name)} is not a plain file name: use letters, digits, "-", "_" ` +
        'and "." only (no folders or spaces, not starting with "."), e.g. "fig1_mnli"; the extension is added',
    );
  }
  const formats = opts.formats ?? FORMATS;
  if (!Array.isArray(formats) || formats.length === 0 || formats.some((f) => !FORMATS.includes(f))) {
    throw new Error(
      `exportFigure: formats must be a non-empty list of "png", "svg", "pdf" (got ${JSON.stringify(formats)})`,
    );
  }
  const dir = opts.dir ?? figuresDir();
  await fs.promises.mkdir(dir, { recursive: true });

  const svg = formats.includes("svg") || formats.includes("pdf") ? await renderSvg(fig) : "";
  const written: string[] = [];
  for (const format of new Set(formats)) {
    const data =
      format === "png" ? await renderPng(fig, { scale: opts.scale ?? 2 })
      : format === "svg" ? svg
      : await svgToPdf(svg, figureSize(fig));
    const file = path.join(dir, `${name}.${format}`);
    await writeAtomic(file, data);
    written.push(file);
  }
  return written;
}

/** Write to a temporary file in the same folder, then rename: a crash never leaves half a figure. */
async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = path.join(
    path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}
