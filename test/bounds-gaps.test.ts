// The measured-gap analysis (lib/bounds/gaps.ts, stats.ts) and its figure (lib/plot/gaps.ts) on synthetic runs whose answer is known by
// construction, its statistics against published values (Student-t tables, Anscombe's quartet), and its verdict
// rules on simulated gaps with no effect, a reversed one and the paper's.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  analyzeGaps, BoundsError, fitLine, GapRun, incompleteBeta, judgeGaps, lnGamma, meanInterval, studentTQuantile,
} from "../lib/bounds/index";
import { Rng } from "../lib/random/index";
import { gapFigure } from "../lib/plot/index";

const close = (actual: number, expected: number, tol: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tolerance ${tol})`);

describe("statistics", () => {
  test("Student-t quantiles match the printed tables", () => {
    const table: [number, number, number][] = [
      [0.975, 1, 12.7062], [0.975, 2, 4.3027], [0.975, 3, 3.1824], [0.975, 10, 2.2281], [0.975, 30, 2.0423], [0.95, 5, 2.0150], [0.995, 4, 4.6041],
    ];
    for (const [p, df, t] of table) close(studentTQuantile(p, df), t, 1e-4, `t(${p}, ${df})`);
    close(studentTQuantile(0.025, 3), -3.1824, 1e-4, "lower tail");
  });

  test("incomplete beta and log-gamma in closed form", () => {
    for (const x of [0.1, 0.5, 0.9]) {
      close(incompleteBeta(x, 1, 1), x, 1e-14, "I_x(1,1)");
      close(incompleteBeta(x, 3, 1), x ** 3, 1e-14, "I_x(3,1)");
      close(incompleteBeta(x, 2, 2), 3 * x ** 2 - 2 * x ** 3, 1e-14, "I_x(2,2)");
    }
    close(incompleteBeta(0.5, 7.5, 7.5), 0.5, 1e-14, "symmetry");
    close(lnGamma(5), Math.log(24), 1e-13, "Γ(5)");
    close(lnGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13, "Γ(1/2)");
  });

  test("least squares on Anscombe's first data set: slope 0.5001, intercept 3.0001, SE(slope) 0.1179", () => {
    const x = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
    const y = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];
    const fit = fitLine(x, y, 0.95);
    close(fit.slope, 0.5001, 1e-4, "slope");
    close(fit.intercept, 3.0001, 1e-4, "intercept");
    close(fit.slopeSE, 0.1179, 1e-4, "SE");
    close(fit.slopeInterval![1] - fit.slope, 2.2622 * 0.1179, 1e-3, "95% half-width, t(0.975, 9) = 2.2622");
  });

  test("mean interval by hand", () => {
    // mean 2, sd 1, n = 3: 2 ± 4.3027 / sqrt(3).
    const [lo, hi] = meanInterval([1, 2, 3], 0.95)!;
    close(lo, 2 - 4.302653 / Math.sqrt(3), 1e-5);
    close(hi, 2 + 4.302653 / Math.sqrt(3), 1e-5);
    assert.equal(meanInterval([1], 0.95), null);
  });
});

// Synthetic runs. Sizes N = 100·2^k (k = 0..4): ln N is evenly spaced, and the wiggle e = ε·(1, -1, 0, -1, 1) is
// orthogonal to both 1 and k, so least squares recovers the slope exactly and its residuals are e.
const SIZES = [100, 200, 400, 800, 1600];
const EPS = 0.05;
const WIGGLE = [1, -1, 0, -1, 1].map((s) => s * EPS);
const SEED_FACTOR = [1, 1.1, 0.9]; // mean 1
const QV_SHRINK = [0.2, 0.21, 0.19]; // gap(QV) = gap(QKV)·(1 - c_seed)
const P = { QV: 294_912, QKV: 442_368, Q: 147_456 };

function run(targets: string, N: number, seed: number, gap: number, params: number): GapRun {
  return { targets, rank: 8, N, seed, trainLoss: 0.3, testLoss: 0.3 + gap, trainAcc: 0.9, testAcc: 0.9 - gap / 2, trainableParams: params };
}

function syntheticRuns(): GapRun[] {
  const runs: GapRun[] = [];
  SIZES.forEach((N, k) => {
    const g = 0.5 * N ** -0.5 * Math.exp(WIGGLE[k]);
    SEED_FACTOR.forEach((f, seed) => {
      runs.push(run("q,k,v", N, seed, g * f, P.QKV));
      runs.push(run("q,v", N, seed, g * f * (1 - QV_SHRINK[seed]), P.QV));
      // A second setting whose gap falls like 1/N, with a seed-independent value (no spread).
      runs.push(run("q", N, seed, 2 / N, P.Q));
    });
  });
  return runs;
}

describe("analyzeGaps on synthetic runs with a known answer", () => {
  const analysis = analyzeGaps(syntheticRuns());

  test("one cell per subset and N with the mean and spread over seeds", () => {
    assert.equal(analysis.cells.length, 15);
    const cell = analysis.cells.find((c) => c.subset === "QKV" && c.N === 400)!;
    const g = 0.5 / 20; // e = 0 at N = 400
    assert.deepEqual(cell.seeds, [0, 1, 2]);
    close(cell.loss.mean, g, 1e-15, "mean");
    close(cell.loss.sd, 0.1 * g, 1e-15, "sd");
    close(cell.loss.min, 0.9 * g, 1e-15, "min");
    close(cell.acc.mean, g / 2, 1e-15, "acc gap");
    assert.equal(cell.trainableParams, P.QKV);
  });

  test("slopes: -1/2 for QV and QKV with the interval of the residuals, -1 for Q", () => {
    // rss = 4ε², Σ(ln N - mean)² = 10 (ln 2)², 3 degrees of freedom.
    const se = Math.sqrt((4 * EPS ** 2) / 3 / (10 * Math.LN2 ** 2));
    for (const subset of ["QV", "QKV"]) {
      for (const metric of ["loss", "acc"] as const) {
        const fit = analysis.slopes.find((s) => s.subset === subset && s.metric === metric)!;
        close(fit.slope, -0.5, 1e-12, `${subset} ${metric} slope`);
        close(fit.slopeSE, se, 1e-12, "SE");
        close(fit.slopeInterval![1] + 0.5, 3.182446 * se, 1e-5, "half-width");
        assert.equal(fit.includesMinusHalf, true);
        assert.deepEqual(fit.sizes, SIZES);
      }
    }
    const q = analysis.slopes.find((s) => s.subset === "Q" && s.metric === "loss")!;
    close(q.slope, -1, 1e-12, "Q slope");
    assert.equal(q.includesMinusHalf, false);
  });

  test("QV vs QKV: paired by seed, QV's gap smaller at every N", () => {
    const loss = analysis.comparisons.filter((c) => c.metric === "loss");
    assert.deepEqual(loss.map((c) => c.N), SIZES);
    SIZES.forEach((N, k) => {
      const c = loss[k];
      const g = 0.5 * N ** -0.5 * Math.exp(WIGGLE[k]);
      const diffs = SEED_FACTOR.map((f, s) => -g * f * QV_SHRINK[s]);
      const mean = diffs.reduce((a, b) => a + b) / 3;
      const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / 2);
      close(c.difference, mean, 1e-15, "difference");
      close(c.interval![1], mean + 4.302653 * sd / Math.sqrt(3), 1e-8, "upper end");
      assert.equal(c.qvNotWorse, 3);
      assert.deepEqual(c.seeds, [0, 1, 2]);
      assert.equal(c.verdict, "QV smaller gap");
    });
  });

  test("a difference within the seed noise is reported as no significant difference", () => {
    const runs = [0, 1, 2].flatMap((seed) => [
      run("q,v", 500, seed, [0.10, 0.14, 0.12][seed], P.QV),
      run("q,k,v", 500, seed, [0.12, 0.11, 0.13][seed], P.QKV),
    ]);
    const [c] = analyzeGaps(runs).comparisons;
    close(c.difference, 0, 1e-15);
    assert.equal(c.verdict, "no significant difference");
    assert.equal(c.qvNotWorse, 2);
  });

  test("input checks name the run and the field", () => {
    const good = syntheticRuns().slice(0, 3);
    const bad = (change: Partial<GapRun>, message: RegExp) =>
      assert.throws(() => analyzeGaps([...good, { ...good[0], seed: 99, ...change }]), (e: Error) => /runs\[3\]|runs\[0\]/.test(e.message) && message.test(e.message));
    bad({ testLoss: NaN }, /runs\[3\]\.testLoss must be a finite number, got null/);
    bad({ N: 0 }, /runs\[3\]\.N must be a positive integer, got 0/);
    bad({ seed: 1.5 }, /runs\[3\]\.seed must be an integer, got 1.5/);
    bad({ targets: "q,x" }, /runs\[3\]\.targets: unknown target "x"/);
    bad({ trainableParams: 1 }, /runs\[3\]\.trainableParams = 1 but other QKV r=8 runs have 442368/);
    bad({ seed: 0 }, /seed 0 of QKV r=8 N=100 appears twice/);
    assert.throws(() => analyzeGaps([]), BoundsError);
    assert.throws(() => analyzeGaps(good, { confidence: 95 }), /confidence must be in \(0, 1\), got 95/);
  });
});

describe("gapFigure", () => {
  test("gaps against sqrt(P/N), and the bound as the line sqrt(2R²q)·sqrt(P/N)", () => {
    const runs = [...syntheticRuns(), run("k", 100, 0, -0.01, P.Q)];
    const fig = gapFigure(analyzeGaps(runs), { metric: "loss", subgaussian: 0.5, bits: 32, form: "paper" });
    const curves = fig.data.filter((t) => t.showlegend !== false);
    assert.deepEqual(curves.map((t) => t.name), ["K r=8", "Q r=8", "QKV r=8", "QV r=8", "Theorem 1 (paper form, R = 0.5, q = 32)"]);
    const qv = curves[3];
    assert.deepEqual(qv.x, [...SIZES].reverse().map((N) => Math.sqrt(P.QV / N)));
    const bound = curves[4];
    (bound.x as number[]).forEach((x, i) => close((bound.y as number[])[i], Math.sqrt(2 * 0.25 * 32) * x, 1e-12, "bound"));
    assert.deepEqual(curves[0].y, [null], "a negative mean gap leaves a hole on the log axis");
    assert.equal((fig.layout.xaxis as { type: string }).type, "log");
    const zhu = gapFigure(analyzeGaps(runs), { metric: "acc", subgaussian: 0.5, bits: 32, form: "zhu" });
    const zhuBound = zhu.data[zhu.data.length - 1];
    close((zhuBound.y as number[])[0], Math.sqrt(2 * 0.25 * 32 * Math.LN2) * (zhuBound.x as number[])[0], 1e-12, "zhu bound");
    assert.throws(() => gapFigure(analyzeGaps(runs), { metric: "f1" as never, subgaussian: 0.5, bits: 32, form: "paper" }), /metric must be one of loss, acc, got "f1"/);
  });
});

// The judges (judgeGaps, GAP_RULES) on runs drawn from a stated model: they must say yes to a real effect, no to a
// reversed one, and neither to none. Model of one run's accuracy gap (subset a, size N, seed s):
//   gap = g0 · (N / 32)^slope · exp(seedShift_s + noise · z) · (QV ? exp(effect) : 1)
// with seedShift_s ~ N(0, 0.1²) shared by the seed's arms (the pairing) and noise 0.15; five sizes, five seeds.
const JUDGE_SIZES = [32, 64, 128, 256, 512];
function simulatedRuns(rng: Rng, opts: { slope: number; effect: number; seeds?: number }): GapRun[] {
  const runs: GapRun[] = [];
  for (let seed = 0; seed < (opts.seeds ?? 5); seed++) {
    const shift = 0.1 * rng.normal();
    for (const N of JUDGE_SIZES) {
      for (const [targets, params, effect] of [["q,v", P.QV, opts.effect], ["q,k,v", P.QKV, 0]] as const) {
        const gap = 0.2 * (N / 32) ** opts.slope * Math.exp(shift + 0.15 * rng.normal() + effect);
        runs.push({ ...run(targets, N, seed, 0, params), trainAcc: 1, testAcc: 1 - gap, head: "frozen" });
      }
    }
  }
  return runs;
}

function verdictRates(opts: { slope: number; effect: number }, trials = 300) {
  const rng = new Rng(20261204, Math.round(1000 * (opts.slope + 3 * opts.effect)));
  const qv: Record<string, number> = {};
  const slope: Record<string, number> = {};
  for (let t = 0; t < trials; t++) {
    const judged = judgeGaps(simulatedRuns(rng, opts));
    assert.equal(judged.qvVsQkv.length, 1);
    qv[judged.qvVsQkv[0].verdict] = (qv[judged.qvVsQkv[0].verdict] ?? 0) + 1 / trials;
    const qkvSlope = judged.fallsWithN.find((j) => j.subset === "QKV")!;
    slope[qkvSlope.verdict] = (slope[qkvSlope.verdict] ?? 0) + 1 / trials;
  }
  return { qv, slope };
}

describe("the verdict rules of the measured gaps can say no", () => {
  test("the synthetic runs above: QV's smaller gap and falling gaps are reproduced, by the stated statistics", () => {
    const judged = judgeGaps(syntheticRuns());
    assert.deepEqual(judged.rules, { confidence: 0.95, metric: "acc", minSeeds: 3, minSizes: 3 });
    const [qv] = judged.qvVsQkv;
    assert.deepEqual([qv.seeds, qv.sizes], [[0, 1, 2], SIZES]);
    // Per seed: the mean over N of −gap·f_s·c_s / 2 (the accuracy gap is half the loss gap in run()).
    const meanG = SIZES.reduce((s, N, k) => s + 0.5 * N ** -0.5 * Math.exp(WIGGLE[k]), 0) / SIZES.length;
    qv.perSeed.forEach((d, s) => close(d, (-meanG * SEED_FACTOR[s] * QV_SHRINK[s]) / 2, 1e-15, `seed ${s}`));
    assert.deepEqual(qv.interval, meanInterval(qv.perSeed, 0.95));
    assert.equal(qv.verdict, "reproduced");
    for (const j of judged.fallsWithN) assert.equal(j.verdict, "reproduced", j.setting);
    close(judged.fallsWithN.find((j) => j.subset === "QKV")!.slope, -0.5, 1e-12);
  });

  test("no effect: QV against QKV is mostly no significant difference (reproduced ≤ 6 % of 300 grids)", () => {
    const { qv } = verdictRates({ slope: -0.3, effect: 0 });
    assert.ok((qv["reproduced"] ?? 0) <= 0.06, JSON.stringify(qv));
    assert.ok((qv["contradicted"] ?? 0) <= 0.06, JSON.stringify(qv));
    assert.ok((qv["no significant difference"] ?? 0) >= 0.88, JSON.stringify(qv));
  });

  test("a reversed effect (QV's gap 35 % larger) is contradicted, never reproduced; the paper's is reproduced", () => {
    const reversed = verdictRates({ slope: -0.3, effect: 0.3 }).qv;
    assert.equal(reversed["reproduced"] ?? 0, 0, JSON.stringify(reversed));
    assert.ok((reversed["contradicted"] ?? 0) >= 0.8, JSON.stringify(reversed));
    const paper = verdictRates({ slope: -0.3, effect: -0.3 }).qv;
    assert.ok((paper["reproduced"] ?? 0) >= 0.8, JSON.stringify(paper));
  });

  test("gaps flat in N are not 'falling' (≤ 6 %), rising gaps are contradicted, falling ones reproduced", () => {
    const flat = verdictRates({ slope: 0, effect: 0 }).slope;
    assert.ok((flat["reproduced"] ?? 0) <= 0.06, JSON.stringify(flat));
    assert.ok((flat["contradicted"] ?? 0) <= 0.06, JSON.stringify(flat));
    const rising = verdictRates({ slope: 0.3, effect: 0 }).slope;
    assert.equal(rising["reproduced"] ?? 0, 0, JSON.stringify(rising));
    assert.ok((rising["contradicted"] ?? 0) >= 0.8, JSON.stringify(rising));
    const falling = verdictRates({ slope: -0.3, effect: 0 }).slope;
    assert.ok((falling["reproduced"] ?? 0) >= 0.8, JSON.stringify(falling));
  });

  test("too few seeds or sizes: not testable; head variants are judged apart", () => {
    const rng = new Rng(7);
    const two = judgeGaps(simulatedRuns(rng, { slope: -0.5, effect: -1, seeds: 2 }));
    assert.equal(two.qvVsQkv[0].verdict, "not testable");
    assert.equal(two.qvVsQkv[0].interval, null);
    const fewSizes = simulatedRuns(rng, { slope: -0.5, effect: 0 }).filter((r) => r.N <= 64);
    assert.ok(judgeGaps(fewSizes).fallsWithN.every((j) => j.verdict === "not testable"));
    const trained = simulatedRuns(rng, { slope: -0.5, effect: 0 })
      .map((r) => ({ ...r, head: "trained" as const, trainableParams: r.trainableParams + 1122 }));
    const both = [...simulatedRuns(rng, { slope: -0.5, effect: 0 }), ...trained];
    const judged = judgeGaps(both);
    assert.deepEqual(judged.qvVsQkv.map((j) => j.head), ["frozen", "trained"]);
    assert.deepEqual(judged.fallsWithN.map((j) => j.setting),
      ["QKV r=8, head frozen", "QKV r=8, head trained", "QV r=8, head frozen", "QV r=8, head trained"]);
  });
});
