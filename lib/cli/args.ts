// Thin wrapper over node's util.parseArgs: strict options, and errors a person can act on.
import { parseArgs } from "util";

export class UsageError extends Error {
  override name = "UsageError";
}

type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; default?: string | boolean }>;

/** Parses `argv`; more than `maxPositionals` bare arguments (default none) is a UsageError naming the first extra. */
export function parseCommandArgs<T extends OptionSpec>(argv: string[], options: T, usage: string, maxPositionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args: withNegativeValues(argv, options), options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split("\n")[0]}\nusage: ${usage}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}\nusage: ${usage}`);
  }
  return parsed;
}

/**
 * `--rank -1` as `--rank=-1`: parseArgs takes a value starting with a dash for an option ("argument is
 * ambiguous"); a negative number after a string option is its value, which the option's own check then names.
 */
function withNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([^=]+)$/.exec(argv[i])?.[1];
    if (
      name !== undefined && options[name]?.type === "string" && i + 1 < argv.length &&
      /^-(\d|\.\d|Infinity)/.test(argv[i + 1])
    ) {
      out.push(`${argv[i]}=${argv[++i]}`);
    } else out.push(argv[i]);
  }
  return out;
}

/** A positive number from an option, or a UsageError naming the option and the value. */
export function positiveNumber(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${option} must be a positive number, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * An integer option (≥ min when given), or a UsageError naming the option and the value. Without `min` any
 * integer passes and the domain check that follows names the field.
 */
export function integerOption(value: string, option: string, min?: number): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || (min !== undefined && n < min)) {
    const rule = min === undefined ? "an integer" : min === 1 ? "a positive integer" : `an integer ≥ ${min}`;
    throw new UsageError(`${option} must be ${rule}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Runs `compute`, turning any error it throws into a UsageError (exit 2): the bad value is the user's to fix. */
export function asUsageError<T>(compute: () => T): T {
  try {
    return compute();
  } catch (err) {
    throw err instanceof UsageError ? err : new UsageError((err as Error).message);
  }
}
