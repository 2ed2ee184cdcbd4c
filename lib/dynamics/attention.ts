// A real single softmax attention head with LoRA on W_q, W_k, W_v, for λ = η_V/η_QK sweeps across widths:
//   Q = X(W_q + A_q B_q), K = X(W_k + A_k B_k), V = X(W_v + A_v B_v),
//   P = softmax(c·QKᵀ) row-wise, y = P V w_o  (one output per token),
// X ∈ R^{T×d} with N(0, 1) entries, frozen base weights ~ N(0, 1/d), frozen read-out w_o ~ N(0, 1/d),
// adapters A ~ N(0, 1/d) (d × r) and B = 0 (r × d) as in peft, and logit scale c = 1/sqrt(d) (standard) or
// 1/d (μP-style). The target is the same head with rank-r* changes of all three base matrices.
// Forward and backward are written out over Float64Arrays (checked against finite differences in tests).
import { oneOf } from "./errors";
import { Rng } from "../random/index";
import { checkSweepConfig, SweepModelConfig, Trainable, TrainCurve, trainSweepModel } from "./train";

export const LOGIT_SCALES = ["1/sqrt(d)", "1/d"] as const;
export type LogitScale = (typeof LOGIT_SCALES)[number];

/** width is the model width d; the teacher moves X·W_q, X·W_k, X·W_v. */
export interface AttentionConfig extends SweepModelConfig {
  tokens: number;
  logitScale: LogitScale;
}

export const ATTENTION_DEFAULTS: Omit<AttentionConfig, "width"> = {
  tokens: 8, rank: 4, teacherRank: 4, teacherStrength: 1, logitScale: "1/sqrt(d)", trainSize: 256, evalSize: 128,
  batch: 16, steps: 300, evalEvery: 10, optimizer: "adam", seed: 0,
};

export function attentionConfig(fields: Partial<AttentionConfig> & { width: number }): AttentionConfig {
  const c = checkSweepConfig({ ...ATTENTION_DEFAULTS, ...fields }, [
    "width", "tokens", "rank", "teacherRank", "trainSize", "evalSize", "batch", "steps", "evalEvery",
  ]);
  oneOf(c.logitScale, LOGIT_SCALES, "logitScale");
  return c;
}

const MATRICES = ["q", "k", "v"] as const;
type Matrix = (typeof MATRICES)[number];

/** Row-major [examples × T × d] inputs and their base projections X·W, and the targets [examples × T]. */
interface AttentionSet {
  x: Float64Array;
  base: Record<Matrix, Float64Array>;
  y: Float64Array;
}

export interface AttentionProblem {
  config: AttentionConfig;
  train: AttentionSet;
  eval: AttentionSet;
  wO: Float64Array;
  /** Initial A of each adapter (d × r); every B starts at 0. */
  a0: Record<Matrix, Float64Array>;
}

/** An adapter per matrix: A (d × r) and B (r × d), row-major. */
export type AttentionParams = Record<Matrix, { a: Float64Array; b: Float64Array }>;

export function attentionProblem(config: AttentionConfig): AttentionProblem {
  const { width: d, teacherRank: rt } = config;
  const rng = new Rng(config.seed, 0xa77);
  const w = {} as Record<Matrix, Float64Array>;
  const teacherW = {} as Record<Matrix, Float64Array>;
  for (const mat of MATRICES) {
    w[mat] = rng.normals(d * d, 1 / Math.sqrt(d));
    // W + s·U Vᵀ with U ~ N(0, 1/d) (d × r*), V ~ N(0, 1/r*) (d × r*): x·ΔW has Θ(1) coordinates.
    const u = rng.normals(d * rt, 1 / Math.sqrt(d));
    const v = rng.normals(d * rt, config.teacherStrength / Math.sqrt(rt));
    const tw = Float64Array.from(w[mat]);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) for (let q = 0; q < rt; q++) tw[i * d + j] += u[i * rt + q] * v[j * rt + q];
    }
    teacherW[mat] = tw;
  }
  const wO = rng.normals(d, 1 / Math.sqrt(d));
  const a0 = {} as Record<Matrix, Float64Array>;
  for (const mat of MATRICES) a0[mat] = rng.normals(d * config.rank, 1 / Math.sqrt(d));
  const scale = logitScale(config);
  const make = (size: number): AttentionSet => {
    const T = config.tokens;
    const x = rng.normals(size * T * d);
    const base = {} as Record<Matrix, Float64Array>;
    for (const mat of MATRICES) base[mat] = matmulRows(x, w[mat], size * T, d, d);
    const teacher = {} as Record<Matrix, Float64Array>;
    for (const mat of MATRICES) teacher[mat] = matmulRows(x, teacherW[mat], size * T, d, d);
    const y = new Float64Array(size * T);
    const s = new Float64Array(T * T);
    for (let e = 0; e < size; e++) {
      const off = e * T * d;
      headOutput(
        teacher.q.subarray(off), teacher.k.subarray(off), teacher.v.subarray(off), wO, T, d, scale, s,
        y.subarray(e * T, (e + 1) * T),
      );
    }
    return { x: x, base: base, y: y };
  };
  return { config: config, train: make(config.trainSize), eval: make(config.evalSize), wO: wO, a0: a0 };
}

function logitScale(config: AttentionConfig): number {
  return config.logitScale === "1/d" ? 1 / config.width : 1 / Math.sqrt(config.width);
}

/** [rows × inner] · [inner × cols], row-major. */
function matmulRows(x: Float64Array, w: Float64Array, rows: number, inner: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < inner; k++) {
      const xv = x[i * inner + k];
      if (xv === 0) continue;
      const wr = k * cols;
      const or = i * cols;
      for (let j = 0; j < cols; j++) out[or + j] += xv * w[wr + j];
    }
  }
  return out;
}

/** y = softmax(c·QKᵀ)·(V w_o) for one example; leaves P in `p` (T × T). */
function headOutput(
  q: Float64Array, k: Float64Array, v: Float64Array, wO: Float64Array, T: number, d: number, c: number, p: Float64Array,
  y: Float64Array,
): void {
  const vo = new Float64Array(T);
  for (let s = 0; s < T; s++) {
    let acc = 0;
    for (let j = 0; j < d; j++) acc += v[s * d + j] * wO[j];
    vo[s] = acc;
  }
  for (let t = 0; t < T; t++) {
    let max = -Infinity;
    for (let s = 0; s < T; s++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += q[t * d + j] * k[s * d + j];
      p[t * T + s] = c * acc;
      if (p[t * T + s] > max) max = p[t * T + s];
    }
    let sum = 0;
    for (let s = 0; s < T; s++) {
      p[t * T + s] = Math.exp(p[t * T + s] - max);
      sum += p[t * T + s];
    }
    let out = 0;
    for (let s = 0; s < T; s++) {
      p[t * T + s] /= sum;
      out += p[t * T + s] * vo[s];
    }
    y[t] = out;
  }
}

export function attentionInit(problem: AttentionProblem): AttentionParams {
  const { width: d, rank: r } = problem.config;
  const params = {} as AttentionParams;
  for (const mat of MATRICES) params[mat] = { a: Float64Array.from(problem.a0[mat]), b: new Float64Array(r * d) };
  return params;
}

export function attentionZeros(problem: AttentionProblem): AttentionParams {
  const { width: d, rank: r } = problem.config;
  const params = {} as AttentionParams;
  for (const mat of MATRICES) params[mat] = { a: new Float64Array(d * r), b: new Float64Array(r * d) };
  return params;
}

/**
 * Mean over examples and tokens of ½(y − y*)². With `grads`, overwrites them with the gradient:
 * dy = (y − y*)/(mT); dS = P ⊙ dy·(V w_o − y) (softmax backward, since dP = dy (V w_o)ᵀ);
 * dQ = c·dS K, dK = c·dSᵀ Q, dV = Pᵀ dy w_oᵀ; per adapter with U = X A: dB = Uᵀ dM, dA = Xᵀ (dM Bᵀ).
 */
export function attentionLoss(
  problem: AttentionProblem, params: AttentionParams, set: "train" | "eval", indices?: Int32Array,
  grads?: AttentionParams,
): number {
  const { width: d, rank: r, tokens: T } = problem.config;
  const data = set === "train" ? problem.train : problem.eval;
  const m = indices ? indices.length : data.y.length / T;
  const c = logitScale(problem.config);
  const wO = problem.wO;
  const u = {} as Record<Matrix, Float64Array>;
  const proj = {} as Record<Matrix, Float64Array>;
  const dProj = {} as Record<Matrix, Float64Array>;
  for (const mat of MATRICES) {
    u[mat] = new Float64Array(T * r);
    proj[mat] = new Float64Array(T * d);
    dProj[mat] = new Float64Array(T * d);
  }
  const p = new Float64Array(T * T);
  const y = new Float64Array(T);
  const dy = new Float64Array(T);
  const du = new Float64Array(T * r);
  if (grads) for (const mat of MATRICES) {
    grads[mat].a.fill(0);
    grads[mat].b.fill(0);
  }
  let total = 0;
  for (let k = 0; k < m; k++) {
    const e = indices ? indices[k] : k;
    const xOff = e * T * d;
    for (const mat of MATRICES) {
      const { a, b } = params[mat];
      const um = u[mat];
      const pm = proj[mat];
      const base = data.base[mat];
      for (let t = 0; t < T; t++) {
        for (let q = 0; q < r; q++) {
          let acc = 0;
          for (let i = 0; i < d; i++) acc += data.x[xOff + t * d + i] * a[i * r + q];
          um[t * r + q] = acc;
        }
        for (let j = 0; j < d; j++) {
          let acc = base[xOff + t * d + j];
          for (let q = 0; q < r; q++) acc += um[t * r + q] * b[q * d + j];
          pm[t * d + j] = acc;
        }
      }
    }
    headOutput(proj.q, proj.k, proj.v, wO, T, d, c, p, y);
    for (let t = 0; t < T; t++) {
      const err = y[t] - data.y[e * T + t];
      total += 0.5 * err * err;
      dy[t] = err / (m * T);
    }
    if (!grads) continue;
    const { q: Q, k: K, v: V } = proj;
    const dQ = dProj.q.fill(0);
    const dK = dProj.k.fill(0);
    const dV = dProj.v.fill(0);
    for (let s = 0; s < T; s++) {
      let vo = 0;
      for (let j = 0; j < d; j++) vo += V[s * d + j] * wO[j];
      let dvo = 0;
      for (let t = 0; t < T; t++) {
        const pts = p[t * T + s];
        dvo += pts * dy[t];
        const ds = c * pts * dy[t] * (vo - y[t]);
        if (ds === 0) continue;
        for (let j = 0; j < d; j++) {
          dQ[t * d + j] += ds * K[s * d + j];
          dK[s * d + j] += ds * Q[t * d + j];
        }
      }
      for (let j = 0; j < d; j++) dV[s * d + j] = dvo * wO[j];
    }
    for (const mat of MATRICES) {
      const { b } = params[mat];
      const g = grads[mat];
      const um = u[mat];
      const dm = dProj[mat];
      for (let t = 0; t < T; t++) {
        for (let q = 0; q < r; q++) {
          let acc = 0;
          const uq = um[t * r + q];
          for (let j = 0; j < d; j++) {
            g.b[q * d + j] += uq * dm[t * d + j];
            acc += dm[t * d + j] * b[q * d + j];
          }
          du[t * r + q] = acc;
        }
        for (let i = 0; i < d; i++) {
          const xv = data.x[xOff + t * d + i];
          for (let q = 0; q < r; q++) g.a[i * r + q] += xv * du[t * r + q];
        }
      }
    }
  }
  return total / (m * T);
}

/** Trains the three adapters from their initial state: Q and K adapters at η_QK, the V adapter at λ·η_QK. */
export function trainAttention(problem: AttentionProblem, etaQK: number, lambda: number): TrainCurve {
  const params = attentionInit(problem);
  const grads = attentionZeros(problem);
  const model: Trainable = {
    groups: [
      { params: [params.q.a, params.q.b, params.k.a, params.k.b], grads: [grads.q.a, grads.q.b, grads.k.a, grads.k.b] },
      { params: [params.v.a, params.v.b], grads: [grads.v.a, grads.v.b] },
    ],
    trainSize: problem.config.trainSize,
    batchLoss: (indices) => attentionLoss(problem, params, "train", indices, grads),
    evalLoss: () => attentionLoss(problem, params, "eval"),
  };
  const c = problem.config;
  return trainSweepModel(model, [etaQK, lambda * etaQK], {
    steps: c.steps, batch: c.batch, evalEvery: c.evalEvery, optimizer: c.optimizer, seed: c.seed,
  });
}
