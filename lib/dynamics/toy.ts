// The toy model of Theorem 2 (the LoRA+ toy of Hayou, Ghosh & Yu 2024, relabelled a → QK, b → V):
// f(x) = (W* + b aᵀ) x with x ∈ Rⁿ, a ∈ Rⁿ, b ∈ R, loss ½(f(x) − y)², a₀ ~ N(0, I/n), b₀ = 0, W*x = 0.
// One step moves f by f_t − f_{t−1} = b_{t−1}·Δaᵀx + Δb·a_{t−1}ᵀx + Δb·Δaᵀx = δ¹ + δ² + δ³, which under
// gradient descent are the paper's δ¹ = −η_a b² U ‖x‖², δ² = −η_b (aᵀx)² U, δ³ = η_a η_b U² b (aᵀx) ‖x‖².
// The vectors are updated exactly (no use of the closed forms), so tests can check the closed forms.
import { DynamicsError, finiteNumber, oneOf, positiveInteger, positiveIntegers } from "./errors";
import { parseRate, RateExpression } from "./rates";
import { Rng } from "../random/index";
import { bootstrapSlope, BootstrapOptions, median, SlopeEstimate } from "./slope";

export const TOY_OPTIMIZERS = ["gd", "sign"] as const;
/** gd: plain gradient descent (the theorem). sign: sign descent, the Adam proxy (Adam with β₁ = β₂ = 0, ε = 0). */
export type ToyOptimizer = (typeof TOY_OPTIMIZERS)[number];

export interface ToyConfig {
  widths: number[];
  /** η_a (the QK rate): an expression of n ("0.5/n") or a parsed one. */
  etaA: string | RateExpression;
  /** η_b (the V rate). */
  etaB: string | RateExpression;
  /** Steps T: t = 1..T are recorded. */
  steps: number;
  /** Independent draws of (x, a₀) per width. */
  seeds: number;
  optimizer?: ToyOptimizer;
  /** Base seed (default 0): seed k of width n uses stream (seed + k, n). */
  seed?: number;
  /** The target y (default 1, as in the paper's numbers). */
  target?: number;
}

/** Per-step records are stored step-major: the value at step t (1-based) of seed k is at [(t − 1)·seeds + k]. */
export interface ToyRun {
  width: number;
  etaA: number;
  etaB: number;
  delta1: Float64Array;
  delta2: Float64Array;
  delta3: Float64Array;
  /** b_t after step t. */
  b: Float64Array;
  /** a_tᵀx after step t, from the updated vector. */
  ax: Float64Array;
  /** a₀ᵀx and ‖x‖² per seed (what the closed forms need). */
  ax0: Float64Array;
  xNormSq: Float64Array;
}

export interface ToyResult {
  widths: number[];
  etaA: string;
  etaB: string;
  steps: number;
  seeds: number;
  optimizer: ToyOptimizer;
  target: number;
  runs: ToyRun[];
}

/** ToyRun's per-seed arrays: Float64Arrays in memory, number arrays in JSON. */
type ToyRunWith<A> = Omit<ToyRun, "delta1" | "delta2" | "delta3" | "b" | "ax" | "ax0" | "xNormSq"> &
  { delta1: A; delta2: A; delta3: A; b: A; ax: A; ax0: A; xNormSq: A };
export type ToyRunJson = ToyRunWith<number[]>;
export type ToyResultJson = Omit<ToyResult, "runs"> & { runs: ToyRunJson[] };

function mapRunArrays<A, B>(run: ToyRunWith<A>, f: (values: A) => B): ToyRunWith<B> {
  const { delta1, delta2, delta3, b, ax, ax0, xNormSq, ...rest } = run;
  return {
    ...rest, delta1: f(delta1), delta2: f(delta2), delta3: f(delta3), b: f(b), ax: f(ax), ax0: f(ax0),
    xNormSq: f(xNormSq),
  };
}

/** The result as plain JSON (number arrays), e.g. for the results cache; toyResultFromJson gives it back exactly. */
export function toyResultToJson(result: ToyResult): ToyResultJson {
  return { ...result, runs: result.runs.map((run) => mapRunArrays(run, (v: Float64Array) => Array.from(v))) };
}

export function toyResultFromJson(json: ToyResultJson): ToyResult {
  return { ...json, runs: json.runs.map((run) => mapRunArrays(run, (v: number[]) => Float64Array.from(v))) };
}

/** Runs the toy for every width and seed. */
export function simulateToy(config: ToyConfig): ToyResult {
  const widths = positiveIntegers(config.widths, "widths");
  const steps = positiveInteger(config.steps, "steps");
  const seeds = positiveInteger(config.seeds, "seeds");
  const optimizer = oneOf(config.optimizer ?? "gd", TOY_OPTIMIZERS, "optimizer");
  const seed = config.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new DynamicsError(`seed must be an integer ≥ 0, got ${JSON.stringify(seed)}`);
  }
  const target = finiteNumber(config.target ?? 1, "target");
  const etaA = typeof config.etaA === "string" ? parseRate(config.etaA, "etaA") : config.etaA;
  const etaB = typeof config.etaB === "string" ? parseRate(config.etaB, "etaB") : config.etaB;
  // Evaluate every rate first, so a rate that fails at the last width fails before any work.
  const rates = widths.map((n) => [etaA.at(n), etaB.at(n)]);
  const runs = widths.map((n, i) => simulateWidth(n, rates[i][0], rates[i][1], steps, seeds, optimizer, seed, target));
  return {
    widths: widths, etaA: etaA.source, etaB: etaB.source, steps: steps, seeds: seeds, optimizer: optimizer,
    target: target, runs: runs,
  };
}

function simulateWidth(
  n: number, etaA: number, etaB: number, steps: number, seeds: number, optimizer: ToyOptimizer, seed: number, y: number,
): ToyRun {
  const size = steps * seeds;
  const run: ToyRun = {
    width: n, etaA: etaA, etaB: etaB,
    delta1: new Float64Array(size), delta2: new Float64Array(size), delta3: new Float64Array(size),
    b: new Float64Array(size), ax: new Float64Array(size), ax0: new Float64Array(seeds),
    xNormSq: new Float64Array(seeds),
  };
  const x = new Float64Array(n);
  const a = new Float64Array(n);
  const aStd = 1 / Math.sqrt(n);
  for (let k = 0; k < seeds; k++) {
    const rng = new Rng(seed + k, n);
    let xx = 0;
    let ax = 0;
    for (let i = 0; i < n; i++) {
      x[i] = rng.normal();
      a[i] = aStd * rng.normal();
      xx += x[i] * x[i];
      ax += a[i] * x[i];
    }
    run.ax0[k] = ax;
    run.xNormSq[k] = xx;
    let b = 0;
    for (let t = 0; t < steps; t++) {
      const u = b * ax - y;
      // Gradients: ∂L/∂a = U b x, ∂L/∂b = U aᵀx. Sign descent takes sign(·) elementwise (sign 0 stays 0).
      const gaScale = u * b;
      const gb = u * ax;
      const db = optimizer === "gd" ? -etaB * gb : -etaB * Math.sign(gb);
      let newAx = 0;
      if (optimizer === "gd") {
        for (let i = 0; i < n; i++) {
          a[i] -= etaA * gaScale * x[i];
          newAx += a[i] * x[i];
        }
      } else {
        const s = Math.sign(gaScale);
        for (let i = 0; i < n; i++) {
          a[i] -= etaA * s * Math.sign(x[i]);
          newAx += a[i] * x[i];
        }
      }
      const dax = newAx - ax;
      const at = t * seeds + k;
      run.delta1[at] = b * dax;
      run.delta2[at] = db * ax;
      run.delta3[at] = db * dax;
      b += db;
      ax = newAx;
      run.b[at] = b;
      run.ax[at] = ax;
    }
  }
  return run;
}

/** |δⁱ_t| of every seed of one run, i ∈ {1, 2, 3}, t ∈ 1..T. */
export function deltaMagnitudes(result: ToyResult, run: ToyRun, i: 1 | 2 | 3, t: number): Float64Array {
  if (!Number.isInteger(t) || t < 1 || t > result.steps) {
    throw new DynamicsError(
      `t must be an integer in 1..${result.steps} (the steps simulated), got ${JSON.stringify(t)}`,
    );
  }
  const all = i === 1 ? run.delta1 : i === 2 ? run.delta2 : run.delta3;
  return all.subarray((t - 1) * result.seeds, t * result.seeds).map(Math.abs);
}

export interface ToySummary {
  widths: number[];
  t: number;
  /** Per width, the median over seeds of [|δ¹_t|, |δ²_t|, |δ³_t|]. */
  median: number[][];
  /** Log-log slope of each median against the width: the measured exponent of δ¹, δ², δ³. */
  slope: number[];
  /** Bootstrap interval of each slope ([lower, upper]). */
  ci: [number, number][];
}

/** Medians at step t per width and their scaling exponents, with bootstrap intervals. */
export function summarizeToy(result: ToyResult, t: number, opts: BootstrapOptions = {}): ToySummary {
  const terms = [1, 2, 3] as const;
  const samples = terms.map((i) => result.runs.map((run) => deltaMagnitudes(result, run, i, t)));
  const estimates: SlopeEstimate[] | null = result.widths.length >= 2
    ? samples.map((s) => bootstrapSlope(result.widths, s, opts))
    : null;
  return {
    widths: result.widths,
    t: t,
    median: result.runs.map((_, j) => samples.map((s) => median(s[j]))),
    slope: estimates ? estimates.map((e) => e.slope) : [NaN, NaN, NaN],
    ci: estimates ? estimates.map((e): [number, number] => [e.lower, e.upper]) : [[NaN, NaN], [NaN, NaN], [NaN, NaN]],
  };
}

/** Where a run stops having a power law: a median |δ| that is not finite (diverged) or is exactly 0 (vanished). */
export interface ToyBreakdown {
  t: number;
  term: 1 | 2 | 3;
  width: number;
  median: number;
  kind: "diverged" | "vanished";
}

/** summarizeToy at every step t = from..T, up to a breakdown. */
export interface ToyStepSummaries {
  widths: number[];
  /** The steps summarized: from..T, or from..k − 1 when the run broke down at t = k. */
  ts: number[];
  /** summarizeToy(result, t) for each t of `ts`. */
  steps: ToySummary[];
  /** The first t (from..T) at which a median |δⁱ_t| at some width is ∞, NaN or 0; null when none is. */
  breakdown: ToyBreakdown | null;
  /** The last step simulated (T) and the bootstrap behind every interval. */
  through: number;
  level: number;
  resamples: number;
}

/**
 * The slopes of every δⁱ_t, t = from..T (default from 2: t = 1 has δ¹ = δ³ = 0), each exactly summarizeToy's.
 * A step at which some median |δ| is not finite and positive has no slope to fit: the summaries stop there and
 * `breakdown` says where (a run that diverged at t = k is reported as such, not as NaN slopes).
 */
export function summarizeToySteps(
  result: ToyResult, opts: BootstrapOptions & { from?: number } = {},
): ToyStepSummaries {
  const from = opts.from ?? 2;
  if (!Number.isInteger(from) || from < 1 || from > result.steps) {
    const got = JSON.stringify(from);
    throw new DynamicsError(`from must be an integer in 1..${result.steps} (the steps simulated), got ${got}`);
  }
  const bootstrap: BootstrapOptions = { resamples: opts.resamples, level: opts.level, seed: opts.seed };
  const out: ToyStepSummaries = {
    widths: result.widths, ts: [], steps: [], breakdown: null, through: result.steps,
    level: bootstrap.level ?? 0.95, resamples: bootstrap.resamples ?? 1000,
  };
  for (let t = from; t <= result.steps; t++) {
    out.breakdown = breakdownAt(result, t);
    if (out.breakdown) break;
    out.ts.push(t);
    out.steps.push(summarizeToy(result, t, bootstrap));
  }
  return out;
}

function breakdownAt(result: ToyResult, t: number): ToyBreakdown | null {
  for (const term of [1, 2, 3] as const) {
    for (const run of result.runs) {
      const m = median(deltaMagnitudes(result, run, term, t));
      if (!(m > 0) || !Number.isFinite(m)) {
        return { t: t, term: term, width: run.width, median: m, kind: m === 0 ? "vanished" : "diverged" };
      }
    }
  }
  return null;
}

export interface ToyLimitConfig {
  /** κ = lim n·η_a: the theorem's η_a = κ/n (0.5 for "0.5/n"). */
  kappa: number;
  /** η_b (fixed in n). */
  etaB: number;
  steps: number;
  seeds: number;
  optimizer?: ToyOptimizer;
  seed?: number;
  target?: number;
}

/** The toy at n = ∞: per-step records stored step-major as in ToyRun ([(t − 1)·seeds + k]). */
export interface ToyLimitRun {
  kappa: number;
  etaB: number;
  steps: number;
  seeds: number;
  optimizer: ToyOptimizer;
  delta1: Float64Array;
  delta2: Float64Array;
  delta3: Float64Array;
}

/**
 * The toy's n → ∞ limit under the theorem's scaling (η_a = κ/n, η_b fixed), a reference for the finite widths.
 * The toy is exactly a map of the two numbers (b, aᵀx): Δaᵀx = −η_a U b ‖x‖² (gd) or −η_a sign(U b) ‖x‖₁
 * (sign), Δb = −η_b U aᵀx or −η_b sign(U aᵀx); so x enters only through η_a‖x‖² → κ, η_a‖x‖₁ → κ·sqrt(2/π) and
 * a₀ᵀx → N(0, 1). A finite width differs from this limit only by the spread of those three, O(n^−1/2).
 */
export function simulateToyLimit(config: ToyLimitConfig): ToyLimitRun {
  const kappa = finiteNumber(config.kappa, "kappa");
  const etaB = finiteNumber(config.etaB, "etaB");
  const steps = positiveInteger(config.steps, "steps");
  const seeds = positiveInteger(config.seeds, "seeds");
  const optimizer = oneOf(config.optimizer ?? "gd", TOY_OPTIMIZERS, "optimizer");
  const y = finiteNumber(config.target ?? 1, "target");
  const rng = new Rng(config.seed ?? 0, 0x11a17);
  const size = steps * seeds;
  const run: ToyLimitRun = {
    kappa: kappa, etaB: etaB, steps: steps, seeds: seeds, optimizer: optimizer,
    delta1: new Float64Array(size), delta2: new Float64Array(size), delta3: new Float64Array(size),
  };
  const kappaL1 = kappa * Math.sqrt(2 / Math.PI);
  for (let k = 0; k < seeds; k++) {
    let ax = rng.normal();
    let b = 0;
    for (let t = 0; t < steps; t++) {
      const u = b * ax - y;
      const dax = optimizer === "gd" ? -kappa * u * b : -kappaL1 * Math.sign(u * b);
      const db = optimizer === "gd" ? -etaB * u * ax : -etaB * Math.sign(u * ax);
      const at = t * seeds + k;
      run.delta1[at] = b * dax;
      run.delta2[at] = db * ax;
      run.delta3[at] = db * dax;
      b += db;
      ax += dax;
    }
  }
  return run;
}

/** The median over seeds of [|δ¹_t|, |δ²_t|, |δ³_t|] at n = ∞. */
export function toyLimitMedians(run: ToyLimitRun, t: number): number[] {
  if (!Number.isInteger(t) || t < 1 || t > run.steps) {
    throw new DynamicsError(`t must be an integer in 1..${run.steps} (the steps simulated), got ${JSON.stringify(t)}`);
  }
  const part = (all: Float64Array) => median(all.subarray((t - 1) * run.seeds, t * run.seeds).map(Math.abs));
  return [part(run.delta1), part(run.delta2), part(run.delta3)];
}
