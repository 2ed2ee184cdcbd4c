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

/** The stored run for `config` in `dir`, or undefined when there is none; a corrupt file is an error naming it. */
export function readCached<C, R>(dir: string, config: C): CachedRun<C, R> | undefined {
  const key = runKey(config);
  const file = path.join(dir, `${key}.json`);
  if (!fs.existsSync(file)) return undefined;
  let stored: CachedRun<C, R>;
  try {
    stored = JSON.parse(fs.readFileSync(file, "utf8")) as CachedRun<C, R>;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); delete it to recompute that run`);
  }
  if (canonicalJson(stored.config) !== canonicalJson(config)) throw new Error(`${file}: holds another configuration under key ${key}; delete it to recompute`);
  return stored;
}

/** Stores `result` for `config` in `dir` as `<key>.json`, atomically. */
export function writeCached<C, R>(dir: string, config: C, result: R): CachedRun<C, R> {
  const key = runKey(config);
  writeFileAtomic(path.join(dir, `${key}.json`), JSON.stringify({ key, config, result }, null, 1) + "\n");
  return { key, config, result };
}

/** The cached result for `config` in `dir`, or computes, stores and returns it. */
export function cached<C, R>(dir: string, config: C, compute: (config: C) => R): CachedRun<C, R> & { fromCache: boolean } {
  const stored = readCached<C, R>(dir, config);
  if (stored) return { ...stored, fromCache: true };
  return { ...writeCached(dir, config, compute(config)), fromCache: false };
}
