// `qkv bound`: Theorem 1's generalization bound for a model, a set of adapted matrices (their true shapes,
// grouped-query attention included), a LoRA rank, a bit width, a subGaussian constant and a training-set size;
// --head-labels counts the trained classification head in P too (the paper counts the adapters only).
import { boundFormula, modelBound, parseForm, parseLayers, parseVariant } from "../bounds/index";
import { preset } from "../models/presets";
import { asUsageError, integerOption, parseCommandArgs, positiveNumber, UsageError } from "./args";

export const usage =
  "qkv bound --samples N [--model roberta-base|llama-3.1-8b|...] [--targets q,v] [--rank 8] [--bits 32] " +
  "[--subgaussian 0.5] [--form paper|zhu] [--variant lora|b-only] [--layers all|0-5|0,3,8-11] [--head-labels 2] " +
  "[--json]";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      model: { type: "string", default: "roberta-base" },
      targets: { type: "string", default: "q,v" },
      rank: { type: "string", default: "8" },
      bits: { type: "string", default: "32" },
      subgaussian: { type: "string", default: "0.5" },
      samples: { type: "string" },
      form: { type: "string", default: "paper" },
      variant: { type: "string", default: "lora" },
      layers: { type: "string", default: "all" },
      "head-labels": { type: "string" },
      json: { type: "boolean" },
    },
    usage,
  );
  const samples = values.samples;
  if (samples === undefined) throw new UsageError(`--samples (the training-set size N) is required\nusage: ${usage}`);
  const headLabels = values["head-labels"];
  const result = asUsageError(() => {
    const model = preset(values.model!);
    return modelBound({
      model: values.model!,
      targets: values.targets!,
      rank: positiveInteger(values.rank!, "--rank"),
      bits: positiveNumber(values.bits!, "--bits"),
      subgaussian: positiveNumber(values.subgaussian!, "--subgaussian"),
      samples: positiveInteger(samples, "--samples"),
      form: parseForm(values.form, "--form"),
      variant: parseVariant(values.variant, "--variant"),
      layers: parseLayers(values.layers!, model.numLayers, "--layers"),
      head: headLabels === undefined ? undefined : { labels: positiveInteger(headLabels, "--head-labels") },
    });
  });
  const formula = boundFormula(result, result.targets);
  if (values.json) {
    console.log(JSON.stringify({ ...result, formula: formula.plain }, null, 2));
  } else {
    console.log(`${result.model}, ${result.targets}, LoRA r = ${result.rank} (${result.variant}), ` +
      `${result.layers} layer(s), q = ${result.bits} bits, R = ${result.subgaussian}, N = ${result.samples}, ` +
      `${result.form} form` + (result.headParams > 0 ? `, the ${headLabels}-label head counted in P` : ""));
    console.log(formula.plain);
    console.log(`bound on I(W;S): ${result.informationNats} nats`);
  }
  return 0;
}

/** "must be a positive number" for 0 or -1, "must be a positive integer" for 2.5. */
function positiveInteger(value: string, option: string): number {
  positiveNumber(value, option);
  return integerOption(value, option, 1);
}
