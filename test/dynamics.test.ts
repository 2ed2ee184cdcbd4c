// lib/dynamics, Theorem 2: the toy's exact updates against the paper's closed forms, its medians against
// large-width limits computed by quadrature, the measured slopes against the theorem, the γ solver, the
// learning-rate expressions, and the `qkv toy` command.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import {
  bootstrapSlope, DynamicsError, evaluateExponent, exponentLatex, exponentSteps, exponentValues, judgeTheta1,
  logLogSlope, median, parseRate, Rng, simulateToy, simulateToyLimit, solveEfficient, solveZeroExponents, summarizeToy,
  summarizeToySteps, SYMBOLIC_STEPS, THETA1_RULE, toyLimitMedians, toyResultFromJson, toyResultToJson,
} from "../lib/dynamics/index";
import type { ToyOptimizer, ToyResultJson, ToyStepSummaries, ToySummary } from "../lib/dynamics/index";
import { readCached, writeCached } from "../lib/experiments/cache";
import { REPO_ROOT } from "../lib/paths";

const WIDTHS = [64, 256, 1024, 4096, 16384];

/** The median of g(Z), Z ~ N(0, 1), by bisection on P(g(Z) ≤ m) computed with the midpoint rule (no sampling). */
function normalMedian(g: (z: number) => number): number {
  const steps = 200000;
  const h = 16 / steps;
  const cdf = (m: number) => {
    let p = 0;
    for (let k = 0; k < steps; k++) {
      const z = -8 + (k + 0.5) * h;
      if (g(z) <= m) p += (Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI)) * h;
    }
    return p;
  };
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < 0.5) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe("Rng", () => {
  test("the same seed gives the same numbers; streams and seeds differ", () => {
    const a = new Rng(7, 3).normals(5);
    assert.deepEqual(new Rng(7, 3).normals(5), a);
    assert.notDeepEqual(new Rng(7, 4).normals(5), a);
    assert.notDeepEqual(new Rng(8, 3).normals(5), a);
  });
  test("normals have mean 0, variance 1, and the normal quartile; uniforms lie in [0, 1)", () => {
    const x = new Rng(1).normals(200000);
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.015, `variance ${variance}`);
    // P(|Z| ≤ 0.6745) = 1/2.
    assert.ok(Math.abs(median(x.map(Math.abs)) - 0.6745) < 0.01);
    const rng = new Rng(2);
    for (let i = 0; i < 10000; i++) {
      const u = rng.uniform();
      assert.ok(u >= 0 && u < 1);
    }
  });
});

describe("parseRate", () => {
  test("evaluates expressions of n", () => {
    assert.equal(parseRate("0.5/n").at(64), 0.5 / 64);
    assert.equal(parseRate("0.5").at(1024), 0.5);
    assert.ok(rel(parseRate("0.5*n^-0.5").at(16), 0.125) < 1e-15);
    assert.ok(rel(parseRate("2/sqrt(n)").at(64), 0.25) < 1e-15);
  });
  test("rejects other symbols, syntax errors, and values that are not finite and positive at a width", () => {
    assert.throws(() => parseRate("0.5/m", "--eta-a"), (e: Error) => e instanceof DynamicsError && /--eta-a="0.5\/m" uses "m"/.test(e.message));
    assert.throws(() => parseRate("0.5*", "--eta-b"), /--eta-b="0.5\*" is not a valid expression/);
    assert.throws(() => parseRate("", "--eta-a"), /--eta-a must be an expression of the width n/);
    assert.throws(() => parseRate("1 - n/100", "etaA").at(128), /etaA="1 - n\/100" must be finite and positive at every width, but is -0.28 at n = 128/);
    assert.throws(() => parseRate("1/(n-64)").at(64), /is Infinity at n = 64/);
  });
});

describe("simulateToy", () => {
  test("gradient descent: every δ equals the paper's closed form and the three add up to f_t − f_{t−1}", () => {
    const r = simulateToy({ widths: [50], etaA: "0.7/n", etaB: "0.3", steps: 4, seeds: 6, seed: 11 });
    const run = r.runs[0];
    for (let k = 0; k < r.seeds; k++) {
      const xx = run.xNormSq[k];
      let b = 0;
      let ax = run.ax0[k];
      for (let t = 1; t <= 4; t++) {
        const at = (t - 1) * r.seeds + k;
        const u = b * ax - 1;
        const d1 = -run.etaA * b * b * u * xx;
        const d2 = -run.etaB * ax * ax * u;
        const d3 = run.etaA * run.etaB * u * u * b * ax * xx;
        for (const [got, want] of [[run.delta1[at], d1], [run.delta2[at], d2], [run.delta3[at], d3]]) {
          assert.ok(Math.abs(got - want) <= 1e-9 * (1 + Math.abs(want)), `t=${t} seed ${k}: ${got} vs ${want}`);
        }
        const step = run.b[at] * run.ax[at] - b * ax;
        assert.ok(Math.abs(step - (d1 + d2 + d3)) <= 1e-9 * (1 + Math.abs(step)));
        b = run.b[at];
        ax = run.ax[at];
      }
    }
  });

  test("gradient descent, Theorem 2 schedule: medians at t = 2 match the n → ∞ limits and the paper's 0.035, 0.14, 0.02", () => {
    // With b₁ = η_b s, a₁ᵀx = s (s ~ N(0, 1)), U₁ = η_b s² − 1 and η_a‖x‖² → 0.5:
    // |δ²₂| = ½s²|U₁|, |δ¹₂| = |δ²₂|/4, |δ³₂| = ⅛s²U₁².
    const limits = [
      normalMedian((z) => (0.125 * z * z * Math.abs(0.5 * z * z - 1))),
      normalMedian((z) => 0.5 * z * z * Math.abs(0.5 * z * z - 1)),
      normalMedian((z) => 0.125 * z * z * (0.5 * z * z - 1) ** 2),
    ];
    [0.035, 0.14, 0.02].forEach((paper, i) => assert.ok(rel(limits[i], paper) < 0.08, `limit ${limits[i]} vs paper ${paper}`));
    const r = simulateToy({ widths: [4096], etaA: "0.5/n", etaB: "0.5", steps: 2, seeds: 3000 });
    const s = summarizeToy(r, 2, { resamples: 10 });
    s.median[0].forEach((m, i) => assert.ok(rel(m, limits[i]) < 0.08, `δ${i + 1}: ${m} vs ${limits[i]}`));
  });

  test("sign descent, Theorem 2 schedule: |δ¹₂| = |δ³₂| = η_a η_b ‖x‖₁ and |δ²₂| = η_b |a₀ᵀx|", () => {
    // b₁ = η_b sign(s), a unchanged at t = 1, then Δa₂ᵀx = ±η_a‖x‖₁ and Δb₂ = ±η_b: medians
    // ¼·E|x_i| = ¼·sqrt(2/π) and ½·0.6745 (the median of |N(0, 1)|) at large n.
    const r = simulateToy({ widths: [16384], etaA: "0.5/n", etaB: "0.5", steps: 2, seeds: 2000, optimizer: "sign" });
    const s = summarizeToy(r, 2, { resamples: 10 });
    assert.ok(rel(s.median[0][0], 0.25 * Math.sqrt(2 / Math.PI)) < 0.01);
    assert.ok(rel(s.median[0][2], 0.25 * Math.sqrt(2 / Math.PI)) < 0.01);
    assert.ok(rel(s.median[0][1], 0.5 * 0.6745) < 0.06);
  });

  test("acceptance: the slopes of Theorem 2's schedule and of equal small and equal large rates (t = 2, 400 seeds)", () => {
    const slopes = (etaA: string, etaB: string, optimizer: "gd" | "sign" = "gd") =>
      summarizeToy(simulateToy({ widths: WIDTHS, etaA: etaA, etaB: etaB, steps: 2, seeds: 400, optimizer: optimizer }), 2, { resamples: 200 }).slope;
    for (const optimizer of ["gd", "sign"] as const) {
      slopes("0.5/n", "0.5", optimizer).forEach((s, i) => assert.ok(Math.abs(s) <= 0.1, `${optimizer} δ${i + 1} slope ${s}`));
    }
    const small = slopes("0.5/n", "0.5/n");
    assert.ok(Math.abs(small[1] + 1) < 0.1, `δ² ${small[1]}`);
    assert.ok(Math.abs(small[0] + 2) < 0.1 && Math.abs(small[2] + 2) < 0.1, `δ¹ ${small[0]}, δ³ ${small[2]}`);
    const large = slopes("0.5", "0.5");
    assert.ok(Math.abs(large[0] - 1) < 0.1, `δ¹ ${large[0]}`);
  });

  test("the γ calculus predicts the measured slopes of three schedules", () => {
    const steps = exponentSteps(2);
    for (const [etaA, etaB, ga, gb] of [["0.5/n", "0.5", -1, 0], ["0.5/n", "0.5/n", -1, -1], ["0.5", "0.5", 0, 0], ["0.5*n^-0.5", "0.5", -0.5, 0]] as const) {
      const measured = summarizeToy(simulateToy({ widths: WIDTHS, etaA: etaA, etaB: etaB, steps: 2, seeds: 300 }), 2, { resamples: 10 }).slope;
      const predicted = [steps[1].delta1, steps[1].delta2, steps[1].delta3].map((e) => evaluateExponent(e, ga, gb));
      measured.forEach((m, i) => assert.ok(Math.abs(m - predicted[i]) < 0.1, `${etaA}, ${etaB}: δ${i + 1} measured ${m}, predicted ${predicted[i]}`));
    }
  });

  test("invalid inputs name the field and the value", () => {
    const ok = { widths: [64], etaA: "0.5/n", etaB: "0.5", steps: 2, seeds: 4 };
    assert.throws(() => simulateToy({ ...ok, widths: [64, 0] }), /widths\[1\] must be a positive integer, got 0/);
    assert.throws(() => simulateToy({ ...ok, widths: [-64] }), /widths\[0\] must be a positive integer, got -64/);
    assert.throws(() => simulateToy({ ...ok, seeds: 0 }), /seeds must be a positive integer, got 0/);
    assert.throws(() => simulateToy({ ...ok, etaA: "0.5/k" }), /etaA="0.5\/k" uses "k"/);
    assert.throws(() => simulateToy({ ...ok, optimizer: "adam" as "gd" }), /optimizer must be one of gd, sign, got "adam"/);
    const r = simulateToy(ok);
    assert.throws(() => summarizeToy(r, 3), /t must be an integer in 1..2/);
  });
  test("a result survives the results cache exactly through toyResultToJson / toyResultFromJson (its -0s included)", () => {
    const r = simulateToy({ widths: [8, 32], etaA: "0.5/n", etaB: "0.5", steps: 3, seeds: 5, optimizer: "sign" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qkv-toy-"));
    writeCached(dir, { toy: 1 }, toyResultToJson(r));
    const back = toyResultFromJson(readCached<unknown, ToyResultJson>(dir, { toy: 1 })!.result);
    assert.deepEqual(back, r);
    assert.ok(back.runs[1].delta1 instanceof Float64Array);
  });
});

// The notebook's three schedules (§1 of 02_theorem2_lr_dynamics.ipynb) with their (γ[η_a], γ[η_b]).
const SCHEDULES = [
  { name: "theorem", etaA: "0.5/n", etaB: "0.5", gammaA: -1, gammaB: 0 },
  { name: "equal small", etaA: "0.5/n", etaB: "0.5/n", gammaA: -1, gammaB: -1 },
  { name: "equal large", etaA: "0.5", etaB: "0.5", gammaA: 0, gammaB: 0 },
] as const;

describe("the toy at every step t = 2..10", () => {
  test("every δ_t equals the closed forms at t = 1..10, for both optimizers and the three schedules", () => {
    // Sign descent: Δaᵀx = −η_a sign(U b) ‖x‖₁ and Δb = −η_b sign(U aᵀx), so δ¹ = b Δaᵀx, δ² = Δb aᵀx, δ³ = Δb Δaᵀx.
    // ‖x‖₁ is not stored: x is drawn again from the simulation's stream (seed + k, n).
    const l1 = (seed: number, n: number) => {
      const rng = new Rng(seed, n);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        sum += Math.abs(rng.normal());
        rng.normal();
      }
      return sum;
    };
    for (const optimizer of ["gd", "sign"] as const) {
      for (const sc of SCHEDULES) {
        const r = simulateToy({
          widths: [50, 300], etaA: sc.etaA, etaB: sc.etaB, steps: 10, seeds: 5, seed: 3, optimizer: optimizer,
        });
        let compared = 0;
        for (const run of r.runs) {
          for (let k = 0; k < r.seeds; k++) {
            const xx = run.xNormSq[k];
            const x1 = l1(3 + k, run.width);
            let b = 0;
            let ax = run.ax0[k];
            for (let t = 1; t <= 10; t++) {
              const at = (t - 1) * r.seeds + k;
              const u = b * ax - 1;
              let want: number[];
              if (optimizer === "gd") {
                want = [-run.etaA * b * b * u * xx, -run.etaB * ax * ax * u, run.etaA * run.etaB * u * u * b * ax * xx];
              } else {
                const dax = -run.etaA * Math.sign(u * b) * x1;
                const db = -run.etaB * Math.sign(u * ax);
                want = [b * dax, db * ax, db * dax];
              }
              const got = [run.delta1[at], run.delta2[at], run.delta3[at]];
              // Past overflow (equal large rates, gradient descent) there is nothing to compare.
              if (![...want, ...got, b, ax].every(Number.isFinite)) break;
              want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 1e-9 * (1 + Math.abs(w)),
                `${optimizer} ${sc.name} n=${run.width} t=${t} seed ${k} δ${i + 1}: ${got[i]} vs ${w}`));
              compared++;
              b = run.b[at];
              ax = run.ax[at];
            }
          }
        }
        // Every schedule but equal large under gradient descent stays finite for all 10 steps.
        const all = r.runs.length * r.seeds * 10;
        if (!(optimizer === "gd" && sc.name === "equal large")) assert.equal(compared, all, `${optimizer} ${sc.name}`);
        else assert.ok(compared >= r.runs.length * r.seeds * 2, `${optimizer} ${sc.name}: ${compared} compared`);
      }
    }
  });

  test("a longer run repeats the shorter one's steps, and summarizeToySteps at t is summarizeToy at t exactly", () => {
    for (const optimizer of ["gd", "sign"] as const) {
      const config = { widths: [64, 256, 1024], etaA: "0.5/n", etaB: "0.5", seeds: 60, optimizer: optimizer };
      const short = simulateToy({ ...config, steps: 2 });
      const long = simulateToy({ ...config, steps: 10 });
      long.runs.forEach((run, j) => {
        for (const key of ["delta1", "delta2", "delta3", "b", "ax"] as const) {
          assert.deepEqual(run[key].subarray(0, 2 * long.seeds), short.runs[j][key], `${optimizer} ${key}`);
        }
      });
      const steps = summarizeToySteps(long, { resamples: 50 });
      assert.deepEqual(steps.ts, [2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.equal(steps.breakdown, null);
      assert.deepEqual([steps.through, steps.level, steps.resamples], [10, 0.95, 50]);
      // t = 2 is the number §1 of the notebook prints from a 2-step run.
      assert.deepEqual(steps.steps[0], summarizeToy(short, 2, { resamples: 50 }));
      steps.ts.forEach((t, k) => assert.deepEqual(steps.steps[k], summarizeToy(long, t, { resamples: 50 })));
    }
  });

  test("a run that diverges stops at the step where a median |δ| is ∞, rather than giving NaN slopes", () => {
    const r = simulateToy({ widths: [64, 256, 1024], etaA: "0.5", etaB: "0.5", steps: 10, seeds: 40 });
    const steps = summarizeToySteps(r, { resamples: 20 });
    const b = steps.breakdown!;
    assert.ok(b !== null && b.kind === "diverged" && b.median === Infinity, JSON.stringify(b));
    assert.deepEqual(steps.ts, Array.from({ length: b.t - 2 }, (_, k) => k + 2));
    steps.steps.forEach((s) => s.slope.forEach((v) => assert.ok(Number.isFinite(v))));
    assert.throws(() => summarizeToySteps(r, { from: 11 }), /from must be an integer in 1..10/);
  });

  test("the n = ∞ limit: t = 2 medians by quadrature (gd) and in closed form (sign); wide toys approach it", () => {
    const gd = simulateToyLimit({ kappa: 0.5, etaB: 0.5, steps: 4, seeds: 40000 });
    const limits = [
      normalMedian((z) => (0.125 * z * z * Math.abs(0.5 * z * z - 1))),
      normalMedian((z) => 0.5 * z * z * Math.abs(0.5 * z * z - 1)),
      normalMedian((z) => 0.125 * z * z * (0.5 * z * z - 1) ** 2),
    ];
    toyLimitMedians(gd, 2).forEach((m, i) => assert.ok(rel(m, limits[i]) < 0.03, `δ${i + 1}: ${m} vs ${limits[i]}`));
    const signRun = simulateToyLimit({ kappa: 0.5, etaB: 0.5, steps: 2, seeds: 40000, optimizer: "sign" });
    const sign = toyLimitMedians(signRun, 2);
    const l1 = 0.25 * Math.sqrt(2 / Math.PI);
    assert.ok(rel(sign[0], l1) < 1e-12 && rel(sign[2], l1) < 1e-12);
    assert.ok(rel(sign[1], 0.5 * 0.6745) < 0.02, `δ² ${sign[1]}`);
    // At n = 16384 the finite toy's medians at t ≤ 4 are the limit's within the seeds' noise.
    const wide = simulateToy({ widths: [16384], etaA: "0.5/n", etaB: "0.5", steps: 4, seeds: 2000 });
    for (const t of [2, 3, 4]) {
      const finite = summarizeToy(wide, t, { resamples: 1 }).median[0];
      for (const [i, m] of toyLimitMedians(gd, t).entries()) assert.ok(rel(finite[i], m) < 0.1, `t=${t} δ${i + 1}: ${m}`);
    }
    assert.throws(() => toyLimitMedians(gd, 5), /t must be an integer in 1..4/);
    assert.throws(() => simulateToyLimit({ kappa: NaN, etaB: 0.5, steps: 2, seeds: 2 }), /kappa must be a finite/);
  });

  test("γ: numeric exponents are the symbolic ones evaluated; the efficient pair stays unique to t = 10", () => {
    for (const optimizer of ["gd", "sign"] as const) {
      const symbolic = exponentSteps(SYMBOLIC_STEPS, optimizer);
      for (const [ga, gb] of [[-1, 0], [-1, -1], [0, 0], [-0.5, 0], [0.5, -2], [-2, 1]]) {
        const numeric = exponentValues(SYMBOLIC_STEPS, optimizer, ga, gb);
        symbolic.forEach((s, k) => {
          for (const key of ["u", "delta1", "delta2", "delta3", "b", "ax"] as const) {
            const at = `${optimizer} (${ga}, ${gb}) t=${s.t} ${key}`;
            assert.equal(numeric[k][key], evaluateExponent(s[key], ga, gb), at);
          }
        });
      }
      // The theorem's pair keeps every δ at exponent 0 through t = 10.
      for (const s of exponentValues(10, optimizer, -1, 0).slice(1)) {
        assert.deepEqual([s.delta1, s.delta2, s.delta3], [0, 0, 0]);
      }
      const start = performance.now();
      const solved = solveEfficient(10, optimizer);
      assert.ok(performance.now() - start < 2000, "solveEfficient(10) is cheap");
      assert.deepEqual(solved.points, [{ gammaA: -1, gammaB: 0 }]);
      assert.equal(solved.unique, true);
      assert.equal(solved.symbolicThrough, SYMBOLIC_STEPS);
      assert.equal(solved.conditions.length, 3 * (SYMBOLIC_STEPS - 1));
    }
    // Equal large rates under gradient descent: the exponents grow with t (the run explodes).
    const large = exponentValues(4, "gd", 0, 0).map((s) => s.delta1);
    assert.deepEqual(large.slice(1), [1, 2, 9]);
    assert.throws(() => exponentValues(3, "gd", NaN, 0), /gammaA must be a finite number/);
  });
});

describe("the Θ(1) judge (judgeTheta1)", () => {
  /** Summaries at t = 2..10 whose every slope interval is [lo, hi] (one term may be set apart). */
  type Override = { t: number; term: number; lo: number; hi: number };
  const fake = (lo: number, hi: number, at?: Override, level = 0.95): ToyStepSummaries => {
    const ts = [2, 3, 4, 5, 6, 7, 8, 9, 10];
    const step = (t: number): ToySummary => {
      const chosen = (term: number) => at?.t === t && at.term === term;
      const ci = [1, 2, 3].map((term): [number, number] => (chosen(term) ? [at!.lo, at!.hi] : [lo, hi]));
      const median = [[1, 1, 1], [1, 1, 1]];
      return { widths: [64, 256], t: t, median: median, slope: ci.map(([l, h]) => (l + h) / 2), ci: ci };
    };
    return {
      widths: [64, 256], ts: ts, steps: ts.map(step), breakdown: null, through: 10, level: level, resamples: 100,
    };
  };

  test("the rule is the pre-stated one: intervals within ±0.1 at 95 %, t = 2..10", () => {
    assert.deepEqual({ ...THETA1_RULE }, { tolerance: 0.1, level: 0.95, from: 2, through: 10 });
  });

  test("Θ(1) when every interval lies within the band; not Θ(1) when one lies outside; inconclusive between", () => {
    assert.equal(judgeTheta1(fake(-0.05, 0.08)).verdict, "Θ(1)");
    assert.equal(judgeTheta1(fake(-0.1, 0.1)).verdict, "Θ(1)");
    assert.equal(judgeTheta1(fake(-0.05, 0.08)).checks.length, 27);
    const out = judgeTheta1(fake(-0.05, 0.05, { t: 7, term: 3, lo: -1.1, hi: -0.9 }));
    assert.equal(out.verdict, "not Θ(1)");
    assert.match(out.reason, /1 of 27 intervals lie outside ±0.1, first δ³ at t = 7: −1.000 \[−1.100, −0.900\]/u);
    const wide = judgeTheta1(fake(-0.05, 0.05, { t: 9, term: 1, lo: -0.3, hi: 0.2 }));
    assert.equal(wide.verdict, "inconclusive");
    assert.match(wide.reason, /δ¹ at t = 9/);
    // Off zero, but too close to it to be called a power law: still not "not Θ(1)".
    assert.equal(judgeTheta1(fake(0.05, 0.15)).verdict, "inconclusive");
    // An interval with a NaN end (resamples whose median diverged) is never within the band.
    assert.equal(judgeTheta1(fake(-0.05, 0.05, { t: 4, term: 2, lo: -0.02, hi: NaN })).verdict, "inconclusive");
    assert.equal(judgeTheta1(fake(-0.05, 0.05, { t: 4, term: 2, lo: 0.9, hi: NaN })).verdict, "not Θ(1)");
  });

  test("a breakdown is reported as 'diverged at t = k'; missing steps and another level are refused", () => {
    const s = fake(-0.05, 0.05);
    const broken: ToyStepSummaries = {
      ...s, ts: [2, 3], steps: s.steps.slice(0, 2),
      breakdown: { t: 4, term: 1, width: 256, median: Infinity, kind: "diverged" },
    };
    const j = judgeTheta1(broken);
    assert.equal(j.verdict, "not Θ(1)");
    assert.match(j.reason, /^diverged at t = 4 \(median \|δ¹\| = ∞ at n = 256\)/);
    assert.equal(j.checks.length, 6);
    const short = { ...s, ts: s.ts.slice(0, 5), steps: s.steps.slice(0, 5) };
    assert.throws(() => judgeTheta1(short), /lack t = 7, 8, 9, 10/);
    assert.throws(() => judgeTheta1(fake(-0.05, 0.05, undefined, 0.9)), /level 0.9/);
  });

  test("with the real simulation at small sizes it says no under equal small and equal large rates", () => {
    const judge = (etaA: string, etaB: string, optimizer: ToyOptimizer) => judgeTheta1(summarizeToySteps(
      simulateToy({ widths: [64, 256, 1024], etaA: etaA, etaB: etaB, steps: 10, seeds: 100, optimizer: optimizer }),
      { resamples: 100 }));
    for (const optimizer of ["gd", "sign"] as const) {
      for (const sc of SCHEDULES.slice(1)) {
        const j = judge(sc.etaA, sc.etaB, optimizer);
        assert.equal(j.verdict, "not Θ(1)", `${optimizer} ${sc.name}: ${j.reason}`);
        for (const c of j.checks) assert.ok(Number.isFinite(c.slope), `${optimizer} ${sc.name}: NaN at t = ${c.t}`);
      }
      const theorem = judge(SCHEDULES[0].etaA, SCHEDULES[0].etaB, optimizer);
      assert.notEqual(theorem.verdict, "not Θ(1)", `${optimizer} theorem: ${theorem.reason}`);
    }
    // Gradient descent at equal large rates blows up within the ten steps: the judge names the step.
    assert.match(judge("0.5", "0.5", "gd").reason, /^diverged at t = \d+/);
  });
});

describe("slopes", () => {
  test("logLogSlope recovers an exact power law; non-positive values give NaN", () => {
    assert.ok(Math.abs(logLogSlope([2, 8, 32], [3 * 2 ** 1.5, 3 * 8 ** 1.5, 3 * 32 ** 1.5]) - 1.5) < 1e-12);
    assert.ok(Number.isNaN(logLogSlope([1, 2], [1, 0])));
    assert.ok(Number.isNaN(logLogSlope([1, 2], [1, Infinity])));
  });
  test("median treats NaN as +∞ (a diverged run is an exploding one)", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([NaN, NaN, 1]), Infinity);
  });
  test("median (by selection) is the middle of the sorted sample, ties, ∞ and NaN included", () => {
    const rng = new Rng(9);
    for (let m = 1; m <= 60; m++) {
      for (let rep = 0; rep < 20; rep++) {
        const v = Array.from({ length: m }, () => {
          const u = rng.uniform();
          return u < 0.05 ? NaN : u < 0.1 ? Infinity : u < 0.3 ? 1 : Math.abs(rng.normal());
        });
        const sorted = v.map((x) => (Number.isNaN(x) ? Infinity : x)).sort((p, q) => p - q);
        const want = m % 2 === 1 ? sorted[m >> 1] : (sorted[(m >> 1) - 1] + sorted[m >> 1]) / 2;
        assert.equal(median(v), want, JSON.stringify(v));
        assert.equal(median(Float64Array.from(v)), want);
      }
    }
  });
  test("the bootstrap interval collapses on noiseless data and covers the slope of noisy data", () => {
    const exact = bootstrapSlope([10, 100, 1000], [[1, 1, 1], [0.1, 0.1, 0.1], [0.01, 0.01, 0.01]], { resamples: 50 });
    assert.ok(Math.abs(exact.slope + 1) < 1e-12 && Math.abs(exact.lower + 1) < 1e-12 && Math.abs(exact.upper + 1) < 1e-12);
    const rng = new Rng(3);
    const widths = [10, 100, 1000, 10000];
    const samples = widths.map((n) => Array.from({ length: 200 }, () => n ** 0.5 * Math.exp(0.3 * rng.normal())));
    const noisy = bootstrapSlope(widths, samples, { resamples: 400 });
    assert.ok(noisy.lower < noisy.slope && noisy.slope < noisy.upper);
    assert.ok(noisy.lower < 0.5 && 0.5 < noisy.upper, `[${noisy.lower}, ${noisy.upper}]`);
    assert.throws(() => bootstrapSlope(widths, samples, { level: 1 }), /level must lie strictly between 0 and 1/);
  });
});

describe("γ solver", () => {
  test("returns the unique efficient pair γ[η_a] = −1, γ[η_b] = 0, for gradient and sign descent and t up to 4", () => {
    for (const optimizer of ["gd", "sign"] as const) {
      for (const steps of [2, 3, 4]) {
        const s = solveEfficient(steps, optimizer);
        assert.deepEqual(s.points, [{ gammaA: -1, gammaB: 0 }], `${optimizer}, T = ${steps}`);
        assert.equal(s.unique, true);
      }
    }
  });
  test("the exponents at t = 2 are the hand derivation: δ¹ = γ_a + 2γ_b + 1 (+ γ[U₁]), δ² = γ_b + γ[U₁], γ[U₁] = max(0, γ_b)", () => {
    const t2 = exponentSteps(2)[1];
    assert.equal(exponentLatex(t2.u), "\\max(\\gamma_b, 0)");
    assert.equal(exponentLatex(t2.delta2), "\\max(2\\gamma_b, \\gamma_b)");
    for (const [ga, gb] of [[-1, 0], [-0.3, -0.7], [0.5, 0.2], [-2, 1]]) {
      const u = Math.max(0, gb);
      assert.equal(evaluateExponent(t2.delta1, ga, gb), ga + 2 * gb + u + 1);
      assert.equal(evaluateExponent(t2.delta2, ga, gb), gb + u);
      assert.equal(evaluateExponent(t2.delta3, ga, gb), ga + 2 * gb + 2 * u + 1);
    }
    // t = 1: b₀ = 0 makes δ¹₁ and δ³₁ exactly zero.
    assert.equal(exponentLatex(exponentSteps(1)[0].delta1), "-\\infty");
  });
  test("solveZeroExponents tells a point from a line, a pair of rays and no solution", () => {
    const F = (a: number, b: number, c: number) => ({ a: a, b: b, c: c });
    assert.deepEqual(solveZeroExponents([[F(1, 0, 1)], [F(0, 1, 0)]]), { points: [{ gammaA: -1, gammaB: 0 }], continuum: false, unique: true });
    assert.equal(solveZeroExponents([[F(0, 1, 0)]]).continuum, true);
    const rays = solveZeroExponents([[F(1, 0, 0), F(0, 1, 0)]]);
    assert.equal(rays.unique, false);
    assert.equal(rays.continuum, true);
    assert.deepEqual(solveZeroExponents([[F(1, 0, 1)], [F(1, 0, 0)]]).points, []);
    assert.throws(() => solveEfficient(1), /steps must be an integer ≥ 2/);
  });
});

describe("qkv toy", () => {
  const qkv = path.join(REPO_ROOT, "bin", "qkv");
  const toy = (...args: string[]) => spawnSync(qkv, ["toy", ...args], { encoding: "utf8" });

  test("--json prints widths, median per width and slopes", () => {
    const r = toy("--widths", "64,256,1024", "--eta-a", "0.5/n", "--eta-b", "0.5", "--t", "2", "--seeds", "200", "--bootstrap", "20", "--json");
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.widths, [64, 256, 1024]);
    assert.equal(out.median.length, 3);
    out.median.forEach((m: number[]) => assert.equal(m.length, 3));
    assert.equal(out.slope.length, 3);
    out.slope.forEach((s: number) => assert.ok(Math.abs(s) < 0.15, `slope ${s}`));
  });

  test("invalid inputs exit 2 with a message naming the option and the value", () => {
    for (const [args, message] of [
      [["--widths", "64,-8"], /each of --widths must be a positive integer, got "-8"/],
      [["--eta-a", "0.5/x"], /--eta-a="0.5\/x" uses "x"/],
      [["--eta-b", "0.5/("], /--eta-b="0.5\/\(" is not a valid expression/],
      [["--eta-b", "n-100", "--widths", "64"], /--eta-b="n-100" must be finite and positive at every width, but is -36 at n = 64/],
      [["--seeds", "0"], /--seeds must be a positive integer, got "0"/],
      [["--optimizer", "adam"], /--optimizer must be one of gd, sign/],
    ] as const) {
      const r = toy(...args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
