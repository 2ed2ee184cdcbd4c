// The adapter configuration in peft's vocabulary (r, lora_alpha, lora_dropout, target_modules), plus the
// method: LoRA, DoRA (weight-decomposed LoRA), or full fine-tuning of the target matrices.
import { AttentionMatrix, attentionShapes, ModelConfig } from "../models/config";
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
export type AdapterFields = Partial<Omit<AdapterConfig, "targetModules">> & { targetModules?: string | readonly string[] } & Record<string, unknown>;

/** The fields a hand-written adapter may have, in either vocabulary (camelCase or peft's snake_case). */
export const ADAPTER_FIELDS = [
  "method", "peft_type", "use_dora", "r", "loraAlpha", "lora_alpha", "loraDropout", "lora_dropout", "targetModules", "target_modules", "detachNorm", "detach_norm",
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
    targetModules: parseTargets(pick("targetModules", "target_modules", DEFAULT_ADAPTER.targetModules) as string[], "target_modules"),
    detachNorm: pick("detachNorm", "detach_norm", DEFAULT_ADAPTER.detachNorm) as boolean,
  };
  if (config.method !== "full") {
    if (!Number.isInteger(config.r) || config.r <= 0) throw new AdapterConfigError(`r must be a positive integer, got ${JSON.stringify(config.r)}`);
    if (typeof config.loraAlpha !== "number" || !(config.loraAlpha > 0) || !Number.isFinite(config.loraAlpha)) {
      throw new AdapterConfigError(`lora_alpha must be a positive finite number, got ${JSON.stringify(config.loraAlpha)}`);
    }
    if (typeof config.loraDropout !== "number" || !(config.loraDropout >= 0 && config.loraDropout < 1)) {
      throw new AdapterConfigError(`lora_dropout must be in [0, 1), got ${JSON.stringify(config.loraDropout)}`);
    }
    if (model) {
      const shapes = attentionShapes(model);
      for (const target of config.targetModules) {
        const { dIn, dOut } = shapes[target];
        if (config.r > Math.min(dIn, dOut)) {
          throw new AdapterConfigError(`r = ${config.r} exceeds min(d_in, d_out) = ${Math.min(dIn, dOut)} of the ${target} matrix (${dIn}×${dOut})`);
        }
      }
    }
  }
  if (typeof config.detachNorm !== "boolean") throw new AdapterConfigError(`detachNorm must be true or false, got ${JSON.stringify(config.detachNorm)}`);
  return config;
}

/** peft's scaling of the update: lora_alpha / r. */
export function scaling(config: AdapterConfig): number {
  return config.loraAlpha / config.r;
}
