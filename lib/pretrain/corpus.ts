// Pretraining text → a tokenized corpus: a WordPiece vocabulary learned from the text itself, every sentence
// encoded as [CLS] … [SEP] (truncated to the model's length), duplicates dropped, and a seeded held-out
// validation share. Two sources: the built-in suite's corpus files, and the training splits of a GLUE
// directory (never its evaluation sets, so fine-tuning scores are not measured on pretraining text).
import * as fs from "fs";
import * as path from "path";
import { MissingDataError } from "../data/errors";
import { GLUE_TASK_NAMES, loadGlueTask } from "../data/glue";
import { Rng } from "../random/index";
import { buildWordPieceVocab, PRETRAIN_SPECIALS, WordPieceTokenizer } from "../tokenizers/index";
import { sha256 } from "../files/index";
import { PretrainCorpus, PretrainError } from "./run";

export interface CorpusOptions {
  description: string;
  vocabSize: number;
  /** Tokens per sentence, [CLS] and [SEP] included. */
  maxLength: number;
  /** Share of the sentences held out for the validation loss (default 0.02), at most 512 of them. */
  validationShare?: number;
  seed: number;
  /** Marks the lexicon lines a curriculum oversamples (PretrainCorpus.lexicon: those among the training rows). */
  isLexicon?: (sentence: string) => boolean;
}

export function tokenizeCorpus(sentences: readonly string[], options: CorpusOptions): PretrainCorpus {
  const unique = [...new Set(sentences.map((s) => s.trim()).filter((s) => s !== ""))];
  if (unique.length < 2) {
    throw new PretrainError(
      `${options.description}: ${unique.length} distinct sentence(s); pretraining needs a corpus`,
    );
  }
  const vocab = buildWordPieceVocab(unique, { maxSize: options.vocabSize });
  const tokenizer = new WordPieceTokenizer(new Map(vocab.map((t, i) => [t, i])), { specials: PRETRAIN_SPECIALS });
  const encoded = unique.map((s) =>
    tokenizer.encode(s, undefined, { maxLength: options.maxLength, truncation: "longest_first" }).ids);
  const order = encoded.map((_, i) => i);
  const rng = new Rng(options.seed, 77);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  // Capped: the validation loss is computed every few hundred steps and must stay cheap beside training.
  const held = Math.min(512, Math.max(1, Math.round(order.length * (options.validationShare ?? 0.02))));
  const isLexicon = options.isLexicon;
  return {
    description: options.description,
    sha256: sha256(unique.join("\n")),
    vocab,
    train: order.slice(held).map((i) => encoded[i]),
    validation: order.slice(0, held).map((i) => encoded[i]),
    ...(isLexicon ? { lexicon: order.slice(held).filter((i) => isLexicon(unique[i])).map((i) => encoded[i]) } : {}),
  };
}

/** The corpus.txt of every task folder of a built-in suite (`qkv tasks` writes them), in task-name order. */
export function builtinSentences(tasksDir: string): string[] {
  if (!fs.existsSync(tasksDir)) {
    throw new PretrainError(`${tasksDir}: no built-in suite there (write one with \`qkv tasks --out ${tasksDir}\`)`);
  }
  const files = fs.readdirSync(tasksDir).sort()
    .map((task) => path.join(tasksDir, task, "corpus.txt"))
    .filter((f) => fs.existsSync(f));
  if (files.length === 0) {
    throw new PretrainError(
      `${tasksDir}: no <task>/corpus.txt files (write the suite with \`qkv tasks --out ${tasksDir}\`)`,
    );
  }
  return files.flatMap((f) => fs.readFileSync(f, "utf8").split("\n"));
}

/** The sentences of the training splits of every GLUE task present in `glueDir` (pairs give two sentences). */
export function glueSentences(glueDir: string): { sentences: string[]; notes: string[] } {
  const sentences: string[] = [];
  const notes: string[] = [];
  for (const task of GLUE_TASK_NAMES) {
    try {
      // QQP's stand-in is MRPC, already read as itself.
      if (task === "QQP" && !fs.existsSync(path.join(glueDir, "QQP"))) continue;
      const data = loadGlueTask(glueDir, task, { seed: 0 });
      for (const e of data.train) {
        sentences.push(e.text);
        if (e.pair !== undefined) sentences.push(e.pair);
      }
      notes.push(`${task}: ${data.train.length} training rows${data.substituted ? ` (${data.notes.join("; ")})` : ""}`);
    } catch (err) {
      // A task that is absent is skipped and said; a malformed file stops the run with its file and line.
      if (!(err instanceof MissingDataError)) throw err;
      notes.push(`${task}: skipped (${(err as Error).message})`);
    }
  }
  if (sentences.length === 0) {
    throw new PretrainError(`${glueDir}: no GLUE training split could be read (${notes.join("; ")})`);
  }
  return { sentences, notes };
}
