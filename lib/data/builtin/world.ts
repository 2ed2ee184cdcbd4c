// The generator's shared machinery: the difficulty knobs, the taxonomy's lookups, the world of facts drawn
// from the seed (who lives and works where, who owns what), and small sampling and text helpers.
import { Rng } from "../../random/index";
import { CATEGORY_CONTEXTS, NAMES, OCCUPATIONS, OWNED_SUPERS, PLACES, TAXONOMY } from "./lexicon";

/** A suite option or generator input out of its domain; the message names the field and the value. */
export class SuiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SuiteError";
  }
}

// ---- Difficulty ----------------------------------------------------------------------------------------

/**
 * What one difficulty number d ∈ [0, 1] sets. Each knob is a probability per generated example:
 * - `negation` (0.1 + 0.3d): a clause or event is negated ("was not good", "did not see a dog");
 * - `composition` (0.1 + 0.5d): SST-2 joins two clauses ("X , but Y", "although X , Y"); QNLI's sentence
 *   carries a second, distracting clause; MNLI and QNLI reason over two taxonomy levels (poodle → animal);
 * - `nesting` (0.2d): SST-2 wraps a sentence in "it is not true that …"; MNLI uses quantified and negated
 *   premises, where entailment runs downwards (no dog → no poodle);
 * - `hardNegative` (0.3 + 0.6d): a negative pair (not duplicate, not an answer) differs from a positive one
 *   by a single word or name, so word overlap stops being a cue;
 * - `labelNoise` (0.05d): a train label is replaced by a uniformly drawn other class (dev and test labels
 *   stay clean, so they measure what was learned).
 * Any knob can also be set on its own (`KnobOverrides`, `qkv tasks --knobs hardNegative=0`), to study one kind of
 * difficulty at a time.
 */
export interface Knobs {
  difficulty: number;
  negation: number;
  composition: number;
  nesting: number;
  hardNegative: number;
  labelNoise: number;
}

/** Knobs set one by one, in place of what the difficulty gives them (e.g. `{ hardNegative: 0 }`). */
export type KnobOverrides = Partial<Omit<Knobs, "difficulty">>;

export function knobs(difficulty: number, overrides: KnobOverrides = {}): Knobs {
  if (typeof difficulty !== "number" || !Number.isFinite(difficulty) || difficulty < 0 || difficulty > 1) {
    throw new SuiteError(`difficulty must be a number in [0, 1], got ${JSON.stringify(difficulty)}`);
  }
  const d = difficulty;
  const fromDifficulty: Knobs = {
    difficulty: d, negation: 0.1 + 0.3 * d, composition: 0.1 + 0.5 * d, nesting: 0.2 * d, hardNegative: 0.3 + 0.6 * d,
    labelNoise: 0.05 * d,
  };
  if (typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) {
    throw new SuiteError(`knobs must be an object of knob: probability, got ${JSON.stringify(overrides)}`);
  }
  const names = Object.keys(fromDifficulty).filter((k) => k !== "difficulty");
  for (const [name, p] of Object.entries(overrides)) {
    if (!names.includes(name)) {
      throw new SuiteError(`knobs: unknown knob ${JSON.stringify(name)}; the knobs are ${names.join(", ")}`);
    }
    if (typeof p !== "number" || !Number.isFinite(p) || p < 0 || p > 1) {
      throw new SuiteError(`knobs.${name} must be a probability in [0, 1], got ${JSON.stringify(p)}`);
    }
  }
  return { ...fromDifficulty, ...overrides };
}

// ---- Taxonomy ------------------------------------------------------------------------------------------

export const SUPERS = Object.keys(TAXONOMY);
export const CATEGORIES = SUPERS.flatMap((s) => Object.keys(TAXONOMY[s]));
export const MEMBERS = CATEGORIES.flatMap((c) => [...membersOf(c)]);

const PARENT = new Map<string, string>();
for (const s of SUPERS) {
  for (const c of Object.keys(TAXONOMY[s])) {
    PARENT.set(c, s);
    for (const m of TAXONOMY[s][c]) PARENT.set(m, c);
  }
}

export function membersOf(category: string): readonly string[] {
  for (const s of SUPERS) if (TAXONOMY[s][category]) return TAXONOMY[s][category];
  throw new SuiteError(`unknown category ${JSON.stringify(category)}`);
}

/** The word's ancestors, nearest first: poodle → [dog, animal]. */
export function ancestors(word: string): string[] {
  const out: string[] = [];
  for (let w = PARENT.get(word); w !== undefined; w = PARENT.get(w)) out.push(w);
  return out;
}

/** Whether `word` names a kind of `cls` (or is it): isA("poodle", "animal"). */
export function isA(word: string, cls: string): boolean {
  return word === cls || ancestors(word).includes(cls);
}

/** A corpus sentence that states the taxonomy outright or shows a member in its category's contexts. */
export function taxonomyStatement(rng: Rng): string {
  const member = pick(rng, MEMBERS);
  const [category, sup] = ancestors(member);
  switch (rng.int(4)) {
    case 0:
      return fill("every {m} is a {c} .", { m: member, c: category });
    case 1:
      return fill("a {m} is a kind of {c} .", { m: member, c: pick(rng, [category, sup]) });
    case 2:
      return fill("every {c} is a {s} .", { c: category, s: sup });
    default:
      return `the ${member} ${pick(rng, CATEGORY_CONTEXTS[category])} .`;
  }
}

// ---- The world's facts ---------------------------------------------------------------------------------

/** One person's facts. Every sentence the suite states about a person is true of this record. */
export interface Person {
  name: string;
  home: string;
  work: string;
  occupation: string;
  friend: string;
  /** One member of each of OWNED_SUPERS' groups: a pet, a tool or instrument, a vehicle or boat. */
  owns: string[];
}

export interface World {
  people: Person[];
}

/** The world of a seed: each name gets a home, a workplace (another place), a trade, a friend, possessions. */
export function buildWorld(seed: number): World {
  const rng = new Rng(seed, streamId("world"));
  const people = NAMES.map((name): Person => {
    const home = pick(rng, PLACES);
    let work = pick(rng, PLACES);
    while (work === home) work = pick(rng, PLACES);
    let friend = pick(rng, NAMES);
    while (friend === name) friend = pick(rng, NAMES);
    const owns = OWNED_SUPERS.map((group) => pick(rng, membersOf(pick(rng, group))));
    return { name: name, home: home, work: work, occupation: pick(rng, OCCUPATIONS), friend: friend, owns: owns };
  });
  return { people: people };
}

// ---- Sampling and text ---------------------------------------------------------------------------------

export function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

/** Another element than `not` (by value). */
export function pickOther<T>(rng: Rng, xs: readonly T[], not: T): T {
  let x = pick(rng, xs);
  while (x === not) x = pick(rng, xs);
  return x;
}

export function chance(rng: Rng, p: number): boolean {
  return rng.uniform() < p;
}

/** A 32-bit FNV-1a hash: stream ids from names ("SST-2/train"), and the split a text belongs to. */
export function streamId(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** "a" or "an" before a word (the lexicon has no silent-h or "uni-" words). */
export function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}

/** Fills {slot} placeholders and re-attaches "a"/"an" to the word that follows. */
export function fill(template: string, slots: Record<string, string>): string {
  const text = template.replace(/\{(\w+)\}/g, (_, k: string) => {
    if (!(k in slots)) throw new SuiteError(`template ${JSON.stringify(template)} has no value for {${k}}`);
    return slots[k];
  });
  return text.replace(/\b(a|an) (\w+)/g, (_, _a: string, w: string) => `${article(w)} ${w}`);
}

/** Words joined by single spaces, empty and missing parts dropped. */
export function phrase(parts: readonly (string | undefined)[]): string {
  return parts.filter((p): p is string => p !== undefined && p !== "").join(" ");
}
