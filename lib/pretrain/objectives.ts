// The two pretraining objectives as batches: which positions are predicted and what the targets are.
//   masked LM (RoBERTa): 15 % of the real tokens of each row (at least one) are chosen; of those 80 % become
//     [MASK], 10 % a random token, 10 % stay; the loss is over the chosen positions only (BERT's recipe);
//   causal LM (Llama): every position predicts the next token of its row.
// Everything random comes from the Rng passed in, so a step's batch depends only on (seed, step).
import { Batch, makeBatch } from "../models/index";
import { Rng } from "../random/index";

export interface LmBatch {
  batch: Batch;
  /** Flat indices b·T + t of the predicted positions in the [B·T, d] hidden states. */
  positions: Int32Array;
  /** The token each predicted position should produce. */
  targets: Int32Array;
}

export interface MaskingVocab {
  size: number;
  maskId: number;
  padId: number;
  /** Ids never chosen for prediction nor drawn as random replacements ([CLS], [SEP], [PAD], …). */
  specialIds: ReadonlySet<number>;
}

export const MASK_RATE = 0.15;

/** A masked-LM batch from rows of token ids (each [CLS] … [SEP]). */
export function maskedLmBatch(
  rows: readonly (readonly number[])[], vocab: MaskingVocab, rng: Rng, rate = MASK_RATE,
): LmBatch {
  if (!(rate > 0 && rate < 1)) throw new RangeError(`mask rate must be in (0, 1), got ${rate}`);
  const T = Math.max(...rows.map((r) => r.length));
  const inputs: number[][] = [];
  const positions: number[] = [];
  const targets: number[] = [];
  rows.forEach((row, b) => {
    const candidates = row.map((_, t) => t).filter((t) => !vocab.specialIds.has(row[t]));
    const chosen = candidates.filter(() => rng.uniform() < rate);
    if (chosen.length === 0 && candidates.length > 0) chosen.push(candidates[rng.int(candidates.length)]);
    const input = [...row];
    for (const t of chosen) {
      const u = rng.uniform();
      if (u < 0.8) input[t] = vocab.maskId;
      else if (u < 0.9) input[t] = randomToken(vocab, rng);
      positions.push(b * T + t);
      targets.push(row[t]);
    }
    inputs.push(input);
  });
  return {
    batch: makeBatch(inputs, vocab.padId, T), positions: Int32Array.from(positions), targets: Int32Array.from(targets),
  };
}

/** A causal-LM batch: position t of each row predicts token t + 1. */
export function causalLmBatch(rows: readonly (readonly number[])[], padId: number): LmBatch {
  const T = Math.max(...rows.map((r) => r.length));
  const positions: number[] = [];
  const targets: number[] = [];
  rows.forEach((row, b) => {
    for (let t = 0; t + 1 < row.length; t++) {
      positions.push(b * T + t);
      targets.push(row[t + 1]);
    }
  });
  return { batch: makeBatch(rows, padId, T), positions: Int32Array.from(positions), targets: Int32Array.from(targets) };
}

function randomToken(vocab: MaskingVocab, rng: Rng): number {
  for (;;) {
    const id = rng.int(vocab.size);
    if (!vocab.specialIds.has(id)) return id;
  }
}
