// The verdicts on the paper's two phenomena (PAPER.md §1), from the grids' rows, per task and overall. The
// figure and table notebooks show the per-task evidence; 00_overview shows the overall line of each.
//   phenomenon 1, unequal importance: W_v beats W_k (Table 1's V against K), and QV matches or beats QKV;
//   phenomenon 2, customised rates: the best λ > 1 cell beats the best λ = 1 cell (Figures 1 and 2).
import { GridRow } from "./grid";
import { CellStats, cellStats, groupBy, LambdaVerdict, lambdaVerdict, rateCells, Verdict, verdictOf } from "./summary";

export interface ImportanceEvidence {
  task: string;
  v: CellStats;
  k: CellStats;
  qv: CellStats;
  qkv: CellStats;
  /** V alone against K alone: the effect (mean difference) judged against the larger seed spread of the two. */
  vOverK: Verdict;
  /** QV within the seed spread of QKV, or above it. */
  qvMatchesQkv: boolean;
}

const spread = (a: CellStats, b: CellStats) => Math.max(a.max - a.min, b.max - b.min);

/** Phenomenon 1 per task, from a Table 1 grid's rows (subsets of {W_q, W_k, W_v} as targets); tasks lacking a subset are skipped. */
export function importanceEvidence(rows: readonly GridRow[]): ImportanceEvidence[] {
  const evidence: ImportanceEvidence[] = [];
  for (const [task, taskRows] of groupBy(rows, (r) => r.task)) {
    const cell = (targets: string) => {
      const cellRows = taskRows.filter((r) => r.targets === targets);
      return cellRows.length > 0 ? cellStats(cellRows) : undefined;
    };
    const [v, k, qv, qkv] = [cell("V"), cell("K"), cell("QV"), cell("QKV")];
    if (!v || !k || !qv || !qkv) continue;
    evidence.push({ task, v, k, qv, qkv, vOverK: verdictOf(v.mean - k.mean, spread(v, k)), qvMatchesQkv: qv.mean - qkv.mean >= -spread(qv, qkv) });
  }
  return evidence;
}

export interface PhenomenonVerdict {
  verdict: Verdict | "no evidence";
  /** One line with the counts it rests on. */
  evidence: string;
}

/** Reproduced when every task's verdict is, not when none is even partly, partly otherwise ("no evidence" without tasks). */
export function combine(verdicts: readonly Verdict[]): Verdict | "no evidence" {
  if (verdicts.length === 0) return "no evidence";
  if (verdicts.every((v) => v === "reproduced")) return "reproduced";
  return verdicts.every((v) => v === "not") ? "not" : "partly";
}

/** A task's phenomenon-1 verdict: both claims hold (reproduced), neither does (not), or one of them, or W_v's lead within the spread (partly). */
export function importanceTaskVerdict(e: ImportanceEvidence): Verdict {
  if (e.vOverK === "reproduced" && e.qvMatchesQkv) return "reproduced";
  return e.vOverK === "not" && !e.qvMatchesQkv ? "not" : "partly";
}

/** Phenomenon 1 over one or more Table 1 grids (label → rows, e.g. encoder and decoder). */
export function importanceVerdict(grids: Record<string, readonly GridRow[]>): PhenomenonVerdict {
  return overGrids(grids, importanceEvidence, importanceTaskVerdict, (label, seeds, evidence) => {
    const vk = evidence.filter((e) => e.vOverK === "reproduced").length;
    const qv = evidence.filter((e) => e.qvMatchesQkv).length;
    return `${label}: W_v beats W_k beyond the spread of ${seeds} seed(s) on ${vk}/${evidence.length} tasks, QV matches or beats QKV on ${qv}/${evidence.length}`;
  });
}

/** Phenomenon 2 per task of an (η_QK, η_V) grid. */
export function lambdaEvidence(rows: readonly GridRow[]): (LambdaVerdict & { task: string })[] {
  return [...groupBy(rows, (r) => r.task)].flatMap(([task, taskRows]) => {
    const cells = rateCells(taskRows);
    const hasBoth = cells.some((c) => c.ratio === 1) && cells.some((c) => c.ratio > 1);
    return hasBoth ? [{ task, ...lambdaVerdict(cells) }] : [];
  });
}

/** Phenomenon 2 over one or more rate grids (label → rows, e.g. Figure 1's encoder and Figure 2's decoder). */
export function lambdaBenefitVerdict(grids: Record<string, readonly GridRow[]>): PhenomenonVerdict {
  return overGrids(grids, lambdaEvidence, (e) => e.verdict, (label, seeds, evidence) => {
    const won = evidence.filter((e) => e.verdict === "reproduced").length;
    const gains = evidence.map((e) => `${e.task} ${e.gain >= 0 ? "+" : ""}${(100 * e.gain).toFixed(1)}±${(100 * e.spread).toFixed(1)}`).join(", ");
    return `${label}: best λ > 1 beats best λ = 1 beyond the spread of ${seeds} seed(s) on ${won}/${evidence.length} tasks (${gains} points)`;
  });
}

/** Per-task evidence of each grid, combined into one verdict, with one line of counts per grid. */
function overGrids<E>(
  grids: Record<string, readonly GridRow[]>, evidenceOf: (rows: readonly GridRow[]) => E[], verdictOf: (e: E) => Verdict,
  describe: (label: string, seeds: number, evidence: E[]) => string,
): PhenomenonVerdict {
  const verdicts: Verdict[] = [];
  const parts: string[] = [];
  for (const [label, rows] of Object.entries(grids)) {
    const evidence = evidenceOf(rows);
    verdicts.push(...evidence.map(verdictOf));
    parts.push(describe(label, new Set(rows.map((r) => r.seed)).size, evidence));
  }
  return { verdict: combine(verdicts), evidence: parts.join("; ") };
}
