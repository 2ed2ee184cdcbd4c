// Theorem 1 of the paper (docs/paper.md §2) and the bounds it is built from.
//
// The chain: Xu & Raginsky (2017) bound the expected generalization gap of any learner whose loss is
// R-subGaussian by sqrt(2R² I(W;S) / N), with I in nats. A learner whose output is P parameters of q bits
// each has I(W;S) ≤ H(W) ≤ qP bits = qP·ln 2 nats, so
//     gen ≤ sqrt(2R² q P ln 2 / N)            (Zhu et al., ICML 2024: the "zhu" form)
// The paper writes the same bound without ln 2 ("paper" form), i.e. it counts the entropy bits as nats;
// that is looser by 1/sqrt(ln 2) ≈ 1.20 and still valid. With rank-r LoRA on matrices W ∈ R^{d_in×d_out},
// both factors trained, each adapted matrix contributes r(d_in + d_out) parameters, so in general
//     P = Σ_{adapted matrices} Σ_{layers i ∈ I} r (d_in + d_out)
// with each matrix's true shape (under grouped-query attention W_k, W_v are narrower than W_q). When all m
// adapted matrix types share one shape, P = m r Σ_{i∈I}(d_in + d_out) and the paper form becomes the printed
//     sqrt((2m R² / N) q r Σ_{i∈I}(d_in + d_out)),  constant 2m = 4 for QV and 6 for QKV,
// which `paperStatement` evaluates as printed so that the tests can check the reduction.
// The "b-only" variant trains only LoRA's B (A frozen at its random init, as in Zhu et al.'s asymmetry
// analysis): B ∈ R^{r×d_out} maps the rank-r code to the output, so r·d_out parameters per matrix.
// The theorem counts the adapters only, but every fine-tune of a classifier also trains the classification head
// (peft's modules_to_save): I(W;S) ≤ H(W) counts every trained number, so the head belongs in P too. `headParams`
// (or modelBound's `head`, counted by lib/lora/count.ts) adds it; RoBERTa-base's 2-label head (592,130) is larger
// than the QV r = 8 adapters (294,912), and counting it brings the QKV/QV ratio from √1.5 down towards 1.
import { AttentionMatrix, attentionShapes, MatrixShape, ModelConfig } from "../models/config";
import { preset } from "../models/presets";
import { DEFAULT_ADAPTER } from "../lora/config";
import { adapterConfig } from "../lora/config";
import { adaptedMatrixParameters, CountConvention, countParameters } from "../lora/count";
import { parseTargets, targetLabel } from "../lora/targets";
import {
  Big, big, BoundsError, latexNumber, math, plainNumber, positiveFinite, positiveInteger, toLatex, toPlain,
} from "./math";

export const BOUND_FORMS = ["paper", "zhu"] as const;
export type BoundForm = (typeof BOUND_FORMS)[number];
export const BOUND_VARIANTS = ["lora", "b-only"] as const;
export type BoundVariant = (typeof BOUND_VARIANTS)[number];

/** One adapted matrix type, with its true shape, adapted in `layers` layers. */
export interface AdaptedMatrixGroup {
  name: string;
  dIn: number;
  dOut: number;
  layers: number;
}

export interface BoundInput {
  matrices: AdaptedMatrixGroup[];
  /** LoRA rank r. */
  rank: number;
  /** Bits per stored parameter q. */
  bits: number;
  /** The loss's subGaussian parameter R (a loss in [0, 1] has R = 1/2). */
  subgaussian: number;
  /** Training-set size N. */
  samples: number;
  form?: BoundForm;
  variant?: BoundVariant;
  /** Trained parameters outside the adapters, added to P: the classification head when it is trained (default 0). */
  headParams?: number;
}

export interface BoundResult {
  bound: number;
  /** The bound to 30 significant digits. */
  boundExact: string;
  /** P: every trained parameter the bound counts, adapterParams + headParams. */
  trainableParams: number;
  /** The adapters' parameters (Theorem 1's P as the paper counts it). */
  adapterParams: number;
  /** The head's parameters counted in P (0 unless the input gave some). */
  headParams: number;
  /** The bound on I(W;S) used, in nats: qP (paper form, bits read as nats) or qP·ln 2 (zhu form). */
  informationNats: number;
  form: BoundForm;
  variant: BoundVariant;
  rank: number;
  bits: number;
  subgaussian: number;
  samples: number;
  matrices: (AdaptedMatrixGroup & { params: number })[];
}

/** The bound's one definition: evaluated by parameterBound (every value) and displayed by boundFormula. */
const EXPRESSIONS: Record<BoundForm, string> = {
  paper: "sqrt(2 * R^2 * q * P / N)",
  zhu: "sqrt(2 * R^2 * q * log(2) * P / N)",
};

export function parseForm(value: unknown, field = "form"): BoundForm {
  if ((BOUND_FORMS as readonly unknown[]).includes(value)) return value as BoundForm;
  throw new BoundsError(`${field} must be one of ${BOUND_FORMS.join(", ")}, got ${JSON.stringify(value)}`);
}

export function parseVariant(value: unknown, field = "variant"): BoundVariant {
  if ((BOUND_VARIANTS as readonly unknown[]).includes(value)) return value as BoundVariant;
  throw new BoundsError(`${field} must be one of ${BOUND_VARIANTS.join(", ")}, got ${JSON.stringify(value)}`);
}

/**
 * Trainable parameters of one rank-r adapter on a d_in×d_out matrix (LoRA's count is lib/lora's; B-only trains
 * r·d_out).
 */
export function adapterParams(shape: MatrixShape, rank: number, variant: BoundVariant): number {
  return variant === "lora"
    ? adaptedMatrixParameters({ ...DEFAULT_ADAPTER, r: rank }, shape.dIn, shape.dOut, false)
    : rank * shape.dOut;
}

/**
 * Xu & Raginsky's bound sqrt(2R² I / N) on the expected generalization gap, for I(W;S) in nats.
 * I = 0 is allowed (a learner that ignores its data).
 */
export function xuRaginsky(subgaussian: number, mutualInformationNats: number | Big, samples: number): Big {
  positiveFinite(subgaussian, "subgaussian (R)");
  positiveInteger(samples, "samples (N)");
  const info = big(mutualInformationNats);
  if (!info.isFinite() || info.isNegative()) {
    throw new BoundsError(`mutual information must be a finite number ≥ 0 (nats), got ${info.toString()}`);
  }
  const R = big(subgaussian);
  return math.sqrt(R.times(R).times(2).times(info).div(samples)) as Big;
}

/** The entropy bound on I(W;S) for P parameters of q bits, in nats (paper form: the bits read as nats). */
export function informationBound(params: number, bits: number, form: BoundForm): Big {
  positiveInteger(params, "trainable parameters (P)");
  positiveFinite(bits, "bits (q)");
  const bitsTotal = big(bits).times(params);
  return form === "zhu" ? bitsTotal.times(math.log(big(2)) as Big) : bitsTotal;
}

/**
 * sqrt(2R² q P / N), with ln 2 in the zhu form: the bound for any learner of P q-bit parameters, i.e. Xu and
 * Raginsky's bound at the entropy bound on I(W;S) (test/bounds checks that composition).
 */
export function parameterBound(
  params: number, bits: number, subgaussian: number, samples: number, form: BoundForm,
): Big {
  positiveInteger(params, "trainable parameters (P)");
  positiveFinite(bits, "bits (q)");
  positiveFinite(subgaussian, "subgaussian (R)");
  positiveInteger(samples, "samples (N)");
  return math.parse(EXPRESSIONS[form]).evaluate(scope(subgaussian, bits, params, samples)) as Big;
}

/** The general Theorem 1 bound for any set of adapted matrices with their true shapes. */
export function theorem1Bound(input: BoundInput): BoundResult {
  const form = parseForm(input.form ?? "paper");
  const variant = parseVariant(input.variant ?? "lora");
  const rank = positiveInteger(input.rank, "rank (r)");
  const bits = positiveFinite(input.bits, "bits (q)");
  const subgaussian = positiveFinite(input.subgaussian, "subgaussian (R)");
  const samples = positiveInteger(input.samples, "samples (N)");
  if (!Array.isArray(input.matrices) || input.matrices.length === 0) {
    throw new BoundsError(`matrices must list at least one adapted matrix, got ${JSON.stringify(input.matrices)}`);
  }
  const matrices = input.matrices.map((m, i) => {
    const field = `matrices[${i}]${typeof m.name === "string" && m.name ? ` (${m.name})` : ""}`;
    const dIn = positiveInteger(m.dIn, `${field}.dIn`);
    const dOut = positiveInteger(m.dOut, `${field}.dOut`);
    const layers = positiveInteger(m.layers, `${field}.layers`);
    // A rank above min(d_in, d_out) adds parameters but no expressiveness: almost surely a typo.
    if (rank > Math.min(dIn, dOut)) {
      throw new BoundsError(
        `rank (r) = ${rank} exceeds min(d_in, d_out) = ${Math.min(dIn, dOut)} of ${field} (${dIn}×${dOut})`,
      );
    }
    return { name: m.name, dIn, dOut, layers, params: layers * adapterParams({ dIn, dOut }, rank, variant) };
  });
  const adapterTotal = matrices.reduce((sum, m) => sum + m.params, 0);
  const head = input.headParams === undefined || input.headParams === 0
    ? 0 : positiveInteger(input.headParams, "headParams");
  const params = adapterTotal + head;
  if (!Number.isSafeInteger(params)) {
    throw new BoundsError(`trainable parameters (P) = ${params} is too large to count exactly`);
  }
  const value = parameterBound(params, bits, subgaussian, samples, form);
  return {
    bound: value.toNumber(),
    boundExact: value.toSignificantDigits(30).toString(),
    trainableParams: params,
    adapterParams: adapterTotal,
    headParams: head,
    informationNats: informationBound(params, bits, form).toNumber(),
    form, variant, rank, bits, subgaussian, samples, matrices,
  };
}

function scope(R: number, q: number, P: number, N: number): Record<string, Big> {
  return { R: big(R), q: big(q), P: big(P), N: big(N) };
}

/** Layer indices from "all", "3", "0-5" or "0-3,8,10-11" (sorted, deduplicated, checked against the model). */
export function parseLayers(spec: string, numLayers: number, field = "layers"): number[] {
  const all = Array.from({ length: numLayers }, (_, i) => i);
  const text = spec.trim();
  if (text === "all") return all;
  const chosen = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) {
      throw new BoundsError(
        `${field}: ${JSON.stringify(part)} is not a layer, a range like 0-5, or "all" (in ${JSON.stringify(spec)})`,
      );
    }
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new BoundsError(`${field}: range ${JSON.stringify(part.trim())} runs backwards`);
    if (hi >= numLayers) {
      throw new BoundsError(`${field}: layer ${hi} does not exist; the model has layers 0-${numLayers - 1}`);
    }
    for (let l = lo; l <= hi; l++) chosen.add(l);
  }
  return all.filter((l) => chosen.has(l));
}

/** The adapted matrices of a model: each target with its true shape, in `layers` of its layers (default all). */
export function modelMatrices(
  model: ModelConfig, targets: readonly AttentionMatrix[], layers?: readonly number[],
): AdaptedMatrixGroup[] {
  const shapes = attentionShapes(model);
  const count = layers === undefined ? model.numLayers : new Set(layers).size;
  if (count === 0) throw new BoundsError("layers is empty: adapt at least one layer");
  for (const l of layers ?? []) {
    if (!Number.isInteger(l) || l < 0 || l >= model.numLayers) {
      throw new BoundsError(
        `layers: layer ${JSON.stringify(l)} does not exist; the model has layers 0-${model.numLayers - 1}`,
      );
    }
  }
  return targets.map((t) => ({ name: t, dIn: shapes[t].dIn, dOut: shapes[t].dOut, layers: count }));
}

export interface HeadCount {
  /** Labels of the classification head (2 for most GLUE tasks, 3 for MNLI, 1 for STS-B). */
  labels: number;
  /**
   * lib/lora/count.ts's convention; default "peft-0.15", the head once: the tensors that are trained. peft 0.5's
   * second copy (the "paper" convention of Table 2 for LoRA) is a count of stored tensors, not of trained ones.
   */
  convention?: CountConvention;
}

/** The classification head's parameters of a model with `labels` labels, as lib/lora/count.ts counts them. */
export function headParams(model: string | ModelConfig, head: HeadCount): number {
  const config = typeof model === "string" ? preset(model) : model;
  const convention = head.convention ?? "peft-0.15";
  const adapter = adapterConfig({ method: "lora" }, config); // any LoRA adapter: the head's count does not depend on it
  return countParameters(config, adapter, { labels: head.labels, convention: convention }).head;
}

export interface ModelBoundInput extends Omit<BoundInput, "matrices" | "headParams"> {
  /** A preset name (roberta-base, llama-3.1-8b, ...) or a configuration. */
  model: string | ModelConfig;
  /** "q,v", ["query", "value"], ["q_proj", "v_proj"], ... */
  targets: string | readonly string[];
  layers?: readonly number[];
  /** Count the trained classification head in P too (absent: the adapters only, as the paper does). */
  head?: HeadCount;
}

/** Theorem 1 for a model: its adapted matrices with their true shapes (and its head, when `head` is given). */
export function modelBound(input: ModelBoundInput): BoundResult & { model: string; targets: string; layers: number } {
  const config = typeof input.model === "string" ? preset(input.model) : input.model;
  const targets = parseTargets(input.targets);
  const matrices = modelMatrices(config, targets, input.layers);
  const { head, ...rest } = input;
  return {
    ...theorem1Bound({ ...rest, matrices: matrices, headParams: head === undefined ? 0 : headParams(config, head) }),
    model: typeof input.model === "string" ? input.model : config.architecture,
    targets: targetLabel(targets),
    layers: matrices[0].layers,
  };
}

export interface Formula {
  latex: string;
  plain: string;
}

/**
 * The bound as a displayed formula: symbols, then the numbers substituted, then the value; and P spelled out
 * from the shapes, e.g. for RoBERTa-base QV r = 8:
 * gen ≤ sqrt(2R²qP/N) = sqrt(2·0.5²·32·294 912/2490) = 43.53, P = 12·8·(768+768) + 12·8·(768+768).
 */
export function boundFormula(result: BoundResult, label?: string): Formula {
  const expression = math.parse(EXPRESSIONS[result.form]);
  const values = scope(result.subgaussian, result.bits, result.trainableParams, result.samples);
  const substituted = expression.transform((node) =>
    node.type === "SymbolNode" && (node as unknown as { name: string }).name in values
      ? new math.ConstantNode(values[(node as unknown as { name: string }).name] as unknown as number)
      : node);
  const value = result.bound.toFixed(result.bound >= 100 ? 1 : result.bound >= 1 ? 2 : 4);
  const lhs = `\\overline{\\mathrm{gen}}${label ? `(\\mathcal{A}_{\\mathrm{${label}}})` : ""}`;
  const perMatrix = (m: BoundResult["matrices"][number], tex: boolean) => {
    const shape = result.variant === "lora" ? `(${m.dIn}+${m.dOut})` : `${m.dOut}`;
    return `${m.layers}${tex ? "\\cdot " : "·"}${result.rank}${tex ? "\\cdot " : "·"}${shape}`;
  };
  const headTerm = (tex: boolean) => {
    if (result.headParams === 0) return [];
    const count = result.headParams;
    return [tex ? `${latexNumber(String(count))}_{\\mathrm{head}}` : `${plainNumber(count)} (head)`];
  };
  const pLatex = [...result.matrices.map((m) => perMatrix(m, true)), ...headTerm(true)].join(" + ");
  const pPlain = [...result.matrices.map((m) => perMatrix(m, false)), ...headTerm(false)].join(" + ");
  const shapeNote = (result.variant === "lora" ? "|I|·r·(d_in+d_out)" : "|I|·r·d_out")
    + (result.headParams > 0 ? " + head" : "");
  return {
    latex: `${lhs} \\le ${toLatex(expression)} = ${toLatex(substituted)} = ${value},\\quad ` +
      `P = ${pLatex} = ${plainNumber(result.trainableParams).replace(/,/g, "\\,")}`,
    plain: `gen${label ? `(A_${label})` : ""} ≤ ${toPlain(expression)} = ${toPlain(substituted)} = ${value}, ` +
      `P = Σ ${shapeNote} = ${pPlain} = ${plainNumber(result.trainableParams)}`,
  };
}
