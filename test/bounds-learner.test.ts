// The exactly computable threshold learner (lib/bounds/learner.ts) against a case worked by hand, the closed
// form of the smallest-consistent rule, and a Monte Carlo simulation of the learner itself.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BoundsError, thresholdLearner, ThresholdRule } from "../lib/bounds/index";

const close = (actual: number, expected: number, tol: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tolerance ${tol})`);

/** mulberry32: a small seeded generator, independent of the code under test. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the learner on simulated samples: draws x, labels them by θ*, and picks a consistent threshold. */
function simulate(bits: number, target: number, N: number, rule: ThresholdRule, trials: number, seed: number) {
  const M = 2 ** bits;
  const random = rng(seed);
  const counts = new Array(M).fill(0);
  let risk = 0;
  let logSize = 0;
  for (let t = 0; t < trials; t++) {
    let maxNeg = -Infinity;
    let minPos = Infinity;
    for (let i = 0; i < N; i++) {
      const x = random();
      if (x < target) maxNeg = Math.max(maxNeg, x);
      else minPos = Math.min(minPos, x);
    }
    // Consistent thresholds k/M: above every negative, at or below every positive.
    const consistent: number[] = [];
    for (let k = 0; k < M; k++) if (k / M > maxNeg && k / M <= minPos) consistent.push(k);
    const k = rule === "smallest" ? consistent[0] : consistent[Math.floor(random() * consistent.length)];
    counts[k]++;
    risk += Math.abs(k / M - target);
    logSize += rule === "uniform" ? Math.log(consistent.length) : 0;
  }
  return { distribution: counts.map((c) => c / trials), gen: risk / trials, conditionalEntropy: logSize / trials };
}

describe("exact threshold learner", () => {
  test("q = 1, θ* = 1/2, N = 1, worked by hand", () => {
    // One sample: negative (p = 1/2) leaves only k = 1 consistent; positive (p = 1/2) leaves k ∈ {0, 1}.
    const smallest = thresholdLearner({ bits: 1, target: 0.5, samples: 1, rule: "smallest" });
    assert.deepEqual(smallest.distribution.map((p) => +p.toFixed(15)), [0.5, 0.5]);
    close(smallest.gen, 0.25, 1e-15, "gen");
    close(smallest.entropy, Math.LN2, 1e-15, "H");
    close(smallest.mutualInformation, Math.LN2, 1e-15, "I");
    const uniform = thresholdLearner({ bits: 1, target: 0.5, samples: 1, rule: "uniform" });
    assert.deepEqual(uniform.distribution.map((p) => +p.toFixed(15)), [0.25, 0.75]);
    close(uniform.gen, 0.125, 1e-15, "gen");
    const H = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));
    close(uniform.entropy, H, 1e-15, "H");
    close(uniform.conditionalEntropy, 0.5 * Math.LN2, 1e-15, "H(W|S)");
    close(uniform.mutualInformation, H - 0.5 * Math.LN2, 1e-15, "I");
    close(uniform.chain.xuRaginsky, Math.sqrt(2 * 0.25 * (H - 0.5 * Math.LN2)), 1e-15, "Xu-Raginsky");
    close(uniform.chain.bitsZhu, Math.sqrt(2 * 0.25 * Math.LN2), 1e-15, "q ln 2");
    close(uniform.chain.bitsPaper, Math.sqrt(0.5), 1e-15, "q");
  });

  test("smallest consistent threshold: gen = (1/M) Σ_{j=1}^{k*} (1 - j/M)^N and P(W = 0) = (1 - θ*)^N", () => {
    for (const [bits, target] of [[3, 0.375], [5, 0.5], [6, 0.875]]) {
      const M = 2 ** bits;
      const kStar = target * M;
      for (const N of [1, 3, 17, 100, 1000]) {
        const r = thresholdLearner({ bits, target, samples: N, rule: "smallest" });
        let expected = 0;
        for (let j = 1; j <= kStar; j++) expected += (1 - j / M) ** N;
        close(r.gen, expected / M, 1e-15 * Math.max(1, expected), `q=${bits} N=${N} gen`);
        close(r.distribution[0], (1 - target) ** N, 1e-15, `q=${bits} N=${N} P(W=0)`);
        // Deterministic learner: I(W;S) = H(W).
        assert.equal(r.conditionalEntropy, 0);
        assert.equal(r.mutualInformation, r.entropy);
        close(r.distribution.reduce((s, p) => s + p, 0), 1, 1e-14, "total probability");
      }
    }
  });

  test("matches a Monte Carlo simulation of the learner (within 5 standard errors)", () => {
    const trials = 40_000;
    for (const rule of ["smallest", "uniform"] as const) {
      for (const [bits, target, N] of [[3, 0.375, 4], [4, 0.25, 12]]) {
        const exact = thresholdLearner({ bits, target, samples: N, rule });
        const sim = simulate(bits, target, N, rule, trials, 1234 + N);
        exact.distribution.forEach((p, k) => {
          close(sim.distribution[k], p, 5 * Math.sqrt((p * (1 - p)) / trials) + 1e-12, `${rule} q=${bits} N=${N} P(W=${k})`);
        });
        // The risk |k/M - θ*| ≤ 1, so its standard deviation is at most 1/2.
        close(sim.gen, exact.gen, 5 * 0.5 / Math.sqrt(trials), `${rule} gen`);
        close(sim.conditionalEntropy, exact.conditionalEntropy, 5 * Math.log(2 ** bits) / 2 / Math.sqrt(trials), `${rule} H(W|S)`);
      }
    }
  });

  test("the chain holds at every N, and each link is a real inequality", () => {
    for (const rule of ["smallest", "uniform"] as const) {
      for (const bits of [1, 2, 4, 6]) {
        for (const N of [1, 2, 5, 10, 30, 100, 300, 1000, 10_000]) {
          const r = thresholdLearner({ bits, target: 0.5, samples: N, rule });
          assert.ok(r.chainHolds, `${rule} q=${bits} N=${N}: ${JSON.stringify(r.chain)}`);
          const c = r.chain;
          assert.ok(c.gen <= c.xuRaginsky && c.xuRaginsky <= c.entropy && c.entropy <= c.bitsZhu && c.bitsZhu < c.bitsPaper);
          assert.ok(r.entropy <= bits * Math.LN2 + 1e-12, "H(W) ≤ q bits");
        }
      }
    }
    // The randomized learner keeps part of its entropy private: I(W;S) < H(W).
    const u = thresholdLearner({ bits: 4, target: 0.5, samples: 10, rule: "uniform" });
    assert.ok(u.mutualInformation < u.entropy - 0.1);
  });

  test("bad input names the field and the value", () => {
    const ok = { bits: 3, target: 0.5, samples: 10, rule: "smallest" as const };
    assert.throws(() => thresholdLearner({ ...ok, target: 0.3 }), (e: Error) => e instanceof BoundsError && /target \(θ\*\) must be a multiple of 1\/2\^3 in \[0, 1\), got 0.3/.test(e.message));
    assert.throws(() => thresholdLearner({ ...ok, target: 1 }), /got 1$/);
    assert.throws(() => thresholdLearner({ ...ok, bits: 0 }), /bits \(q\) must be a positive integer, got 0/);
    assert.throws(() => thresholdLearner({ ...ok, bits: 9 }), /bits \(q\) must be at most 8, got 9/);
    assert.throws(() => thresholdLearner({ ...ok, samples: 1.5 }), /samples \(N\) must be a positive integer, got 1.5/);
    assert.throws(() => thresholdLearner({ ...ok, rule: "largest" as never }), /rule must be one of smallest, uniform, got "largest"/);
  });
});
