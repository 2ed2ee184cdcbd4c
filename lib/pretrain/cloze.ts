// What pretraining taught a model, as cloze accuracy: the share of "[MASK]" sentences whose answer the model
// ranks first. A masked-LM encoder reads the whole sentence; a causal-LM decoder reads the words before the
// mask and predicts the next one. Two probes on the built-in corpus's own templates tell apart the two things
// a fine-tune can build on:
//   copy      "a dull script is a bad [MASK] ." → script: content routed from one position to another (attention);
//   polarity  "a dull script is a [MASK] script ." → bad: what each sentiment word means (lexical semantics).
//   synonym   "to fix something is to [MASK] it ." → repair or mend: which words QQP's paraphrases may swap.
// Chance is 1/40 for copy (the film nouns), 1/2 for polarity and about 1/20 for synonym (1–2 of 39 verbs). A
// model that is still on the early plateau (near-uniform attention, unigram and position statistics) scores
// chance while its loss looks good.
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { ACTION_SYNSETS, FILM_NOUNS, NEGATIVE_ADJECTIVES, POSITIVE_ADJECTIVES } from "../data/builtin/lexicon";
import { disposeBatch, disposeModel, loadModel, makeBatch, Model, modelHidden } from "../models/index";
import { Rng } from "../random/index";
import { loadSafetensors } from "../safetensors/index";
import { loadTokenizer, Tokenizer } from "../tokenizers/index";
import { lmHeadShapes, lmLogits } from "./heads";

export interface ClozeItem {
  /** A sentence with one "[MASK]" word. */
  text: string;
  answer: string;
  /** Every word counted right (default: `answer` alone); the probability reported is `answer`'s. */
  accept?: readonly string[];
}

export interface ClozeResult {
  accuracy: number;
  /** Mean probability the model gives the answer. */
  meanAnswerProbability: number;
  items: { text: string; answer: string; predicted: string; probability: number }[];
}

/** The built-in probes: `n` copy and `n` polarity items from the SST-2 corpus's gloss template, seeded. */
export function builtinClozeItems(n: number, seed = 0): { copy: ClozeItem[]; polarity: ClozeItem[] } {
  const rng = new Rng(seed, 0xc102e);
  const copy: ClozeItem[] = [];
  const polarity: ClozeItem[] = [];
  for (let i = 0; i < n; i++) {
    const positive = rng.int(2) === 1;
    const adjectives = positive ? POSITIVE_ADJECTIVES : NEGATIVE_ADJECTIVES;
    const adjective = adjectives[rng.int(adjectives.length)];
    const noun = FILM_NOUNS[rng.int(FILM_NOUNS.length)];
    const judgement = positive ? "good" : "bad";
    copy.push({ text: `a ${adjective} ${noun} is a ${judgement} [MASK] .`, answer: noun });
    polarity.push({ text: `a ${adjective} ${noun} is a [MASK] ${noun} .`, answer: judgement });
  }
  return { copy, polarity };
}

/**
 * The synonym probe, one item per verb of the QQP corpus's synonym sets, on its gloss template ("to fix something is
 * to mend it ."): any other verb of the set counts.
 */
export function builtinSynonymItems(): ClozeItem[] {
  return ACTION_SYNSETS.flatMap(({ words }) => words.map((verb) => {
    const others = words.filter((w) => w !== verb);
    return { text: `to ${verb} something is to [MASK] it .`, answer: others[0], accept: others };
  }));
}

/** Cloze accuracy of the pretrained checkpoint in `dir` (its LM head included) on `items`. */
export function clozeAccuracy(dir: string, items: readonly ClozeItem[]): ClozeResult {
  const tokenizer = loadTokenizer(dir);
  const model = loadLanguageModel(dir);
  try {
    const results = items.map((item) => predictMask(model, tokenizer, item));
    return {
      accuracy: results.filter((r, i) => (items[i].accept ?? [items[i].answer]).includes(r.predicted)).length /
        Math.max(1, results.length),
      meanAnswerProbability: results.reduce((s, r) => s + r.probability, 0) / Math.max(1, results.length),
      items: results,
    };
  } finally {
    disposeModel(model);
  }
}

/** The model with the LM-head tensors that loadModel sets aside for fine-tuning (none for a tied decoder). */
export function loadLanguageModel(dir: string): Model {
  const model = loadModel(dir, { labels: 2 }).model;
  const names = [...lmHeadShapes(model.config).keys()];
  const file = path.join(dir, "model.safetensors");
  if (!fs.existsSync(file)) throw new Error(`${dir}: no model.safetensors`);
  const { tensors } = loadSafetensors(file, { names });
  for (const name of names) {
    const t = tensors.get(name)!;
    model.tensors.set(name, tf.tensor(t.data as Float32Array, t.shape, "float32"));
  }
  return model;
}

function predictMask(model: Model, tokenizer: Tokenizer, item: ClozeItem): ClozeResult["items"][number] {
  const maskId = tokenizer.tokenToId("[MASK]") ?? -1;
  if (model.config.architecture === "encoder" && maskId < 0) throw new Error("the tokenizer has no [MASK] token");
  const [before, after, ...rest] = item.text.split("[MASK]");
  if (after === undefined || rest.length > 0) {
    throw new Error(`cloze item ${JSON.stringify(item.text)} must contain exactly one [MASK]`);
  }
  const answerIds = tokenizer.tokenize(item.answer);
  if (answerIds.length !== 1) {
    throw new Error(`cloze answer ${JSON.stringify(item.answer)} is not one token of this vocabulary`);
  }
  const left = tokenizer.tokenize(before.trim());
  const encoder = model.config.architecture === "encoder";
  // The encoder predicts at the [MASK] position; the decoder predicts the next token after the last word before it
  // (its pretraining rows start with the [CLS] id as the beginning of a sentence).
  const ids = encoder
    ? [tokenizer.clsId, ...left, maskId, ...tokenizer.tokenize(after.trim()), tokenizer.sepId]
    : [tokenizer.clsId, ...left];
  const at = encoder ? left.length + 1 : left.length;
  const batch = makeBatch([ids], model.config.padTokenId);
  const probabilities = tf.tidy(() => {
    const hidden = tf.slice(modelHidden(model, batch), [at, 0], [1, -1]) as tf.Tensor2D;
    return tf.softmax(lmLogits(model, hidden, {})).dataSync();
  });
  disposeBatch(batch);
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
  return {
    text: item.text, answer: item.answer, predicted: tokenizer.idsToTokens([best])[0],
    probability: probabilities[answerIds[0]],
  };
}
