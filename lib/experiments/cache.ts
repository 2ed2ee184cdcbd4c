// Results keyed by the hash of the full configuration that produced them: one JSON file per run, written
// atomically (temporary file + rename), so an interrupted sweep never leaves a half-written result and a
// rerun computes only what is missing. Changing any field of a configuration gives it a new key.
// Results read back exactly as they were computed: the numbers JSON cannot write (NaN, ±Infinity, -0) are
// stored as {"$number": "NaN"} and so on, and a typed array, Map or Set (which JSON would mangle) is refused.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { progress } from "../display/progress";
import { OutputPathError, sha256, writeFileAtomic } from "../files/index";
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
  if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))) {
    return { [NUMBER_TAG]: Object.is(value, -0) ? "-0" : String(value) };
  }
  if (ArrayBuffer.isView(value) || value instanceof Map || value instanceof Set) {
    throw new Error(
      `${JSON.stringify(key)} is a ${value.constructor.name}, which JSON does not round-trip: ` +
        "convert it to a plain array or object first",
    );
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
  if (canonicalJson(stored.config) !== canonicalJson(config)) {
    throw new Error(`${file}: holds another configuration under key ${key}; delete it to recompute`);
  }
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
export async function cachedAsync<C, R>(
  dir: string, config: C, compute: (config: C) => Promise<R>,
): Promise<CacheOutcome<C, R>> {
  const { file, hit } = lookUp<C, R>(dir, config);
  return hit ?? { ...writeCached(dir, config, await compute(config)), fromCache: false, file };
}

/** One line for a notebook: "<what>: computed now, stored in data/results/…" or "<what>: read back from …". */
export function describeCached(what: string, run: { fromCache: boolean; file: string }): string {
  const where = path.relative(REPO_ROOT, run.file);
  return run.fromCache
    ? `${what}: read back from ${where} (delete it to recompute)`
    : `${what}: computed now, stored in ${where}`;
}

/**
 * What claimRun finds: the run is this process's to compute (release the claim once it is stored or has failed),
 * stored already, or being computed by another live process (`holder` says which).
 */
export type RunClaim =
  | { state: "claimed"; release: () => void }
  | { state: "stored" }
  | { state: "busy"; holder: string };

interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/**
 * Claims the run of `config` in `dir` for this process, so that two processes computing the same grid (two
 * `qkv grid` of one spec, two notebooks) compute each run once: a lock file `<key>.lock`, created exclusively,
 * names the holder; the cache is looked at again once the lock is held. A lock whose process has died (kill -9)
 * is taken over. Two processes taking over the same dead lock at once may both compute that run: harmless, as
 * both store the same result atomically.
 */
export function claimRun(dir: string, config: unknown): RunClaim {
  const lock = path.join(dir, `${runKey(config)}.lock`);
  const holder: LockHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(lock, JSON.stringify(holder), { flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new OutputPathError(`${lock}: cannot create the run's lock (${(err as Error).message})`, err);
      }
      const other = liveHolder(lock);
      if (other !== undefined) {
        return readCached(dir, config) !== undefined ? { state: "stored" } : { state: "busy", holder: other };
      }
      fs.rmSync(lock, { force: true });
      continue;
    }
    const release = () => fs.rmSync(lock, { force: true });
    if (readCached(dir, config) !== undefined) {
      release();
      return { state: "stored" };
    }
    return { state: "claimed", release };
  }
  return { state: "busy", holder: liveHolder(lock) ?? "another process" };
}

/** Removes the locks in `dir` whose processes have died (a grid killed with -9 leaves its locks behind). */
export function clearStaleLocks(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    const lock = path.join(dir, name);
    if (name.endsWith(".lock") && liveHolder(lock) === undefined) fs.rmSync(lock, { force: true });
  }
}

/** "pid 123 on host h since …" when the lock's process is alive (or on another host, where it cannot be asked). */
function liveHolder(lock: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lock, "utf8");
  } catch {
    return undefined; // released meanwhile
  }
  let holder: LockHolder;
  try {
    holder = JSON.parse(text) as LockHolder;
  } catch {
    // Being written right now, or left empty by a crash: a minute tells them apart.
    const stat = fs.statSync(lock, { throwIfNoEntry: false });
    return stat !== undefined && Date.now() - stat.mtimeMs < 60_000 ? "a process writing its lock" : undefined;
  }
  const name = `pid ${holder.pid} on ${holder.host} since ${holder.since}`;
  if (holder.host !== os.hostname()) return name;
  try {
    process.kill(holder.pid, 0);
    return name;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM" ? name : undefined;
  }
}

/**
 * A notebook's sweep, cached: computes it (with a progress bar of `total(config)` steps, ticked by the computation,
 * and its time) or reads it back, then prints describeCached's line. One call where notebooks wrapped caching,
 * progress and timing by hand.
 */
export async function cachedSweep<C, R>(
  what: string, dir: string, config: C, total: (config: C) => number,
  compute: (config: C, tick: (label?: string) => void) => R | Promise<R>,
): Promise<CacheOutcome<C, R>> {
  let seconds = NaN;
  const run = await cachedAsync(dir, config, async (c) => {
    const bar = progress(total(c), what);
    const start = performance.now();
    const result = await compute(c, (label) => bar.tick(1, label));
    bar.done();
    seconds = (performance.now() - start) / 1000;
    return result;
  });
  console.log(describeCached(what, run) + (run.fromCache ? "" : ` in ${seconds.toFixed(seconds < 10 ? 1 : 0)} s`));
  return run;
}
