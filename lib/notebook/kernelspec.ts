// The project's own tslab kernelspec, kept inside the checkout (.jupyter/) so setup touches no global
// Jupyter state. Jupyter finds it through JUPYTER_PATH; the kernel starts through bin/tslab-kernel,
// which runs tslab from the repository root so notebooks can import "./lib/index".
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../files/index";
import { REPO_ROOT } from "../paths";

export const KERNEL_NAME = "qkv-tslab";
export const JUPYTER_DIR = path.join(REPO_ROOT, ".jupyter");
export const KERNEL_DIR = path.join(JUPYTER_DIR, "kernels", KERNEL_NAME);
const KERNEL_JSON = path.join(KERNEL_DIR, "kernel.json");
/**
 * The launcher, relative to the kernelspec's own folder ({resource_dir}, which jupyter_client substitutes): a
 * copied or moved checkout then runs its own bin/tslab-kernel, lib/ and figures/, never the checkout that wrote
 * the spec (an absolute path here silently ran the other one).
 */
export const KERNEL_LAUNCHER_ARG =
  `{resource_dir}/${path.relative(KERNEL_DIR, path.join(REPO_ROOT, "bin", "tslab-kernel")).split(path.sep).join("/")}`;

export function kernelSpec(): { argv: string[]; display_name: string; language: string; env: Record<string, string> } {
  return {
    argv: [KERNEL_LAUNCHER_ARG, "{connection_file}"],
    display_name: "TypeScript (qkv-lab)",
    language: "typescript",
    // The node that ran setup: a Jupyter started from a shell without it on PATH (nvm) still finds it.
    env: { QKV_NODE: process.execPath },
  };
}

/** kernel.json as written: comparing this text tells whether the installed spec is current. */
function kernelSpecText(): string {
  return JSON.stringify(kernelSpec(), null, 2) + "\n";
}

/** Writes the kernelspec if it is missing or stale (e.g. the checkout moved). Idempotent. */
export function installKernelSpec(): "written" | "unchanged" {
  const text = kernelSpecText();
  if (fs.existsSync(KERNEL_JSON) && fs.readFileSync(KERNEL_JSON, "utf8") === text) return "unchanged";
  writeFileAtomic(KERNEL_JSON, text);
  return "written";
}

/** What is wrong with the kernel installation, as instructions; empty when it is ready. */
export function kernelProblems(): string[] {
  const problems: string[] = [];
  if (!fs.existsSync(KERNEL_JSON)) {
    problems.push(`the tslab kernel "${KERNEL_NAME}" is not registered ` +
      `(${path.relative(REPO_ROOT, KERNEL_JSON)} is missing): run \`npm run setup\``);
  } else if (fs.readFileSync(KERNEL_JSON, "utf8") !== kernelSpecText()) {
    problems.push(`the kernelspec ${path.relative(REPO_ROOT, KERNEL_JSON)} was written by another version of qkv-lab ` +
      "or for another Node binary: run `npm run setup`");
  }
  if (!fs.existsSync(path.join(REPO_ROOT, "node_modules", "tslab", "bin", "tslab"))) {
    problems.push("tslab is not installed in node_modules: run `npm run setup`");
  }
  return problems;
}

/** The environment a Jupyter process needs to see the project's kernel. */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const inherited = base.JUPYTER_PATH ? [base.JUPYTER_PATH] : [];
  return { ...base, JUPYTER_PATH: [JUPYTER_DIR, ...inherited].join(path.delimiter) };
}
