// Theorem 1's values at real scale (docs/paper.md §2: derived from the paper's formula, not printed by it) and the
// GLUE training-set sizes the bound is evaluated at (docs/paper.md §7.1), for side-by-side display.

/** GLUE training-set sizes N, in the paper's task order. */
export const GLUE_TRAIN_SIZES = {
  RTE: 2490, MRPC: 3668, "STS-B": 5749, CoLA: 8551, "SST-2": 67349, QNLI: 104743, QQP: 363846, MNLI: 392702,
} as const;
export type GlueTask = keyof typeof GLUE_TRAIN_SIZES;

/**
 * The bound's absolute values at real scale that show it is vacuous (derived from the paper's formula, not printed
 * by it: docs/paper.md §2): RoBERTa-base, LoRA on W_q, W_v with r = 8, q = 32 bits, R = 1/2, the paper's form (no
 * ln 2).
 */
export const PAPER_THEOREM1_VALUES = {
  setting: { model: "roberta-base", targets: "q,v", rank: 8, bits: 32, subgaussian: 0.5, form: "paper" as const },
  bounds: [
    { task: "RTE" as GlueTask, bound: 43.5 },
    { task: "MNLI" as GlueTask, bound: 3.47 },
  ],
  /** Theorem 1's constants: 2m for m adapted matrix types. */
  constants: { QV: 4, QKV: 6 },
};
