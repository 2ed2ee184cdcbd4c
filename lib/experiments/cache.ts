// Results keyed by the hash of the full configuration that produced them: one JSON file per run, written
// atomically (temporary file + rename), so an interrupted sweep never leaves a half-written result and a
// rerun computes only what is missing. Changing any field of a configuration gives it a new key.
import * as fs from "fs";
import * as path from "path";
import { sha256, writeFileAtomic } from "../files/index";

/** JSON with object keys sorted at every depth: equal configurations always serialize identically. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
  });
}

/** 16 hex digits of sha256 of the canonical JSON. */
export function runKey(config: unknown): string {
  return sha256(canonicalJson(config)).slice(0, 16);
}

export interface CachedRun<C, R> {
  key: string;
  config: C;
  result: R;
}

/** The cached result for `config` in `dir`, or computes, stores and returns it. */
export function cached<C, R>(dir: string, config: C, compute: (config: C) => R): CachedRun<C, R> & { fromCache: boolean } {
  const key = runKey(config);
  const file = path.join(dir, `${key}.json`);
  if (fs.existsSync(file)) {
    let stored: CachedRun<C, R>;
    try {
      stored = JSON.parse(fs.readFileSync(file, "utf8")) as CachedRun<C, R>;
    } catch (err) {
      throw new Error(`${file}: not valid JSON (${(err as Error).message}); delete it to recompute that run`);
    }
    if (canonicalJson(stored.config) !== canonicalJson(config)) throw new Error(`${file}: holds another configuration under key ${key}; delete it to recompute`);
    return { ...stored, fromCache: true };
  }
  const result = compute(config);
  writeFileAtomic(file, JSON.stringify({ key, config, result }, null, 1) + "\n");
  return { key, config, result, fromCache: false };
}
