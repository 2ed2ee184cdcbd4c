// The LoRA training step both benchmarks time (lora-step.ts, peer.ts): AdamW over the model's trainable tensors on
// one fixed batch, the labels alternating 0, 1.
import * as tf from "@tensorflow/tfjs";
import { makeBatch, Model, modelLogits, trainableVariables } from "../lib/models/index";
import { AdamW, parameterGroups, taskLoss } from "../lib/train/index";

export interface TimedStep {
  /** One training step; returns its wall time in ms. */
  step: () => number;
  /** The forward and backward pass alone, no update (what a kernel profile of the step measures). */
  forwardBackward: () => void;
  /** The trained tensors' names, in the order the step differentiates them. */
  names: string[];
}

/** The step on `rows` for `model`'s trainable tensors at λ = `ratio`. */
export function timedStep(model: Model, rows: number[][], ratio: number): TimedStep {
  const vars = trainableVariables(model);
  const names = [...vars.keys()];
  const list = names.map((n) => vars.get(n)!);
  const optimizer = new AdamW(vars, parameterGroups(vars, { etaQK: 1e-4, ratio, grouping: "paper" }));
  const batch = makeBatch(rows, model.config.padTokenId);
  const targets = tf.tensor1d(rows.map((_, b) => b % 2), "int32");
  const step = (): number => {
    const start = performance.now();
    const { value, grads } = tf.variableGrads(() => taskLoss(modelLogits(model, batch), targets), list);
    value.dataSync();
    optimizer.apply(new Map(names.map((n, i) => [n, grads[list[i].name]])));
    tf.dispose([value, ...Object.values(grads)]);
    return performance.now() - start;
  };
  const forwardBackward = (): void => {
    const { value, grads } = tf.variableGrads(() => taskLoss(modelLogits(model, batch), targets), list);
    tf.dispose([value, ...Object.values(grads)]);
  };
  return { step, forwardBackward, names };
}
