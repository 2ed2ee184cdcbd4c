// What the paper states about Theorem 1's numbers (docs/paper.md §2) and the GLUE training-set sizes the bound is
// evaluated at (docs/paper.md §7.1), for side-by-side display. Transcribed, not computed.

/** GLUE training-set sizes N, in the paper's task order. */
export const GLUE_TRAIN_SIZES = {
  RTE: 2490, MRPC: 3668, "STS-B": 5749, CoLA: 8551, "SST-2": 67349, QNLI: 104743, QQP: 363846, MNLI: 392702,
} as const;
export type GlueTask = keyof typeof GLUE_TRAIN_SIZES;

/**
 * The absolute values the paper quotes as evidence that the bound is vacuous at real scale: RoBERTa-base,
 * LoRA on W_q, W_v with r = 8, q = 32 bits, R = 1/2, in the paper's form (no ln 2).
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
