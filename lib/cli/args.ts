// Thin wrapper over node's util.parseArgs: strict options, and errors a person can act on.
import { parseArgs } from "util";

export class UsageError extends Error {
  override name = "UsageError";
}

type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; default?: string | boolean }>;

export function parseCommandArgs<T extends OptionSpec>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split("\n")[0]}\nusage: ${usage}`);
  }
}

/** A positive number from an option, or a UsageError naming the option and the value. */
export function positiveNumber(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${option} must be a positive number, got ${JSON.stringify(value)}`);
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
