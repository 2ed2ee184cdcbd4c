// The statistics the project's verdicts and gap analysis rest on: summaries over seeds, Student-t intervals,
// a least-squares line with the standard error of its slope, contrasts in a randomised block design (cells ×
// seeds, the seed pairing the arms), and Holm's step-down correction. Small samples (3 seeds, 5 training-set
// sizes) are the norm here, so intervals use the t distribution, never the normal approximation.

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); NaN for a single value. */
  sd: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error("summarize: no values");
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : NaN;
  return { n, mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: ~15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x); // reflection
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The regularized incomplete beta function I_x(a, b), by its continued fraction (modified Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a)
  // otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x)) / a;
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (const step of [0, 1]) {
      const num = step === 0
        ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))
        : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
      if (step === 1 && Math.abs(c * d - 1) < 1e-15) return front * f;
    }
  }
  return front * f;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

const quantiles = new Map<string, number>();

/** The p-quantile of Student's t (bisection on the CDF; p in (0, 1)); remembered, as verdicts ask for few (p, df). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`studentTQuantile: df must be > 0, got ${df}`);
  const key = `${p} ${df}`;
  let q = quantiles.get(key);
  if (q === undefined) {
    q = bisectQuantile(p, df);
    quantiles.set(key, q);
  }
  return q;
}

function bisectQuantile(p: number, df: number): number {
  let lo = -1e6;
  let hi = 1e6;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Two-sided confidence interval of a mean from a sample (t with n - 1 degrees of freedom); null for n < 2. */
export function meanInterval(values: readonly number[], confidence: number): [number, number] | null {
  const s = summarize(values);
  if (s.n < 2) return null;
  const half = studentTQuantile(1 - (1 - confidence) / 2, s.n - 1) * (s.sd / Math.sqrt(s.n));
  return [s.mean - half, s.mean + half];
}

export interface LineFit {
  slope: number;
  intercept: number;
  /** Standard error of the slope; NaN with 2 points (no residual degrees of freedom). */
  slopeSE: number;
  /** Two-sided interval of the slope (t with n - 2 degrees of freedom); null with 2 points. */
  slopeInterval: [number, number] | null;
  points: number;
}

/** Ordinary least squares y = intercept + slope·x. */
export function fitLine(x: readonly number[], y: readonly number[], confidence: number): LineFit {
  const n = x.length;
  if (n !== y.length) throw new Error(`fitLine: x has ${n} values but y has ${y.length}`);
  if (n < 2) throw new Error(`fitLine: a line needs at least 2 points, got ${n}`);
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  const sxx = x.reduce((s, v) => s + (v - mx) ** 2, 0);
  if (sxx === 0) throw new Error("fitLine: every x is the same; the slope is undefined");
  const slope = x.reduce((s, v, i) => s + (v - mx) * (y[i] - my), 0) / sxx;
  const intercept = my - slope * mx;
  if (n === 2) return { slope, intercept, slopeSE: NaN, slopeInterval: null, points: n };
  const rss = x.reduce((s, v, i) => s + (y[i] - intercept - slope * v) ** 2, 0);
  const slopeSE = Math.sqrt(rss / (n - 2) / sxx);
  const half = studentTQuantile(1 - (1 - confidence) / 2, n - 2) * slopeSE;
  return { slope, intercept, slopeSE, slopeInterval: [slope - half, slope + half], points: n };
}

/**
 * Scores of a randomised complete block design: `scores[c][s]` is cell c (an arm: a rate pair, a target subset,
 * a method) under seed s, every cell run with every seed. A seed is a block: it fixes the data order and the
 * initialisation shared by all arms, so arms are compared within a seed.
 */
export interface BlockDesign {
  cells: string[];
  seeds: number[];
  scores: number[][];
}

/**
 * The residual mean square of the additive model score = cell + seed + error, and its degrees of freedom
 * (C − 1)(S − 1): the variance of a within-seed difference, pooled over every cell of the design (so three
 * seeds still give a usable estimate when there are many cells). NaN with fewer than 2 cells or seeds.
 */
export function blockResidual(design: BlockDesign): { meanSquare: number; df: number } {
  const C = design.cells.length;
  const S = design.seeds.length;
  checkDesign(design);
  const df = (C - 1) * (S - 1);
  if (df < 1) return { meanSquare: NaN, df: 0 };
  const cellMean = design.scores.map((row) => row.reduce((a, b) => a + b, 0) / S);
  const seedMean = design.seeds.map((_, s) => design.scores.reduce((a, row) => a + row[s], 0) / C);
  const grand = cellMean.reduce((a, b) => a + b, 0) / C;
  let ss = 0;
  for (let c = 0; c < C; c++) {
    for (let s = 0; s < S; s++) ss += (design.scores[c][s] - cellMean[c] - seedMean[s] + grand) ** 2;
  }
  return { meanSquare: ss / df, df };
}

export interface ContrastEstimate {
  /** Σ w_c · mean_c. */
  effect: number;
  /** Standard error √(MS_residual · Σ w_c² / S). */
  se: number;
  df: number;
  /** Two-sided interval at the confidence asked for. */
  interval: [number, number];
  /** One-sided p-values of effect > shift and effect < shift (t with df degrees of freedom). */
  pAbove: number;
  pBelow: number;
}

/**
 * A linear contrast of cell means (weights by cell name; cells not named weigh 0), its t interval from the
 * pooled residual of `residualDesign` (the design itself unless a cell in it repeats others' runs), and
 * one-sided p-values against `shift` (0 for "beats", −margin for "matches").
 */
export function blockContrast(
  design: BlockDesign, weights: Record<string, number>, confidence: number, shift = 0, residualDesign = design,
): ContrastEstimate {
  checkDesign(design);
  for (const name of Object.keys(weights)) {
    if (!design.cells.includes(name)) throw new Error(`blockContrast: no cell ${JSON.stringify(name)} in the design`);
  }
  const S = design.seeds.length;
  if (residualDesign.seeds.length !== S) throw new Error("blockContrast: the residual design must have the same seeds");
  const { meanSquare, df } = blockResidual(residualDesign);
  let effect = 0;
  let sumSquares = 0;
  design.cells.forEach((name, c) => {
    const w = weights[name] ?? 0;
    effect += (w * design.scores[c].reduce((a, b) => a + b, 0)) / S;
    sumSquares += w * w;
  });
  const se = Math.sqrt((meanSquare * sumSquares) / S);
  if (!(df >= 1) || !Number.isFinite(se)) {
    return { effect, se: NaN, df, interval: [NaN, NaN], pAbove: NaN, pBelow: NaN };
  }
  const half = studentTQuantile(1 - (1 - confidence) / 2, df) * se;
  // A design without noise (every within-seed difference identical) has se 0: the sign is then certain.
  const t = se > 0 ? (effect - shift) / se : effect > shift ? Infinity : effect < shift ? -Infinity : 0;
  return {
    effect, se, df, interval: [effect - half, effect + half], pAbove: 1 - studentTCdf(t, df),
    pBelow: studentTCdf(t, df),
  };
}

function checkDesign(design: BlockDesign): void {
  if (design.scores.length !== design.cells.length) {
    throw new Error(`block design: ${design.scores.length} score rows for ${design.cells.length} cells`);
  }
  for (const [c, row] of design.scores.entries()) {
    if (row.length !== design.seeds.length) {
      throw new Error(
        `block design: cell ${design.cells[c]} has ${row.length} scores for ${design.seeds.length} seeds`,
      );
    }
    if (row.some((v) => !Number.isFinite(v))) {
      throw new Error(`block design: cell ${design.cells[c]} has a non-finite score`);
    }
  }
}

/**
 * Holm's step-down procedure: which of the p-values are rejected at family-wise error rate α (the smallest
 * against α/m, the next against α/(m − 1), …, stopping at the first that is not).
 */
export function holm(pValues: readonly number[], alpha: number): boolean[] {
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const rejected = pValues.map(() => false);
  for (let k = 0; k < order.length; k++) {
    if (!(order[k].p <= alpha / (order.length - k))) break;
    rejected[order[k].i] = true;
  }
  return rejected;
}
