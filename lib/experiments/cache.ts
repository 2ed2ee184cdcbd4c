// Results keyed by the hash of the full configuration that produced them: one JSON file per run, written
// atomically (temporary file + rename), so an interrupted sweep never leaves a half-written result and a
// rerun computes only what is missing. Changing any field of a configuration gives it a new key.
// Results read back exactly as they were computed: the numbers JSON cannot write (NaN, ±Infinity, -0) are
// stored as {"$number": "NaN"} and so on, and a typed array, Map or Set (which JSON would mangle) is refused.
import * as fs from "fs";
import * as path from "path";
import { sha256, writeFileAtomic } from "../files/index";
import { REPO_ROOT } from "../paths";

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

const NUMBER_TAG = "$number";

/** JSON.stringify's replacer for stored runs: tags the numbers JSON cannot write, refuses what it would mangle. */
function toStored(key: string, value: unknown): unknown {
  if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))) return { [NUMBER_TAG]: Object.is(value, -0) ? "-0" : String(value) };
  if (ArrayBuffer.isView(value) || value instanceof Map || value instanceof Set) {
    throw new Error(`${JSON.stringify(key)} is a ${value.constructor.name}, which JSON does not round-trip: convert it to a plain array or object first`);
  }
  return value;
}

/** JSON.parse's reviver for stored runs: the tagged numbers back. Files without tags read as plain JSON. */
function fromStored(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const tag = (value as Record<string, unknown>)[NUMBER_TAG];
  return typeof tag === "string" && Object.keys(value).length === 1 ? Number(tag) : value;
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
    stored = JSON.parse(fs.readFileSync(file, "utf8"), fromStored) as CachedRun<C, R>;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); delete it to recompute that run`);
  }
  if (canonicalJson(stored.config) !== canonicalJson(config)) throw new Error(`${file}: holds another configuration under key ${key}; delete it to recompute`);
  return stored;
}

/** Stores `result` for `config` in `dir` as `<key>.json`, atomically. */
export function writeCached<C, R>(dir: string, config: C, result: R): CachedRun<C, R> {
  const key = runKey(config);
  writeFileAtomic(path.join(dir, `${key}.json`), JSON.stringify({ key, config, result }, toStored, 1) + "\n");
  return { key, config, result };
}

/** What cached and cachedAsync return: the run, whether it was read back rather than computed, and its file. */
export type CacheOutcome<C, R> = CachedRun<C, R> & { fromCache: boolean; file: string };

/** The file for `config` in `dir`, and the stored run as cached returns it when there is one. */
function lookUp<C, R>(dir: string, config: C): { file: string; hit?: CacheOutcome<C, R> } {
  const file = path.join(dir, `${runKey(config)}.json`);
  const stored = readCached<C, R>(dir, config);
  return { file, hit: stored && { ...stored, fromCache: true, file } };
}

/** The cached result for `config` in `dir`, or computes, stores and returns it. */
export function cached<C, R>(dir: string, config: C, compute: (config: C) => R): CacheOutcome<C, R> {
  const { file, hit } = lookUp<C, R>(dir, config);
  return hit ?? { ...writeCached(dir, config, compute(config)), fromCache: false, file };
}

/** cached for a computation that returns a promise (a sweep on worker processes): nothing is stored if it rejects. */
export async function cachedAsync<C, R>(dir: string, config: C, compute: (config: C) => Promise<R>): Promise<CacheOutcome<C, R>> {
  const { file, hit } = lookUp<C, R>(dir, config);
  return hit ?? { ...writeCached(dir, config, await compute(config)), fromCache: false, file };
}

/** One line for a notebook: "<what>: computed now, stored in data/results/…" or "<what>: read back from …". */
export function describeCached(what: string, run: { fromCache: boolean; file: string }): string {
  const where = path.relative(REPO_ROOT, run.file);
  return run.fromCache ? `${what}: read back from ${where} (delete it to recompute)` : `${what}: computed now, stored in ${where}`;
}
