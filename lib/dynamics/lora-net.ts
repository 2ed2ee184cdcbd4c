// A small LoRA network for (η_a, η_b) heatmaps across widths, in the spirit of the LoRA+ toy experiments:
//   h = tanh(W_in x),  f(x) = tanh((W₀ + B A) h) ∈ Rⁿ,
// x ∈ R^d, width n, W_in ~ N(0, 1/d) and W₀ ~ N(0, 1/n) frozen ("pretrained"), and a rank-r adapter with
// A ~ N(0, 1/n) (trained at η_a, the QK role) and B = 0 (trained at η_b, the V role). The target is the
// same layer with a rank-r* change B*A* of W₀ (each coordinate of B*A*h is Θ(1)), and the loss is the mean
// over the n features, so fitting it needs Θ(1) changes of every feature along the teacher's directions:
// the efficient feature learning of the theorem. (A scalar read-out w_outᵀf with w_out ~ N(0, 1/n) would
// instead reward o(1) feature changes aligned with w_out, a different scaling regime.)
// Forward and backward are written out over Float64Arrays (checked against finite differences in tests).
import { Rng } from "../random/index";
import { checkSweepConfig, SweepModelConfig, Trainable, TrainCurve, trainSweepModel } from "./train";

/** The teacher's change is B*A* (teacherStrength 1: each coordinate of B*A*h is about N(0, 1)). */
export interface LoraNetConfig extends SweepModelConfig {
  inputDim: number;
}

export const LORA_NET_DEFAULTS: Omit<LoraNetConfig, "width"> = {
  inputDim: 8, rank: 2, teacherRank: 2, teacherStrength: 1, trainSize: 256, evalSize: 256,
  batch: 32, steps: 200, evalEvery: 10, optimizer: "adam", seed: 0,
};

export function loraNetConfig(fields: Partial<LoraNetConfig> & { width: number }): LoraNetConfig {
  return checkSweepConfig({ ...LORA_NET_DEFAULTS, ...fields }, [
    "width", "inputDim", "rank", "teacherRank", "trainSize", "evalSize", "batch", "steps", "evalEvery",
  ]);
}

/** The data and frozen weights of one (config, seed): features h and base pre-activations W₀h precomputed. */
export interface LoraNetProblem {
  config: LoraNetConfig;
  /** Row-major [examples × n]: h, W₀h and the target features of the training and held-out sets. */
  hTrain: Float64Array;
  gTrain: Float64Array;
  yTrain: Float64Array;
  hEval: Float64Array;
  gEval: Float64Array;
  yEval: Float64Array;
  /** The adapter's initial A (r × n); B starts at 0. */
  a0: Float64Array;
}

export function loraNetProblem(config: LoraNetConfig): LoraNetProblem {
  const { width: n, inputDim: d, rank: r, teacherRank: rt } = config;
  const rng = new Rng(config.seed, 0x10a);
  const wIn = rng.normals(n * d, 1 / Math.sqrt(d));
  const w0 = rng.normals(n * n, 1 / Math.sqrt(n));
  const aStar = rng.normals(rt * n, 1 / Math.sqrt(n));
  const bStar = rng.normals(n * rt, config.teacherStrength / Math.sqrt(rt));
  const a0 = rng.normals(r * n, 1 / Math.sqrt(n));
  const make = (size: number) => {
    const h = new Float64Array(size * n);
    const g = new Float64Array(size * n);
    const y = new Float64Array(size * n);
    const x = new Float64Array(d);
    const u = new Float64Array(rt);
    for (let e = 0; e < size; e++) {
      for (let k = 0; k < d; k++) x[k] = rng.normal();
      const he = h.subarray(e * n, (e + 1) * n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += wIn[i * d + k] * x[k];
        he[i] = Math.tanh(s);
      }
      for (let q = 0; q < rt; q++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += aStar[q * n + i] * he[i];
        u[q] = s;
      }
      for (let i = 0; i < n; i++) {
        let s = 0;
        const row = i * n;
        for (let j = 0; j < n; j++) s += w0[row + j] * he[j];
        g[e * n + i] = s;
        for (let q = 0; q < rt; q++) s += bStar[i * rt + q] * u[q];
        y[e * n + i] = Math.tanh(s);
      }
    }
    return { h: h, g: g, y: y };
  };
  const trainSet = make(config.trainSize);
  const evalSet = make(config.evalSize);
  return {
    config: config, hTrain: trainSet.h, gTrain: trainSet.g, yTrain: trainSet.y,
    hEval: evalSet.h, gEval: evalSet.g, yEval: evalSet.y, a0: a0,
  };
}

export interface LoraNetParams {
  /** r × n, row-major. */
  a: Float64Array;
  /** n × r, row-major. */
  b: Float64Array;
}

export function loraNetInit(problem: LoraNetProblem): LoraNetParams {
  return { a: Float64Array.from(problem.a0), b: new Float64Array(problem.config.width * problem.config.rank) };
}

/**
 * Mean over the examples (all of the set when `indices` is omitted) of ½‖f − y‖²/n. With `grads`, overwrites
 * them with the gradient: dz = (f − y) ⊙ (1 − f²)/(m n), u = A h, dB = dz uᵀ, dA = (Bᵀdz) hᵀ.
 */
export function loraNetLoss(
  problem: LoraNetProblem, params: LoraNetParams, set: "train" | "eval", indices?: Int32Array, grads?: LoraNetParams,
): number {
  const { width: n, rank: r } = problem.config;
  const h = set === "train" ? problem.hTrain : problem.hEval;
  const g = set === "train" ? problem.gTrain : problem.gEval;
  const y = set === "train" ? problem.yTrain : problem.yEval;
  const m = indices ? indices.length : y.length / n;
  const { a, b } = params;
  const u = new Float64Array(r);
  const du = new Float64Array(r);
  const dz = new Float64Array(n);
  if (grads) {
    grads.a.fill(0);
    grads.b.fill(0);
  }
  let total = 0;
  for (let k = 0; k < m; k++) {
    const e = indices ? indices[k] : k;
    const off = e * n;
    for (let q = 0; q < r; q++) {
      let s = 0;
      const row = q * n;
      for (let i = 0; i < n; i++) s += a[row + i] * h[off + i];
      u[q] = s;
    }
    let sq = 0;
    for (let i = 0; i < n; i++) {
      let z = g[off + i];
      for (let q = 0; q < r; q++) z += b[i * r + q] * u[q];
      const f = Math.tanh(z);
      const err = f - y[off + i];
      sq += err * err;
      dz[i] = (err * (1 - f * f)) / (m * n);
    }
    total += (0.5 * sq) / n;
    if (!grads) continue;
    du.fill(0);
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < r; q++) {
        grads.b[i * r + q] += dz[i] * u[q];
        du[q] += b[i * r + q] * dz[i];
      }
    }
    for (let q = 0; q < r; q++) {
      const row = q * n;
      for (let i = 0; i < n; i++) grads.a[row + i] += du[q] * h[off + i];
    }
  }
  return total / m;
}

/** Trains the adapter from its initial state with η_a on A and η_b on B. */
export function trainLoraNet(problem: LoraNetProblem, etaA: number, etaB: number): TrainCurve {
  const params = loraNetInit(problem);
  const grads: LoraNetParams = { a: new Float64Array(params.a.length), b: new Float64Array(params.b.length) };
  const model: Trainable = {
    groups: [{ params: [params.a], grads: [grads.a] }, { params: [params.b], grads: [grads.b] }],
    trainSize: problem.config.trainSize,
    batchLoss: (indices) => loraNetLoss(problem, params, "train", indices, grads),
    evalLoss: () => loraNetLoss(problem, params, "eval"),
  };
  const c = problem.config;
  return trainSweepModel(model, [etaA, etaB], {
    steps: c.steps, batch: c.batch, evalEvery: c.evalEvery, optimizer: c.optimizer, seed: c.seed,
  });
}
