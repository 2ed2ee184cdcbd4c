// `qkv train --config FILE`: one fine-tuning run; prints progress and a summary, writes the history and
// evaluations as JSON (--out, atomically), the trained adapter in peft's layout (--save-adapter DIR) and the whole
// fine-tuned model as a transformers folder (--save-model DIR: what full fine-tuning saves).
import * as path from "path";
import { checkOutputPath, writeFileAtomic } from "../files/index";
import { selectBackend } from "../backend/index";
import { attachAdapter, saveAdapter } from "../lora/index";
import { createModel, disposeModel, loadModel, preset, saveModel, trainableVariables } from "../models/index";
import { loadTokenizer } from "../tokenizers/index";
import { readExamples, readRunConfig, train } from "../train/index";
import { parseCommandArgs, UsageError } from "./args";

export const usage = "qkv train --config FILE [--out result.json] [--save-adapter DIR] [--save-model DIR] [--quiet]";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    config: { type: "string" }, out: { type: "string" }, "save-adapter": { type: "string" },
    "save-model": { type: "string" }, quiet: { type: "boolean" },
  }, usage);
  if (!values.config) throw new UsageError(`--config is required\nusage: ${usage}`);
  const config = readRunConfig(values.config);
  // Refused before training, not after: an output that is an input, a folder for a file, an unwritable place.
  const inputs = [values.config, config.data.train, ...(config.data.eval ? [config.data.eval] : [])];
  if (values.out) checkOutputPath(values.out, "file", inputs, "--out");
  if (values["save-adapter"]) checkOutputPath(values["save-adapter"], "folder", inputs, "--save-adapter");
  if (values["save-model"]) checkOutputPath(values["save-model"], "folder", inputs, "--save-model");
  if (values["save-adapter"] && config.adapter.method === "full") {
    throw new UsageError("--save-adapter: full fine-tuning trains the model's own matrices and has no adapter; " +
      "use --save-model DIR (a transformers model folder)");
  }
  // One tokenizer for both files: loading a BPE vocabulary is not free (measured in bench/README.md).
  const reading = {
    tokenizer: config.data.tokenizer ? loadTokenizer(config.data.tokenizer) : undefined,
    maxLength: config.data.maxLength, labels: config.labels,
  };
  const trainSet = readExamples(config.data.train, reading);
  const evalSet = config.data.eval ? readExamples(config.data.eval, reading) : undefined;
  const backend = await selectBackend();
  const model = config.modelDir
    ? loadModel(config.modelDir, { labels: config.labels, seed: config.seed }).model
    : createModel(preset(config.model!), { labels: config.labels, seed: config.seed });
  const tooLong = trainSet.concat(evalSet ?? []).find((e) => e.ids.some((t) => t >= model.config.vocabSize));
  if (tooLong) {
    throw new UsageError(`a token id in the data is ≥ the model's vocabulary size ${model.config.vocabSize}`);
  }
  const adapter = attachAdapter(model, config.adapter, config.seed);
  const trainable = [...trainableVariables(model).values()].reduce((n, v) => n + v.size, 0);
  if (!values.quiet) {
    console.log(`${config.model ?? config.modelDir}: ${adapter.method} on ${adapter.targetModules.join("+")}, ` +
      `r ${adapter.r}, ${trainable.toLocaleString("en-US")} trainable; ` +
      `η_QK ${config.rates.etaQK}, λ ${config.rates.ratio} (${config.rates.grouping}); ` +
      `${config.steps} steps of ${config.batchSize} on ${trainSet.length} examples; backend ${backend.name}`);
  }
  const every = Math.max(1, Math.floor(config.steps / 20));
  const result = train(model, trainSet, {
    rates: config.rates, batchSize: config.batchSize, steps: config.steps, schedule: config.schedule, seed: config.seed,
    evaluation: evalSet, evalEvery: config.evalEvery,
    onStep: (r) => {
      if (!values.quiet && (r.step % every === 0 || !Number.isFinite(r.loss))) {
        console.log(`  step ${String(r.step).padStart(5)}  loss ${r.loss.toFixed(4)}`);
      }
    },
  });
  for (const e of result.evals) {
    if (!values.quiet) {
      console.log(`  eval at ${e.step}: loss ${e.loss.toFixed(4)} ` +
        `${Object.entries(e.metrics).map(([k, v]) => `${k} ${v!.toFixed(4)}`).join(" ")}`);
    }
  }
  console.log(result.diverged
    ? `diverged at step ${result.steps}: ${result.divergence}`
    : `done: ${result.steps} steps in ${result.seconds.toFixed(1)} s`);
  if (values.out) {
    writeFileAtomic(
      path.resolve(values.out),
      JSON.stringify({ config, adapter, backend: backend.name, trainableParams: trainable, ...result }, null, 1) + "\n",
    );
  }
  if (values["save-adapter"]) {
    saveAdapter(model, values["save-adapter"], {
      baseModel: config.modelDir ? path.resolve(config.modelDir) : config.model,
    });
  }
  if (values["save-model"]) saveModel(model, values["save-model"]);
  disposeModel(model);
  return result.diverged ? 1 : 0;
}
