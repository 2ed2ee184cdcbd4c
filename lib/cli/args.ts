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
