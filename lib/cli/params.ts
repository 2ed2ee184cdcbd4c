// `qkv params`: trainable-parameter counts as peft reports them, for any preset and adapter.
import { adapterConfig, COUNT_CONVENTIONS, CountConvention, countParameters, METHODS } from "../lora/index";
import { preset, PRESET_NAMES } from "../models/index";
import { integerOption, parseCommandArgs, UsageError } from "./args";

export const usage =
  "qkv params --model M --method lora|dora|full --targets q,k,v [--rank R] [--alpha A] [--labels L] " +
  `[--convention ${COUNT_CONVENTIONS.join("|")}] [--json]\n  models: ${PRESET_NAMES.join(", ")}`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      model: { type: "string" },
      method: { type: "string", default: "lora" },
      targets: { type: "string", default: "q,v" },
      rank: { type: "string", default: "8" },
      alpha: { type: "string" },
      labels: { type: "string", default: "2" },
      convention: { type: "string", default: "peft-0.15" },
      json: { type: "boolean" },
    },
    usage,
  );
  if (!values.model) throw new UsageError(`--model is required\nusage: ${usage}`);
  if (!(METHODS as readonly string[]).includes(values.method!)) throw new UsageError(`--method must be one of ${METHODS.join(", ")}, got ${JSON.stringify(values.method)}`);
  if (!(COUNT_CONVENTIONS as readonly string[]).includes(values.convention!)) {
    throw new UsageError(`--convention must be one of ${COUNT_CONVENTIONS.join(", ")}, got ${JSON.stringify(values.convention)}`);
  }
  const model = preset(values.model);
  const r = integerOption(values.rank!, "--rank");
  const adapter = adapterConfig({ method: values.method as never, r, loraAlpha: values.alpha === undefined ? r : Number(values.alpha), targetModules: values.targets! }, model);
  const counts = countParameters(model, adapter, { labels: integerOption(values.labels!, "--labels"), convention: values.convention as CountConvention });
  if (values.json) console.log(JSON.stringify(counts));
  else {
    const m = (n: number) => `${n.toLocaleString("en-US")} (${(n / 1e6).toFixed(2)} M)`;
    console.log(`${values.model}, ${adapter.method} on ${adapter.targetModules.join("+")}${adapter.method === "full" ? "" : `, r = ${r}`}, ${values.labels} labels, ${values.convention} counting`);
    console.log(`  adapter    ${m(counts.adapter)}\n  head       ${m(counts.head)}\n  trainable  ${m(counts.trainable)}\n  total      ${m(counts.total)}`);
  }
  return 0;
}
