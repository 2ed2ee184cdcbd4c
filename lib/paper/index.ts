// Numbers the paper prints, transcribed from ../shared/docs/PAPER.md, so notebooks can show them beside
// ours, and the content of its Figure 5 diagram (guidance.ts). Only what the paper states; nothing here is computed.

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

export { GUIDANCE_COLUMNS, GUIDANCE_EDGES, GUIDANCE_NODES, guidanceDiagram, guidanceNotebook } from "./guidance";
export type { GuidanceKind, GuidanceNode } from "./guidance";
