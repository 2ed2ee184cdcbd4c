// What `qkv pretrain` and the testbed notebook run: for a (model, corpus) pair, the text, the learned
// vocabulary, the model shape and the optimisation settings, sized for a run of 10-20 minutes on two CPU
// cores. The built-in corpus is a closed vocabulary of about a thousand words; GLUE text needs a larger
// vocabulary (rare words are spelled out in characters).
import * as path from "path";
import { ensureSuite, isSentimentGloss } from "../data/builtin/index";
import { glueDir } from "../data/glue";
import { ModelConfig, preset } from "../models/index";
import { REPO_ROOT } from "../paths";
import { builtinSentences, glueSentences, tokenizeCorpus } from "./corpus";
import { PretrainCorpus, PretrainError, PretrainSpec } from "./run";

export type PretrainModel = "encoder" | "decoder";
export type PretrainCorpusName = "builtin" | "glue";

export interface RecipeOptions {
  model: PretrainModel;
  corpus: PretrainCorpusName;
  /** The built-in suite's folder (default data/tasks; the default suite is written there when absent). */
  tasksDir?: string;
  /** The GLUE folder (default $GLUE_DIR). */
  glueDir?: string;
  steps?: number;
  batchSize?: number;
  lr?: number;
  warmupSteps?: number;
  weightDecay?: number;
  vocabSize?: number;
  maxLength?: number;
  /**
   * The model width d (default the mini model's, 128), for width sweeps: the feed-forward width scales with it (the
   * encoder's stays 4d), the layers and heads stay (the head dimension is d / heads).
   */
  hiddenSize?: number;
  evalEvery?: number;
  seed?: number;
  /** Called with a line worth telling the user (a suite being written). */
  log?: (line: string) => void;
}

export const RECIPE_DEFAULTS: Record<PretrainCorpusName, { steps: number; vocabSize: number; maxLength: number }> = {
  builtin: { steps: 2400, vocabSize: 2048, maxLength: 64 },
  glue: { steps: 1500, vocabSize: 8192, maxLength: 64 },
};

/**
 * The masked-LM curriculum on the built-in corpus: for the first 5/8 of the steps, 60 % of the rows are the SST-2
 * corpus's glosses ("a dull script is a bad script ."), 4 % of the corpus otherwise. Measured (00b): without it,
 * or with 30 % or a constant 45 %, the encoder learns the templates but not which sentiment word means what (cloze
 * polarity at chance) and pretraining does not help on the SST-2 analog; with it, polarity 100 %, and fine-tuned
 * on the SST-2 analog for 500 steps it scores 70 % against 48 % from a random start. 60 % throughout starves the
 * other tasks' text (MNLI at chance), hence the switch back. The causal LM needs none: the decoder has none.
 */
export const ENCODER_BUILTIN_CURRICULUM = { share: 0.6, fraction: 5 / 8, steps: 3200 };

/**
 * Where a (model, corpus) checkpoint lives by default: data/checkpoints/MODEL-CORPUS, or MODEL-CORPUS-dN for a width N
 * other than the mini model's.
 */
export function checkpointDir(model: PretrainModel, corpus: PretrainCorpusName, hiddenSize?: number): string {
  const width = hiddenSize === undefined || hiddenSize === miniShape(model).hiddenSize ? "" : `-d${hiddenSize}`;
  return path.join(REPO_ROOT, "data", "checkpoints", `${model}-${corpus}${width}`);
}

function miniShape(model: PretrainModel): ModelConfig {
  return preset(model === "encoder" ? "encoder-mini" : "decoder-mini");
}

/** The mini model's shape at width d: heads and layers kept, the feed-forward width scaled with d. */
function widthShape(model: PretrainModel, hiddenSize: number | undefined): ModelConfig {
  const shape = miniShape(model);
  if (hiddenSize === undefined) return shape;
  const heads = shape.numHeads;
  if (!Number.isInteger(hiddenSize) || hiddenSize <= 0 || hiddenSize % (2 * heads) !== 0) {
    throw new PretrainError(
      `hiddenSize must be a positive multiple of ${2 * heads} (${heads} heads, each an even width), got ${hiddenSize}`,
    );
  }
  const intermediateSize = Math.round((shape.intermediateSize * hiddenSize) / shape.hiddenSize);
  return { ...shape, hiddenSize, intermediateSize } as ModelConfig;
}

export function pretrainRecipe(options: RecipeOptions): { spec: PretrainSpec; corpus: PretrainCorpus } {
  const defaults = RECIPE_DEFAULTS[options.corpus];
  const curriculum = options.model === "encoder" && options.corpus === "builtin"
    ? ENCODER_BUILTIN_CURRICULUM
    : undefined;
  const steps = options.steps ?? curriculum?.steps ?? defaults.steps;
  const maxLength = options.maxLength ?? defaults.maxLength;
  const seed = options.seed ?? 0;
  let sentences: string[];
  let description: string;
  if (options.corpus === "builtin") {
    const dir = path.resolve(options.tasksDir ?? path.join(REPO_ROOT, "data", "tasks"));
    ensureSuite(dir, options.log);
    sentences = builtinSentences(dir);
    description = `the built-in task suite's corpus files in ${path.relative(REPO_ROOT, dir) || dir}`;
  } else {
    const dir = options.glueDir ?? glueDir();
    const glue = glueSentences(dir);
    sentences = glue.sentences;
    description = `the training splits of GLUE in ${dir} (${glue.notes.join("; ")})`;
  }
  const corpus = tokenizeCorpus(sentences, {
    description, vocabSize: options.vocabSize ?? defaults.vocabSize, maxLength, seed,
    ...(curriculum ? { isLexicon: isSentimentGloss } : {}),
  });
  const shape = widthShape(options.model, options.hiddenSize);
  // The encoder's positions start after the pad id (RoBERTa), so it needs maxLength + padTokenId + 1 of them.
  const maxPositions = options.model === "encoder" ? maxLength + shape.padTokenId + 1 : maxLength;
  const config = { ...shape, vocabSize: corpus.vocab.length, maxPositions } as ModelConfig;
  const spec: PretrainSpec = {
    config, steps, seed,
    batchSize: options.batchSize ?? 64,
    lr: options.lr ?? 1e-3,
    warmupSteps: options.warmupSteps ?? Math.round(steps * 0.06),
    weightDecay: options.weightDecay ?? 0.01,
    evalEvery: options.evalEvery ?? Math.min(100, steps),
    ...(curriculum ? { curriculum: { share: curriculum.share, steps: Math.round(steps * curriculum.fraction) } } : {}),
  };
  return { spec, corpus };
}
