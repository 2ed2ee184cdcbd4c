// What a forward pass needs besides the weights: a batch of token ids prepared once on the host, and
// whether it trains (dropout on, each dropout site drawing its own seed from a deterministic sequence).
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random/index";

export interface Batch {
  /** [B, T] int32 token ids, right-padded. */
  inputIds: tf.Tensor2D;
  /** [B, T] float32: 1 for tokens, 0 for padding. */
  attentionMask: tf.Tensor2D;
  /** [B] int32 index of each row's last token (the decoder's score head reads it). */
  lastIndex: tf.Tensor1D;
}

/** Successive seeds for dropout: the same starting seed gives the same masks, call after call. */
export class SeedSequence {
  private readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed, 1);
  }
  next(): number {
    return this.rng.int(0x7fffffff);
  }
}

export interface ForwardOptions {
  /** Dropout seeds; absent means evaluation (no dropout). */
  seeds?: SeedSequence;
}

/** A batch from rows of token ids: right-padded with padId to the longest row (or to `length`). */
export function makeBatch(rows: readonly (readonly number[])[], padId: number, length?: number): Batch {
  const T = length ?? Math.max(1, ...rows.map((r) => r.length));
  const B = rows.length;
  const ids = new Int32Array(B * T).fill(padId);
  const mask = new Float32Array(B * T);
  const last = new Int32Array(B);
  rows.forEach((row, b) => {
    if (row.length > T) throw new RangeError(`row ${b} has ${row.length} tokens, more than the batch length ${T}`);
    if (row.length === 0) throw new RangeError(`row ${b} is empty`);
    for (let t = 0; t < row.length; t++) {
      ids[b * T + t] = row[t];
      mask[b * T + t] = 1;
    }
    last[b] = row.length - 1;
  });
  return {
    inputIds: tf.tensor2d(ids, [B, T], "int32"),
    attentionMask: tf.tensor2d(mask, [B, T]),
    lastIndex: tf.tensor1d(last, "int32"),
  };
}

export function disposeBatch(batch: Batch): void {
  tf.dispose([batch.inputIds, batch.attentionMask, batch.lastIndex]);
}
