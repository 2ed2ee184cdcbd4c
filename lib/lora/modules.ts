// Which linear layers an adapter adapts, and each one's rank, α and scaling, as peft resolves them
// (peft 0.13-0.14 tuners_utils.check_target_module_exists and LoraModel._create_and_replace): the target
// matrices, or a regular expression over module names; layers_to_transform; exclude_modules; rank_pattern and
// alpha_pattern; α/r, or α/√r under rsLoRA. One function for attaching, the forward pass, merging and counting.
import { ATTENTION_MATRICES, AttentionMatrix, attentionShapes, ModelConfig } from "../models/config";
import { attentionLinearName, tensorShapes } from "../models/names";
import { AdapterConfig, AdapterConfigError, regexOf } from "./config";

export interface AdaptedModule {
  /** The linear layer's name in the checkpoint, e.g. roberta.encoder.layer.0.attention.self.value. */
  name: string;
  layer: number;
  matrix: AttentionMatrix;
  r: number;
  alpha: number;
  /** α / r, or α / √r under rsLoRA. */
  scaling: number;
}

const fullMatch = (pattern: string, name: string) => regexOf(`^(?:${pattern})$`, "pattern").test(name);
/** peft's list matching: the name itself, or a suffix after a dot. */
const listMatch = (list: readonly string[], name: string) => list.some((k) => name === k || name.endsWith(`.${k}`));
/**
 * peft's pattern-key matching for rank_pattern / alpha_pattern: the key as a regular expression ending the name after
 * a dot.
 */
const patternValue = (pattern: Record<string, number> | undefined, name: string): number | undefined => {
  const key = Object.keys(pattern ?? {}).find((k) => regexOf(`(^|.*\\.)(?:${k})$`, "pattern").test(name));
  return key === undefined ? undefined : pattern![key];
};

/** The adapted linear layers of `model` under `config`, in layer order then query, key, value, output. */
export function adaptedModules(config: AdapterConfig, model: ModelConfig): AdaptedModule[] {
  const layers = config.layersToTransform;
  for (const l of layers ?? []) {
    if (l >= model.numLayers) {
      throw new AdapterConfigError(
        `layers_to_transform names layer ${l}, but the model has layers 0-${model.numLayers - 1}`,
      );
    }
  }
  if (config.targetRegex !== undefined) checkRegexTargets(config.targetRegex, model);
  const shapes = attentionShapes(model);
  const modules: AdaptedModule[] = [];
  for (let layer = 0; layer < model.numLayers; layer++) {
    // As in peft, layers_to_transform applies to a list of targets, not to a regular expression.
    if (layers !== undefined && config.targetRegex === undefined && !layers.includes(layer)) continue;
    for (const matrix of ATTENTION_MATRICES) {
      if (!config.targetModules.includes(matrix)) continue;
      const name = attentionLinearName(model, layer, matrix);
      if (config.targetRegex !== undefined && !fullMatch(config.targetRegex, name)) continue;
      const exclude = config.excludeModules;
      if (
        exclude !== undefined && (typeof exclude === "string" ? fullMatch(exclude, name) : listMatch(exclude, name))
      ) {
        continue;
      }
      const r = config.method === "full" ? config.r : patternValue(config.rankPattern, name) ?? config.r;
      const alpha = patternValue(config.alphaPattern, name) ?? config.loraAlpha;
      const { dIn, dOut } = shapes[matrix];
      if (config.method !== "full" && r > Math.min(dIn, dOut)) {
        throw new AdapterConfigError(
          `r = ${r} exceeds min(d_in, d_out) = ${Math.min(dIn, dOut)} of ${name} (${dIn}×${dOut})`,
        );
      }
      modules.push({ name, layer, matrix, r, alpha, scaling: config.useRslora ? alpha / Math.sqrt(r) : alpha / r });
    }
  }
  if (modules.length === 0) {
    throw new AdapterConfigError("the adapter's targets, layers and exclusions leave no module of the model to adapt");
  }
  return modules;
}

/**
 * A regular expression must pick attention projections only: peft would also adapt any other linear layer it
 * matches (the feed-forward, the embeddings), which qkv-lab's adapters do not support.
 */
function checkRegexTargets(regex: string, model: ModelConfig): void {
  const attention = new Set<string>();
  for (let layer = 0; layer < model.numLayers; layer++) {
    for (const m of ATTENTION_MATRICES) attention.add(attentionLinearName(model, layer, m));
  }
  const modules = [...tensorShapes(model, 2).keys()]
    .filter((n) => n.endsWith(".weight"))
    .map((n) => n.slice(0, -".weight".length));
  const other = modules.find((n) => !attention.has(n) && fullMatch(regex, n));
  if (other !== undefined) {
    throw new AdapterConfigError(
      `target_modules ${JSON.stringify(regex)} also matches ${other}; qkv-lab adapts the attention projections only`,
    );
  }
}

const SCALINGS = new WeakMap<AdapterConfig, Map<string, number>>();

/** The scaling of the adapter on linear layer `name` (looked up once per configuration). */
export function moduleScaling(config: AdapterConfig, model: ModelConfig, name: string): number {
  let byName = SCALINGS.get(config);
  if (byName === undefined) {
    byName = new Map(adaptedModules(config, model).map((m) => [m.name, m.scaling]));
    SCALINGS.set(config, byName);
  }
  const s = byName.get(name);
  if (s === undefined) throw new Error(`${name} is not adapted by this adapter`);
  return s;
}
