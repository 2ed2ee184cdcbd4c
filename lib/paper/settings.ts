// The fine-tuning settings behind each experiment, as the paper states them [paper] and as the authors' published
// scripts set them [script] (chen123CtrlS/LightweightAtt at commit 6e6cfc3: sh/*.sh, with the defaults of its
// Arguments.py where a script passes nothing). A field absent from `paper` is not printed in the paper; absent from
// `script`, not set by the script either. PAPER_RUNS holds the same values as numbers, for the `paper` profile.
// Only what the sources say; nothing here is computed.

/** Figure 1's fine-tuning epochs per task: SST-2 twice as long as the others [exact]. */
export const FIGURE1_EPOCHS = { MNLI: 3, QQP: 3, QNLI: 3, "SST-2": 6 } as const;

/** The settings a deviation table compares, as the sources word them. */
export interface FineTuneSettings {
  model?: string;
  tasks?: string;
  budget?: string;
  batch?: string;
  maxLength?: number;
  targets?: string;
  rank?: number | string;
  alpha?: number;
  dropout?: number;
  rates?: string;
  schedule?: string;
  optimizer?: string;
  weightDecay?: number;
  precision?: string;
  seeds?: string;
  evaluation?: string;
}

export interface ExperimentSettings {
  paper: FineTuneSettings;
  script: FineTuneSettings & { file: string };
}

export const AUTHORS_SCRIPTS_COMMIT = "chen123CtrlS/LightweightAtt@6e6cfc3";

// Arguments.py's defaults, which a script that does not pass the flag gets.
const SCRIPT_DEFAULTS = { alpha: 16, dropout: 0.1 } as const;
// Every script evaluates during training and keeps the best checkpoint (--keep_checkpoints eval).
const keepBest = (every: number) => `on the dev set every ${every} steps; the best checkpoint is kept`;
const ROBERTA_ADAMW = "AdamW β = (0.9, 0.99), ε = 1e-8";
const LLAMA_ADAMW = "AdamW (torch) β₂ = 0.999";
const LLAMA_BATCH = "256 (128 × 2 accumulated)";

export type PaperExperiment = "figure1" | "figure2" | "table1-encoder" | "table1-decoder" | "table2";

export const PAPER_SETTINGS: Record<PaperExperiment, ExperimentSettings> = {
  figure1: {
    paper: {
      model: "RoBERTa-base", tasks: "MNLI, QQP, QNLI, SST-2", budget: "3 epochs (SST-2: 6)", maxLength: 128,
      targets: "QKV", rank: 8, alpha: 8, rates: "the 6 × 6 grid of docs/paper.md §4.1", precision: "fp16", seeds: "3",
    },
    script: {
      file: "sh/exp2_pre_roberta.sh", model: "roberta-base", tasks: "qqp (edited per task)", budget: "6 epochs",
      batch: "32", maxLength: 128, targets: "query, value, key", rank: 8, alpha: 8, dropout: SCRIPT_DEFAULTS.dropout,
      rates: "the 6 × 6 grid (sh/exp2_roberta.sh)", schedule: "linear", optimizer: ROBERTA_ADAMW, precision: "fp16",
      seeds: "0", evaluation: keepBest(500),
    },
  },
  figure2: {
    paper: {
      model: "Llama-3.1-8B", tasks: "MNLI", budget: "800 steps", batch: "256", targets: "QV", rank: 16,
      rates: "the 7 × 5 grid of docs/paper.md §4.2", schedule: "constant",
    },
    script: {
      file: "sh/exp2_pre_llama3.sh", model: "llama-3.1-8b", tasks: "mnli", budget: "800 steps", batch: LLAMA_BATCH,
      maxLength: 128, targets: "q_proj, v_proj", rank: 16, alpha: SCRIPT_DEFAULTS.alpha,
      dropout: SCRIPT_DEFAULTS.dropout,
      rates: "the 7 × 5 grid (sh/exp2_llama3.sh)", schedule: "constant", optimizer: LLAMA_ADAMW, weightDecay: 0,
      precision: "fp16", seeds: "\"0,1\" (a one-element bash array)", evaluation: keepBest(50),
    },
  },
  "table1-encoder": {
    paper: { model: "RoBERTa-base" },
    script: {
      file: "sh/roberta-base-lora.sh", model: "roberta-base", tasks: "mnli", budget: "30 epochs", batch: "32",
      maxLength: 128, targets: "query, value, key", rank: 8, alpha: 8, dropout: SCRIPT_DEFAULTS.dropout,
      rates: "η 4e-4, λ 2.5", schedule: "linear", optimizer: ROBERTA_ADAMW, precision: "fp16",
      evaluation: keepBest(500),
    },
  },
  "table1-decoder": {
    paper: { model: "Llama-3.1-8B" },
    script: {
      file: "sh/llama3.1-8b-lora.sh", model: "llama-3.1-8b", tasks: "mnli", budget: "800 steps", batch: LLAMA_BATCH,
      maxLength: 128, targets: "q_proj, k_proj, v_proj", rank: 16, alpha: SCRIPT_DEFAULTS.alpha,
      dropout: SCRIPT_DEFAULTS.dropout, rates: "η 5e-5, λ 2.5", schedule: "constant", optimizer: LLAMA_ADAMW,
      weightDecay: 0, precision: "fp16", seeds: "2", evaluation: keepBest(50),
    },
  },
  table2: {
    paper: {
      model: "RoBERTa-base", tasks: "the 8 GLUE tasks (dev sets)", budget: "10 epochs (CoLA, RTE, MRPC, STS-B: 20)",
      batch: "32", maxLength: 128, targets: "QKV at λ = 1; QV at λ ∈ {2, 4, 8}", rank: "8, 16", alpha: 8,
      rates: "η_QK 1e-4, η_V = λ·η_QK", schedule: "linear, no warm-up", optimizer: ROBERTA_ADAMW, seeds: "0",
    },
    script: {
      file: "sh/exp3_1.sh", model: "roberta-base", tasks: "the 8 GLUE tasks (sh/exp3_2.sh)",
      budget: "10 epochs (20 by hand for the small tasks)", batch: "32", maxLength: 128, targets: "query, value",
      rank: 16, alpha: 8, dropout: SCRIPT_DEFAULTS.dropout, rates: "η_QK 1e-4, η_V ∈ {1, 2, 4, 8}e-4",
      schedule: "linear", optimizer: ROBERTA_ADAMW, precision: "fp16", seeds: "0", evaluation: keepBest(500),
    },
  },
};

/** One experiment's settings at the `paper` profile: the values above, as numbers. */
export interface PaperRun {
  /** The budget: epochs per task (`default` for a task not named), or a fixed number of steps. */
  epochs?: Readonly<Record<string, number>> & { default: number };
  steps?: number;
  batchSize: number;
  maxLength: number;
  loraAlpha: number;
  loraDropout: number;
  /** AdamW's β₂ (β₁ 0.9 and ε 1e-8 in every script). */
  beta2: number;
  /** Evaluate every this many steps and keep the best checkpoint (--keep_checkpoints eval). */
  evalEvery: number;
  /** Table 1's scripts' rate; the other experiments sweep theirs. */
  etaQK?: number;
}

const ROBERTA_RUN = {
  batchSize: 32, maxLength: 128, loraAlpha: 8, loraDropout: SCRIPT_DEFAULTS.dropout, beta2: 0.99, evalEvery: 500,
};
const LLAMA_RUN = {
  steps: 800, batchSize: 256, maxLength: 128, loraAlpha: SCRIPT_DEFAULTS.alpha, loraDropout: SCRIPT_DEFAULTS.dropout,
  beta2: 0.999, evalEvery: 50,
};

export const PAPER_RUNS: Record<PaperExperiment, PaperRun> = {
  figure1: { ...ROBERTA_RUN, epochs: { ...FIGURE1_EPOCHS, default: FIGURE1_EPOCHS.MNLI } },
  figure2: LLAMA_RUN,
  "table1-encoder": { ...ROBERTA_RUN, epochs: { default: 30 }, etaQK: 4e-4 },
  "table1-decoder": { ...LLAMA_RUN, etaQK: 5e-5 },
  table2: { ...ROBERTA_RUN, epochs: { default: 10, CoLA: 20, RTE: 20, MRPC: 20, "STS-B": 20 } },
};
