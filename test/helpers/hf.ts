// Hugging Face's own Python packages (safetensors, tokenizers, transformers) as independent references.
// Debian has none of them: `scripts/setup.sh --test` installs pinned versions into .qkv/python, which these
// helpers put on PYTHONPATH (before any PYTHONPATH of the caller). Tests skip, saying why, when they are absent.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/paths";
import { PYTHON } from "./torch";

/** The project-local pip --target folder that setup --test fills (scripts/requirements-test.txt). */
export const HF_PYTHON_DIR = path.join(REPO_ROOT, ".qkv", "python");

/** The environment for the reference Python: .qkv/python first on PYTHONPATH when it exists. */
export function hfEnv(): NodeJS.ProcessEnv {
  if (!fs.existsSync(HF_PYTHON_DIR)) return process.env;
  const rest = process.env.PYTHONPATH ? `${path.delimiter}${process.env.PYTHONPATH}` : "";
  return { ...process.env, PYTHONPATH: HF_PYTHON_DIR + rest };
}

/** Why `modules` cannot be imported by the reference Python, or "" when they can. */
export function pythonProblem(...modules: string[]): string {
  const r = spawnSync(PYTHON, ["-c", modules.map((m) => `import ${m}`).join("; ")], { encoding: "utf8", env: hfEnv() });
  if (r.error) return `${PYTHON} cannot run: ${r.error.message}`;
  return r.status === 0 ? "" : `${modules.join(", ")} not importable by ${PYTHON} (run scripts/setup.sh --test, which installs them into ${HF_PYTHON_DIR}): ${r.stderr.trim().split("\n").pop()}`;
}

/** Runs test/helpers/<script> with JSON on stdin and parses its JSON stdout. */
export function runReference<T>(script: string, input: unknown): T {
  const r = spawnSync(PYTHON, [path.join(__dirname, script)], { input: JSON.stringify(input), encoding: "utf8", maxBuffer: 1 << 30, env: hfEnv() });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
