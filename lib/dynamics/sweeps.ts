// The two learning-rate sweeps of notebook 02, spread over the cores by pool.ts:
// - (η_a, η_b) heatmaps of the small LoRA network at several widths: where does the best ratio λ* = η_b/η_a
//   sit, and does it move as the width grows (Theorem 2 / LoRA+ predict λ* ∝ n)?
// - λ = η_V/η_QK sweeps of a single attention head at several widths and two logit scalings, each λ at its
//   best η_QK, with the held-out loss curves of the best λ = 1 run and of the best run overall.
import { AttentionConfig, LOGIT_SCALES, LogitScale } from "./attention";
import { DynamicsError, oneOf, positiveFinite, positiveInteger, positiveIntegers } from "./errors";
import { LoraNetConfig } from "./lora-net";
import { PoolOptions, runTasks } from "./pool";
import { AttentionTask, LoraTask } from "./tasks";
import { TrainCurve } from "./train";

function positiveList(values: unknown, field: string): number[] {
  if (!Array.isArray(values) || values.length === 0) {
    throw new DynamicsError(`${field} must be a non-empty list of positive numbers, got ${JSON.stringify(values)}`);
  }
  return values.map((v, i) => positiveFinite(v, `${field}[${i}]`));
}

/** Mean over seeds, pointwise; NaN where any seed is NaN (one diverged seed marks the setting diverged). */
function meanCurve(curves: TrainCurve[]): { steps: number[]; loss: number[] } {
  const loss = curves[0].loss.map((_, k) => curves.reduce((s, c) => s + c.loss[k], 0) / curves.length);
  return { steps: curves[0].steps, loss: loss };
}

export interface LoraHeatmapOptions {
  widths: number[];
  /** Grid columns (η_a, the QK-role factor A) and rows (η_b, the V-role factor B), in display order. */
  etaA: number[];
  etaB: number[];
  /** Seeds 0..seeds-1 (added to net.seed): each draws its own data, frozen weights and teacher. */
  seeds: number;
  net?: Partial<Omit<LoraNetConfig, "width">>;
  pool?: PoolOptions;
}

export interface LoraHeatmap {
  width: number;
  etaA: number[];
  etaB: number[];
  /** loss[row][col]: final held-out loss at (η_b = etaB[row], η_a = etaA[col]), mean over seeds; NaN = diverged. */
  loss: number[][];
  /** Mean held-out loss before training (the same for every cell). */
  initialLoss: number;
  best: { row: number; col: number; etaA: number; etaB: number; lambda: number; loss: number };
  /** The best cell with η_a = η_b (λ = 1), when the grid has that diagonal. */
  bestEqual: { row: number; col: number; eta: number; loss: number } | null;
}

export async function loraHeatmaps(opts: LoraHeatmapOptions): Promise<LoraHeatmap[]> {
  const widths = positiveIntegers(opts.widths, "widths");
  const etaA = positiveList(opts.etaA, "etaA");
  const etaB = positiveList(opts.etaB, "etaB");
  const seeds = positiveInteger(opts.seeds, "seeds");
  const baseSeed = opts.net?.seed ?? 0;
  // One task per (width, seed, row): the row's cells share the precomputed features. Widest first, so the
  // longest tasks start early and the cores finish together.
  const tasks: (LoraTask & { w: number; s: number; row: number })[] = [];
  for (const [w, width] of [...widths.entries()].sort((p, q) => q[1] - p[1])) {
    for (let s = 0; s < seeds; s++) {
      etaB.forEach((b, row) => {
        tasks.push({
          w: w, s: s, row: row,
          config: { ...opts.net, width: width, seed: baseSeed + s },
          cells: etaA.map((a) => ({ etaA: a, etaB: b })),
        });
      });
    }
  }
  const results = await runTasks("lora", tasks.map((t) => ({ config: t.config, cells: t.cells })), opts.pool);
  return widths.map((width, w) => {
    const final = etaB.map(() => etaA.map(() => [] as number[]));
    let initial = 0;
    let initialCount = 0;
    tasks.forEach((t, k) => {
      if (t.w !== w) return;
      results[k].forEach((curve, col) => {
        final[t.row][col].push(curve.final);
        initial += curve.loss[0];
        initialCount++;
      });
    });
    const loss = final.map((row) => row.map((v) => v.reduce((a, b) => a + b, 0) / v.length));
    let best = { row: 0, col: 0, etaA: etaA[0], etaB: etaB[0], lambda: etaB[0] / etaA[0], loss: Infinity };
    let bestEqual: LoraHeatmap["bestEqual"] = null;
    loss.forEach((row, r) => row.forEach((v, c) => {
      if (!(v < best.loss)) return;
      best = { row: r, col: c, etaA: etaA[c], etaB: etaB[r], lambda: etaB[r] / etaA[c], loss: v };
    }));
    loss.forEach((row, r) => row.forEach((v, c) => {
      if (sameRate(etaA[c], etaB[r]) && v < (bestEqual?.loss ?? Infinity)) {
        bestEqual = { row: r, col: c, eta: etaA[c], loss: v };
      }
    }));
    if (!Number.isFinite(best.loss)) best = { ...best, loss: NaN, lambda: NaN };
    return {
      width: width, etaA: etaA, etaB: etaB, loss: loss, initialLoss: initial / initialCount, best: best,
      bestEqual: bestEqual,
    };
  });
}

/** Grid values typed as 1e-3 and computed as 10 ** -3 are the same rate. */
function sameRate(x: number, y: number): boolean {
  return Math.abs(x - y) <= 1e-9 * Math.max(x, y);
}

export interface AttentionSweepOptions {
  widths: number[];
  logitScales: LogitScale[];
  /** λ = η_V/η_QK values; include 1 for the baseline. */
  lambdas: number[];
  /** η_QK grid: every λ is reported at its best η_QK. */
  etaQK: number[];
  seeds: number;
  head?: Partial<Omit<AttentionConfig, "width" | "logitScale">>;
  pool?: PoolOptions;
}

export interface AttentionLambdaResult {
  lambda: number;
  /** Final held-out loss (mean over seeds) at each η_QK of the grid; NaN = diverged. */
  lossByEta: number[];
  /** The best η_QK for this λ and its loss and mean curve. */
  etaQK: number;
  loss: number;
  curve: { steps: number[]; loss: number[] };
}

export interface AttentionSweep {
  logitScale: LogitScale;
  width: number;
  initialLoss: number;
  lambdas: AttentionLambdaResult[];
  /** The best λ overall (at its best η_QK). */
  best: AttentionLambdaResult;
  /** λ = 1 at its best η_QK, if λ = 1 was swept. */
  baseline: AttentionLambdaResult | null;
  /** First measured step at which the best run's loss is at or below the baseline's final loss (NaN if never). */
  stepsToBaseline: number;
  /** Baseline steps / stepsToBaseline: how much sooner the best λ gets there. */
  speedup: number;
}

export async function attentionSweeps(opts: AttentionSweepOptions): Promise<AttentionSweep[]> {
  const widths = positiveIntegers(opts.widths, "widths");
  if (!Array.isArray(opts.logitScales) || opts.logitScales.length === 0) {
    throw new DynamicsError(
      `logitScales must be a non-empty list of ${LOGIT_SCALES.join(", ")}, got ${JSON.stringify(opts.logitScales)}`,
    );
  }
  const scales = opts.logitScales.map((s, i) => oneOf(s, LOGIT_SCALES, `logitScales[${i}]`));
  const lambdas = positiveList(opts.lambdas, "lambdas");
  const etas = positiveList(opts.etaQK, "etaQK");
  const seeds = positiveInteger(opts.seeds, "seeds");
  const baseSeed = opts.head?.seed ?? 0;
  const tasks: (AttentionTask & { key: string; l: number })[] = [];
  for (const width of [...widths].sort((a, b) => b - a)) {
    for (const scale of scales) {
      for (let s = 0; s < seeds; s++) {
        lambdas.forEach((lambda, l) => {
          tasks.push({
            key: `${scale}|${width}`, l: l,
            config: { ...opts.head, width: width, logitScale: scale, seed: baseSeed + s },
            runs: etas.map((eta) => ({ etaQK: eta, lambda: lambda })),
          });
        });
      }
    }
  }
  const results = await runTasks("attention", tasks.map((t) => ({ config: t.config, runs: t.runs })), opts.pool);
  const out: AttentionSweep[] = [];
  for (const scale of scales) {
    for (const width of widths) {
      const key = `${scale}|${width}`;
      const perLambda = lambdas.map((lambda, l): AttentionLambdaResult => {
        const runs = tasks.flatMap((t, k) => (t.key === key && t.l === l ? [results[k]] : []));
        const curves = etas.map((_, e) => meanCurve(runs.map((r) => r[e])));
        const lossByEta = curves.map((c) => c.loss[c.loss.length - 1]);
        let e = 0;
        lossByEta.forEach((v, i) => {
          if (v < lossByEta[e] || Number.isNaN(lossByEta[e])) e = i;
        });
        return { lambda: lambda, lossByEta: lossByEta, etaQK: etas[e], loss: lossByEta[e], curve: curves[e] };
      });
      const best = perLambda.reduce((a, b) => (b.loss < a.loss || Number.isNaN(a.loss) ? b : a));
      const baseline = perLambda.find((r) => r.lambda === 1) ?? null;
      let stepsToBaseline = NaN;
      if (baseline && Number.isFinite(baseline.loss)) {
        const k = best.curve.loss.findIndex((v) => v <= baseline.loss);
        if (k >= 0) stepsToBaseline = best.curve.steps[k];
      }
      const total = best.curve.steps[best.curve.steps.length - 1];
      out.push({
        logitScale: scale, width: width, initialLoss: best.curve.loss[0], lambdas: perLambda,
        best: best, baseline: baseline,
        stepsToBaseline: stepsToBaseline, speedup: stepsToBaseline > 0 ? total / stepsToBaseline : NaN,
      });
    }
  }
  return out;
}
