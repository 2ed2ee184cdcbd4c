// `qkv params`: trainable-parameter counts as peft reports them, for any preset and adapter. The default
// convention is the one the paper's Table 2 used, and the output always says which one it counted by.
import {
  adapterConfig, COUNT_CONVENTIONS, CountConvention, countParameters, PAPER_COUNT_CONVENTION, describeConvention,
  METHODS,
} from "../lora/index";
import { preset, PRESET_NAMES } from "../models/index";
import { TABLE2_ROBERTA_GLUE } from "../paper/index";
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
      convention: { type: "string", default: PAPER_COUNT_CONVENTION },
      json: { type: "boolean" },
    },
    usage,
  );
  if (!values.model) throw new UsageError(`--model is required\nusage: ${usage}`);
  if (!(METHODS as readonly string[]).includes(values.method!)) {
    throw new UsageError(`--method must be one of ${METHODS.join(", ")}, got ${JSON.stringify(values.method)}`);
  }
  if (!(COUNT_CONVENTIONS as readonly string[]).includes(values.convention!)) {
    throw new UsageError(
      `--convention must be one of ${COUNT_CONVENTIONS.join(", ")}, got ${JSON.stringify(values.convention)}`,
    );
  }
  const model = preset(values.model);
  const r = integerOption(values.rank!, "--rank");
  const adapter = adapterConfig({
    method: values.method as never, r, loraAlpha: values.alpha === undefined ? r : Number(values.alpha),
    targetModules: values.targets!,
  }, model);
  const counts = countParameters(model, adapter, {
    labels: integerOption(values.labels!, "--labels"), convention: values.convention as CountConvention,
  });
  const convention = values.convention as CountConvention;
  if (values.json) console.log(JSON.stringify({ ...counts, convention }));
  else {
    const m = (n: number) => `${n.toLocaleString("en-US")} (${(n / 1e6).toFixed(2)} M)`;
    console.log(`${values.model}, ${adapter.method} on ${adapter.targetModules.join("+")}` +
      `${adapter.method === "full" ? "" : `, r = ${r}`}, ${values.labels} labels`);
    console.log(`  adapter    ${m(counts.adapter)}\n  head       ${m(counts.head)}\n` +
      `  trainable  ${m(counts.trainable)}\n  total      ${m(counts.total)}`);
    console.log(`  counted by ${convention}: ${describeConvention(convention)}` +
      (convention === PAPER_COUNT_CONVENTION ? " (the default; --convention peft-0.5|peft-0.15 for the others)" : ""));
    const printed = table2Printed(values.model, adapter.method, adapter.targetModules, r, Number(values.labels));
    if (printed !== undefined) {
      console.log(`  the paper's Table 2 prints ${printed.toFixed(2)} M for this row ` +
        "(its rounding is inconsistent: within 0.01 M of the count on every row)");
    }
  }
  return 0;
}

/** Table 2's printed #Param (M) for this setting, when it is one of its rows (RoBERTa-base, 2 labels, QKV or QV). */
function table2Printed(
  model: string, method: string, targets: readonly string[], r: number, labels: number,
): number | undefined {
  if (model !== "roberta-base" || labels !== 2) return undefined;
  const names = [...targets].sort().join(",");
  const rowTargets = names === "key,query,value" ? "QKV" : names === "query,value" ? "QV" : undefined;
  const row = TABLE2_ROBERTA_GLUE.rows.find(
    (p) => p.method === method && p.targets === rowTargets && (method === "full" || p.r === r),
  );
  return row?.params;
}
