// Protocol v1, the rule the project used until 2026-12-03 (./protocol PREVIOUS_PROTOCOL), kept only so the
// overview can print its verdicts beside v2's once. It selected and scored on the same split (dev: the rows'
// selection score), compared the best λ > 1 cell with the best λ = 1 cell, and called an effect of the paper's
// sign "partly" when it was within the max − min spread over seeds. Do not use it to judge anything.
import { GridRow } from "./grid/index";
import { groupBy, rateCells, sameRate } from "./summary";

export type VerdictV1 = "reproduced" | "partly" | "not";

interface Dev {
  mean: number;
  spread: number;
}

function dev(rows: readonly GridRow[]): Dev {
  const v = rows.filter((r) => r.status === "ok").map((r) => r.selection);
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, spread: Math.max(...v) - Math.min(...v) };
}

function verdictOf(effect: number, spread: number): VerdictV1 {
  if (effect > spread && effect > 0) return "reproduced";
  return effect > 0 ? "partly" : "not";
}

function combine(verdicts: VerdictV1[]): VerdictV1 | "no evidence" {
  if (verdicts.length === 0) return "no evidence";
  if (verdicts.every((v) => v === "reproduced")) return "reproduced";
  return verdicts.every((v) => v === "not") ? "not" : "partly";
}

/** Phenomenon 1 under v1: per task, W_v beats W_k beyond the spread and QV within the spread of QKV or above. */
export function importanceVerdictV1(grids: Record<string, readonly GridRow[]>): VerdictV1 | "no evidence" {
  const verdicts: VerdictV1[] = [];
  for (const rows of Object.values(grids)) {
    for (const taskRows of groupBy(rows, (r) => r.task).values()) {
      const cell = (t: string) => taskRows.filter((r) => r.targets === t);
      if (["V", "K", "QV", "QKV"].some((t) => cell(t).length === 0)) continue;
      const [v, k, qv, qkv] = ["V", "K", "QV", "QKV"].map((t) => dev(cell(t)));
      const vOverK = verdictOf(v.mean - k.mean, Math.max(v.spread, k.spread));
      const qvMatches = qv.mean - qkv.mean >= -Math.max(qv.spread, qkv.spread);
      verdicts.push(
        vOverK === "reproduced" && qvMatches ? "reproduced" : vOverK === "not" && !qvMatches ? "not" : "partly",
      );
    }
  }
  return combine(verdicts);
}

/** Phenomenon 2 under v1: per task, the best λ > 1 cell against the best λ = 1 cell, both chosen and scored on dev. */
export function lambdaVerdictV1(grids: Record<string, readonly GridRow[]>): VerdictV1 | "no evidence" {
  const verdicts: VerdictV1[] = [];
  for (const rows of Object.values(grids)) {
    for (const taskRows of groupBy(rows, (r) => r.task).values()) {
      const cells = rateCells(taskRows).map((c) => ({
        ...c, dev: dev(taskRows.filter((r) => r.etaQK === c.etaQK && r.etaV === c.etaV)),
      }));
      const best = (cs: typeof cells) =>
        cs.filter((c) => Number.isFinite(c.dev.mean)).reduce((b, c) => (c.dev.mean > b.dev.mean ? c : b));
      const equal = cells.filter((c) => sameRate(c.ratio, 1));
      const larger = cells.filter((c) => c.ratio > 1 && !sameRate(c.ratio, 1));
      if (equal.length === 0 || larger.length === 0) continue;
      const [e, l] = [best(equal), best(larger)];
      verdicts.push(verdictOf(l.dev.mean - e.dev.mean, Math.max(e.dev.spread, l.dev.spread)));
    }
  }
  return combine(verdicts);
}
