// Shared arithmetic and input checks of lib/bounds. Bounds are computed in mathjs BigNumbers (64 significant
// digits): parameter counts reach 10⁹ and the exact learner subtracts powers close to 1, where doubles would
// lose the digits that the tests pin.
import { all, BigNumber, create, MathNode } from "mathjs";
import { numberChecks } from "../validate/index";

export const math = create(all, { number: "BigNumber", precision: 64 });

export type Big = BigNumber;

export function big(value: number | string | Big): Big {
  return math.bignumber(value as number) as Big;
}

/** An input of a bound or learner that is out of its domain; the message names the field and the value. */
export class BoundsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BoundsError";
  }
}

export const { positiveFinite, positiveInteger } = numberChecks((message) => new BoundsError(message));

/**
 * LaTeX of an expression tree, with integers grouped by thin spaces (294\,912 rather than mathjs's
 * 2.94912·10⁵) and decimals kept as typed, so a substituted formula reads like the paper's.
 */
export function toLatex(node: MathNode): string {
  return node.toTex({
    parenthesis: "keep",
    implicit: "show",
    handler: (n: MathNode) => {
      if (n.type === "ConstantNode") return latexNumber(String((n as unknown as { value: unknown }).value));
      // mathjs prints some letters as units (N → \mathrm{N}); these are the paper's symbols. Braced, because
      // mathjs writes \cdot and the symbol with no space between them.
      if (n.type === "SymbolNode") return `{${(n as unknown as { name: string }).name}}`;
      return undefined;
    },
  });
}

/** Plain text of an expression tree: integers grouped by commas, ln for the natural logarithm. */
export function toPlain(node: MathNode): string {
  return node.toString({
    parenthesis: "keep",
    implicit: "show",
    handler: (n: MathNode, options: object) => {
      if (n.type === "ConstantNode") return plainNumber(big(String((n as unknown as { value: unknown }).value)), 6);
      const f = n as unknown as { type: string; fn?: { name?: string }; args?: MathNode[] };
      if (f.type === "FunctionNode" && f.fn?.name === "log" && f.args?.length === 1) {
        return `ln(${f.args[0].toString(options)})`;
      }
      return undefined;
    },
  });
}

/** A decimal string for LaTeX: integer part grouped by thin spaces, no exponent for the sizes used here. */
export function latexNumber(decimal: string): string {
  const value = big(decimal);
  const plain = value.isInteger() ? value.toFixed(0) : value.toSignificantDigits(6).toFixed();
  const [whole, frac] = plain.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, "\\,");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** The same grouping for plain text (thin spaces are not in every font: commas). */
export function plainNumber(value: number | Big, digits = 4): string {
  const b = big(value);
  if (b.isInteger()) return b.toFixed(0).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return b.toSignificantDigits(digits).toFixed();
}
