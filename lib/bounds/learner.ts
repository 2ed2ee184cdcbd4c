// An exactly computable learner on which the whole chain of Theorem 1 can be checked number by number:
//     gen ≤ sqrt(2R² I(W;S)/N) ≤ sqrt(2R² H(W)/N) ≤ sqrt(2R² q ln 2 / N) ≤ sqrt(2R² q / N)
//          (Xu-Raginsky)        (I ≤ H)              (H ≤ q bits; zhu form) (paper form)
// with P = 1 parameter (a threshold) stored in q bits.
//
// Setting: X ~ Uniform[0, 1), Y = 1{X ≥ θ*} (realizable; θ* a q-bit number k*/M, M = 2^q). Hypotheses are the
// M thresholds w_k = k/M, k = 0..M-1, h_k(x) = 1{x ≥ w_k}, under the 0-1 loss (values in [0, 1], hence
// 1/2-subGaussian by Hoeffding's lemma: R = 1/2). The true risk of h_k is |k - k*|/M.
//
// Why it is exact: with a = the grid cell of the largest negative example (-1 if none) and b = the cell of the
// smallest positive one (M if none), h_k is consistent with S iff a < k ≤ b, so the version space is
// {a+1, ..., min(b, M-1)}. Both learners below depend on S only through (a, b), whose joint law is a
// 2-D inclusion-exclusion of F(a, b) = P(all N samples avoid the cells between a and b) = ((a+1 + M-b)/M)^N.
// So I(W;S) = I(W;(a,b)) (W - (a,b) - S is a Markov chain and (a,b) is a function of S), and every quantity
// is a finite sum over (a, b): nothing is sampled.
//   "smallest": W = a+1, the smallest consistent threshold (deterministic ERM, so I(W;S) = H(W));
//   "uniform":  W uniform on the version space (the zero-temperature Gibbs posterior under a uniform prior),
//               so H(W|S) = E[ln |version space|] and I(W;S) = H(W) - H(W|S) < H(W).
// Both have empirical risk 0, so the expected generalization gap is E[L_μ(W)].
import { Big, big, BoundsError, math, positiveInteger } from "./math";
import { parameterBound, xuRaginsky } from "./theorem1";

export const THRESHOLD_RULES = ["smallest", "uniform"] as const;
export type ThresholdRule = (typeof THRESHOLD_RULES)[number];

/** Hoeffding: a loss with values in [0, 1] is 1/2-subGaussian. */
export const ZERO_ONE_SUBGAUSSIAN = 0.5;
/**
 * The sums are O(8^q) in 64-digit arithmetic: beyond q = 8 their time grows too steeply (measured in
 * bench/README.md).
 */
export const MAX_THRESHOLD_BITS = 8;

export interface ThresholdLearnerInput {
  /** q: bits of the threshold; M = 2^q hypotheses. */
  bits: number;
  /** θ*: the true threshold, a multiple of 1/2^q in [0, 1). */
  target: number;
  /** N: training-set size. */
  samples: number;
  rule: ThresholdRule;
}

export interface ThresholdLearnerResult {
  bits: number;
  target: number;
  samples: number;
  rule: ThresholdRule;
  /** P(W = k/M), k = 0..M-1. */
  distribution: number[];
  /** E[L_μ(W) - L_S(W)] = E[L_μ(W)] (the empirical risk is always 0). */
  gen: number;
  /** H(W), H(W|S), I(W;S) in nats. */
  entropy: number;
  conditionalEntropy: number;
  mutualInformation: number;
  /** The chain, smallest first; each is an upper bound on the previous. */
  chain: { gen: number; xuRaginsky: number; entropy: number; bitsZhu: number; bitsPaper: number };
  /** Every link gen ≤ sqrt(2R²I/N) ≤ sqrt(2R²H/N) ≤ sqrt(2R² q ln2/N) ≤ sqrt(2R² q/N) holds. */
  chainHolds: boolean;
}

function checkInput(input: ThresholdLearnerInput): { M: number; kStar: number } {
  const bits = positiveInteger(input.bits, "bits (q)");
  if (bits > MAX_THRESHOLD_BITS) throw new BoundsError(`bits (q) must be at most ${MAX_THRESHOLD_BITS}, got ${bits}`);
  positiveInteger(input.samples, "samples (N)");
  if (!(THRESHOLD_RULES as readonly unknown[]).includes(input.rule)) {
    throw new BoundsError(`rule must be one of ${THRESHOLD_RULES.join(", ")}, got ${JSON.stringify(input.rule)}`);
  }
  const M = 2 ** bits;
  const kStar = input.target * M;
  if (typeof input.target !== "number" || !(input.target >= 0 && input.target < 1) || !Number.isInteger(kStar)) {
    throw new BoundsError(
      `target (θ*) must be a multiple of 1/2^${bits} in [0, 1), got ${JSON.stringify(input.target)}`,
    );
  }
  return { M, kStar };
}

/** The exact law of W and the information quantities, for one N. */
export function thresholdLearner(input: ThresholdLearnerInput): ThresholdLearnerResult {
  const { M, kStar } = checkInput(input);
  const N = input.samples;
  // F depends on (a, b) only through s = (a+1) + (M-b), the number of cells the samples may fall in.
  const power = Array.from({ length: M + 1 }, (_, s) => (math.pow(big(s).div(M), big(N)) as Big));
  const F = (a: number, b: number): Big => (a < -1 || b > M ? big(0) : power[a + 1 + M - b]);

  // P(W = k) as sums of nonnegative terms (no running sums that cancel), so that probabilities far below
  // 10^-64 — the law of W once N ≫ 2^q — keep their digits.
  const distribution: Big[] = Array.from({ length: M }, () => big(0));
  let conditionalEntropy = big(0);
  for (let a = -1; a <= kStar - 1; a++) {
    for (let b = kStar; b <= M; b++) {
      const p = F(a, b).minus(F(a - 1, b)).minus(F(a, b + 1)).plus(F(a - 1, b + 1));
      // Each F carries 64 significant digits: a result at the level of their rounding is an exact 0 (N = 1).
      if (p.abs().lessThanOrEqualTo(F(a, b).times(big("1e-60")))) continue;
      const lo = a + 1;
      const hi = Math.min(b, M - 1);
      if (input.rule === "smallest") {
        distribution[lo] = distribution[lo].plus(p);
      } else {
        const size = hi - lo + 1;
        const share = p.div(size);
        for (let k = lo; k <= hi; k++) distribution[k] = distribution[k].plus(share);
        if (size > 1) conditionalEntropy = conditionalEntropy.plus(p.times(math.log(big(size)) as Big));
      }
    }
  }

  let entropy = big(0);
  let gen = big(0);
  distribution.forEach((p, k) => {
    if (p.isZero()) return;
    entropy = entropy.minus(p.times(math.log(p) as Big));
    gen = gen.plus(p.times(Math.abs(k - kStar)).div(M));
  });
  // H(W|S) ≤ H(W) exactly; the difference can round to -1e-60 where both are 0 to 64 digits.
  let information = entropy.minus(conditionalEntropy);
  if (information.isNegative()) {
    if (information.abs().greaterThan(big("1e-40"))) {
      throw new Error(`thresholdLearner: I(W;S) = ${information.toString()} < 0`);
    }
    information = big(0);
  }

  const R = ZERO_ONE_SUBGAUSSIAN;
  const chainBig = {
    gen,
    xuRaginsky: xuRaginsky(R, information, N),
    entropy: xuRaginsky(R, entropy, N),
    bitsZhu: parameterBound(1, input.bits, R, N, "zhu"),
    bitsPaper: parameterBound(1, input.bits, R, N, "paper"),
  };
  const links = [chainBig.gen, chainBig.xuRaginsky, chainBig.entropy, chainBig.bitsZhu, chainBig.bitsPaper];
  return {
    bits: input.bits, target: input.target, samples: N, rule: input.rule,
    distribution: distribution.map((p) => p.toNumber()),
    gen: gen.toNumber(),
    entropy: entropy.toNumber(),
    conditionalEntropy: conditionalEntropy.toNumber(),
    mutualInformation: information.toNumber(),
    chain: {
      gen: chainBig.gen.toNumber(), xuRaginsky: chainBig.xuRaginsky.toNumber(), entropy: chainBig.entropy.toNumber(),
      bitsZhu: chainBig.bitsZhu.toNumber(), bitsPaper: chainBig.bitsPaper.toNumber(),
    },
    chainHolds: links.every((v, i) => i === 0 || links[i - 1].lessThanOrEqualTo(v)),
  };
}
