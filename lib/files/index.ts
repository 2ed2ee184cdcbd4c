// Writing results so that a crash or Ctrl-C never leaves a half-written file (a temporary file in the same
// folder, then a rename, which POSIX makes atomic), and the content hash the project records beside data,
// checkpoints and cached runs.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Writes `content` to `file` atomically, creating its folder if needed. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new OutputPathError(`${file}: cannot write it (${describeIoError(err)})`, err);
  }
}

/**
 * An output that cannot be written, named. `code` is the system's (ENOSPC, EROFS, EACCES, EISDIR, …) when there is
 * one.
 */
export class OutputPathError extends Error {
  override name = "OutputPathError";
  readonly code?: string;
  constructor(message: string, cause?: unknown) {
    super(message);
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

const IO_CODES: Record<string, string> = {
  ENOSPC: "the disk is full", EROFS: "a read-only file system", EACCES: "permission denied", EPERM: "permission denied",
  EISDIR: "it is a folder", ENOTDIR: "a part of the path is a file, not a folder",
  EEXIST: "it exists and is not a folder",
};

function describeIoError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && IO_CODES[code] !== undefined ? `${code}: ${IO_CODES[code]}` : (err as Error).message;
}

/**
 * Checks an output before anything is computed for it: it is not one of `inputs`, it is a file or a folder as
 * `kind` says, and its folder can be written (created if missing, then a probe file written and removed). Every
 * refusal names the path and the reason.
 */
export function checkOutputPath(
  target: string, kind: "file" | "folder", inputs: readonly string[] = [], label = "output",
): void {
  const resolved = path.resolve(target);
  for (const input of inputs) {
    if (path.resolve(input) === resolved) {
      throw new OutputPathError(`${label} ${target} is also an input: refusing to overwrite it (choose another path)`);
    }
  }
  if (fs.existsSync(resolved)) {
    const isFolder = fs.statSync(resolved).isDirectory();
    if (kind === "file" && isFolder) throw new OutputPathError(`${label} ${target} is a folder; give a file path`);
    if (kind === "folder" && !isFolder) throw new OutputPathError(`${label} ${target} is a file; give a folder`);
  }
  const folder = kind === "folder" ? resolved : path.dirname(resolved);
  const probe = path.join(folder, `.qkv-write-probe.${process.pid}`);
  try {
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(probe, "");
    fs.rmSync(probe);
  } catch (err) {
    throw new OutputPathError(`${label} ${target}: cannot write in ${folder} (${describeIoError(err)})`, err);
  }
}

/**
 * Why `file` cannot be read as an input file ("no such file", "is a folder, not a file", "permission denied"),
 * or undefined when it can: for errors that name the file and the reason, not a bare EISDIR.
 */
export function inputFileProblem(file: string): string | undefined {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat === undefined) return "no such file";
    if (stat.isDirectory()) return "is a folder, not a file";
    fs.accessSync(file, fs.constants.R_OK);
  } catch (err) {
    return `cannot read it (${describeIoError(err)})`;
  }
  return undefined;
}

/** `text` without a leading UTF-8 byte-order mark (the readers of TSV, JSONL, JSON and vocabularies agree on it). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The sha256 of `data` in hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
