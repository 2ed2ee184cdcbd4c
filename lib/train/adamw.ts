// AdamW over parameter groups (torch.optim.AdamW's update, one learning rate and weight decay per group):
//   θ ← θ − lr·wd·θ;  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  θ ← θ − lr · m̂ / (√v̂ + ε)
// tfjs's optimizers take a single learning rate, hence this class.
import * as tf from "@tensorflow/tfjs";
import type { ParameterGroup } from "./groups";

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** The paper's Table 2 settings: β = (0.9, 0.99), ε = 1e-8. */
export const PAPER_ADAMW: AdamWOptions = { beta1: 0.9, beta2: 0.99, epsilon: 1e-8 };

export class AdamW {
  private step = 0;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(
    private readonly variables: Map<string, tf.Variable>,
    readonly groups: ParameterGroup[],
    private readonly options: AdamWOptions = PAPER_ADAMW,
  ) {
    for (const g of groups) {
      for (const name of g.names) {
        const v = variables.get(name);
        if (!v) {
          throw new Error(
            `parameter group "${g.label}" names ${JSON.stringify(name)}, which is not a trainable tensor`,
          );
        }
        // tf.variable copies its initial value: the zeros are disposed, not left to leak one run after another.
        const zeros = tf.zerosLike(v);
        this.moments.set(name, { m: tf.variable(zeros, false), v: tf.variable(zeros, false) });
        zeros.dispose();
      }
    }
  }

  get stepsTaken(): number {
    return this.step;
  }

  /** One update with each group's learning rate multiplied by `factor` (the schedule). */
  apply(grads: Map<string, tf.Tensor>, factor = 1): void {
    this.step++;
    const { beta1, beta2, epsilon } = this.options;
    const c1 = 1 - Math.pow(beta1, this.step);
    const c2 = 1 - Math.pow(beta2, this.step);
    tf.tidy(() => {
      for (const group of this.groups) {
        const lr = group.lr * factor;
        for (const name of group.names) {
          const g = grads.get(name);
          if (!g) continue; // no gradient reached it (e.g. a frozen path); Adam leaves it alone
          const param = this.variables.get(name)!;
          const { m, v } = this.moments.get(name)!;
          m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
          v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
          const decayed = group.weightDecay > 0 ? tf.mul(param, 1 - lr * group.weightDecay) : param;
          const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
          param.assign(tf.sub(decayed, tf.mul(update, lr)));
        }
      }
    });
  }

  /** The step count and moments (torch's exp_avg / exp_avg_sq), to save beside a checkpoint and resume from. */
  state(): { step: number; moments: Map<string, tf.Tensor> } {
    const moments = new Map<string, tf.Tensor>();
    for (const [name, { m, v }] of this.moments) {
      moments.set(`${name}.exp_avg`, m);
      moments.set(`${name}.exp_avg_sq`, v);
    }
    return { step: this.step, moments };
  }

  /** Resumes from `state()`'s output (the tensors are copied; the caller keeps ownership). */
  restore(step: number, moments: ReadonlyMap<string, tf.Tensor>): void {
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`step must be a non-negative integer, got ${step}`);
    for (const [name, { m, v }] of this.moments) {
      for (const [slot, variable] of [["exp_avg", m], ["exp_avg_sq", v]] as const) {
        const saved = moments.get(`${name}.${slot}`);
        if (!saved) throw new Error(`optimizer state lacks ${name}.${slot}`);
        if (saved.shape.join() !== variable.shape.join()) {
          throw new Error(`optimizer state ${name}.${slot} has shape [${saved.shape}], expected [${variable.shape}]`);
        }
        variable.assign(saved);
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }
}
