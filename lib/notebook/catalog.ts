// Which notebook reproduces which part of the paper. The overview notebook renders this as its index;
// an entry's status comes from the file being there, not from this list.
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../paths";

export const NOTEBOOKS_DIR = path.join(REPO_ROOT, "notebooks");

export interface CatalogEntry {
  notebook: string;
  reproduces: string;
}

export const CATALOG: CatalogEntry[] = [
  { notebook: "00_overview.ipynb", reproduces: "Index, environment report, verdicts" },
  { notebook: "00b_testbed.ipynb", reproduces: "Mini-scale testbed: tasks, pretraining, sanity checks" },
  {
    notebook: "01_theorem1_generalization.ipynb", reproduces: "Theorem 1: information-theoretic generalization bounds",
  },
  { notebook: "02_theorem2_lr_dynamics.ipynb", reproduces: "Theorem 2: η_V ≫ η_QK for efficient feature learning" },
  { notebook: "03_figure1.ipynb", reproduces: "Figure 1: (η_QK, η_V) accuracy heatmaps, encoder" },
  { notebook: "04_figure2.ipynb", reproduces: "Figure 2: heatmap and λ loss curves, decoder" },
  { notebook: "05_figure3.ipynb", reproduces: "Figure 3: encoder training loss" },
  { notebook: "06_figure4.ipynb", reproduces: "Figure 4: decoder training loss" },
  { notebook: "07_figure5.ipynb", reproduces: "Figure 5: how the theory guides the experiments" },
  { notebook: "08_table1.ipynb", reproduces: "Table 1: unequal importance of W_q, W_k, W_v" },
  { notebook: "09_table2.ipynb", reproduces: "Table 2: QV with λ > 1 vs QKV (LoRA, DoRA, full)" },
  {
    notebook: "10_table3.ipynb",
    reproduces: "Table 3: a stand-in (its content is not available), what each method costs",
  },
  {
    notebook: "11_robustness.ipynb",
    reproduces: "Robustness: λ verdicts per rate scale and budget; the mini encoder's rate scale",
  },
  { notebook: "12_width.ipynb", reproduces: "Theorem 2 beyond the toy: the best λ against the attention's width" },
];

/** Every notebook in notebooks/, in run order (their names sort in reading order). */
export function listNotebooks(): string[] {
  return fs
    .readdirSync(NOTEBOOKS_DIR)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(NOTEBOOKS_DIR, f));
}

export function catalogStatus(): (CatalogEntry & { built: boolean })[] {
  return CATALOG.map((entry) => ({ ...entry, built: fs.existsSync(path.join(NOTEBOOKS_DIR, entry.notebook)) }));
}

/**
 * Resolves names a person types (`00_overview`, `00_overview.ipynb`, `notebooks/00_overview.ipynb`,
 * or a unique prefix like `01`) to notebook paths, with an error that lists what exists.
 */
export function resolveNotebooks(names: string[]): string[] {
  const all = listNotebooks();
  if (names.length === 0) return all;
  return names.map((name) => {
    if (fs.existsSync(name) && name.endsWith(".ipynb")) return path.resolve(name);
    const base = path.basename(name).replace(/\.ipynb$/, "");
    const exact = all.find((f) => path.basename(f, ".ipynb") === base);
    if (exact) return exact;
    const prefixed = all.filter((f) => path.basename(f).startsWith(base));
    if (prefixed.length === 1) return prefixed[0];
    const known = all.map((f) => path.basename(f, ".ipynb")).join(", ");
    throw new Error(
      prefixed.length > 1
        ? `notebook "${name}" is ambiguous: ${prefixed.map((f) => path.basename(f)).join(", ")}`
        : `no notebook "${name}" in notebooks/ (there are: ${known})`,
    );
  });
}
