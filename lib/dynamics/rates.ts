// Learning rates written as expressions of the width n ("0.5/n", "0.5", "0.5*n^-0.5"), parsed with mathjs,
// so a schedule reads as in the theorem and the CLI takes it as typed.
import { parse, MathNode } from "mathjs";
import { DynamicsError } from "./errors";

export interface RateExpression {
  /** The expression as given. */
  source: string;
  /** The rate at width n. */
  at(n: number): number;
  /** LaTeX of the expression (for notebook tables). */
  tex: string;
}

/**
 * Parses a learning-rate expression whose only free symbol is n. `field` names the option in errors
 * (e.g. "--eta-a"). Function names (sqrt, log, exp) are allowed; any other symbol is an error.
 */
export function parseRate(source: string, field = "learning rate"): RateExpression {
  if (typeof source !== "string" || source.trim() === "") {
    throw new DynamicsError(
      `${field} must be an expression of the width n such as "0.5/n", got ${JSON.stringify(source)}`,
    );
  }
  let node: MathNode;
  try {
    node = parse(source);
  } catch (e) {
    throw new DynamicsError(`${field}=${JSON.stringify(source)} is not a valid expression: ${(e as Error).message}`);
  }
  const free = new Set<string>();
  node.traverse((child, path) => {
    // A function's name is a SymbolNode at path "fn"; it is not a free variable.
    if (child.type === "SymbolNode" && path !== "fn") free.add((child as unknown as { name: string }).name);
  });
  free.delete("n");
  if (free.size > 0) {
    throw new DynamicsError(
      `${field}=${JSON.stringify(source)} uses ${[...free].map((s) => JSON.stringify(s)).join(", ")}: ` +
        "the only symbol allowed is the width n",
    );
  }
  const compiled = node.compile();
  const at = (n: number): number => {
    let value: unknown;
    try {
      value = compiled.evaluate({ n: n });
    } catch (e) {
      throw new DynamicsError(
        `${field}=${JSON.stringify(source)} cannot be evaluated at n = ${n}: ${(e as Error).message}`,
      );
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new DynamicsError(`${field}=${JSON.stringify(source)} must be finite and positive at every width, ` +
        `but is ${String(value)} at n = ${n}`);
    }
    return value;
  };
  return { source: source, at: at, tex: node.toTex({ parenthesis: "auto" }) };
}
