// The robustness addendum's experiments (docs/PROTOCOL.md §9): protocol v2's λ claims judged, unchanged, per
// setting of the mini models' rate scale and budget; the rule that chooses the encoder's scale on the selection
// split; and the tables that say which verdicts survive which settings. The grids are grids.ts
// `robustness-encoder` and `robustness-decoder`; their runs are stored, so a rerun reads them back.
import { GridResult, runGrid } from "./grid/index";
import {
  chooseScale, MiniArchitecture, namedGrid, robustnessDesign, robustnessReference, robustnessSeeds,
  robustnessSelectionSteps, robustnessSettings, RobustnessSetting,
} from "./grids";
import { Profile } from "./profile";
import { ClaimId, ROBUSTNESS_ADDENDUM, ROBUSTNESS_ADDENDUM_HASH, Verdict } from "./protocol";
import { sameRate } from "./summary";
import {
  ClaimVerdict, formatEffect, LambdaDesign, lambdaDesignCells, lambdaVerdict, reportScore, ScoredRow, selectionScore,
} from "./verdicts";

/** What the summary needs of a run: its scores (ScoredRow) and the steps it was configured for (a GridRow has both). */
export interface RobustnessRow extends ScoredRow {
  config: { steps: number };
}

/** The runs of one setting's λ design: at its steps, in its cells. */
export function settingRows<R extends RobustnessRow>(
  rows: readonly R[], architecture: MiniArchitecture, setting: RobustnessSetting,
): R[] {
  const cells = lambdaDesignCells(robustnessDesign(architecture, setting));
  const inDesign = (r: R) => cells.some((c) => sameRate(r.etaQK, c.etaQK) && sameRate(r.etaV, c.etaV));
  return rows.filter((r) => r.config.steps === setting.steps && inDesign(r));
}

/** One setting's two claims, judged by protocol v2's lambdaVerdict on that setting's runs only. */
export interface SettingVerdicts {
  architecture: MiniArchitecture;
  setting: RobustnessSetting;
  design: LambdaDesign;
  /** Runs of the setting's design that are stored, of how many. */
  runs: number;
  expected: number;
  lambda: ClaimVerdict;
  convergence: ClaimVerdict;
}

export const settingLabel = (s: RobustnessSetting): string => `s ${s.scale}, ${s.steps} steps`;

/** Every setting of the profile, judged: a setting with missing runs says "not testable", one at chance "no signal". */
export function robustnessVerdicts(
  rows: readonly RobustnessRow[], architecture: MiniArchitecture, profile: Profile,
): SettingVerdicts[] {
  const seeds = robustnessSeeds(profile).length;
  return robustnessSettings(architecture, profile).map((setting) => {
    const design = robustnessDesign(architecture, setting);
    const mine = settingRows(rows, architecture, setting);
    const grids = { [`robustness-${architecture} ${settingLabel(setting)}`]: { rows: mine, design } };
    return {
      architecture, setting, design, runs: mine.length, expected: lambdaDesignCells(design).length * seeds,
      lambda: lambdaVerdict(grids, "score"), convergence: lambdaVerdict(grids, "loss"),
    };
  });
}

/** One candidate of the scale rule: its mean selection-split score over the λ design's runs at the selection budget. */
export interface ScaleScore {
  scale: number;
  etaQK: number;
  /** NaN until every run of the candidate is stored. */
  selection: number;
  runs: number;
  expected: number;
  diverged: number;
}

export interface ScaleChoice {
  architecture: MiniArchitecture;
  steps: number;
  /** undefined while a candidate has runs missing (the rule chooses nothing then). */
  scale: number | undefined;
  etaQK: number | undefined;
  scores: ScaleScore[];
  /** One line: what was chosen and on what, or why nothing was. */
  reason: string;
}

/**
 * The addendum's scale rule: at the selection budget, the candidate whose λ-design runs (every cell, every seed)
 * have the highest mean selection-split score, ties to the smaller scale (chooseScale, the MiniLM addendum's rule).
 * Reads `selection` and `chanceSelection` only: the report split never enters.
 */
export function chooseRobustnessScale(rows: readonly RobustnessRow[], architecture: MiniArchitecture, profile: Profile,
  steps = robustnessSelectionSteps(profile)): ScaleChoice {
  const seeds = robustnessSeeds(profile).length;
  const candidates = robustnessSettings(architecture, profile).filter((s) => s.steps === steps);
  const scores: ScaleScore[] = candidates.map((setting) => {
    const design = robustnessDesign(architecture, setting);
    const mine = settingRows(rows, architecture, setting);
    const expected = lambdaDesignCells(design).length * seeds;
    const mean = mine.reduce((sum, r) => sum + selectionScore(r), 0) / Math.max(1, mine.length);
    return {
      scale: setting.scale, etaQK: design.etaQK[0], selection: mine.length >= expected ? mean : NaN,
      runs: mine.length, expected, diverged: mine.filter((r) => r.status !== "ok").length,
    };
  });
  const missing = scores.filter((s) => s.runs < s.expected);
  if (candidates.length === 0 || missing.length > 0) {
    const reason = candidates.length === 0
      ? `not testable: no candidate scale at ${steps} steps in this profile`
      : `not testable: ${missing.map((s) => `s = ${s.scale} has ${s.runs} of ${s.expected} runs`).join(", ")}; ` +
        "the rule chooses nothing yet";
    return { architecture, steps, scale: undefined, etaQK: undefined, scores, reason };
  }
  const scale = chooseScale(scores.map((s) => ({ scale: s.scale, selection: s.selection, diverged: s.diverged > 0 })));
  const best = scores.find((s) => s.scale === scale)!;
  const reason = `s = ${scale} (η_QK ${best.etaQK}): the highest mean selection-split score at ${steps} steps, ` +
    `${(100 * best.selection).toFixed(1)} % over ${best.runs} runs ` +
    "(ties to the smaller s; the report split is not read)";
  return { architecture, steps, scale, etaQK: best.etaQK, scores, reason };
}

const CLAIMS: { id: ClaimId; of: (v: SettingVerdicts) => ClaimVerdict }[] = [
  { id: "lambda", of: (v) => v.lambda },
  { id: "lambda-convergence", of: (v) => v.convergence },
];

/** Why a verdict that is not a comparison of intervals came out as it did (missing runs, seeds, chance). */
function verdictNote(v: SettingVerdicts, claim: ClaimVerdict): string {
  if (v.runs === 0) return `no runs stored for this setting (${v.expected} expected)`;
  const c = claim.comparisons[0];
  if (claim.verdict === "not testable") return c ? c.note : claim.summary;
  if (claim.verdict === "no signal" && c) {
    const [chance, band] = [c.chance, c.chanceBand].map((x) => (100 * x).toFixed(1));
    return `no cell above the majority baseline ${chance} % + ${band} points`;
  }
  return claim.comparisons.length > 1 ? claim.summary : "";
}

/**
 * The addendum's summary table: one row per setting and claim, the verdict and both contrasts with their 95 %
 * intervals (points; lambda-convergence: minus the mean training loss × 100). `trainRows` gives the epochs column.
 */
export function robustnessTable(
  verdicts: readonly SettingVerdicts[], options: { trainRows?: number; batchSize?: number; profile?: Profile } = {},
): Record<string, string | number>[] {
  const { trainRows, batchSize } = options;
  return verdicts.flatMap((v) => CLAIMS.map(({ id, of }) => {
    const claim = of(v);
    const c = claim.comparisons.length === 1 ? claim.comparisons[0] : undefined;
    const contrast = (i: number) => (c && c.contrasts[i] ? formatEffect(c.contrasts[i]) : "–");
    const reference = options.profile ? robustnessReference(v.architecture, options.profile) : undefined;
    const isReference = reference?.scale === v.setting.scale && reference?.steps === v.setting.steps;
    return {
      model: v.architecture, s: v.setting.scale, "η_QK": v.design.etaQK[0], steps: v.setting.steps,
      ...(trainRows && batchSize ? { epochs: +((v.setting.steps * batchSize) / trainRows).toFixed(2) } : {}),
      claim: id, verdict: claim.verdict,
      "vs λ = 1, same η_QK": contrast(0), "vs λ = 1, same η_V": contrast(1),
      seeds: c ? c.seeds : 0, runs: `${v.runs}/${v.expected}`,
      reference: isReference ? "yes" : "", note: verdictNote(v, claim),
    };
  }));
}

/**
 * Per claim: its verdict at the reference setting, the settings where it is the same ("survives") and where not.
 * Only a judged verdict (reproduced, contradicted, inconclusive) can survive: with the reference not testable or
 * at chance, `judged` is false and every other setting is listed under `different`.
 */
export interface Survival {
  claim: ClaimId;
  reference: string;
  referenceVerdict: Verdict | undefined;
  judged: boolean;
  same: string[];
  different: { setting: string; verdict: Verdict }[];
}

const JUDGED: readonly Verdict[] = ["reproduced", "contradicted", "inconclusive"];

export function robustnessSurvival(verdicts: readonly SettingVerdicts[], reference: RobustnessSetting): Survival[] {
  const isReference = (v: SettingVerdicts) =>
    v.setting.scale === reference.scale && v.setting.steps === reference.steps;
  const ref = verdicts.find(isReference);
  return CLAIMS.map(({ id, of }) => {
    const referenceVerdict = ref ? of(ref).verdict : undefined;
    const judged = referenceVerdict !== undefined && JUDGED.includes(referenceVerdict);
    const others = verdicts.filter((v) => !isReference(v));
    const survives = (v: SettingVerdicts) => judged && of(v).verdict === referenceVerdict;
    return {
      claim: id, reference: settingLabel(reference), referenceVerdict, judged,
      same: others.filter(survives).map((v) => settingLabel(v.setting)),
      different: others.filter((v) => !survives(v))
        .map((v) => ({ setting: settingLabel(v.setting), verdict: of(v).verdict })),
    };
  });
}

/** Survival as table rows (one per claim). */
export function survivalTable(survival: readonly Survival[]): Record<string, string>[] {
  return survival.map((s) => ({
    claim: s.claim, [`verdict at ${s.reference} (reference)`]: s.referenceVerdict ?? "–",
    "same verdict (survives)": s.judged
      ? s.same.join("; ") || "none"
      : `– (the reference is ${s.referenceVerdict ?? "not run"}: nothing to survive)`,
    "another verdict": s.different.map((d) => `${d.setting}: ${d.verdict}`).join("; ") || "none",
  }));
}

/**
 * Every cell of every setting, descriptively: the report-split score (mean ± sd over seeds, a diverged run at the
 * majority baseline as the protocol scores it), the selection-split mean, and the mean training loss, in points.
 */
export function robustnessCellTable(
  rows: readonly RobustnessRow[], architecture: MiniArchitecture, profile: Profile,
): Record<string, string | number>[] {
  const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : "–");
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
  return robustnessSettings(architecture, profile).flatMap((setting) => {
    const mine = settingRows(rows, architecture, setting);
    return lambdaDesignCells(robustnessDesign(architecture, setting)).map(({ etaQK, etaV }) => {
      const cell = mine.filter((r) => sameRate(r.etaQK, etaQK) && sameRate(r.etaV, etaV));
      const report = cell.map(reportScore);
      const losses = cell.map((r) => r.lossMean).filter((x): x is number => x !== null && Number.isFinite(x));
      return {
        s: setting.scale, steps: setting.steps, "η_QK": etaQK, "η_V": etaV, "λ": +(etaV / etaQK).toPrecision(6),
        runs: cell.length,
        "test % (mean ± sd)": cell.length > 0 ? `${pct(mean(report))} ± ${pct(sd(report))}` : "–",
        "selection %": cell.length > 0 ? pct(mean(cell.map(selectionScore))) : "–",
        "mean training loss": losses.length > 0 ? +mean(losses).toFixed(3) : "–",
        diverged: cell.filter((r) => r.status !== "ok").length,
        "majority %": cell.length > 0 ? pct(cell[0].chance) : "–",
      };
    });
  });
}

/** The scale rule's candidates as table rows (selection split only). */
export function scaleTable(choice: ScaleChoice): Record<string, string | number>[] {
  return choice.scores.map((s) => ({
    s: s.scale, "η_QK": s.etaQK, steps: choice.steps,
    "mean selection-split score (%)": Number.isFinite(s.selection) ? +(100 * s.selection).toFixed(2) : "–",
    runs: `${s.runs}/${s.expected}`, diverged: s.diverged, chosen: s.scale === choice.scale ? "yes" : "",
  }));
}

export interface RobustnessExperiments {
  architecture: MiniArchitecture;
  profile: Profile;
  grid: GridResult;
  verdicts: SettingVerdicts[];
  /** The rule at the selection budget, and (full profile) at the other budgets, descriptively. */
  choice: ScaleChoice;
  otherBudgets: ScaleChoice[];
  survival: Survival[];
  addendum: string;
}

/** The robustness grid of one model, run (stored runs are read back), judged per setting, and the scale chosen. */
export async function runRobustness(
  architecture: MiniArchitecture, profile: Profile, options: { workers: number },
): Promise<RobustnessExperiments> {
  const grid = await runGrid(namedGrid(`robustness-${architecture}`, profile), { workers: options.workers });
  return judgeRobustness(grid, architecture, profile);
}

/** The verdicts, the scale and the survival of a robustness grid's result. */
export function judgeRobustness(
  grid: GridResult, architecture: MiniArchitecture, profile: Profile,
): RobustnessExperiments {
  const verdicts = robustnessVerdicts(grid.rows, architecture, profile);
  const choice = chooseRobustnessScale(grid.rows, architecture, profile);
  const budgets = [...new Set(robustnessSettings(architecture, profile).map((s) => s.steps))]
    .filter((n) => n !== choice.steps);
  const otherBudgets = budgets.map((n) => chooseRobustnessScale(grid.rows, architecture, profile, n))
    .filter((c) => c.scores.length > 1);
  return {
    architecture, profile, grid, verdicts, choice, otherBudgets,
    survival: robustnessSurvival(verdicts, robustnessReference(architecture, profile)),
    addendum: `robustness addendum v${ROBUSTNESS_ADDENDUM.version} (${ROBUSTNESS_ADDENDUM_HASH})`,
  };
}

/**
 * An addendum as rows (field, text), printed from the object so a notebook never retypes it: the robustness
 * addendum's unless another is given with its hash.
 */
export function addendumRows(
  addendum: object = ROBUSTNESS_ADDENDUM, hash = ROBUSTNESS_ADDENDUM_HASH,
): { field: string; value: string }[] {
  const flat = (prefix: string, value: unknown): { field: string; value: string }[] => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return Object.entries(value).flatMap(([k, v]) => flat(prefix ? `${prefix}.${k}` : k, v));
    }
    const numbers = Array.isArray(value) && value.every((x) => typeof x === "number");
    const text = Array.isArray(value) ? (numbers ? `{${value.join(", ")}}` : value.join("; ")) : String(value);
    return [{ field: prefix, value: text }];
  };
  return [...flat("", addendum), { field: "hash", value: hash }];
}
