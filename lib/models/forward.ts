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
  /** [B, T] int32 token types (BERT's segments: 0 for the first text, 1 for the second); absent means all 0. */
  tokenTypeIds?: tf.Tensor2D;
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

/**
 * A batch from rows of token ids: right-padded with padId to the longest row (or to `length`). `typeIds`, one
 * row per row of ids (or undefined for all 0), gives the token types; padding gets type 0. Without any, the
 * batch has no tokenTypeIds tensor at all.
 */
export function makeBatch(
  rows: readonly (readonly number[])[],
  padId: number,
  length?: number,
  typeIds?: readonly (readonly number[] | undefined)[],
): Batch {
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
  const batch: Batch = {
    inputIds: tf.tensor2d(ids, [B, T], "int32"),
    attentionMask: tf.tensor2d(mask, [B, T]),
    lastIndex: tf.tensor1d(last, "int32"),
  };
  if (typeIds !== undefined && typeIds.some((t) => t !== undefined)) {
    if (typeIds.length !== B) throw new RangeError(`${typeIds.length} rows of token types for ${B} rows of ids`);
    const types = new Int32Array(B * T);
    typeIds.forEach((row, b) => {
      if (row === undefined) return;
      if (row.length !== rows[b].length) {
        throw new RangeError(`row ${b} has ${rows[b].length} ids but ${row.length} token types`);
      }
      for (let t = 0; t < row.length; t++) types[b * T + t] = row[t];
    });
    batch.tokenTypeIds = tf.tensor2d(types, [B, T], "int32");
  }
  return batch;
}

export function disposeBatch(batch: Batch): void {
  tf.dispose([
    batch.inputIds, batch.attentionMask, batch.lastIndex, ...(batch.tokenTypeIds ? [batch.tokenTypeIds] : []),
  ]);
}
