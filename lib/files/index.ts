// Writing results so that a crash or Ctrl-C never leaves a half-written file (a temporary file in the same
// folder, then a rename, which POSIX makes atomic), and the content hash the project records beside data,
// checkpoints and cached runs.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Writes `content` to `file` atomically, creating its folder if needed. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** The sha256 of `data` in hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
