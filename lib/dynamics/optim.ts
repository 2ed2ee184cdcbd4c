// The two optimizers of the sweeps, over plain Float64Array parameters grouped by learning rate (the
// LoRA+ / paper grouping: η_a for the QK-side factors, η_b = λ·η_a for the V-side ones).
import { oneOf, positiveFinite } from "./errors";

export const OPTIMIZERS = ["sgd", "adam"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface SweepRateGroup {
  params: Float64Array[];
  /** Gradients, same shapes as params; the step reads them and leaves them as they are. */
  grads: Float64Array[];
  lr: number;
}

/** Adam as in torch.optim.Adam (bias-corrected, ε outside the square root, no weight decay). */
export const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export class SweepOptimizer {
  private t = 0;
  private readonly m: Float64Array[][];
  private readonly v: Float64Array[][];

  constructor(readonly name: OptimizerName, private readonly groups: SweepRateGroup[]) {
    oneOf(name, OPTIMIZERS, "optimizer");
    groups.forEach((g, i) => positiveFinite(g.lr, `groups[${i}].lr`));
    this.m = groups.map((g) => g.params.map((p) => new Float64Array(p.length)));
    this.v = groups.map((g) => g.params.map((p) => new Float64Array(p.length)));
  }

  step(): void {
    this.t++;
    const { beta1, beta2, eps } = ADAM;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    this.groups.forEach((g, gi) => {
      g.params.forEach((p, pi) => {
        const grad = g.grads[pi];
        if (this.name === "sgd") {
          for (let k = 0; k < p.length; k++) p[k] -= g.lr * grad[k];
          return;
        }
        const m = this.m[gi][pi];
        const v = this.v[gi][pi];
        for (let k = 0; k < p.length; k++) {
          m[k] = beta1 * m[k] + (1 - beta1) * grad[k];
          v[k] = beta2 * v[k] + (1 - beta2) * grad[k] * grad[k];
          p[k] -= (g.lr * (m[k] / c1)) / (Math.sqrt(v[k] / c2) + eps);
        }
      });
    });
  }
}
