// `qkv toy`: the Theorem 2 toy at several widths. Prints the median |δⁱ_t| over seeds per width and the
// log-log slope of each against the width (the measured exponent: 0 means Θ(1), efficient learning).
import {
  DynamicsError, parseRate, simulateToy, summarizeToy, TOY_OPTIMIZERS, ToyOptimizer, ToySummary,
} from "../dynamics/index";
import { integerOption, parseCommandArgs, UsageError } from "./args";

export const usage =
  "qkv toy --widths 64,256,1024,4096,16384 --eta-a 0.5/n --eta-b 0.5 [--t 2] [--seeds 400] [--optimizer gd|sign] " +
  "[--seed 0] [--bootstrap 1000] [--json]";

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    widths: { type: "string" }, "eta-a": { type: "string" }, "eta-b": { type: "string" }, t: { type: "string" },
    seeds: { type: "string" }, optimizer: { type: "string" }, seed: { type: "string" }, bootstrap: { type: "string" },
    json: { type: "boolean" },
  }, usage);
  // The defaults are the paper's setting: the Theorem 2 schedule at t = 2 over 400 seeds.
  const v = parsed.values;
  const values = {
    widths: v.widths ?? "64,256,1024,4096,16384", "eta-a": v["eta-a"] ?? "0.5/n", "eta-b": v["eta-b"] ?? "0.5",
    t: v.t ?? "2", seeds: v.seeds ?? "400", optimizer: v.optimizer ?? "gd", seed: v.seed ?? "0",
    bootstrap: v.bootstrap ?? "1000", json: v.json === true,
  };
  const widths = values.widths.split(",").map((w) => integerOption(w.trim(), "each of --widths", 1));
  const t = integerOption(values.t, "--t", 1);
  const seeds = integerOption(values.seeds, "--seeds", 1);
  const seed = integerOption(values.seed, "--seed", 0);
  const resamples = integerOption(values.bootstrap, "--bootstrap", 1);
  if (!(TOY_OPTIMIZERS as readonly string[]).includes(values.optimizer)) {
    throw new UsageError(
      `--optimizer must be one of ${TOY_OPTIMIZERS.join(", ")}, got ${JSON.stringify(values.optimizer)}`,
    );
  }
  let summary: ToySummary;
  try {
    const result = simulateToy({
      widths: widths, steps: t, seeds: seeds, seed: seed, optimizer: values.optimizer as ToyOptimizer,
      etaA: parseRate(values["eta-a"], "--eta-a"), etaB: parseRate(values["eta-b"], "--eta-b"),
    });
    summary = summarizeToy(result, t, { resamples: resamples, seed: seed });
  } catch (e) {
    // Everything the simulation rejects is an input of this command: a usage error (exit 2).
    if (e instanceof DynamicsError) throw new UsageError(e.message);
    throw e;
  }
  if (values.json) {
    // JSON has no NaN or ∞: a slope that cannot be fitted (a vanished or exploded δ) is null.
    console.log(JSON.stringify({
      widths: summary.widths, t: t, etaA: values["eta-a"], etaB: values["eta-b"], optimizer: values.optimizer,
      seeds: seeds,
      median: summary.median, slope: summary.slope, ci: summary.ci,
    }));
    return 0;
  }
  const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(3) : String(v));
  console.log(`Theorem 2 toy: η_a = ${values["eta-a"]}, η_b = ${values["eta-b"]}, ${values.optimizer}, ` +
    `median |δ| at t = ${t} over ${seeds} seeds`);
  const rows = summary.widths.map((n, j) => [String(n), ...summary.median[j].map(fmt)]);
  rows.push(["slope", ...summary.slope.map(fmt)]);
  rows.push(["95% CI", ...summary.ci.map(([lo, hi]) => `[${fmt(lo)}, ${fmt(hi)}]`)]);
  const header = ["width n", "δ¹", "δ²", "δ³"];
  const widthsOf = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  for (const r of [header, ...rows]) console.log(r.map((cell, c) => cell.padStart(widthsOf[c])).join("  "));
  return 0;
}
