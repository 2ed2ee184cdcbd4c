// The verdicts of protocol v2 (./protocol, docs/PROTOCOL.md): each claim's per-task comparisons as paired
// effects with intervals, and the claim's verdict from them. Everything here works on scored rows (what a grid
// stores per run, or what ./simulate draws), so the simulator runs exactly this code.
//
// A task's comparison is a contrast in a randomised block design: the arms are cells of the task's grid, the
// seeds are the blocks (a seed fixes the data order and initialisation in every arm), and the contrast's
// standard error comes from the residual pooled over every cell of the design (lib/stats blockResidual).
import { BlockDesign, blockContrast, ContrastEstimate, holm } from "../stats/index";
import { ClaimId, ClaimSpec, claimSpec, PROTOCOL, PROTOCOL_HASH, Verdict } from "./protocol";
import { groupBy, sameRate } from "./summary";

/** What a verdict needs of a run: its arm, seed, scores on both splits, the chance levels, its training loss. */
export interface ScoredRow {
  task: string;
  method: string;
  /** QV, QKV, … */
  targets: string;
  r: number | null;
  etaQK: number;
  etaV: number;
  ratio: number;
  seed: number;
  status: "ok" | "diverged";
  /** The task metric on the report split (built-in: test; GLUE: dev) and on the selection split. */
  after: number;
  selection: number;
  /** The majority baseline on the report split and the selection split, and how many report examples. */
  chance: number;
  chanceSelection: number;
  reportExamples: number;
  metric: string;
  /**
   * Training loss averaged over the run (null when it was not finite), and ln(classes) (the loss of a uniform
   * guess).
   */
  lossMean: number | null;
  chanceLoss: number;
}

export interface ContrastResult extends ContrastEstimate {
  name: string;
}

export interface Comparison {
  claim: ClaimId;
  grid: string;
  task: string;
  /** The arms and what is subtracted, e.g. "V − K". */
  label: string;
  kind: ClaimSpec["kind"];
  margin: number;
  /** One contrast, or two that must both hold (the λ design); `effect`/`interval` are the weaker one's. */
  contrasts: ContrastResult[];
  effect: number;
  interval: [number, number];
  seeds: number;
  split: string;
  /** One-sided p-values in the paper's direction and against it (the larger over the contrasts). */
  pPaper: number;
  pReverse: number;
  /** Mean report-split score of each arm, the chance level, and the band above it that still counts as chance. */
  arms: { name: string; mean: number }[];
  chance: number;
  chanceBand: number;
  verdict: Verdict;
  /** Why a comparison is not testable, or what was selected. */
  note: string;
}

export interface ClaimVerdict {
  claim: ClaimId;
  statement: string;
  verdict: Verdict;
  comparisons: Comparison[];
  /** How many comparisons entered the combination, and how many Holm rejected in each direction. */
  tested: number;
  forPaper: number;
  againstPaper: number;
  /** One line: the verdict's grounds. */
  summary: string;
}

const shiftOf = (spec: ClaimSpec): number => (spec.kind === "matches" ? -spec.margin : 0);

/** A run's score as a verdict counts it: a diverged run scores the majority baseline. */
export function reportScore(row: ScoredRow): number {
  return row.status === "ok" && Number.isFinite(row.after) ? row.after : row.chance;
}

/** The selection-split score as the protocol counts it: a diverged run scores the split's majority baseline. */
export function selectionScore(row: ScoredRow): number {
  return row.status === "ok" && Number.isFinite(row.selection) ? row.selection : row.chanceSelection;
}

/** Minus the mean training loss (higher is faster); a diverged run counts as a uniform guess. */
function convergenceScore(row: ScoredRow): number {
  return row.status === "ok" && row.lossMean !== null && Number.isFinite(row.lossMean)
    ? -row.lossMean
    : -row.chanceLoss;
}

/** How far above chance a mean score must be to count as learned (docs/PROTOCOL.md §3). */
export function chanceBand(row: Pick<ScoredRow, "chance" | "reportExamples" | "metric">): number {
  const n = Math.max(1, row.reportExamples);
  const sd = row.metric === "accuracy" ? Math.sqrt((row.chance * (1 - row.chance)) / n) : 1 / Math.sqrt(n);
  return Math.max(PROTOCOL.noSignal.floor, PROTOCOL.noSignal.sdMultiple * sd);
}

interface Arm {
  name: string;
  /** The arm's score per seed (a virtual arm, like "QV at the selected λ", has one row per seed too). */
  bySeed: Map<number, ScoredRow>;
}

function armOf(name: string, rows: readonly ScoredRow[]): Arm {
  return { name, bySeed: new Map(rows.map((r) => [r.seed, r])) };
}

interface ComparisonInput {
  spec: ClaimSpec;
  grid: string;
  task: string;
  label: string;
  /** Every arm of the task's design: they pool the residual. */
  arms: Arm[];
  contrasts: { name: string; weights: Record<string, number> }[];
  /** The arms whose learning decides "no signal". */
  signalArms: string[];
  score: (row: ScoredRow) => number;
  split: string;
  note?: string;
  /** Arms left out of the residual (a virtual arm that repeats other arms' runs). */
  residualExcludes?: string[];
}

function notTestable(spec: ClaimSpec, grid: string, task: string, label: string, note: string): Comparison {
  return {
    claim: spec.id, grid, task, label, kind: spec.kind, margin: spec.margin, contrasts: [], effect: NaN,
    interval: [NaN, NaN], seeds: 0, split: "", pPaper: NaN, pReverse: NaN, arms: [], chance: NaN, chanceBand: NaN,
    verdict: "not testable", note,
  };
}

function compare(input: ComparisonInput): Comparison {
  const { spec } = input;
  const shift = shiftOf(spec);
  // Complete blocks only: the seeds every arm has.
  const seeds = [...input.arms[0].bySeed.keys()]
    .filter((s) => input.arms.every((a) => a.bySeed.has(s)))
    .sort((a, b) => a - b);
  const anyRow = input.arms.flatMap((a) => [...a.bySeed.values()])[0];
  const armMeans = input.signalArms.map((name) => {
    const arm = input.arms.find((a) => a.name === name)!;
    const values = seeds.map((s) => reportScore(arm.bySeed.get(s)!));
    return { name, mean: values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : NaN };
  });
  const base: Omit<Comparison, "contrasts" | "effect" | "interval" | "pPaper" | "pReverse" | "verdict"> = {
    claim: spec.id, grid: input.grid, task: input.task, label: input.label, kind: spec.kind, margin: spec.margin,
    seeds: seeds.length, split: input.split, arms: armMeans, chance: anyRow?.chance ?? NaN,
    chanceBand: anyRow ? chanceBand(anyRow) : NaN, note: input.note ?? "",
  };
  const untestable = (note: string): Comparison => ({
    ...base, contrasts: [], effect: NaN, interval: [NaN, NaN], pPaper: NaN, pReverse: NaN, verdict: "not testable",
    note,
  });
  if (seeds.length < PROTOCOL.minSeeds) {
    return untestable(`${seeds.length} complete seed(s); the protocol needs ${PROTOCOL.minSeeds}`);
  }
  const design = (arms: Arm[]): BlockDesign => ({
    cells: arms.map((a) => a.name), seeds, scores: arms.map((a) => seeds.map((s) => input.score(a.bySeed.get(s)!))),
  });
  const full = design(input.arms);
  const residualArms = input.arms.filter((a) => !(input.residualExcludes ?? []).includes(a.name));
  const contrasts: ContrastResult[] = input.contrasts.map((c) => ({
    name: c.name,
    ...blockContrast(
      full, c.weights, PROTOCOL.confidence, shift,
      residualArms.length < input.arms.length ? design(residualArms) : undefined,
    ),
  }));
  if (contrasts.some((c) => !Number.isFinite(c.se))) return untestable("the design has no residual degrees of freedom");
  const weakest = contrasts.reduce((w, c) => (c.pAbove > w.pAbove ? c : w));
  const pPaper = Math.max(...contrasts.map((c) => c.pAbove));
  const pReverse = Math.max(...contrasts.map((c) => c.pBelow));
  const learned = armMeans.some((a) => a.mean > base.chance + base.chanceBand);
  let verdict: Verdict;
  if (!learned) verdict = "no signal";
  else if (contrasts.every((c) => c.interval[0] > shift)) verdict = "reproduced";
  else if (contrasts.every((c) => c.interval[1] < shift)) verdict = "contradicted";
  else verdict = "inconclusive";
  return { ...base, contrasts, effect: weakest.effect, interval: weakest.interval, pPaper, pReverse, verdict };
}

/**
 * A claim's verdict from its per-task comparisons (PROTOCOL.combination): no-signal and untestable tasks are
 * left out; Holm over the rest in each direction; reproduced when at least half are rejected for the paper and
 * none against it, contradicted in the mirror case, inconclusive otherwise.
 */
export function combineComparisons(id: ClaimId, comparisons: Comparison[]): ClaimVerdict {
  const spec = claimSpec(id);
  const tested = comparisons.filter((c) => c.verdict !== "no signal" && c.verdict !== "not testable");
  const alpha = (1 - PROTOCOL.confidence) / 2;
  const forPaper = holm(tested.map((c) => c.pPaper), alpha).filter(Boolean).length;
  const againstPaper = holm(tested.map((c) => c.pReverse), alpha).filter(Boolean).length;
  let verdict: Verdict;
  if (spec.untestable !== undefined) verdict = "not testable";
  else if (tested.length === 0) {
    verdict = comparisons.some((c) => c.verdict === "no signal") ? "no signal" : "not testable";
  } else if (forPaper >= tested.length / 2 && againstPaper === 0) verdict = "reproduced";
  else if (againstPaper >= tested.length / 2 && forPaper === 0) verdict = "contradicted";
  else verdict = "inconclusive";
  const left = comparisons.length - tested.length;
  const summary = spec.untestable ?? (comparisons.length === 0
    ? "no task of the grids has both arms of the comparison"
    : `${tested.length} of ${comparisons.length} comparisons tested${left > 0
        ? ` (${left} left out: ${countBy(comparisons.filter((c) => !tested.includes(c)).map((c) => c.verdict))})`
        : ""}; ` +
      `Holm at ${(100 * alpha).toFixed(1)} % per direction: ${forPaper} for the paper, ${againstPaper} against`);
  return {
    claim: id, statement: spec.statement, verdict, comparisons, tested: tested.length, forPaper, againstPaper, summary,
  };
}

function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n} ${v}`).join(", ");
}

const byTask = <R extends ScoredRow>(rows: readonly R[]): Map<string, R[]> => groupBy(rows, (r) => r.task);

const reportSplit = (rows: readonly ScoredRow[]): string =>
  (rows.length > 0 && rows[0].reportExamples > 0
    ? `report split (${rows[0].reportExamples} examples)`
    : "report split");

/** Phenomenon 1 on Table 1 grids (label → rows of the 7 target subsets): V − K, and QV − QKV. */
export function importanceVerdicts(
  grids: Record<string, readonly ScoredRow[]>,
): { vOverK: ClaimVerdict; qvMatchesQkv: ClaimVerdict } {
  const vk: Comparison[] = [];
  const qv: Comparison[] = [];
  for (const [grid, rows] of Object.entries(grids)) {
    for (const [task, taskRows] of byTask(rows)) {
      const groups = groupBy(taskRows, (r) => r.targets);
      const arms = [...groups].map(([targets, armRows]) => armOf(targets, armRows));
      const has = (...names: string[]) => names.every((n) => groups.has(n));
      const common = { grid, task, arms, score: reportScore, split: reportSplit(taskRows) };
      if (has("V", "K")) {
        vk.push(compare({
          ...common, spec: claimSpec("v-over-k"), label: "V − K",
          contrasts: [{ name: "V − K", weights: { V: 1, K: -1 } }], signalArms: ["V", "K"],
        }));
      }
      if (has("QV", "QKV")) {
        qv.push(compare({
          ...common, spec: claimSpec("qv-matches-qkv"), label: "QV − QKV",
          contrasts: [{ name: "QV − QKV", weights: { QV: 1, QKV: -1 } }], signalArms: ["QV", "QKV"],
        }));
      }
    }
  }
  return { vOverK: combineComparisons("v-over-k", vk), qvMatchesQkv: combineComparisons("qv-matches-qkv", qv) };
}

/**
 * Two arms of any grid, paired by seed, per task: `favoured` minus `other`, the arms told apart by `armOf`
 * (e.g. the testbed's init: pretrained − random). Every arm of the task pools the residual.
 */
export function pairedArmVerdict<R extends ScoredRow>(
  id: ClaimId, grids: Record<string, readonly R[]>, armName: (row: R) => string, favoured: string, other: string,
): ClaimVerdict {
  const comparisons: Comparison[] = [];
  for (const [grid, rows] of Object.entries(grids)) {
    for (const [task, taskRows] of byTask(rows)) {
      const groups = groupBy(taskRows, armName);
      if (!groups.has(favoured) || !groups.has(other)) continue;
      comparisons.push(compare({
        spec: claimSpec(id), grid, task, label: `${favoured} − ${other}`,
        arms: [...groups].map(([n, armRows]) => armOf(n, armRows)),
        contrasts: [{ name: `${favoured} − ${other}`, weights: { [favoured]: 1, [other]: -1 } }],
        signalArms: [favoured, other], score: reportScore, split: reportSplit(taskRows),
      }));
    }
  }
  return combineComparisons(id, comparisons);
}

/** The rate grid's λ design: the stated η_QK set (as the grid runs them) and the λ values. */
export interface LambdaDesign {
  etaQK: number[];
  lambdas: number[];
}

/**
 * Every cell of a λ design, once, in order: per η_QK and λ, (η_QK, λη_QK), (η_QK, η_QK) and (λη_QK, λη_QK). The grids
 * run these cells, the simulator draws them, and lambdaVerdict weighs them.
 */
export function lambdaDesignCells(design: LambdaDesign): { etaQK: number; etaV: number }[] {
  const cells = new Map<string, { etaQK: number; etaV: number }>();
  for (const q of design.etaQK) {
    for (const l of design.lambdas) {
      const v = Number((q * l).toPrecision(12));
      for (const [etaQK, etaV] of [[q, v], [q, q], [v, v]]) cells.set(`${etaQK} ${etaV}`, { etaQK, etaV });
    }
  }
  return [...cells.values()];
}

const cellName = (etaQK: number, etaV: number): string => `(${etaQK}, ${etaV})`;

/**
 * Phenomenon 2 on rate grids (label → rows and the grid's λ design): per task, λ > 1 against λ = 1 at the same
 * η_QK and at the same η_V (both must hold). `metric` "score" judges the report-split score ("lambda"),
 * "loss" the mean training loss ("lambda-convergence").
 */
export function lambdaVerdict(
  grids: Record<string, { rows: readonly ScoredRow[]; design: LambdaDesign }>, metric: "score" | "loss" = "score",
): ClaimVerdict {
  const id: ClaimId = metric === "score" ? "lambda" : "lambda-convergence";
  const comparisons: Comparison[] = [];
  for (const [grid, { rows, design }] of Object.entries(grids)) {
    for (const [task, taskRows] of byTask(rows)) {
      const cell = (q: number, v: number) => taskRows.filter((r) => sameRate(r.etaQK, q) && sameRate(r.etaV, v));
      const triples = design.etaQK.flatMap((q) =>
        design.lambdas.map((l) => ({ q, v: Number((q * l).toPrecision(12)) })));
      const designCells = lambdaDesignCells(design);
      const missing = designCells.filter((c) => cell(c.etaQK, c.etaV).length === 0);
      if (missing.length > 0) {
        const names = missing.map((c) => cellName(c.etaQK, c.etaV));
        comparisons.push(notTestable(
          claimSpec(id), grid, task, "λ > 1 − λ = 1",
          `the grid lacks the λ design's cells ${names.slice(0, 4).join(", ")}${names.length > 4 ? ", …" : ""}`,
        ));
        continue;
      }
      // The two contrasts' weights on the design's cells.
      const sameQK: Record<string, number> = {};
      const sameV: Record<string, number> = {};
      const w = 1 / triples.length;
      for (const { q, v } of triples) {
        sameQK[cellName(q, v)] = (sameQK[cellName(q, v)] ?? 0) + w;
        sameQK[cellName(q, q)] = (sameQK[cellName(q, q)] ?? 0) - w;
        sameV[cellName(q, v)] = (sameV[cellName(q, v)] ?? 0) + w;
        sameV[cellName(v, v)] = (sameV[cellName(v, v)] ?? 0) - w;
      }
      const arms = designCells.map((c) => armOf(cellName(c.etaQK, c.etaV), cell(c.etaQK, c.etaV)));
      comparisons.push(compare({
        spec: claimSpec(id), grid, task, label: "λ > 1 − λ = 1", arms, signalArms: arms.map((a) => a.name),
        contrasts: [
          { name: "vs λ = 1 at the same η_QK", weights: sameQK }, { name: "vs λ = 1 at the same η_V", weights: sameV },
        ],
        score: metric === "score" ? reportScore : convergenceScore,
        split: metric === "score" ? reportSplit(taskRows) : "training loss",
        note: `${design.etaQK.length} η_QK × λ ∈ {${design.lambdas.join(", ")}}`,
      }));
    }
  }
  return combineComparisons(id, comparisons);
}

/**
 * Table 2's strategy: per task and method (method and rank), QV at the λ selected on the selection split
 * (leave one seed out: seed s uses the λ whose other seeds scored best) against QKV at λ = 1.
 */
export function strategyVerdict(rows: readonly ScoredRow[], grid = "table2"): ClaimVerdict {
  const comparisons: Comparison[] = [];
  for (const [task, taskRows] of byTask(rows)) {
    const methodOf = (r: ScoredRow) => (r.r === null ? r.method : `${r.method} r${r.r}`);
    const cells = groupBy(taskRows, (r) =>
      (r.targets === "QV" ? `${methodOf(r)} QV λ${r.ratio}` : `${methodOf(r)} ${r.targets}`));
    const realArms = [...cells].map(([name, cellRows]) => armOf(name, cellRows));
    for (const method of [...new Set(taskRows.map(methodOf))]) {
      const qkv = realArms.find((a) => a.name === `${method} QKV`);
      const qvArms = realArms.filter((a) => a.name.startsWith(`${method} QV λ`));
      if (!qkv || qvArms.length === 0) continue;
      const seeds = [...qkv.bySeed.keys()].filter((s) => qvArms.every((a) => a.bySeed.has(s)));
      const chosen = new Map<number, string>();
      const selected: Arm = { name: `${method} QV selected λ`, bySeed: new Map() };
      for (const s of seeds) {
        const others = seeds.filter((o) => o !== s);
        const devMean = (a: Arm) =>
          others.reduce((sum, o) => sum + selectionScore(a.bySeed.get(o)!), 0) / Math.max(1, others.length);
        const best = qvArms.reduce((b, a) => (devMean(a) > devMean(b) ? a : b));
        selected.bySeed.set(s, best.bySeed.get(s)!);
        chosen.set(s, best.name.slice(`${method} QV `.length));
      }
      comparisons.push(compare({
        spec: claimSpec("strategy"), grid, task, label: `${method}: QV (selected λ) − QKV (λ = 1)`,
        arms: [...realArms, selected],
        contrasts: [{ name: "QV selected − QKV", weights: { [selected.name]: 1, [qkv.name]: -1 } }],
        signalArms: [selected.name, qkv.name],
        score: reportScore, split: reportSplit(taskRows), residualExcludes: [selected.name],
        note: `λ chosen per seed: ${[...chosen].map(([s, l]) => `seed ${s} ${l}`).join(", ")}`,
      }));
    }
  }
  return combineComparisons("strategy", comparisons);
}

/** "+3.1 [−0.4, 6.6]": an effect and its interval in points. */
export function formatEffect(c: Pick<Comparison, "effect" | "interval">): string {
  if (!Number.isFinite(c.effect)) return "–";
  const p = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}`;
  return `${p(c.effect)} [${p(c.interval[0])}, ${p(c.interval[1])}]`;
}

/** One table row per comparison, for the notebooks (effects in points). */
export function comparisonTable(verdict: ClaimVerdict): Record<string, string | number>[] {
  return verdict.comparisons.map((c) => ({
    grid: c.grid, task: c.task, comparison: c.label,
    ...(c.contrasts.length > 1
      ? Object.fromEntries(c.contrasts.map((k) => [k.name, formatEffect({ effect: k.effect, interval: k.interval })]))
      : { "effect [95 % CI] (points)": formatEffect(c) }),
    ...(c.kind === "matches" ? { margin: `−${(100 * c.margin).toFixed(0)}` } : {}),
    seeds: c.seeds, split: c.split, chance: Number.isFinite(c.chance) ? +(100 * c.chance).toFixed(1) : "–",
    verdict: c.verdict, ...(c.note ? { note: c.note } : {}),
  }));
}

/** The verdict line a notebook prints: the claim, the verdict, its grounds, the comparison and the protocol. */
export function describeVerdict(v: ClaimVerdict): string {
  const spec = claimSpec(v.claim);
  return `${spec.part}: "${spec.statement}" — ${v.verdict.toUpperCase()} (${v.summary}). ` +
    `Comparison: ${spec.comparison}; metric: ${spec.metric}. Protocol v${PROTOCOL.version} (${PROTOCOL_HASH}).`;
}

/**
 * The MiniLM addendum's five verdicts from its one grid (grids.ts `minilm`, docs/PROTOCOL.md §8): each claim reads
 * its slice of the rows at the chosen η_QK. Table 1's subsets are the LoRA r = 8 cells at λ = 1; the λ design is
 * LoRA r = 8 on QKV; the strategy is QV at each λ against QKV at λ = 1, per method.
 */
export function addendumVerdicts(
  rows: readonly ScoredRow[], design: { etaQK: number; lambdas: number[] }, grid = "minilm",
): Record<"vOverK" | "qvMatchesQkv" | "lambda" | "lambdaConvergence" | "strategy", ClaimVerdict> {
  const atEta = (r: ScoredRow) => sameRate(r.etaQK, design.etaQK);
  const lora8 = (r: ScoredRow) => r.method === "lora" && r.r === 8;
  const { vOverK, qvMatchesQkv } = importanceVerdicts({
    [grid]: rows.filter((r) => lora8(r) && atEta(r) && r.ratio === 1),
  });
  const lambdaGrid = {
    [grid]: {
      rows: rows.filter((r) => lora8(r) && r.targets === "QKV"),
      design: { etaQK: [design.etaQK], lambdas: design.lambdas },
    },
  };
  const strategyRows = rows.filter((r) =>
    atEta(r) && (r.targets === "QV" ? design.lambdas.includes(r.ratio) : r.targets === "QKV" && r.ratio === 1));
  return {
    vOverK, qvMatchesQkv,
    lambda: lambdaVerdict(lambdaGrid), lambdaConvergence: lambdaVerdict(lambdaGrid, "loss"),
    strategy: strategyVerdict(strategyRows, grid),
  };
}
