// What a fine-tuning method costs (Table 3): the adapter's bytes on disk as peft would save them, the time
// of a training step, and the peak tensor memory of one step, each measured on this machine for a run's
// configuration; and, from a run's loss curve, the steps it needed to reach a target loss.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { median } from "../dynamics/slope";
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, saveAdapter } from "../lora/index";
import { disposeModel, Model, safetensorsInput, trainableVariables } from "../models/index";
import { writeSafetensors } from "../safetensors/index";
import { train } from "../train/index";
import { FineTuneConfig, setUpRun, trainOptions } from "./finetune";

export interface MethodCost {
  /**
   * adapter_model.safetensors + adapter_config.json as saveAdapter writes them (head included, as peft's
   * modules_to_save); for full fine-tuning, which has no adapter, the trained matrices and head as one safetensors
   * file.
   */
  adapterBytes: number;
  trainable: number;
  /** Median wall time of a training step, over the measured steps (after the warm-up steps). */
  stepMs: number;
  /** Bytes of tfjs tensors alive between steps: weights, adapter, optimizer moments, encoded data. */
  residentBytes: number;
  /** The most bytes one training step adds on top of them (activations, gradients), from tf.profile. */
  stepPeakBytes: number;
}

/**
 * Measures `config`'s method: `warmup` untimed steps (tfjs compiles and caches kernels on first use), `steps`
 * timed ones, then one profiled step.
 */
export async function measureCost(config: FineTuneConfig, steps = 10, warmup = 3): Promise<MethodCost> {
  const { model, trainSet, trainable } = setUpRun(config);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qkv-adapter-"));
  try {
    const options = trainOptions(config);
    // Step times come from the training loop's own records of one run, so schedule and optimizer state are real.
    const times: number[] = [];
    let last = performance.now();
    train(model, trainSet, {
      ...options, steps: warmup + steps,
      onStep: () => {
        const now = performance.now();
        times.push(now - last);
        last = now;
      },
    });
    const stepMs = median(times.slice(warmup));
    // tf.profile's peakBytes is the most tensor memory alive at once during the step, resident tensors included.
    const residentBytes = tf.memory().numBytes;
    const profile = await tf.profile(() => {
      train(model, trainSet, { ...options, steps: 1 });
    });
    const adapterBytes = storedBytes(model, dir);
    return { adapterBytes, trainable, stepMs, residentBytes, stepPeakBytes: profile.peakBytes - residentBytes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    disposeModel(model);
  }
}

/** The bytes a method's fine-tuned result takes on disk beyond the base model (see MethodCost.adapterBytes). */
function storedBytes(model: Model, dir: string): number {
  if (model.adapter?.method === "full") {
    const file = path.join(dir, "trained.safetensors");
    writeSafetensors(file, safetensorsInput(trainableVariables(model)), { format: "pt" });
    return fs.statSync(file).size;
  }
  saveAdapter(model, dir);
  // The weights and peft's config: what a checkpoint costs (the model card and qkv-lab's side file are text about it).
  return [ADAPTER_WEIGHTS, ADAPTER_CONFIG].reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}

/**
 * The first step at which a loss curve (points of mean loss over windows, as FineTuneResult.loss) is at or
 * below `target`; null when it never gets there.
 */
export function stepsToLoss(curve: readonly { step: number; loss: number }[], target: number): number | null {
  const hit = curve.find((p) => Number.isFinite(p.loss) && p.loss <= target);
  return hit === undefined ? null : hit.step;
}
