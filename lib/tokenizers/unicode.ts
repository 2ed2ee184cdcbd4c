// Character classes as Hugging Face's Rust tokenizers define them (checked against tokenizers 0.23 on
// edge characters: NEL, BOM, private use, unassigned code points, the CJK extension blocks).

// Rust's char::is_whitespace (the Unicode White_Space property). JavaScript's \s differs from it:
// it includes U+FEFF and leaves out U+0085.
const WHITESPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
export const WHITESPACE_CLASS =
  "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

export function isWhitespace(c: string): boolean {
  return WHITESPACE.test(c);
}

// BertNormalizer's "control": control, format, private-use and surrogate categories, except tab, newline
// and carriage return (which are whitespace). Unassigned code points are kept, as the Rust code keeps them.
const CONTROL = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u;

export function isBertControl(c: string): boolean {
  return c !== "\t" && c !== "\n" && c !== "\r" && CONTROL.test(c);
}

// BertPreTokenizer's punctuation: ASCII punctuation (which includes $+<=>^`|~, symbols in Unicode terms)
// or any Unicode punctuation category.
const PUNCTUATION = /[!-/:-@[-`{-~\p{P}]/u;

export function isBertPunctuation(c: string): boolean {
  return PUNCTUATION.test(c);
}

/**
 * The CJK Unified Ideograph blocks that BERT splits into single characters. The Rust implementation starts
 * the fourth supplementary range at U+2B920 where Google's Python has U+2B820; we follow Rust.
 */
export function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Replaces unpaired UTF-16 surrogates with U+FFFD, as encoding the string to UTF-8 does (TextEncoder,
 * Buffer): Hugging Face's tokenizers only ever see valid Unicode.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\ufffd");
}
