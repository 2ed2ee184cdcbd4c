// Which attention matrices get adapted. People write them in several vocabularies — the paper's (q, k, v),
// peft's for RoBERTa (query, key, value, attention.output.dense) and for Llama (q_proj, k_proj, v_proj,
// o_proj) — and all of them name the same four projections.
import { ATTENTION_MATRICES, AttentionMatrix } from "../models/config";

const ALIASES: Record<string, AttentionMatrix> = {
  q: "query", query: "query", q_proj: "query",
  k: "key", key: "key", k_proj: "key",
  v: "value", value: "value", v_proj: "value",
  o: "output", output: "output", o_proj: "output", "attention.output.dense": "output", dense: "output",
};

export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TargetError";
  }
}

/**
 * Parses targets given as "q,v", ["query", "value"] or ["q_proj", "v_proj"] into the canonical names,
 * deduplicated and in the order query, key, value, output. Unknown names and an empty set are errors.
 */
export function parseTargets(targets: string | readonly string[], field = "targets"): AttentionMatrix[] {
  const names = (typeof targets === "string" ? targets.split(",") : [...targets])
    .map((t) => t.trim())
    .filter((t) => t !== "");
  if (names.length === 0) throw new TargetError(`${field} is empty: name at least one of q, k, v, o`);
  const chosen = new Set<AttentionMatrix>();
  for (const name of names) {
    const canonical = ALIASES[name.toLowerCase()];
    if (canonical === undefined) {
      throw new TargetError(
        `${field}: unknown target ${JSON.stringify(name)}; ` +
          "use q, k, v, o (or query/key/value/output, q_proj/k_proj/v_proj/o_proj)",
      );
    }
    chosen.add(canonical);
  }
  return ATTENTION_MATRICES.filter((m) => chosen.has(m));
}

/** Short label of a target set as the paper writes it: ["query", "value"] → "QV". */
export function targetLabel(targets: readonly AttentionMatrix[]): string {
  return targets.map((t) => t[0].toUpperCase()).join("");
}

/** The 7 non-empty subsets of {query, key, value} (Table 1), smallest first. */
export const QKV_SUBSETS: AttentionMatrix[][] = [
  ["query"], ["key"], ["value"], ["query", "key"], ["query", "value"], ["key", "value"], ["query", "key", "value"],
];
