// How runs and methods are named in tables and logs, as the paper's tables name them.
import { adapterConfig, targetLabel } from "../../lora/index";
import { FineTuneConfig } from "../finetune";

/** One line naming a run: "SST-2 pretrained lora QV r8 ηQK 0.001 λ 4 seed 0". */
export function runLabel(config: FineTuneConfig): string {
  const a = adapterConfig(config.adapter);
  const rank = a.method === "full" ? "" : ` r${a.r}`;
  return `${config.data.task} ${config.init} ${a.method} ${targetLabel(a.targetModules)}${rank} ` +
    `ηQK ${config.rates.etaQK} λ ${config.rates.ratio} seed ${config.seed}`;
}

/** The methods as the paper's tables name them. */
export const METHOD_NAMES: Record<string, string> = { full: "Full FT", lora: "LoRA", dora: "DoRA" };

/**
 * A method as Table 2 names its rows, "LoRA (QV) r=8" (no rank for full fine-tuning), with ", λ=4" appended for
 * a QV row when `lambda` is given (QKV rows are all at λ = 1).
 */
export function methodLabel(
  row: { method: string; targets: string; r: number | null }, lambda?: number | null,
): string {
  const rank = row.r === null ? "" : ` r=${row.r}`;
  const ratio = row.targets === "QV" && lambda !== undefined && lambda !== null ? `, λ=${lambda}` : "";
  return `${METHOD_NAMES[row.method] ?? row.method} (${row.targets})${rank}${ratio}`;
}
