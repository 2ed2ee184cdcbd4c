// Byte-level BPE as GPT-2 and RoBERTa use it (Hugging Face's ByteLevel pre-tokeniser + BPE model): the
// text is split by GPT-2's regex, each piece's UTF-8 bytes are spelled in GPT-2's printable byte alphabet,
// and the merges are applied lowest rank first.
import { SpecialTokens, Tokenizer, TokenizerError } from "./tokenizer";
import { WHITESPACE_CLASS } from "./unicode";

export const ROBERTA_SPECIALS: SpecialTokens = { cls: "<s>", sep: "</s>", pad: "<pad>", unk: "<unk>", mask: "<mask>" };

export interface BpeOptions {
  specials?: Partial<SpecialTokens>;
  /** Put a space before a text that does not start with one (GPT-2 style). Default false, as roberta-base. */
  addPrefixSpace?: boolean;
}

/**
 * GPT-2's bytes_to_unicode: printable bytes stand for themselves, the other 68 map to U+0100 onwards in
 * byte order, so that every token is a printable string (a space is "Ġ", U+0120).
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let next = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCharCode(printable(b) ? b : 256 + next++));
  return out;
})();

// GPT-2's pattern with Rust's (Oniguruma's) \s spelled out, since JavaScript's \s differs (see unicode.ts).
const S = WHITESPACE_CLASS;
export const GPT2_PATTERN = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${S}\\p{L}\\p{N}]+|[${S}]+(?![^${S}])|[${S}]+`,
  "gu",
);

const CACHE_LIMIT = 10_000;
const encoder = new TextEncoder();

export class ByteLevelBpeTokenizer extends Tokenizer {
  readonly kind = "bpe" as const;
  readonly addPrefixSpace: boolean;
  /** (left id, right id) packed as left · vocabSize + right → merge rank and merged id. */
  private readonly merges = new Map<number, { rank: number; id: number }>();
  private readonly pairBase: number;
  private readonly byteIds: number[];
  private readonly cache = new Map<string, number[]>();

  /** `merges` in rank order; every side of a merge and its result must be in the vocabulary. */
  constructor(
    vocab: ReadonlyMap<string, number>, merges: readonly (readonly [string, string])[], options: BpeOptions = {},
    source = "BPE vocabulary",
  ) {
    super(vocab, { ...ROBERTA_SPECIALS, ...options.specials }, 0, 2, source);
    this.addPrefixSpace = options.addPrefixSpace ?? false;
    this.pairBase = this.vocabSize; // ids are below MAX_TOKEN_ID (tokenizer.ts), so packed pairs stay exact
    merges.forEach(([left, right], rank) => {
      const a = vocab.get(left);
      const b = vocab.get(right);
      const merged = vocab.get(left + right);
      const missing = a === undefined
        ? left
        : b === undefined ? right : merged === undefined ? left + right : undefined;
      if (missing !== undefined) {
        throw new TokenizerError(`${source}: merge ${rank + 1} (${JSON.stringify(left)} ${JSON.stringify(right)}) ` +
          `uses ${JSON.stringify(missing)}, which is not in the vocabulary`);
      }
      // A repeated merge keeps its last rank, as Hugging Face's map does.
      this.merges.set(a! * this.pairBase + b!, { rank, id: merged! });
    });
    // A byte missing from the vocabulary is dropped, as Hugging Face's BPE does without an unk token.
    this.byteIds = BYTE_TO_CHAR.map((ch) => vocab.get(ch) ?? -1);
  }

  /** The pre-tokeniser's pieces, spelled in the byte alphabet ("Ġworld"). */
  preTokenize(text: string): string[] {
    return this.split(text).map((piece) => Array.from(encoder.encode(piece), (b) => BYTE_TO_CHAR[b]).join(""));
  }

  protected encodeText(text: string, out: number[]): void {
    for (const piece of this.split(text)) for (const id of this.word(piece)) out.push(id);
  }

  private split(text: string): string[] {
    const input = this.addPrefixSpace && !text.startsWith(" ") ? ` ${text}` : text;
    return Array.from(input.matchAll(GPT2_PATTERN), (m) => m[0]);
  }

  /** BPE of one pre-tokenised piece, cached since words repeat. */
  private word(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached !== undefined) return cached;
    const ids: number[] = [];
    for (const b of encoder.encode(piece)) if (this.byteIds[b] >= 0) ids.push(this.byteIds[b]);
    const merged = ids.length > 1 ? this.merge(ids) : ids;
    if (this.cache.size < CACHE_LIMIT) this.cache.set(piece, merged);
    return merged;
  }

  /**
   * Applies merges lowest rank first (leftmost first among equals) with a heap over the adjacent pairs of a
   * linked list of symbols: O(n log n), so a megabyte-long "word" does not hang.
   */
  private merge(symbols: number[]): number[] {
    const n = symbols.length;
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const alive = new Uint8Array(n).fill(1);
    const heap = new PairHeap();
    const push = (pos: number) => {
      const right = next[pos];
      if (right < 0) return;
      const m = this.merges.get(symbols[pos] * this.pairBase + symbols[right]);
      if (m !== undefined) heap.push(m.rank, pos);
    };
    for (let i = 0; i + 1 < n; i++) push(i);
    while (heap.size > 0) {
      const [rank, pos] = heap.pop();
      const right = next[pos];
      if (!alive[pos] || right < 0) continue;
      const m = this.merges.get(symbols[pos] * this.pairBase + symbols[right]);
      if (m === undefined || m.rank !== rank) continue; // the pair changed since this entry was queued
      symbols[pos] = m.id;
      alive[right] = 0;
      next[pos] = next[right];
      if (next[right] >= 0) prev[next[right]] = pos;
      if (prev[pos] >= 0) push(prev[pos]);
      push(pos);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0; i = next[i]) out.push(symbols[i]);
    return out;
  }
}

/** A binary min-heap of (rank, position), ordered by rank then position. */
class PairHeap {
  private ranks: number[] = [];
  private positions: number[] = [];

  get size(): number {
    return this.ranks.length;
  }

  push(rank: number, pos: number): void {
    const r = this.ranks;
    const p = this.positions;
    let i = r.length;
    r.push(rank);
    p.push(pos);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (r[parent] < rank || (r[parent] === rank && p[parent] < pos)) break;
      r[i] = r[parent];
      p[i] = p[parent];
      i = parent;
    }
    r[i] = rank;
    p[i] = pos;
  }

  pop(): [number, number] {
    const r = this.ranks;
    const p = this.positions;
    const top: [number, number] = [r[0], p[0]];
    const rank = r.pop()!;
    const pos = p.pop()!;
    const n = r.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && (r[child + 1] < r[child] || (r[child + 1] === r[child] && p[child + 1] < p[child]))) {
          child++;
        }
        if (rank < r[child] || (rank === r[child] && pos < p[child])) break;
        r[i] = r[child];
        p[i] = p[child];
        i = child;
      }
      r[i] = rank;
      p[i] = pos;
    }
    return top;
  }
}
