// A WordPiece vocabulary learned from a corpus, for the models this project pretrains itself: the special
// tokens, every character seen (alone and as a "##" continuation, so no word is ever [UNK]), then the most
// frequent whole words up to the size asked for. A closed-vocabulary corpus (the built-in tasks) gets one
// token per word; an open one (GLUE text) spells its rare words out in characters.
import { SpecialTokens } from "./tokenizer";
import { WordPieceTokenizer } from "./wordpiece";

/**
 * The specials in RoBERTa's id order (<s> 0, <pad> 1, </s> 2, <unk> 3, <mask> 4) under BERT's names, so the
 * encoder keeps RoBERTa's pad id 1 (its positions count from padTokenId + 1).
 */
export const PRETRAIN_SPECIALS: Required<SpecialTokens> = {
  cls: "[CLS]", pad: "[PAD]", sep: "[SEP]", unk: "[UNK]", mask: "[MASK]",
};

export interface VocabOptions {
  /** Upper bound on the vocabulary size, specials and characters included. */
  maxSize: number;
  /** Words seen fewer times are left to their characters. Default 2. */
  minCount?: number;
}

/** The vocabulary as vocab.txt lists it: the token with id i on line i. */
export function buildWordPieceVocab(texts: Iterable<string>, options: VocabOptions): string[] {
  const minCount = options.minCount ?? 2;
  if (!Number.isInteger(options.maxSize) || options.maxSize < 1) {
    throw new RangeError(`maxSize must be a positive integer, got ${options.maxSize}`);
  }
  if (!Number.isInteger(minCount) || minCount < 1) {
    throw new RangeError(`minCount must be a positive integer, got ${minCount}`);
  }
  const specials = [
    PRETRAIN_SPECIALS.cls, PRETRAIN_SPECIALS.pad, PRETRAIN_SPECIALS.sep, PRETRAIN_SPECIALS.unk, PRETRAIN_SPECIALS.mask,
  ];
  // A tokenizer over the specials alone gives BERT's normalizer and pre-tokenizer.
  const splitter = new WordPieceTokenizer(new Map(specials.map((t, i) => [t, i])), { specials: PRETRAIN_SPECIALS });
  const words = new Map<string, number>();
  for (const text of texts) {
    for (const word of splitter.preTokenize(splitter.normalize(text))) words.set(word, (words.get(word) ?? 0) + 1);
  }
  const chars = new Set<string>();
  for (const word of words.keys()) for (const ch of word) chars.add(ch);
  const alphabet = [...chars].sort();
  const vocab = [...specials, ...alphabet, ...alphabet.map((ch) => `##${ch}`)];
  if (vocab.length > options.maxSize) {
    throw new RangeError(`maxSize ${options.maxSize} is below the ${vocab.length} tokens the specials and ` +
      `the corpus's ${alphabet.length} characters need`);
  }
  const taken = new Set(vocab);
  // Most frequent first; ties in code-point order, so the same corpus always gives the same file.
  const ranked = [...words]
    .filter(([w, n]) => n >= minCount && !taken.has(w))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [word] of ranked) {
    if (vocab.length >= options.maxSize) break;
    vocab.push(word);
  }
  return vocab;
}
