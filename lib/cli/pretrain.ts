// `qkv pretrain`: masked-LM pretraining of the small RoBERTa-style encoder or causal-LM pretraining of the
// small Llama-style decoder, on the built-in suite's corpus or on the training splits of a GLUE directory.
// Writes a Hugging Face-style checkpoint with a model card; rerunning after an interruption resumes.
import * as path from "path";
import { selectBackend } from "../backend/index";
import { DataError } from "../data/errors";
import { glueDir } from "../data/glue";
import { ModelConfig, preset } from "../models/index";
import { REPO_ROOT } from "../paths";
import { progress } from "../plot/progress";
import { builtinSentences, glueSentences, tokenizeCorpus } from "../pretrain/corpus";
import { PretrainError, pretrain } from "../pretrain/run";
import { integerOption, parseCommandArgs, positiveNumber, UsageError } from "./args";

export const usage =
  "qkv pretrain --model encoder|decoder --corpus builtin|glue [--tasks-dir data/tasks] [--glue-dir DIR (default $GLUE_DIR)] " +
  "[--out data/checkpoints/MODEL-CORPUS] [--steps N] [--batch 64] [--lr 1e-3] [--warmup N] [--weight-decay 0.01] " +
  "[--vocab-size N] [--max-length 64] [--eval-every 100] [--seed 0] [--json]";

/**
 * Defaults per (model, corpus), sized for a run of 10-20 minutes on two CPU cores: the built-in corpus is a
 * closed vocabulary of about a thousand words; GLUE text needs a larger vocabulary (rare words are spelled
 * out in characters) and longer sentences.
 */
const DEFAULTS = {
  builtin: { steps: 2400, vocabSize: 2048, maxLength: 64 },
  glue: { steps: 2400, vocabSize: 8192, maxLength: 64 },
};

export async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, {
    model: { type: "string" }, corpus: { type: "string" }, "tasks-dir": { type: "string" }, "glue-dir": { type: "string" },
    out: { type: "string" }, steps: { type: "string" }, batch: { type: "string" }, lr: { type: "string" }, warmup: { type: "string" },
    "weight-decay": { type: "string" }, "vocab-size": { type: "string" }, "max-length": { type: "string" },
    "eval-every": { type: "string" }, seed: { type: "string" }, json: { type: "boolean" },
  }, usage);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\nusage: ${usage}`);
  if (v.model !== "encoder" && v.model !== "decoder") throw new UsageError(`--model must be encoder or decoder, got ${JSON.stringify(v.model)}\nusage: ${usage}`);
  if (v.corpus !== "builtin" && v.corpus !== "glue") throw new UsageError(`--corpus must be builtin or glue, got ${JSON.stringify(v.corpus)}\nusage: ${usage}`);
  const defaults = DEFAULTS[v.corpus];
  const steps = integerOption(v.steps ?? String(defaults.steps), "--steps", 1);
  const maxLength = integerOption(v["max-length"] ?? String(defaults.maxLength), "--max-length", 3);
  const seed = integerOption(v.seed ?? "0", "--seed", 0);
  const out = path.resolve(v.out ?? path.join(REPO_ROOT, "data", "checkpoints", `${v.model}-${v.corpus}`));

  let sentences: string[];
  let description: string;
  try {
    if (v.corpus === "builtin") {
      const dir = path.resolve(v["tasks-dir"] ?? path.join(REPO_ROOT, "data", "tasks"));
      sentences = builtinSentences(dir);
      description = `the built-in task suite's corpus files in ${path.relative(REPO_ROOT, dir) || dir}`;
    } else {
      const dir = v["glue-dir"] ?? glueDir();
      const glue = glueSentences(dir);
      sentences = glue.sentences;
      description = `the training splits of GLUE in ${dir} (${glue.notes.join("; ")})`;
    }
  } catch (err) {
    if (err instanceof DataError || err instanceof PretrainError) throw new UsageError(err.message);
    throw err;
  }
  const corpus = tokenizeCorpus(sentences, { description, vocabSize: integerOption(v["vocab-size"] ?? String(defaults.vocabSize), "--vocab-size", 16), maxLength, seed });
  const shape = preset(v.model === "encoder" ? "encoder-mini" : "decoder-mini");
  // The encoder's positions start after the pad id (RoBERTa), so it needs maxLength + padTokenId + 1 of them.
  const maxPositions = v.model === "encoder" ? maxLength + shape.padTokenId + 1 : maxLength;
  const config = { ...shape, vocabSize: corpus.vocab.length, maxPositions } as ModelConfig;

  const choice = await selectBackend();
  if (!v.json) {
    console.error(`pretraining a ${v.model} (${config.numLayers} layers, hidden ${config.hiddenSize}, vocabulary ${config.vocabSize}) on ${corpus.train.length} sentences, ${steps} steps, backend ${choice.name}`);
  }
  const bar = progress(steps, `pretrain ${v.model}`);
  let announced = false;
  const card = pretrain(
    {
      config, steps, seed,
      batchSize: integerOption(v.batch ?? "64", "--batch", 1),
      lr: positiveNumber(v.lr ?? "1e-3", "--lr"),
      warmupSteps: integerOption(v.warmup ?? String(Math.min(steps, Math.round(steps * 0.06))), "--warmup", 0),
      weightDecay: v["weight-decay"] === undefined ? 0.01 : positiveNumber(v["weight-decay"], "--weight-decay"),
      evalEvery: integerOption(v["eval-every"] ?? "100", "--eval-every", 1),
    },
    corpus,
    out,
    {
      onProgress: (p) => {
        if (p.resumedFrom !== undefined && !announced) {
          console.error(`resuming from step ${p.resumedFrom} (state in ${path.join(out, ".resume")})`);
          bar.tick(p.resumedFrom);
        }
        announced = true;
        bar.tick(1, `loss ${p.loss.toFixed(3)}${p.validationLoss === undefined ? "" : `, validation ${p.validationLoss.toFixed(3)}`}`);
      },
    },
  )!;
  bar.done();
  if (v.json) console.log(JSON.stringify({ out, ...card }));
  else console.log(`wrote ${out}: validation loss ${card.validationLoss[card.validationLoss.length - 1].loss.toFixed(3)}, ${(card.wallSeconds / 60).toFixed(1)} min, ${card.modelBytes} bytes, sha256 ${card.modelSha256}`);
  return 0;
}
