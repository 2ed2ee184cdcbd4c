// The γ-operator calculus of Theorem 2, done symbolically. γ[v] is the exponent with v = Θ(n^γ[v]);
// γ[uv] = γ[u] + γ[v] and γ[u + v] = max(γ[u], γ[v]) (no cancellation). Every quantity of the toy is then
// a maximum of affine functions of (γ_a, γ_b) = (γ[η_a], γ[η_b]) — a tropical polynomial — and an exactly
// zero quantity (b₀ = 0) is the empty maximum, −∞. The solver finds every (γ_a, γ_b) at which all δ terms
// are Θ(1), and says whether that point is unique.
import { DynamicsError, finiteNumber, oneOf, positiveInteger } from "./errors";
import { TOY_OPTIMIZERS, ToyOptimizer } from "./toy";

/** a·γ_a + b·γ_b + c. */
export interface AffineForm {
  a: number;
  b: number;
  c: number;
}

/** max over the forms; the empty list is −∞ (the quantity is exactly zero). */
export type Exponent = AffineForm[];

const constant = (c: number): Exponent => [{ a: 0, b: 0, c: c }];
const NEG_INF: Exponent = [];

/** γ[u + v]: the union, keeping per linear part only the largest constant (the others never attain the max). */
export function expMax(...terms: Exponent[]): Exponent {
  const best = new Map<string, AffineForm>();
  for (const form of terms.flat()) {
    const key = `${form.a},${form.b}`;
    const seen = best.get(key);
    if (!seen || form.c > seen.c) best.set(key, form);
  }
  return [...best.values()].sort((p, q) => q.a - p.a || q.b - p.b);
}

/** γ[uv]: every pairwise sum (a product with an exactly-zero factor is exactly zero). */
export function expProduct(...factors: Exponent[]): Exponent {
  return factors.reduce(
    (acc, f) => expMax(acc.flatMap((p) => f.map((q) => ({ a: p.a + q.a, b: p.b + q.b, c: p.c + q.c })))),
    constant(0),
  );
}

/** γ[sign(v)]: 0 unless v is exactly zero. */
function expSign(v: Exponent): Exponent {
  return v.length === 0 ? NEG_INF : constant(0);
}

/** The exponent's value at (γ_a, γ_b); −∞ for an exactly-zero quantity. */
export function evaluateExponent(e: Exponent, gammaA: number, gammaB: number): number {
  return e.reduce((m, f) => Math.max(m, f.a * gammaA + f.b * gammaB + f.c), -Infinity);
}

/** The quantities of one step, in an algebra E of exponents: symbolic (Exponent) or evaluated at a point (number). */
export interface GammaStep<E> {
  t: number;
  /** γ[U_{t−1}], the residual the step sees. */
  u: E;
  delta1: E;
  delta2: E;
  delta3: E;
  /** γ[b_t], γ[a_tᵀx] after the step. */
  b: E;
  ax: E;
}

export type ExponentStep = GammaStep<Exponent>;
/** The same exponents evaluated at one (γ_a, γ_b): numbers, −∞ for an exactly-zero quantity. */
export type ExponentValueStep = GammaStep<number>;

/** What the γ rules need of an exponent: the max-plus operations, the constants and the two rates. */
interface GammaAlgebra<E> {
  constant(c: number): E;
  /** An exactly-zero quantity (b₀): −∞. */
  zero: E;
  etaA: E;
  etaB: E;
  max(...terms: E[]): E;
  product(...factors: E[]): E;
  /** γ[sign(v)]: 0 unless v is exactly zero. */
  sign(v: E): E;
}

const SYMBOLIC: GammaAlgebra<Exponent> = {
  constant: constant, zero: NEG_INF, etaA: [{ a: 1, b: 0, c: 0 }], etaB: [{ a: 0, b: 1, c: 0 }],
  max: expMax, product: expProduct, sign: expSign,
};

/**
 * The max-plus algebra of numbers: evaluating a symbolic exponent at (γ_a, γ_b) commutes with max and +, so
 * these steps are exactly evaluateExponent of exponentSteps' — in O(T) instead of forms that grow ~8× a step.
 */
function numericAlgebra(gammaA: number, gammaB: number): GammaAlgebra<number> {
  return {
    constant: (c) => c, zero: -Infinity, etaA: gammaA, etaB: gammaB,
    max: (...terms) => Math.max(-Infinity, ...terms),
    product: (...factors) => factors.reduce((sum, v) => sum + v, 0),
    sign: (v) => (v === -Infinity ? -Infinity : 0),
  };
}

/**
 * The γ rules applied to the exact updates, in any algebra:
 * ‖x‖² = Θ(n), ‖x‖₁ = Θ(n), a₀ᵀx = Θ(1) (a₀ ~ N(0, I/n)), y = Θ(1), b₀ = 0.
 * gd: Δaᵀx = −η_a U b ‖x‖², Δb = −η_b U aᵀx. sign: Δaᵀx = −η_a sign(U b) ‖x‖₁, Δb = −η_b sign(U aᵀx).
 */
function gammaSteps<E>(alg: GammaAlgebra<E>, steps: number, optimizer: ToyOptimizer): GammaStep<E>[] {
  positiveInteger(steps, "steps");
  oneOf(optimizer, TOY_OPTIMIZERS, "optimizer");
  const { etaA, etaB } = alg;
  const n = alg.constant(1);
  let b = alg.zero;
  let ax = alg.constant(0);
  let f = alg.product(b, ax);
  const out: GammaStep<E>[] = [];
  for (let t = 1; t <= steps; t++) {
    const u = alg.max(f, alg.constant(0));
    const dax = optimizer === "gd" ? alg.product(etaA, u, b, n) : alg.product(etaA, alg.sign(alg.product(u, b)), n);
    const db = optimizer === "gd" ? alg.product(etaB, u, ax) : alg.product(etaB, alg.sign(alg.product(u, ax)));
    const step: GammaStep<E> = {
      t: t, u: u, delta1: alg.product(b, dax), delta2: alg.product(db, ax), delta3: alg.product(db, dax),
      b: alg.max(b, db), ax: alg.max(ax, dax),
    };
    f = alg.max(f, step.delta1, step.delta2, step.delta3);
    b = step.b;
    ax = step.ax;
    out.push(step);
  }
  return out;
}

/**
 * The exponents of every quantity of the toy for t = 1..steps, symbolically (tropical polynomials in γ_a, γ_b).
 * Their forms multiply about 8× a step (222 at t = 4, 16785 at t = 6): beyond t = 4 use exponentValues.
 */
export function exponentSteps(steps: number, optimizer: ToyOptimizer = "gd"): ExponentStep[] {
  return gammaSteps(SYMBOLIC, steps, optimizer);
}

/** The exponents of exponentSteps evaluated at (γ_a, γ_b), for any number of steps (exact, O(steps)). */
export function exponentValues(
  steps: number, optimizer: ToyOptimizer, gammaA: number, gammaB: number,
): ExponentValueStep[] {
  finiteNumber(gammaA, "gammaA");
  finiteNumber(gammaB, "gammaB");
  return gammaSteps(numericAlgebra(gammaA, gammaB), steps, optimizer);
}

export interface ZeroSet {
  /** The solutions that are isolated points or ends of solution segments. */
  points: { gammaA: number; gammaB: number }[];
  /** True when a segment, ray or line of solutions exists. */
  continuum: boolean;
  /** True when the solution set is exactly one point. */
  unique: boolean;
}

export interface EfficientSolution extends ZeroSet {
  /** The conditions solved symbolically: γ[δⁱ_t] = 0 for t = 2..symbolicThrough. */
  conditions: { t: number; i: 1 | 2 | 3; exponent: Exponent }[];
  /** The last t of `conditions`; the points were then checked at every t up to the steps asked for. */
  symbolicThrough: number;
}

const TOL = 1e-9;
/**
 * The steps solved symbolically: beyond t = 4 the symbolic solve's time and memory grow steeply (measured in
 * bench/README.md).
 */
export const SYMBOLIC_STEPS = 4;

/**
 * Solves γ[δⁱ_t] = 0 for i = 1, 2, 3 and t = 2..steps (t = 1 is excluded as in the theorem: b₀ = 0
 * makes δ¹₁ = δ³₁ = 0 whatever the rates). Exact for any number of steps: through t = SYMBOLIC_STEPS
 * symbolically; beyond, more conditions can only remove solutions, so each point solving the first ones is
 * kept when every later δ's exponent, evaluated there (exponentValues), is 0. A continuum of solutions at
 * t = SYMBOLIC_STEPS cannot be refined this way and is an error.
 */
export function solveEfficient(steps = 2, optimizer: ToyOptimizer = "gd"): EfficientSolution {
  if (!Number.isInteger(steps) || steps < 2) {
    throw new DynamicsError(
      `steps must be an integer ≥ 2 (t > 1 is the theorem's range), got ${JSON.stringify(steps)}`,
    );
  }
  const symbolic = Math.min(steps, SYMBOLIC_STEPS);
  const conditions = exponentSteps(symbolic, optimizer).slice(1).flatMap((s) =>
    ([1, 2, 3] as const).map((i) => ({ t: s.t, i: i, exponent: i === 1 ? s.delta1 : i === 2 ? s.delta2 : s.delta3 })));
  const zero = solveZeroExponents(conditions.map((c) => c.exponent));
  if (steps === symbolic) return { ...zero, conditions: conditions, symbolicThrough: symbolic };
  if (zero.continuum) {
    throw new DynamicsError(
      `the conditions through t = ${symbolic} have a continuum of solutions: more steps cannot refine it`,
    );
  }
  const points = zero.points.filter((p) => exponentValues(steps, optimizer, p.gammaA, p.gammaB).slice(1)
    .every((s) => [s.delta1, s.delta2, s.delta3].every((v) => Math.abs(v) <= TOL)));
  return {
    points: points, continuum: false, unique: points.length === 1, conditions: conditions, symbolicThrough: symbolic,
  };
}

/**
 * Every (γ_a, γ_b) at which all the exponents are 0. Each condition max_k F_k = 0 holds only on a line
 * F_k = 0, so the solution set lies on those lines: along each line every form is affine in the line's
 * parameter τ, so the conditions keep their truth value between the τ where some form vanishes. Testing
 * those τ and one point of every gap between them finds every isolated solution and detects any segment
 * or ray of solutions (then `unique` is false).
 */
export function solveZeroExponents(exponents: Exponent[]): ZeroSet {
  const holds = (ga: number, gb: number): boolean =>
    exponents.every((e) => Math.abs(evaluateExponent(e, ga, gb)) <= TOL);
  const forms = exponents.flat();
  const lines = expMax(forms).filter((f) => f.a !== 0 || f.b !== 0);
  const points: { gammaA: number; gammaB: number }[] = [];
  let segment = false;
  for (const line of lines) {
    // A point of the line and its direction: p(τ) = p0 + τ·d with line.a·p + line.b·q + line.c = 0.
    const norm = line.a * line.a + line.b * line.b;
    const p0 = [(-line.c * line.a) / norm, (-line.c * line.b) / norm];
    const d = [-line.b, line.a];
    const taus: number[] = [];
    for (const f of forms) {
      const slope = f.a * d[0] + f.b * d[1];
      if (Math.abs(slope) > TOL) taus.push(-(f.a * p0[0] + f.b * p0[1] + f.c) / slope);
    }
    // Several forms often vanish at the same point: merge breakpoints closer than the tolerance.
    taus.sort((x, y) => x - y);
    for (let k = taus.length - 1; k > 0; k--) if (taus[k] - taus[k - 1] <= 1e-7) taus.splice(k, 1);
    const at = (tau: number) => [p0[0] + tau * d[0], p0[1] + tau * d[1]];
    // Gaps between consecutive breakpoints, and the two rays beyond them (or the whole line if none).
    const gaps = taus.length === 0
      ? [0]
      : [taus[0] - 1, ...taus.slice(1).map((v, k) => (v + taus[k]) / 2), taus[taus.length - 1] + 1];
    for (const tau of gaps) {
      const [ga, gb] = at(tau);
      if (holds(ga, gb)) segment = true;
    }
    for (const tau of taus) {
      const [ga, gb] = at(tau);
      if (holds(ga, gb) && !points.some((p) => Math.abs(p.gammaA - ga) + Math.abs(p.gammaB - gb) <= 1e-7)) {
        points.push({ gammaA: clean(ga), gammaB: clean(gb) });
      }
    }
  }
  return { points: points, continuum: segment, unique: points.length === 1 && !segment };
}

/** Rounds away float noise from solving small integer systems (−0.9999999999 → −1, −0 → 0). */
function clean(v: number): number {
  const r = Math.round(v * 1e9) / 1e9;
  return r === 0 ? 0 : r;
}

/** LaTeX of an exponent in γ_a = γ[η_a], γ_b = γ[η_b]: "2\gamma_b + 1", "\max(0, \gamma_b)", "-\infty". */
export function exponentLatex(e: Exponent): string {
  if (e.length === 0) return "-\\infty";
  const terms = e.map(formLatex);
  return terms.length === 1 ? terms[0] : `\\max(${terms.join(", ")})`;
}

/** The same in plain text: "2γ_b + 1", "max(0, γ_b)", "−∞". */
export function exponentText(e: Exponent): string {
  if (e.length === 0) return "−∞";
  const terms = e.map((f) => formLatex(f).replace(/\\gamma_a/g, "γ_a").replace(/\\gamma_b/g, "γ_b"));
  return terms.length === 1 ? terms[0] : `max(${terms.join(", ")})`;
}

function formLatex(f: AffineForm): string {
  const parts: string[] = [];
  const term = (coef: number, sym: string) => {
    if (coef === 0) return;
    const mag = Math.abs(coef) === 1 ? sym : `${Math.abs(coef)}${sym}`;
    parts.push(parts.length === 0 ? (coef < 0 ? `-${mag}` : mag) : `${coef < 0 ? "-" : "+"} ${mag}`);
  };
  term(f.a, "\\gamma_a");
  term(f.b, "\\gamma_b");
  if (f.c !== 0 || parts.length === 0) {
    parts.push(parts.length === 0 ? String(f.c) : `${f.c < 0 ? "-" : "+"} ${Math.abs(f.c)}`);
  }
  return parts.join(" ");
}
