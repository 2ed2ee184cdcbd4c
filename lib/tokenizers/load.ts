// Tokenizers from a model directory as Hugging Face lays it out: vocab.txt (WordPiece) or vocab.json +
// merges.txt (byte-level BPE), with tokenizer_config.json and special_tokens_map.json read when present.
import * as fs from "fs";
import * as path from "path";
import { ByteLevelBpeTokenizer } from "./bpe";
import { SpecialTokens, Tokenizer, TokenizerError } from "./tokenizer";
import { WordPieceTokenizer } from "./wordpiece";

export function loadTokenizer(dir: string): Tokenizer {
  const has = (name: string) => fs.existsSync(path.join(dir, name));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new TokenizerError(`${dir}: not a directory`);
  const config = readConfig(dir);
  const specials = specialTokens(config, dir);
  if (has("vocab.json") || has("merges.txt")) {
    for (const name of ["vocab.json", "merges.txt"]) {
      if (!has(name)) {
        throw new TokenizerError(
          `${path.join(dir, name)}: missing (a byte-level BPE tokenizer needs vocab.json and merges.txt)`,
        );
      }
    }
    const vocab = readVocabJson(path.join(dir, "vocab.json"));
    const merges = readMerges(path.join(dir, "merges.txt"));
    const addPrefixSpace = optionalBoolean(config, "add_prefix_space", dir);
    return new ByteLevelBpeTokenizer(vocab, merges, { specials, addPrefixSpace }, dir);
  }
  if (has("vocab.txt")) {
    return new WordPieceTokenizer(readVocabTxt(path.join(dir, "vocab.txt")), {
      specials,
      lowercase: optionalBoolean(config, "do_lower_case", dir),
      stripAccents: optionalBoolean(config, "strip_accents", dir),
      handleChineseChars: optionalBoolean(config, "tokenize_chinese_chars", dir),
    }, dir);
  }
  throw new TokenizerError(
    `${dir}: no tokenizer files (expected vocab.txt for WordPiece, or vocab.json and merges.txt for byte-level BPE)`,
  );
}

function readText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new TokenizerError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8Line(bytes);
    throw new TokenizerError(`${file}:${bad}: not valid UTF-8`);
  }
}

function firstInvalidUtf8Line(bytes: Buffer): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return line;
}

/** The lines of a file without their line ends; a final line end does not start an empty line. */
function lines(text: string): string[] {
  const out = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/** vocab.txt: one token per line, the id being the line number from 0. */
export function readVocabTxt(file: string): Map<string, number> {
  const vocab = new Map<string, number>();
  lines(readText(file)).forEach((token, i) => {
    if (token === "" || /\s/u.test(token)) {
      throw new TokenizerError(
        `${file}:${i + 1}: ${token === "" ? "empty line" : `token ${JSON.stringify(token)} contains whitespace`}`,
      );
    }
    const seen = vocab.get(token);
    if (seen !== undefined) {
      throw new TokenizerError(`${file}:${i + 1}: token ${JSON.stringify(token)} already on line ${seen + 1}`);
    }
    vocab.set(token, i);
  });
  if (vocab.size === 0) throw new TokenizerError(`${file}: empty vocabulary`);
  return vocab;
}

/** vocab.json: an object from token to id. */
export function readVocabJson(file: string): Map<string, number> {
  const text = readText(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const line = at === null ? "" : `:${text.slice(0, Number(at[1])).split("\n").length}`;
    throw new TokenizerError(`${file}${line}: not valid JSON (${message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new TokenizerError(`${file}: must be a JSON object from token to id`);
  }
  const vocab = new Map<string, number>();
  const owners = new Map<number, string>();
  for (const [token, id] of Object.entries(json)) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
      throw new TokenizerError(
        `${file}: token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, not a non-negative integer`,
      );
    }
    const owner = owners.get(id);
    if (owner !== undefined) {
      throw new TokenizerError(
        `${file}: id ${id} is given to both ${JSON.stringify(owner)} and ${JSON.stringify(token)}`,
      );
    }
    owners.set(id, token);
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw new TokenizerError(`${file}: empty vocabulary`);
  return vocab;
}

/** merges.txt: "#version" lines skipped, then one "left right" pair per line in rank order. */
export function readMerges(file: string): [string, string][] {
  const merges: [string, string][] = [];
  lines(readText(file)).forEach((line, i) => {
    if (line.startsWith("#version")) return;
    const parts = line.split(" ");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      throw new TokenizerError(
        `${file}:${i + 1}: expected two tokens separated by one space, got ${JSON.stringify(line)}`,
      );
    }
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}

type Config = Record<string, unknown>;

/** tokenizer_config.json overlaid by special_tokens_map.json, or {} when neither exists. */
function readConfig(dir: string): Config {
  const config: Config = {};
  for (const name of ["tokenizer_config.json", "special_tokens_map.json"]) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) continue;
    let json: unknown;
    try {
      json = JSON.parse(readText(file));
    } catch (err) {
      if (err instanceof TokenizerError) throw err;
      throw new TokenizerError(`${file}: not valid JSON (${(err as Error).message})`);
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new TokenizerError(`${file}: must be a JSON object`);
    }
    Object.assign(config, json);
  }
  return config;
}

function optionalBoolean(config: Config, key: string, dir: string): boolean | undefined {
  const v = config[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") {
    throw new TokenizerError(`${dir}: tokenizer config ${key} must be true or false, got ${JSON.stringify(v)}`);
  }
  return v;
}

// Hugging Face writes a special token as a string or as an AddedToken object {"content": "<s>", ...}.
function specialTokens(config: Config, dir: string): Partial<SpecialTokens> {
  const out: Partial<SpecialTokens> = {};
  const fields: [keyof SpecialTokens, string][] = [
    ["cls", "cls_token"], ["sep", "sep_token"], ["pad", "pad_token"], ["unk", "unk_token"], ["mask", "mask_token"],
  ];
  for (const [field, key] of fields) {
    const v = config[key];
    if (v === undefined || v === null) continue;
    const content = typeof v === "object" && !Array.isArray(v) ? (v as { content?: unknown }).content : v;
    if (typeof content !== "string" || content === "") {
      throw new TokenizerError(
        `${dir}: ${key} must be a token string or {"content": string}, got ${JSON.stringify(v)}`,
      );
    }
    out[field] = content;
  }
  return out;
}
