// Calibration of the verdicts: grid rows drawn from a stated model, judged by the real verdict code
// (./verdicts), many times. Under no effect a judge must rarely say "reproduced"; under a reversed effect it
// must say "contradicted"; under the paper's effect it must say "reproduced" — each as often as the protocol
// promises (docs/PROTOCOL.md's power table is this module's output). `qkv verdict --simulate` runs it.
//
// The model of one run's score, per task t, arm a and seed s:
//   p = mean + effect(a) + shared(t, s) + noise · z(t, a, s)            (clamped to [0.01, 0.99])
//   report score = p + √(p(1 − p) / examples) · z′, selection score = p + √(p(1 − p) / selectionExamples) · z″
// shared(t, s) is the part of a seed common to every arm (the pairing); noise is the per-seed SD of one arm;
// the per-example noise is the binomial noise of scoring `examples` rows. effect(a) is ±d · noise on the arms the
// claim favours, placed at the claim's boundary (0 for "beats", −margin for "matches").
import { Rng } from "../random/index";
import { claimSpec, ClaimId, PROTOCOL, Verdict, VERDICTS } from "./protocol";
import {
  ClaimVerdict, importanceVerdicts, LambdaDesign, lambdaDesignCells, lambdaVerdict, ScoredRow, strategyVerdict,
} from "./verdicts";

export type Scenario = "null" | "paper" | "reversed";
export const SCENARIOS: Scenario[] = ["null", "paper", "reversed"];
export const SIMULATED_CLAIMS: ClaimId[] = ["v-over-k", "qv-matches-qkv", "lambda", "lambda-convergence", "strategy"];

export interface SimulationOptions {
  scenario: Scenario;
  /** Tasks in the claim (a claim over two grids of 4 tasks has 8). */
  tasks: number;
  seeds: number;
  /** The effect in units of `noise`. */
  effect: number;
  /** Per-seed noise SD of one arm's score (fraction). */
  noise: number;
  /** SD of the seed effect every arm of a task shares. */
  shared: number;
  /** Report-split and selection-split examples (per-example noise). */
  examples: number;
  selectionExamples: number;
  /** The arms' mean score and the majority baseline. */
  mean: number;
  chance: number;
  /** Methods of the strategy claim (Table 2 at the default profile: Full FT, LoRA r8, DoRA r8). */
  methods: number;
  trials: number;
  /** Seeds the simulation's random draws. */
  rngSeed: number;
}

export const SIMULATION_DEFAULTS: Omit<SimulationOptions, "scenario"> = {
  tasks: 4, seeds: 3, effect: 3, noise: 0.03, shared: 0.02, examples: 2000, selectionExamples: 500, mean: 0.7,
  chance: 0.5, methods: 3, trials: 1000, rngSeed: 1,
};

/** The λ design the simulation uses (the shape of Figure 1's: 3 η_QK × 3 λ). */
export const SIMULATED_LAMBDA_DESIGN: LambdaDesign = { etaQK: [5e-4, 1e-3, 2e-3], lambdas: PROTOCOL.lambdas };

export interface SimulationResult {
  claim: ClaimId;
  scenario: Scenario;
  trials: number;
  tasks: number;
  seeds: number;
  effect: number;
  rates: Record<Verdict, number>;
}

/** Each claim's verdict rates over `trials` simulated grids. */
export function simulateVerdicts(options: SimulationOptions, claims: ClaimId[] = SIMULATED_CLAIMS): SimulationResult[] {
  checkOptions(options);
  return claims.map((claim) => {
    const rng = new Rng(options.rngSeed, SIMULATED_CLAIMS.indexOf(claim) + 1);
    const rates = verdictRates(options.trials, () => simulateOnce(claim, options, rng).verdict);
    return {
      claim, scenario: options.scenario, trials: options.trials, tasks: options.tasks, seeds: options.seeds,
      effect: options.effect, rates,
    };
  });
}

/** The share of each verdict over `trials` calls of `judge` (one simulated grid judged per call). */
export function verdictRates(trials: number, judge: () => Verdict): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (let t = 0; t < trials; t++) counts[judge()]++;
  return Object.fromEntries(VERDICTS.map((v) => [v, counts[v] / trials])) as Record<Verdict, number>;
}

/** One simulated grid for `claim`, judged. */
export function simulateOnce(claim: ClaimId, options: SimulationOptions, rng: Rng): ClaimVerdict {
  const spec = claimSpec(claim);
  const sign = options.scenario === "null" ? 0 : options.scenario === "paper" ? 1 : -1;
  const boundary = spec.kind === "matches" ? -spec.margin : 0;
  const favoured = boundary + sign * options.effect * options.noise;
  const rows: ScoredRow[] = [];
  for (let t = 0; t < options.tasks; t++) {
    const task = `task${t}`;
    const shared = Array.from({ length: options.seeds }, () => options.shared * rng.normal());
    const run = (
      arm: Pick<ScoredRow, "method" | "targets" | "r" | "etaQK" | "etaV" | "ratio">, effect: number,
    ): void => {
      for (let s = 0; s < options.seeds; s++) {
        const p = Math.min(0.99, Math.max(0.01, options.mean + effect + shared[s] + options.noise * rng.normal()));
        const after = p + Math.sqrt((p * (1 - p)) / options.examples) * rng.normal();
        const selection = p + Math.sqrt((p * (1 - p)) / options.selectionExamples) * rng.normal();
        rows.push({
          task, ...arm, seed: s, status: "ok", after, selection, chance: options.chance,
          chanceSelection: options.chance, reportExamples: options.examples, metric: "accuracy", lossMean: 1 - after,
          chanceLoss: Math.LN2,
        });
      }
    };
    const lora = { method: "lora", r: 8, etaQK: 1e-3, etaV: 1e-3, ratio: 1 };
    if (claim === "v-over-k" || claim === "qv-matches-qkv") {
      for (const targets of ["Q", "K", "V", "QK", "QV", "KV", "QKV"]) {
        const isFavoured = claim === "v-over-k" ? targets === "V" : targets === "QV";
        run({ ...lora, targets }, isFavoured ? favoured : 0);
      }
    } else if (claim === "lambda" || claim === "lambda-convergence") {
      for (const c of lambdaDesignCells(SIMULATED_LAMBDA_DESIGN)) {
        run(
          { ...lora, targets: "QKV", ...c, ratio: Number((c.etaV / c.etaQK).toPrecision(12)) },
          c.etaV > c.etaQK ? favoured : 0,
        );
      }
    } else if (claim === "strategy") {
      for (let m = 0; m < options.methods; m++) {
        const method = { method: `method${m}`, r: 8, etaQK: 1e-3 };
        run({ ...method, targets: "QKV", etaV: 1e-3, ratio: 1 }, 0);
        for (const l of PROTOCOL.lambdas) run({ ...method, targets: "QV", etaV: 1e-3 * l, ratio: l }, favoured);
      }
    } else throw new Error(`simulateVerdicts: claim ${claim} has no simulation model`);
  }
  if (claim === "v-over-k") return importanceVerdicts({ sim: rows }).vOverK;
  if (claim === "qv-matches-qkv") return importanceVerdicts({ sim: rows }).qvMatchesQkv;
  if (claim === "strategy") return strategyVerdict(rows, "sim");
  return lambdaVerdict({ sim: { rows, design: SIMULATED_LAMBDA_DESIGN } }, claim === "lambda" ? "score" : "loss");
}

function checkOptions(o: SimulationOptions): void {
  if (!SCENARIOS.includes(o.scenario)) {
    throw new Error(`--simulate must be one of ${SCENARIOS.join(", ")}, got ${JSON.stringify(o.scenario)}`);
  }
  const positiveInts: (keyof SimulationOptions)[] = [
    "tasks", "seeds", "examples", "selectionExamples", "methods", "trials",
  ];
  for (const k of positiveInts) {
    if (!Number.isSafeInteger(o[k]) || (o[k] as number) < 1) {
      throw new Error(`${k} must be a positive integer, got ${JSON.stringify(o[k])}`);
    }
  }
  for (const k of ["effect", "noise", "shared"] as const) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw new Error(`${k} must be a number ≥ 0, got ${JSON.stringify(o[k])}`);
  }
  for (const k of ["mean", "chance"] as const) {
    if (!(o[k] > 0 && o[k] < 1)) throw new Error(`${k} must be in (0, 1), got ${JSON.stringify(o[k])}`);
  }
}
