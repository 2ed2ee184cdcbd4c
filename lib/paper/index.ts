// Numbers the paper prints, as docs/paper.md §4-§5 give them, so notebooks can show them beside
// ours, and the content of its Figure 5 diagram (guidance.ts). Only what the paper states; nothing here is computed.

/**
 * Figure 1's grid (RoBERTa-base, the authors' script): η_QK along x, η_V along y. The paper prints no cell
 * values for it ([open], docs/paper.md §8.1), only the grid.
 */
export const FIGURE1_ROBERTA_GRID = {
  etaQK: [2e-5, 5e-5, 1e-4, 2e-4, 4e-4, 8e-4], etaV: [1e-4, 2e-4, 4e-4, 8e-4, 1e-3, 2e-3],
};


/**
 * Figure 2 (Llama-3.1-8B, LoRA r = 16 on q_proj and v_proj, MNLI, 800 steps): test accuracy (%) over
 * (η_QK, η_V). Rows follow the paper's y axis (η_V from large to small), columns its x axis.
 * The λ = 1 diagonal and the two best cells (91.0) are printed; the other cells were read from the colour
 * scale (±0.05). `null` marks cells the paper shows only as below its colour floor of 83.
 */
export const FIGURE2_LLAMA_MNLI = {
  etaQK: [1e-6, 5e-6, 1e-5, 5e-5, 1e-4],
  etaV: [4e-4, 2e-4, 1e-4, 5e-5, 1e-5, 5e-6, 1e-6],
  floor: 83,
  accuracy: [
    [90.24, 90.31, 90.21, 91.0, 88.93],
    [90.65, 91.0, 90.46, 89.96, 90.43],
    [90.37, 90.31, 90.34, 90.37, 90.5],
    [90.09, 90.09, 89.99, 90.0, 90.31],
    [86.07, 86.61, 87.8, 89.27, 89.37],
    [null, 82.7, 86.07, 88.36, 88.77],
    [37.4, null, null, 87.74, 88.86],
  ] as (number | null)[][],
  /** (row, col) of the best cells, both 91.0. */
  best: [
    { row: 0, col: 3 },
    { row: 1, col: 1 },
  ],
};

export { GUIDANCE_COLUMNS, GUIDANCE_EDGES, GUIDANCE_NODES } from "./guidance";
export type { GuidanceEdge, GuidanceKind, GuidanceNode } from "./guidance";

/**
 * Table 2 (RoBERTa-base, GLUE dev sets, seed 0): each row's method, targets, rank, λ, #Param (M) as printed, and
 * its scores in the column order of `tasks` (Pearson × 100 for STS-B, MCC × 100 for CoLA, MNLI the mean of
 * matched and mismatched, accuracy otherwise). The "Before fine-tune" row has method "before".
 */
export const TABLE2_ROBERTA_GLUE = {
  tasks: ["RTE", "STS-B", "MRPC", "CoLA", "MNLI", "SST-2", "QQP", "QNLI"],
  rows: [
    { method: "before", targets: "", r: null, lambda: null, params: 0.0,
      scores: [45.12, -3.18, 66.66, 1.09, 32.95, 49.31, 44.72, 50.81] },
    { method: "full", targets: "QKV", r: null, lambda: 1, params: 21.85,
      scores: [73.64, 90.49, 84.55, 60.34, 86.68, 93.23, 90.48, 92.37] },
    { method: "lora", targets: "QKV", r: 8, lambda: 1, params: 1.62,
      scores: [70.76, 90.25, 85.04, 58.03, 86.7, 93.92, 89.15, 92.17] },
    { method: "lora", targets: "QKV", r: 16, lambda: 1, params: 2.07,
      scores: [70.39, 90.25, 86.03, 58.04, 86.78, 93.92, 89.26, 92.18] },
    { method: "dora", targets: "QKV", r: 8, lambda: 1, params: 1.06,
      scores: [70.75, 90.39, 85.78, 56.79, 86.73, 93.58, 89.34, 92.22] },
    { method: "dora", targets: "QKV", r: 16, lambda: 1, params: 1.51,
      scores: [70.4, 90.31, 86.03, 57.81, 86.77, 93.92, 89.3, 92.48] },
    { method: "full", targets: "QV", r: null, lambda: 2, params: 14.76,
      scores: [73.53, 91.01, 86.02, 60.57, 62.03, 93.11, 90.56, 91.96] },
    { method: "full", targets: "QV", r: null, lambda: 4, params: 14.76,
      scores: [72.29, 90.56, 87.01, 61.88, 35.44, 91.05, 89.81, 88.85] },
    { method: "full", targets: "QV", r: null, lambda: 8, params: 14.76,
      scores: [72.29, 90.02, 88.97, 61.86, 35.44, 84.75, 85.93, 50.54] },
    { method: "lora", targets: "QV", r: 8, lambda: 2, params: 1.48,
      scores: [71.84, 90.37, 86.02, 58.54, 86.85, 94.03, 89.47, 92.33] },
    { method: "lora", targets: "QV", r: 8, lambda: 4, params: 1.48,
      scores: [75.09, 90.83, 87.01, 59.56, 86.95, 94.04, 90.09, 92.86] },
    { method: "lora", targets: "QV", r: 8, lambda: 8, params: 1.48,
      scores: [76.13, 90.75, 88.97, 61.88, 86.93, 93.46, 90.01, 92.34] },
    { method: "lora", targets: "QV", r: 16, lambda: 2, params: 1.77,
      scores: [70.39, 90.46, 86.03, 58.55, 86.83, 94.38, 89.77, 92.33] },
    { method: "lora", targets: "QV", r: 16, lambda: 4, params: 1.77,
      scores: [76.17, 91.05, 87.99, 60.06, 87.19, 94.03, 90.3, 92.73] },
    { method: "lora", targets: "QV", r: 16, lambda: 8, params: 1.77,
      scores: [72.92, 90.96, 89.95, 59.31, 87.31, 93.92, 90.43, 92.95] },
    { method: "dora", targets: "QV", r: 8, lambda: 2, params: 0.9,
      scores: [71.12, 90.29, 87.01, 58.54, 87.08, 93.96, 89.6, 92.6] },
    { method: "dora", targets: "QV", r: 8, lambda: 4, params: 0.9,
      scores: [75.45, 90.82, 86.76, 60.32, 86.98, 93.81, 90.33, 92.97] },
    { method: "dora", targets: "QV", r: 8, lambda: 8, params: 0.9,
      scores: [70.76, 90.38, 87.75, 57.01, 87.12, 94.15, 90.45, 92.48] },
    { method: "dora", targets: "QV", r: 16, lambda: 2, params: 1.2,
      scores: [69.68, 90.53, 87.75, 59.31, 87.09, 93.92, 89.68, 92.7] },
    { method: "dora", targets: "QV", r: 16, lambda: 4, params: 1.2,
      scores: [76.16, 90.77, 88.48, 60.84, 86.96, 94.15, 90.34, 93.01] },
    { method: "dora", targets: "QV", r: 16, lambda: 8, params: 1.2,
      scores: [77.26, 90.83, 88.96, 60.32, 87.1, 94.17, 90.46, 92.8] },
  ] as {
    method: "before" | "full" | "lora" | "dora"; targets: "" | "QKV" | "QV"; r: number | null; lambda: number | null;
    params: number; scores: number[];
  }[],
};

/**
 * Not the paper's: Microsoft's GLUE dev scores for its own MiniLM-L6xH384 (full fine-tuning; the MiniLM README, as
 * quoted in issue 17), a ballpark for a 6-layer, 384-wide BERT. The all-MiniLM-L6-v2 we fine-tune is a different
 * checkpoint (a contrastively trained sentence encoder), so these are not its expected scores.
 */
export const MINILM_L6_PUBLISHED = {
  source: "Microsoft's MiniLM-L6xH384, full fine-tuning (the MiniLM README; not this checkpoint, not the paper)",
  scores: {
    MNLI: 83.3, "SST-2": 91.5, QNLI: 90.5, QQP: 90.6, MRPC: 88.9, RTE: 68.8, CoLA: 47.5,
  } as Record<string, number>,
};
export { AUTHORS_SCRIPTS_COMMIT, FIGURE1_EPOCHS, PAPER_RUNS, PAPER_SETTINGS } from "./settings";
export type { ExperimentSettings, FineTuneSettings, PaperExperiment, PaperRun } from "./settings";
