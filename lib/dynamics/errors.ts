// Input checks of lib/dynamics. Every error names the field and the value a person passed, so a bad sweep
// fails before it spends minutes of compute.
import { numberChecks } from "../validate/index";

/** An input of a simulation, sweep or solver that is out of its domain. */
export class DynamicsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DynamicsError";
  }
}

export const { positiveInteger, positiveFinite, finiteNumber } = numberChecks((message) => new DynamicsError(message));

/** A non-empty list of positive integers (widths, ranks), each checked and named by its index. */
export function positiveIntegers(values: unknown, field: string): number[] {
  if (!Array.isArray(values) || values.length === 0) {
    throw new DynamicsError(`${field} must be a non-empty list of positive integers, got ${JSON.stringify(values)}`);
  }
  return values.map((v, i) => positiveInteger(v, `${field}[${i}]`));
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new DynamicsError(`${field} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}
