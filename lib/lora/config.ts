// The adapter configuration in peft's vocabulary (r, lora_alpha, lora_dropout, target_modules), plus the
// method: LoRA, DoRA (weight-decomposed LoRA), or full fine-tuning of the target matrices.
import { ATTENTION_MATRICES, AttentionMatrix, attentionShapes, ModelConfig } from "../models/config";
import { checkObject } from "../validate/index";
import { parseTargets } from "./targets";

export const METHODS = ["lora", "dora", "full"] as const;
export type Method = (typeof METHODS)[number];

export interface AdapterConfig {
  method: Method;
  /** Rank of B·A (ignored by full fine-tuning). */
  r: number;
  /** The update is scaled by loraAlpha / r, as in peft. */
  loraAlpha: number;
  /** Dropout on the adapter's input (peft applies it before lora_A). */
  loraDropout: number;
  targetModules: AttentionMatrix[];
  /**
   * DoRA only: treat the column norm ‖W0 + sBA‖ as a constant in the backward pass, as peft and the DoRA
   * paper (§4.3) do to save memory. Off, the gradient is the exact one.
   */
  detachNorm: boolean;
  // peft's per-module options, each absent when at peft's default (so the configurations, and the grid keys made
  // from them, of adapters that do not use them are as they were). ./modules resolves them per linear layer.
  /** rsLoRA (use_rslora): the update is scaled by α/√r instead of α/r. */
  useRslora?: true;
  /** rank_pattern / alpha_pattern: a module-name pattern (a suffix after a dot, or a regular expression) → r / α. */
  rankPattern?: Record<string, number>;
  alphaPattern?: Record<string, number>;
  /** layers_to_transform: only these layers are adapted. */
  layersToTransform?: number[];
  /** target_modules given as a string: a regular expression module names must match in full (within targetModules). */
  targetRegex?: string;
  /**
   * exclude_modules: names (exact, or as a suffix after a dot), or a regular expression; matching modules are not
   * adapted.
   */
  excludeModules?: string[] | string;
  /**
   * DoRA with lora_dropout: absent, peft's forward (the magnitude rescaling of the base term also sees the
   * dropped-out input); "input", dropout on the adapter's input only (what this project did before).
   */
  doraDropout?: "input";
}

export class AdapterConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AdapterConfigError";
  }
}

export const DEFAULT_ADAPTER: AdapterConfig = {
  method: "lora", r: 8, loraAlpha: 8, loraDropout: 0, targetModules: ["query", "value"], detachNorm: true,
};

/** What a person or an adapter_config.json writes: any subset of the fields, targets in any vocabulary. */
export type AdapterFields = Partial<Omit<AdapterConfig, "targetModules">> &
  { targetModules?: string | readonly string[] } & Record<string, unknown>;

/** The fields a hand-written adapter may have, in either vocabulary (camelCase or peft's snake_case). */
export const ADAPTER_FIELDS = [
  "method", "peft_type", "use_dora", "r", "loraAlpha", "lora_alpha", "loraDropout", "lora_dropout", "targetModules",
  "target_modules", "detachNorm", "detach_norm", "useRslora", "use_rslora", "rankPattern", "rank_pattern",
  "alphaPattern", "alpha_pattern", "layersToTransform", "layers_to_transform",
  "targetRegex", "excludeModules", "exclude_modules", "doraDropout", "dora_dropout",
] as const;

/**
 * A hand-written adapter (a run config's or a grid's): an object whose every key is an adapter field, so a typo
 * (`lora_aplha`) is an error naming it instead of a default silently used. adapter_config.json files, which carry
 * peft's other keys, go through adapterConfig alone.
 */
export function strictAdapterFields(value: unknown, where: string): AdapterFields {
  return checkObject(value, ADAPTER_FIELDS, where, (m) => new AdapterConfigError(m)) as AdapterFields;
}

/**
 * An adapter configuration with defaults filled in and every field checked against the model it adapts
 * (r ≤ min(d_in, d_out) of each target matrix). Accepts peft's snake_case names too, so an
 * adapter_config.json can be passed as read.
 */
export function adapterConfig(fields: AdapterFields, model?: ModelConfig): AdapterConfig {
  const pick = <T>(camel: string, snake: string, fallback: T): unknown => fields[camel] ?? fields[snake] ?? fallback;
  // peft writes target_modules as a regular expression when it is a string; a hand-written targetModules string is
  // "q,v".
  const peftRegex = typeof fields["target_modules"] === "string" && fields["targetModules"] === undefined &&
    fields["peft_type"] !== undefined;
  const method = pick("method", "peft_type", DEFAULT_ADAPTER.method);
  const methodName = typeof method === "string" ? method.toLowerCase() : method;
  if (!(METHODS as readonly unknown[]).includes(methodName)) {
    throw new AdapterConfigError(`method must be one of ${METHODS.join(", ")}, got ${JSON.stringify(method)}`);
  }
  const useDora = fields["use_dora"] === true;
  const config: AdapterConfig = {
    method: useDora ? "dora" : (methodName as Method),
    r: pick("r", "r", DEFAULT_ADAPTER.r) as number,
    loraAlpha: pick("loraAlpha", "lora_alpha", DEFAULT_ADAPTER.loraAlpha) as number,
    loraDropout: pick("loraDropout", "lora_dropout", DEFAULT_ADAPTER.loraDropout) as number,
    targetModules: peftRegex
      ? [...ATTENTION_MATRICES]
      : parseTargets(
        pick("targetModules", "target_modules", DEFAULT_ADAPTER.targetModules) as string[], "target_modules",
      ),
    detachNorm: pick("detachNorm", "detach_norm", DEFAULT_ADAPTER.detachNorm) as boolean,
    ...moduleOptions(fields, peftRegex ? (fields["target_modules"] as string) : undefined),
  };
  if (config.method !== "full") {
    if (!Number.isInteger(config.r) || config.r <= 0) {
      throw new AdapterConfigError(`r must be a positive integer, got ${JSON.stringify(config.r)}`);
    }
    if (typeof config.loraAlpha !== "number" || !(config.loraAlpha > 0) || !Number.isFinite(config.loraAlpha)) {
      throw new AdapterConfigError(
        `lora_alpha must be a positive finite number, got ${JSON.stringify(config.loraAlpha)}`,
      );
    }
    if (typeof config.loraDropout !== "number" || !(config.loraDropout >= 0 && config.loraDropout < 1)) {
      throw new AdapterConfigError(`lora_dropout must be in [0, 1), got ${JSON.stringify(config.loraDropout)}`);
    }
    if (model) {
      const shapes = attentionShapes(model);
      for (const target of config.targetModules) {
        const { dIn, dOut } = shapes[target];
        if (config.r > Math.min(dIn, dOut)) {
          throw new AdapterConfigError(`r = ${config.r} exceeds min(d_in, d_out) = ${Math.min(dIn, dOut)} ` +
            `of the ${target} matrix (${dIn}×${dOut})`);
        }
      }
    }
  }
  if (typeof config.detachNorm !== "boolean") {
    throw new AdapterConfigError(`detachNorm must be true or false, got ${JSON.stringify(config.detachNorm)}`);
  }
  if (
    config.method === "full" && (config.useRslora || config.rankPattern || config.alphaPattern || config.doraDropout)
  ) {
    throw new AdapterConfigError(
      "rsLoRA, rank and alpha patterns and DoRA's dropout apply to LoRA and DoRA, not to full fine-tuning",
    );
  }
  return config;
}

/** The per-module options (AdapterConfig's optional fields), checked, each present only when not at peft's default. */
function moduleOptions(fields: AdapterFields, peftRegex?: string): Partial<AdapterConfig> {
  const pick = (camel: string, snake: string): unknown => fields[camel] ?? fields[snake];
  const out: Partial<AdapterConfig> = {};
  const rslora = pick("useRslora", "use_rslora");
  if (rslora !== undefined && typeof rslora !== "boolean") {
    throw new AdapterConfigError(`use_rslora must be true or false, got ${JSON.stringify(rslora)}`);
  }
  if (rslora === true) out.useRslora = true;
  for (const [camel, snake, integer] of [
    ["rankPattern", "rank_pattern", true], ["alphaPattern", "alpha_pattern", false],
  ] as const) {
    const value = pick(camel, snake);
    if (value === undefined || value === null) continue;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new AdapterConfigError(
        `${snake} must be an object of module pattern → number, got ${JSON.stringify(value)}`,
      );
    }
    const entries = Object.entries(value as Record<string, unknown>);
    for (const [key, v] of entries) {
      regexOf(key, `${snake} key`);
      const ok = typeof v === "number" && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v));
      if (!ok) {
        throw new AdapterConfigError(`${snake}[${JSON.stringify(key)}] must be a positive ` +
          `${integer ? "integer" : "finite number"}, got ${JSON.stringify(v)}`);
      }
    }
    if (entries.length > 0) out[camel] = Object.fromEntries(entries) as Record<string, number>;
  }
  const layers = pick("layersToTransform", "layers_to_transform");
  if (layers !== undefined && layers !== null) {
    const list = typeof layers === "number" ? [layers] : layers;
    if (!Array.isArray(list) || list.length === 0 || !list.every((l) => Number.isInteger(l) && l >= 0)) {
      throw new AdapterConfigError(
        `layers_to_transform must be a layer index or a non-empty list of them, got ${JSON.stringify(layers)}`,
      );
    }
    out.layersToTransform = [...new Set(list as number[])].sort((a, b) => a - b);
  }
  const regex = peftRegex ?? fields["targetRegex"];
  if (regex !== undefined) {
    if (typeof regex !== "string" || regex === "") {
      throw new AdapterConfigError(`targetRegex must be a regular expression, got ${JSON.stringify(regex)}`);
    }
    regexOf(regex, "target_modules");
    out.targetRegex = regex;
  }
  const exclude = pick("excludeModules", "exclude_modules");
  if (exclude !== undefined && exclude !== null) {
    if (typeof exclude === "string") regexOf(exclude, "exclude_modules");
    else if (!Array.isArray(exclude) || !exclude.every((e) => typeof e === "string" && e !== "")) {
      throw new AdapterConfigError(
        `exclude_modules must be a list of module names or a regular expression, got ${JSON.stringify(exclude)}`,
      );
    }
    if (typeof exclude === "string" || exclude.length > 0) {
      out.excludeModules = typeof exclude === "string" ? exclude : [...exclude];
    }
  }
  const doraDropout = pick("doraDropout", "dora_dropout");
  if (doraDropout !== undefined && doraDropout !== "peft" && doraDropout !== "input") {
    throw new AdapterConfigError(
      `doraDropout must be "peft" (the default) or "input", got ${JSON.stringify(doraDropout)}`,
    );
  }
  if (doraDropout === "input") out.doraDropout = "input";
  return out;
}

/**
 * A pattern as a JavaScript regular expression (Python's re syntax, in the subset both share), or an error naming
 * it.
 */
export function regexOf(pattern: string, field: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new AdapterConfigError(
      `${field} ${JSON.stringify(pattern)} is not a regular expression (${(err as Error).message})`,
    );
  }
}
