// `qkv pretrain`: masked-LM pretraining of the small RoBERTa-style encoder or causal-LM pretraining of the
// small Llama-style decoder, on the built-in suite's corpus or on the training splits of a GLUE directory.
// Writes a Hugging Face-style checkpoint with a model card; rerunning after an interruption resumes.
import * as path from "path";
import { selectBackend } from "../backend/index";
import { DataError } from "../data/errors";
import { progress } from "../display/progress";
import {
  checkpointDir, ENCODER_BUILTIN_CURRICULUM, PretrainError, pretrain, pretrainRecipe, RECIPE_DEFAULTS,
} from "../pretrain/index";
import { integerOption, parseCommandArgs, positiveNumber, UsageError } from "./args";

export const usage =
  "qkv pretrain --model encoder|decoder --corpus builtin|glue [--tasks-dir data/tasks] " +
  "[--glue-dir DIR (default $GLUE_DIR)] [--out data/checkpoints/MODEL-CORPUS] " +
  `[--steps N (builtin ${RECIPE_DEFAULTS.builtin.steps}, ${ENCODER_BUILTIN_CURRICULUM.steps} for the encoder, ` +
  `glue ${RECIPE_DEFAULTS.glue.steps})] [--batch 64] [--lr 1e-3] ` +
  "[--warmup N (6 % of steps)] [--weight-decay 0.01] [--vocab-size N] [--max-length 64] " +
  "[--hidden-size D (default 128; out data/checkpoints/MODEL-CORPUS-dD)] [--eval-every N] " +
  "[--seed 0] [--json]";

export async function run(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    model: { type: "string" }, corpus: { type: "string" }, "tasks-dir": { type: "string" },
    "glue-dir": { type: "string" }, out: { type: "string" }, steps: { type: "string" }, batch: { type: "string" },
    lr: { type: "string" },
    warmup: { type: "string" },
    "weight-decay": { type: "string" }, "vocab-size": { type: "string" }, "max-length": { type: "string" },
    "hidden-size": { type: "string" }, "eval-every": { type: "string" }, seed: { type: "string" },
    json: { type: "boolean" },
  }, usage);
  if (v.model !== "encoder" && v.model !== "decoder") {
    throw new UsageError(`--model must be encoder or decoder, got ${JSON.stringify(v.model)}\nusage: ${usage}`);
  }
  if (v.corpus !== "builtin" && v.corpus !== "glue") {
    throw new UsageError(`--corpus must be builtin or glue, got ${JSON.stringify(v.corpus)}\nusage: ${usage}`);
  }
  const given = v as Record<string, string | boolean | undefined>;
  const int = (option: string, min: number) =>
    (given[option] === undefined ? undefined : integerOption(given[option] as string, `--${option}`, min));
  const num = (option: string) =>
    (given[option] === undefined ? undefined : positiveNumber(given[option] as string, `--${option}`));
  const hiddenSize = int("hidden-size", 1);
  const out = path.resolve(v.out ?? checkpointDir(v.model, v.corpus, hiddenSize));
  const nonNegative = (option: string) => {
    const raw = given[option] as string | undefined;
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || value < 0) {
      throw new UsageError(`--${option} must be a number ≥ 0, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  let recipe: ReturnType<typeof pretrainRecipe>;
  try {
    recipe = pretrainRecipe({
      model: v.model, corpus: v.corpus, tasksDir: v["tasks-dir"], glueDir: v["glue-dir"],
      steps: int("steps", 1), batchSize: int("batch", 1), lr: num("lr"), warmupSteps: int("warmup", 0),
      weightDecay: nonNegative("weight-decay"), vocabSize: int("vocab-size", 16), maxLength: int("max-length", 3),
      hiddenSize, evalEvery: int("eval-every", 1), seed: int("seed", 0),
      log: (line) => console.error(line),
    });
  } catch (err) {
    if (err instanceof DataError || err instanceof PretrainError) throw new UsageError(err.message);
    throw err;
  }
  const { spec, corpus } = recipe;
  const choice = await selectBackend();
  if (!v.json) {
    console.error(`pretraining a ${v.model} (${spec.config.numLayers} layers, hidden ${spec.config.hiddenSize}, ` +
      `vocabulary ${spec.config.vocabSize}) on ${corpus.train.length} sentences, ${spec.steps} steps, ` +
      `backend ${choice.name}; interrupt at will, rerunning resumes`);
  }
  const bar = progress(spec.steps, `pretrain ${v.model}`);
  let first = true;
  const card = pretrain(spec, corpus, out, {
    onProgress: (p) => {
      if (first && p.resumedFrom !== undefined) {
        console.error(`resuming from step ${p.resumedFrom} (state in ${path.join(out, ".resume")})`);
        bar.tick(p.resumedFrom);
      }
      first = false;
      bar.tick(1, `loss ${p.loss.toFixed(3)}` +
        `${p.validationLoss === undefined ? "" : `, validation ${p.validationLoss.toFixed(3)}`}`);
    },
  })!;
  bar.done();
  if (v.json) console.log(JSON.stringify({ out, ...card }));
  else {
    console.log(`wrote ${out}: ` +
      `validation loss ${card.validationLoss[card.validationLoss.length - 1].loss.toFixed(3)}, ` +
      `${(card.wallSeconds / 60).toFixed(1)} min, ${card.modelBytes} bytes, sha256 ${card.modelSha256}`);
  }
  return 0;
}
