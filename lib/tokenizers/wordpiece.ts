// BERT's tokenizer as Hugging Face's BertTokenizerFast runs it: BertNormalizer (clean text, space out CJK
// ideographs, strip accents, lowercase), BertPreTokenizer (split on whitespace and punctuation), then
// WordPiece (greedy longest match, continuations prefixed "##", words over 100 characters → [UNK]).
import { SpecialTokens, Tokenizer, TokenizerError } from "./tokenizer";
import { isBertControl, isBertPunctuation, isCjk, isWhitespace } from "./unicode";

export interface WordPieceOptions {
  /** Lowercase (the "uncased" models). Default true, as BertTokenizer's do_lower_case. */
  lowercase?: boolean;
  /** Strip accents (NFD, drop nonspacing marks). Default: the same as lowercase. */
  stripAccents?: boolean;
  /** Put spaces around CJK ideographs so each is a word. Default true. */
  handleChineseChars?: boolean;
  /** Drop control characters and turn every whitespace into a space. Default true. */
  cleanText?: boolean;
  specials?: Partial<SpecialTokens>;
  /** Default 100. */
  maxInputCharsPerWord?: number;
}

export const BERT_SPECIALS: SpecialTokens = { cls: "[CLS]", sep: "[SEP]", pad: "[PAD]", unk: "[UNK]", mask: "[MASK]" };

const CONTINUATION = "##";
const CACHE_LIMIT = 10_000;

// ASCII fast path: 0 letter/digit, 1 whitespace, 2 punctuation, 3 dropped (control).
const ASCII_CLASS = new Uint8Array(128).map((_, c) => {
  const ch = String.fromCharCode(c);
  return isBertControl(ch) ? 3 : isWhitespace(ch) ? 1 : isBertPunctuation(ch) ? 2 : 0;
});

export class WordPieceTokenizer extends Tokenizer {
  readonly kind = "wordpiece" as const;
  readonly lowercase: boolean;
  readonly stripAccents: boolean;
  readonly handleChineseChars: boolean;
  readonly cleanText: boolean;
  readonly maxInputCharsPerWord: number;
  private readonly unkId: number;
  /** The longest vocabulary entry in code points, which bounds every match. */
  private readonly longestToken: number;
  private readonly cache = new Map<string, number[]>();

  constructor(vocab: ReadonlyMap<string, number>, options: WordPieceOptions = {}, source = "WordPiece vocabulary") {
    const specials = { ...BERT_SPECIALS, ...options.specials };
    super(vocab, specials, 1, 1, source);
    this.lowercase = options.lowercase ?? true;
    this.stripAccents = options.stripAccents ?? this.lowercase;
    this.handleChineseChars = options.handleChineseChars ?? true;
    this.cleanText = options.cleanText ?? true;
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? 100;
    if (!Number.isInteger(this.maxInputCharsPerWord) || this.maxInputCharsPerWord <= 0) {
      throw new TokenizerError(
        `maxInputCharsPerWord must be a positive integer, got ${JSON.stringify(options.maxInputCharsPerWord)}`,
      );
    }
    this.unkId = vocab.get(specials.unk)!;
    let longest = 0;
    for (const token of vocab.keys()) {
      const chars = [...(token.startsWith(CONTINUATION) ? token.slice(CONTINUATION.length) : token)].length;
      if (chars > longest) longest = chars;
    }
    this.longestToken = longest;
  }

  /** BertNormalizer: the text the pre-tokeniser sees. */
  normalize(text: string): string {
    let out = "";
    let ascii = true;
    for (const ch of text) {
      const c = ch.codePointAt(0)!;
      if (c < 128) {
        const cls = ASCII_CLASS[c];
        if (this.cleanText && cls === 3) continue;
        out += this.cleanText && cls === 1 ? " " : ch;
        continue;
      }
      ascii = false;
      if (this.cleanText) {
        if (c === 0xfffd || isBertControl(ch)) continue;
        if (isWhitespace(ch)) {
          out += " ";
          continue;
        }
      }
      out += this.handleChineseChars && isCjk(c) ? ` ${ch} ` : ch;
    }
    if (ascii) return this.lowercase ? out.toLowerCase() : out;
    if (this.stripAccents) out = out.normalize("NFD").replace(/\p{Mn}/gu, "");
    // Character by character, as Rust's char::to_lowercase: a final Σ stays σ, not ς.
    if (this.lowercase) out = Array.from(out, (ch) => ch.toLowerCase()).join("");
    return out;
  }

  /** BertPreTokenizer: words split on whitespace, each punctuation character a word of its own. */
  preTokenize(normalized: string): string[] {
    const words: string[] = [];
    let start = -1;
    for (let i = 0; i < normalized.length; ) {
      const c = normalized.codePointAt(i)!;
      const width = c > 0xffff ? 2 : 1;
      const ch = normalized.slice(i, i + width);
      const cls = c < 128 ? ASCII_CLASS[c] : isWhitespace(ch) ? 1 : isBertPunctuation(ch) ? 2 : 0;
      if (cls === 1 || cls === 2) {
        if (start >= 0) words.push(normalized.slice(start, i));
        start = -1;
        if (cls === 2) words.push(ch);
      } else if (start < 0) start = i;
      i += width;
    }
    if (start >= 0) words.push(normalized.slice(start));
    return words;
  }

  /** WordPiece on one word: the ids of its pieces, or [UNK] alone when some part matches nothing. */
  wordPiece(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    // Offsets of the code points, so that pieces never split a surrogate pair.
    const bounds: number[] = [];
    for (let i = 0; i < word.length; i += word.codePointAt(i)! > 0xffff ? 2 : 1) bounds.push(i);
    bounds.push(word.length);
    const chars = bounds.length - 1;
    let ids: number[] = [];
    if (chars > this.maxInputCharsPerWord) ids = [this.unkId];
    else {
      for (let start = 0; start < chars; ) {
        let found = -1;
        let end = Math.min(chars, start + this.longestToken);
        for (; end > start; end--) {
          const piece = word.slice(bounds[start], bounds[end]);
          const id = this.vocab.get(start > 0 ? CONTINUATION + piece : piece);
          if (id !== undefined) {
            found = id;
            break;
          }
        }
        if (found < 0) {
          ids = [this.unkId];
          break;
        }
        ids.push(found);
        start = end;
      }
    }
    if (this.cache.size < CACHE_LIMIT) this.cache.set(word, ids);
    return ids;
  }

  protected encodeText(text: string, out: number[]): void {
    for (const word of this.preTokenize(this.normalize(text))) for (const id of this.wordPiece(word)) out.push(id);
  }
}
