// The judge of Theorem 2 on its toy: "every δⁱ_t is Θ(1) for t = 2..10" under a schedule, from the per-t
// slopes of summarizeToySteps. The rule was fixed before the t = 2..10 runs were made (issue 22, item 6).
//
// It is an equivalence test, not a test of "slope = 0": a slope is Θ(1) only when its whole 95 % interval lies
// within ±0.1, and not Θ(1) when its whole interval lies outside that band. An "interval contains 0" rule would
// reward noise (the fewer the seeds, the wider the intervals, the likelier a yes) and, over 27 intervals, would
// reject a true Θ(1) often by chance alone or for a finite-width bias too small to matter. Requiring every
// interval to lie in the band is an intersection-union test: the "yes" is at the 5 % level as a whole, with no
// correction for the 27 intervals. The "no" takes any one interval outside the band (each a one-sided 2.5 %
// test, not corrected): the alternatives it must catch are 1 or more away from 0, not 0.1.
//
// Why ±0.1: across the widths 64..16384 (× 256) a slope of 0.1 is a change of the median by 256^0.1 ≈ 1.74,
// while every schedule other than the theorem's moves an exponent by 1/2 or more (rates n^(k/2)), and the
// finite-width corrections (O(n^−1/2) relative, 1/8 at n = 64) move a slope by about 0.02. It is also the
// tolerance the t = 2 acceptance test of test/dynamics.test.ts has always used.
import { DynamicsError } from "./errors";
import type { ToyBreakdown, ToyStepSummaries } from "./toy";

export const THETA1_RULE = {
  /** A slope is Θ(1) when its interval lies within [−tolerance, +tolerance]. */
  tolerance: 0.1,
  /** The bootstrap intervals' two-sided level. */
  level: 0.95,
  /** The steps judged: t = from..through (the theorem says every t > 1; we test the first nine). */
  from: 2,
  through: 10,
} as const;

export type Theta1Rule = { tolerance: number; level: number; from: number; through: number };
export type Theta1Verdict = "Θ(1)" | "not Θ(1)" | "inconclusive";

export interface Theta1Check {
  t: number;
  term: 1 | 2 | 3;
  slope: number;
  lower: number;
  upper: number;
  /** within: the interval lies in the band; outside: it lies wholly beyond it; undecided: neither (or NaN ends). */
  status: "within" | "outside" | "undecided";
}

export interface Theta1Judgement {
  verdict: Theta1Verdict;
  /** One line: what decided it. */
  reason: string;
  /** Every (t, term) slope judged, t-major. */
  checks: Theta1Check[];
  /** The step at which the run diverged (or a δ vanished), from summarizeToySteps; null when none did. */
  breakdown: ToyBreakdown | null;
  rule: Theta1Rule;
}

const SUPERSCRIPT = ["", "¹", "²", "³"];
const signed = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(3)}` : String(v));
export const describeCheck = (c: Theta1Check) =>
  `δ${SUPERSCRIPT[c.term]} at t = ${c.t}: ${signed(c.slope)} [${signed(c.lower)}, ${signed(c.upper)}]`;

/**
 * Θ(1) when no δ diverged or vanished and every slope's interval (t = from..through, three terms) lies within
 * ±tolerance; not Θ(1) when the run broke down at some t ≤ through ("diverged at t = k") or some interval lies
 * wholly outside the band; inconclusive otherwise.
 */
export function judgeTheta1(summary: ToyStepSummaries, rule: Theta1Rule = THETA1_RULE): Theta1Judgement {
  if (Math.abs(summary.level - rule.level) > 1e-12) {
    throw new DynamicsError(`the rule reads ${rule.level} intervals, but the summaries' are at level ${summary.level}`);
  }
  const breakdown = summary.breakdown !== null && summary.breakdown.t <= rule.through ? summary.breakdown : null;
  const last = breakdown ? breakdown.t - 1 : rule.through;
  const want = Array.from({ length: Math.max(0, last - rule.from + 1) }, (_, k) => rule.from + k);
  const missing = want.filter((t) => !summary.ts.includes(t));
  if (missing.length > 0) {
    const range = `${rule.from}..${rule.through}`;
    throw new DynamicsError(`the rule judges t = ${range}, but the summaries lack t = ${missing.join(", ")}`);
  }
  const tol = rule.tolerance;
  const checks: Theta1Check[] = want.flatMap((t) => {
    const s = summary.steps[summary.ts.indexOf(t)];
    return ([1, 2, 3] as const).map((term): Theta1Check => {
      const [lower, upper] = s.ci[term - 1];
      // NaN compares false: an interval with a NaN end (resamples whose median diverged) is never "within".
      const status = lower >= -tol && upper <= tol ? "within" : lower > tol || upper < -tol ? "outside" : "undecided";
      return { t: t, term: term, slope: s.slope[term - 1], lower: lower, upper: upper, status: status };
    });
  });
  const outside = checks.filter((c) => c.status === "outside");
  const undecided = checks.filter((c) => c.status === "undecided");
  const band = `±${tol}`;
  const more = (list: Theta1Check[]) => (list.length > 1 ? ` and ${list.length - 1} more` : "");
  let verdict: Theta1Verdict;
  let reason: string;
  if (breakdown) {
    verdict = "not Θ(1)";
    const value = breakdown.kind === "diverged" ? "∞" : "0";
    const where = `median |δ${SUPERSCRIPT[breakdown.term]}| = ${value} at n = ${breakdown.width}`;
    reason = `${breakdown.kind} at t = ${breakdown.t} (${where})` +
      (outside.length > 0 ? `; before it ${describeCheck(outside[0])} outside ${band}${more(outside)}` : "");
  } else if (outside.length > 0) {
    verdict = "not Θ(1)";
    reason = `${outside.length} of ${checks.length} intervals lie outside ${band}, first ${describeCheck(outside[0])}`;
  } else if (undecided.length === 0) {
    verdict = "Θ(1)";
    const widest = Math.max(...checks.map((c) => Math.max(Math.abs(c.lower), Math.abs(c.upper))));
    reason = `all ${checks.length} intervals (t = ${rule.from}..${rule.through}) lie within ${band}: ` +
      `the farthest end is ${widest.toFixed(3)}`;
  } else {
    verdict = "inconclusive";
    reason = `${undecided.length} of ${checks.length} intervals reach beyond ${band} without lying outside it, ` +
      `first ${describeCheck(undecided[0])}`;
  }
  return { verdict: verdict, reason: reason, checks: checks, breakdown: breakdown, rule: { ...rule } };
}
