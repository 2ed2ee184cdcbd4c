// How long the Theorem 2 computations take: the toy sweep of the acceptance criterion (5 widths up to
// 16384, 400 seeds, t = 2), its bootstrap, and one LoRA-heatmap and attention-sweep batch run in this
// thread against the same batch on every core (the ratio is the parallel speed-up).
// Run: node --import tsx bench/dynamics.ts
import * as os from "os";
import { attentionSweeps, loraHeatmaps, simulateToy, summarizeToy } from "../lib/dynamics/index";

async function seconds(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

(async () => {
  const widths = [64, 256, 1024, 4096, 16384];
  let result = simulateToy({ widths: widths, etaA: "0.5/n", etaB: "0.5", steps: 2, seeds: 400 });
  const simulate = await seconds(() => { result = simulateToy({ widths: widths, etaA: "0.5/n", etaB: "0.5", steps: 2, seeds: 400 }); });
  const bootstrap = await seconds(() => summarizeToy(result, 2, { resamples: 1000 }));
  const grid = [1e-3, 1e-2, 1e-1];
  const heat = (workers: number) => loraHeatmaps({
    widths: [256, 512], etaA: grid, etaB: grid, seeds: 1, net: { steps: 100 }, pool: { workers: workers },
  });
  const att = (workers: number) => attentionSweeps({
    widths: [32, 64], logitScales: ["1/sqrt(d)", "1/d"], lambdas: [1, 4], etaQK: [1e-3, 1e-2], seeds: 1,
    head: { steps: 100 }, pool: { workers: workers },
  });
  const heatOne = await seconds(() => heat(0));
  const heatAll = await seconds(() => heat(os.cpus().length));
  const attOne = await seconds(() => att(0));
  const attAll = await seconds(() => att(os.cpus().length));
  console.table([
    { work: "toy: 5 widths to 16384 × 400 seeds, t = 2", seconds: +simulate.toFixed(2) },
    { work: "toy: bootstrap of the 3 slopes (1000 resamples)", seconds: +bootstrap.toFixed(2) },
    { work: "LoRA heatmaps 3×3 at n = 256, 512: one thread", seconds: +heatOne.toFixed(2) },
    { work: `LoRA heatmaps: ${os.cpus().length} worker threads`, seconds: +heatAll.toFixed(2), speedup: +(heatOne / heatAll).toFixed(2) },
    { work: "attention λ sweeps (2 widths × 2 scalings × 2 λ × 2 η): one thread", seconds: +attOne.toFixed(2) },
    { work: `attention λ sweeps: ${os.cpus().length} worker threads`, seconds: +attAll.toFixed(2), speedup: +(attOne / attAll).toFixed(2) },
  ]);
})();
