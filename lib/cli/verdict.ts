// `qkv verdict --simulate null|paper|reversed`: the verdict protocol's calibration (lib/experiments/simulate).
// Grid rows are drawn from the stated model and judged by the real verdict code, --trials times; prints each
// claim's verdict rates. docs/PROTOCOL.md's power table comes from this command.
import {
  PROTOCOL, PROTOCOL_HASH, SCENARIOS, Scenario, SIMULATED_CLAIMS, SIMULATION_DEFAULTS, simulateVerdicts, VERDICTS,
} from "../experiments/index";
import { ClaimId } from "../experiments/protocol";
import { asUsageError, integerOption, parseCommandArgs, UsageError } from "./args";

const d = SIMULATION_DEFAULTS;
export const usage =
  `qkv verdict --simulate ${SCENARIOS.join("|")} [--claims ${SIMULATED_CLAIMS.join(",")}] ` +
  `[--tasks ${d.tasks}] [--seeds ${d.seeds}] [--effect ${d.effect}] [--noise ${d.noise}] [--shared ${d.shared}] ` +
  `[--examples ${d.examples}] [--mean ${d.mean}] [--chance ${d.chance}] ` +
  `[--methods ${d.methods}] [--trials ${d.trials}] [--rng-seed ${d.rngSeed}] [--json]`;

function numberOption(value: string, option: string): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x)) {
    throw new UsageError(`${option} must be a number, got ${JSON.stringify(value)}`);
  }
  return x;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    simulate: { type: "string" }, claims: { type: "string" }, tasks: { type: "string" }, seeds: { type: "string" },
    effect: { type: "string" }, noise: { type: "string" }, shared: { type: "string" }, examples: { type: "string" },
    mean: { type: "string" }, chance: { type: "string" },
    methods: { type: "string" }, trials: { type: "string" }, "rng-seed": { type: "string" }, json: { type: "boolean" },
  }, usage);
  const v = parsed.values;
  if (v.simulate === undefined) throw new UsageError(`--simulate is required\nusage: ${usage}`);
  if (!(SCENARIOS as string[]).includes(v.simulate)) {
    throw new UsageError(`--simulate must be one of ${SCENARIOS.join(", ")}, got ${JSON.stringify(v.simulate)}`);
  }
  const claims = (v.claims ?? SIMULATED_CLAIMS.join(",")).split(",").map((c) => c.trim());
  for (const c of claims) {
    if (!(SIMULATED_CLAIMS as string[]).includes(c)) {
      throw new UsageError(
        `--claims: unknown claim ${JSON.stringify(c)}; the simulated claims are ${SIMULATED_CLAIMS.join(", ")}`,
      );
    }
  }
  const values = v as Record<string, string | boolean | undefined>;
  const int = (name: string, fallback: number) =>
    (values[name] === undefined ? fallback : integerOption(values[name] as string, `--${name}`, 1));
  const num = (name: string, fallback: number) =>
    (values[name] === undefined ? fallback : numberOption(values[name] as string, `--${name}`));
  const options = {
    scenario: v.simulate as Scenario, tasks: int("tasks", d.tasks), seeds: int("seeds", d.seeds),
    effect: num("effect", d.effect), noise: num("noise", d.noise), shared: num("shared", d.shared),
    examples: int("examples", d.examples), selectionExamples: d.selectionExamples, mean: num("mean", d.mean),
    chance: num("chance", d.chance), methods: int("methods", d.methods), trials: int("trials", d.trials),
    rngSeed: v["rng-seed"] === undefined ? d.rngSeed : integerOption(v["rng-seed"] as string, "--rng-seed", 0),
  };
  const results = asUsageError(() => simulateVerdicts(options, claims as ClaimId[]));
  if (v.json) {
    console.log(JSON.stringify(results.map((r) => ({
      claim: r.claim, trials: r.trials, rates: r.rates, scenario: r.scenario, tasks: r.tasks, seeds: r.seeds,
      effect: r.effect, protocol: PROTOCOL_HASH,
    })), null, 1));
    return 0;
  }
  console.log(`protocol v${PROTOCOL.version} (${PROTOCOL_HASH}); scenario ${options.scenario}, ` +
    `effect ${options.effect} × noise SD ${options.noise}, ` +
    `${options.tasks} task(s) × ${options.seeds} seed(s), ${options.trials} trials`);
  console.table(Object.fromEntries(results.map((r) => [
    r.claim, Object.fromEntries(VERDICTS.map((k) => [k, +(100 * r.rates[k]).toFixed(1)])),
  ])));
  console.log("rates in % of trials");
  return 0;
}
