// Hugging Face's own Python packages (safetensors, tokenizers, transformers) as independent references.
// They are optional: Debian has none of them, so tests that use them skip, saying why, unless the
// interpreter can import them (e.g. PYTHONPATH pointing at a `pip install --target` directory).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { PYTHON } from "./torch";

/** Why `modules` cannot be imported by the reference Python, or "" when they can. */
export function pythonProblem(...modules: string[]): string {
  const r = spawnSync(PYTHON, ["-c", modules.map((m) => `import ${m}`).join("; ")], { encoding: "utf8" });
  if (r.error) return `${PYTHON} cannot run: ${r.error.message}`;
  return r.status === 0 ? "" : `${modules.join(", ")} not importable by ${PYTHON} (set PYTHONPATH to a pip --target directory to enable): ${r.stderr.trim().split("\n").pop()}`;
}

/** Runs test/helpers/<script> with JSON on stdin and parses its JSON stdout. */
export function runReference<T>(script: string, input: unknown): T {
  const r = spawnSync(PYTHON, [path.join(__dirname, script)], { input: JSON.stringify(input), encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
