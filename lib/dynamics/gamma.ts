// The γ-operator calculus of Theorem 2, done symbolically. γ[v] is the exponent with v = Θ(n^γ[v]);
// γ[uv] = γ[u] + γ[v] and γ[u + v] = max(γ[u], γ[v]) (no cancellation). Every quantity of the toy is then
// a maximum of affine functions of (γ_a, γ_b) = (γ[η_a], γ[η_b]) — a tropical polynomial — and an exactly
// zero quantity (b₀ = 0) is the empty maximum, −∞. The solver finds every (γ_a, γ_b) at which all δ terms
// are Θ(1), and says whether that point is unique.
import { DynamicsError, oneOf, positiveInteger } from "./errors";
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

export interface ExponentStep {
  t: number;
  /** γ[U_{t−1}], the residual the step sees. */
  u: Exponent;
  delta1: Exponent;
  delta2: Exponent;
  delta3: Exponent;
  /** γ[b_t], γ[a_tᵀx] after the step. */
  b: Exponent;
  ax: Exponent;
}

/**
 * The exponents of every quantity of the toy for t = 1..steps, by the γ rules applied to the exact updates:
 * ‖x‖² = Θ(n), ‖x‖₁ = Θ(n), a₀ᵀx = Θ(1) (a₀ ~ N(0, I/n)), y = Θ(1), b₀ = 0.
 * gd: Δaᵀx = −η_a U b ‖x‖², Δb = −η_b U aᵀx. sign: Δaᵀx = −η_a sign(U b) ‖x‖₁, Δb = −η_b sign(U aᵀx).
 */
export function exponentSteps(steps: number, optimizer: ToyOptimizer = "gd"): ExponentStep[] {
  positiveInteger(steps, "steps");
  oneOf(optimizer, TOY_OPTIMIZERS, "optimizer");
  const etaA: Exponent = [{ a: 1, b: 0, c: 0 }];
  const etaB: Exponent = [{ a: 0, b: 1, c: 0 }];
  const n = constant(1);
  let b = NEG_INF;
  let ax = constant(0);
  let f = expProduct(b, ax);
  const out: ExponentStep[] = [];
  for (let t = 1; t <= steps; t++) {
    const u = expMax(f, constant(0));
    const dax = optimizer === "gd" ? expProduct(etaA, u, b, n) : expProduct(etaA, expSign(expProduct(u, b)), n);
    const db = optimizer === "gd" ? expProduct(etaB, u, ax) : expProduct(etaB, expSign(expProduct(u, ax)));
    const step: ExponentStep = {
      t: t, u: u, delta1: expProduct(b, dax), delta2: expProduct(db, ax), delta3: expProduct(db, dax),
      b: expMax(b, db), ax: expMax(ax, dax),
    };
    f = expMax(f, step.delta1, step.delta2, step.delta3);
    b = step.b;
    ax = step.ax;
    out.push(step);
  }
  return out;
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
  /** The conditions solved: γ[δⁱ_t] = 0. */
  conditions: { t: number; i: 1 | 2 | 3; exponent: Exponent }[];
}

const TOL = 1e-9;

/**
 * Solves γ[δⁱ_t] = 0 for i = 1, 2, 3 and t = 2..steps (t = 1 is excluded as in the theorem: b₀ = 0
 * makes δ¹₁ = δ³₁ = 0 whatever the rates).
 */
export function solveEfficient(steps = 2, optimizer: ToyOptimizer = "gd"): EfficientSolution {
  if (!Number.isInteger(steps) || steps < 2) throw new DynamicsError(`steps must be an integer ≥ 2 (t > 1 is the theorem's range), got ${JSON.stringify(steps)}`);
  const conditions = exponentSteps(steps, optimizer).slice(1).flatMap((s) =>
    ([1, 2, 3] as const).map((i) => ({ t: s.t, i: i, exponent: i === 1 ? s.delta1 : i === 2 ? s.delta2 : s.delta3 })));
  return { ...solveZeroExponents(conditions.map((c) => c.exponent)), conditions: conditions };
}

/**
 * Every (γ_a, γ_b) at which all the exponents are 0. Each condition max_k F_k = 0 holds only on a line
 * F_k = 0, so the solution set lies on those lines: along each line every form is affine in the line's
 * parameter τ, so the conditions keep their truth value between the τ where some form vanishes. Testing
 * those τ and one point of every gap between them finds every isolated solution and detects any segment
 * or ray of solutions (then `unique` is false).
 */
export function solveZeroExponents(exponents: Exponent[]): ZeroSet {
  const holds = (ga: number, gb: number): boolean => exponents.every((e) => Math.abs(evaluateExponent(e, ga, gb)) <= TOL);
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
    const gaps = taus.length === 0 ? [0] : [taus[0] - 1, ...taus.slice(1).map((v, k) => (v + taus[k]) / 2), taus[taus.length - 1] + 1];
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
