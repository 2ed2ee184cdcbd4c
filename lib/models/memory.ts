// What a model needs in memory, from its configuration alone, checked before anything is allocated: a run that
// cannot fit is refused by name and number instead of dying in the allocator (tfjs-wasm's "Aborted()" after
// a minute of allocating llama-3.1-70b, "Invalid typed array length" for 1e9 labels).
// The estimates are lower bounds, so a refusal is never wrong: float32 weights; AdamW's gradient and two moments per
// trained parameter; and of the activations autograd keeps per layer, only the attention scores and probabilities,
// eight hidden-width tensors and two feed-forward-width ones. test/train checks the bound against tfjs's own
// peak-memory count of a training step.
import * as os from "os";
import * as tf from "@tensorflow/tfjs";
import { ModelConfig } from "./config";
import { backboneParameterCount, headParameterCount } from "./count";

/** tfjs-backend-wasm's heap ceiling (its getHeapMax: wasm32's 4 GiB less one 64 KiB page); every tensor lives there. */
export const WASM_HEAP_BYTES = 4294901760;

export interface MemoryNeed {
  weights: number;
  optimizer: number;
  activations: number;
  total: number;
}

/** A model or run refused before allocation: it cannot fit this machine's memory or the backend's heap. */
export class MemoryError extends Error {
  override name = "MemoryError";
}

/** Bytes of the float32 weights of `config` with a head for `labels`. */
export function weightBytes(config: ModelConfig, labels: number): number {
  return 4 * (backboneParameterCount(config) + headParameterCount(config, labels));
}

/** A lower bound on one training step's memory: weights, AdamW state for `trainable` parameters, activations. */
export function trainingNeed(
  config: ModelConfig, run: { labels: number; trainable: number; batchSize: number; sequenceLength: number },
): MemoryNeed {
  const tokens = run.batchSize * run.sequenceLength;
  const perLayer = 2 * run.batchSize * config.numHeads * run.sequenceLength ** 2 +
    tokens * (8 * config.hiddenSize + 2 * config.intermediateSize);
  const need = {
    weights: weightBytes(config, run.labels), optimizer: 12 * run.trainable,
    activations: 4 * config.numLayers * perLayer,
  };
  return { ...need, total: need.weights + need.optimizer + need.activations };
}

/** What the active backend can hold: the wasm heap (and the machine), or the machine's memory. */
export function memoryLimit(): { bytes: number; what: string } {
  const machine = { bytes: os.totalmem(), what: "this machine's memory" };
  return tf.getBackend() === "wasm" && WASM_HEAP_BYTES < machine.bytes
    ? { bytes: WASM_HEAP_BYTES, what: "the wasm backend's heap" }
    : machine;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;

/** Throws a MemoryError naming `what` and the numbers when `need` (bytes, or a MemoryNeed) exceeds memoryLimit(). */
export function checkFits(what: string, need: number | MemoryNeed): void {
  const limit = memoryLimit();
  const total = typeof need === "number" ? need : need.total;
  if (total <= limit.bytes) return;
  const parts = typeof need === "number"
    ? ""
    : ` (weights ${gib(need.weights)}, optimizer state ${gib(need.optimizer)}, activations ${gib(need.activations)})`;
  throw new MemoryError(`${what} needs at least ${gib(total)}${parts}, more than ${limit.what} (${gib(limit.bytes)})`);
}
