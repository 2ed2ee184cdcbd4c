// Inputs for the tokenizer tests: seeded random texts that reach every branch of the BERT and GPT-2
// pipelines (whitespace and control characters by Unicode's and JavaScript's differing definitions,
// accents, CJK blocks, emoji, contractions, other scripts' digits, special tokens written in the text,
// words over 100 characters), and the reference cases pinned in tokenizer_reference.json.
// Run directly, it prints the request that hf_tokenizers.py answers (see there).
import * as path from "node:path";
import { Rng } from "../../lib/random/index";
import { REPO_ROOT } from "../../lib/paths";

/** The shared data directory (tokenizer files, GLUE), which the project must also run without. */
export const SHARED_DIR = process.env.SHARED_DIR ?? path.resolve(REPO_ROOT, "../shared");
export const TOKENIZER_DIRS = {
  bert: path.join(SHARED_DIR, "tokenizers", "bert-base-uncased"),
  roberta: path.join(SHARED_DIR, "tokenizers", "roberta-base"),
};

const FRAGMENTS = [
  "the", "The", "QUICK", "brown", "fox", "Hello", "world", "don't", "it's", "we're", "I've", "I'm", "you'll", "he'd",
  "IT'S", "'S", "'", "''", "`", "--", "...", "?!", "(a)", "[b]", "{c}", "$5", "3.14", "1,000", "2024", "#tag", "@user",
  "e-mail", "naïve", "café", "Straße", "ẞ", "Ångström", "résumé", "ǅ", "İstanbul", "ΣΟΦΟΣ", "ς", "Ελλάδα", "Москва",
  "東京", "你好", "世界", "한국어", "こんにちは", "カタカナ", "𠀀", "𫠠", "𫤠", "𬺰", "丽", "👍", "👍🏽", "👨‍👩‍👧", "🇫🇷", "🥰",
  "\u{1FAE8}", "مرحبا", "שלום", "हिन्दी", "ไทย", "²", "½", "Ⅻ", "٣", "€", "©", "™", "←", "∑", "ﬁ", "ｆｕｌｌ", "a\u0301",
  "\u0300", "\u00b4", "\u212b", "[MASK]", "[CLS]", "[cls]", "[SEP]", "<mask>", "<s>", "</s>", "<pad>", "<unk>", "<MASK>",
  "\u200b", "\u200d", "\ufeff", "\u00ad", "\ue000", "\u{10fffd}", "\u0378", "\ufffd", "\u0000", "\u0007", "\u007f",
  "\u0085", "\u000b", "\u000c", "\u2028", "\u2029", "\u00a0", "\u3000", "\u1680", "\u2003", "\u202f",
  "x".repeat(101), "ab".repeat(60), "supercalifragilisticexpialidocious", "antidisestablishmentarianism",
];
const SPACES = [" ", " ", " ", "  ", "\t", "\n", "\r\n", " \n ", "   "];

/** A random code point that is a Unicode scalar value (no surrogates): real text cannot hold those. */
function randomScalar(rng: Rng): string {
  const ranges = [[0x20, 0x7e], [0xa0, 0x24f], [0x370, 0x3ff], [0x400, 0x4ff], [0x3040, 0x30ff], [0x4e00, 0x9fff], [0x1f300, 0x1faff], [0, 0x10ffff]];
  const [lo, hi] = ranges[rng.int(ranges.length)];
  let cp = lo + rng.int(hi - lo + 1);
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x20;
  return String.fromCodePoint(cp);
}

/**
 * Seeded random text of 1 to `pieces` fragments, spaces and random characters. Never empty: transformers
 * reads an empty second text as no pair at all, which is its Python API's doing, not the tokenizer's.
 */
export function randomText(rng: Rng, pieces = 12): string {
  let out = "";
  for (let n = 1 + rng.int(pieces); n > 0; n--) {
    const r = rng.uniform();
    if (r < 0.5) out += FRAGMENTS[rng.int(FRAGMENTS.length)];
    else if (r < 0.8) out += SPACES[rng.int(SPACES.length)];
    else out += Array.from({ length: 1 + rng.int(4) }, () => randomScalar(rng)).join("");
  }
  return out;
}

export interface ReferenceCase {
  tokenizer: "bert" | "roberta";
  text?: string;
  pair?: string;
  batch?: (string | [string, string])[];
  max_length?: number;
  truncation?: "longest_first" | "only_first" | "only_second";
  padding?: "max_length" | "longest";
}

/** The pinned cases: singles, pairs, truncation with every strategy, padding, batches. */
export function referenceCases(seed = 1): ReferenceCase[] {
  const rng = new Rng(seed);
  const cases: ReferenceCase[] = [];
  for (const tokenizer of ["bert", "roberta"] as const) {
    for (const text of FRAGMENTS) cases.push({ tokenizer, text });
    for (let i = 0; i < 120; i++) cases.push({ tokenizer, text: randomText(rng) });
    for (let i = 0; i < 40; i++) cases.push({ tokenizer, text: randomText(rng), pair: randomText(rng) });
    // Truncation: lengths around the special-token count and around the texts' lengths.
    for (let i = 0; i < 40; i++) {
      const truncation = (["longest_first", "longest_first", "only_first", "only_second"] as const)[i % 4];
      const text = randomText(rng, 20);
      const pair = i % 8 === 0 ? {} : { pair: randomText(rng, 20) }; // some single texts under longest_first
      cases.push({ tokenizer, text, ...pair, max_length: 4 + rng.int(24), truncation, padding: "max_length" });
    }
    cases.push({ tokenizer, batch: [randomText(rng), [randomText(rng), randomText(rng)], "", "a"], padding: "longest" });
  }
  return cases;
}

if (require.main === module) {
  process.stdout.write(JSON.stringify({ dirs: TOKENIZER_DIRS, cases: referenceCases() }));
}
