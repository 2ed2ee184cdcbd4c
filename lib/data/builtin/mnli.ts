// MNLI-like: premise and hypothesis, 0 entailment / 1 neutral / 2 contradiction, decided by the taxonomy
// (seeing a poodle entails seeing a dog, not a cat), states with synonyms and antonyms (happy → glad,
// happy ⊥ sad), negation and quantifiers (no dog → no poodle, but no poodle ↛ no dog), locations (one place
// at a time) and unstated attributes (neutral). Matched files use the active voice; dev_mismatched
// states the same meanings in held-out templates (passive voice, "seems", "spent time at"): a genre shift.
import { COLORS, EVENT_VERBS, NAMES, PLACES, STATE_PAIRS } from "./lexicon";
import { BuiltinTask, GenContext } from "./task";
import { ancestors, CATEGORIES, chance, MEMBERS, phrase, pick, pickOther, SUPERS, taxonomyStatement } from "./world";

type Verb = (typeof EVENT_VERBS)[number];
type Polarity = "saw" | "not" | "nobody";

/** Someone (or nobody) did something to a thing: "mara saw a red poodle at the harbor". */
interface Event {
  person: string;
  verb: Verb;
  noun: string;
  color?: string;
  place?: string;
}

function nounPhrase(e: Event, determiner: "a" | "no"): string {
  const head = phrase([e.color, e.noun]);
  return `${determiner === "no" ? "no" : /^[aeiou]/.test(head) ? "an" : "a"} ${head}`;
}

/** The event said in the matched (active) or the mismatched (passive) templates. */
function eventText(e: Event, polarity: Polarity, mismatched: boolean): string {
  const [base, past, participle] = e.verb;
  const at = e.place ? `at the ${e.place}` : undefined;
  if (!mismatched) {
    if (polarity === "saw") return phrase([e.person, past, nounPhrase(e, "a"), at]) + " .";
    if (polarity === "not") return phrase([e.person, "did not", base, nounPhrase(e, "a"), at]) + " .";
    return phrase(["nobody", past, nounPhrase(e, "a"), at]) + " .";
  }
  if (polarity === "saw") return phrase([nounPhrase(e, "a"), "was", participle, "by", e.person, at]) + " .";
  if (polarity === "not") return phrase([nounPhrase(e, "no"), "was", participle, "by", e.person, at]) + " .";
  return phrase([nounPhrase(e, "no"), "was ever", participle, "by anyone", at]) + " .";
}

const stateText = (person: string, state: string, mismatched: boolean) =>
  `${person} ${mismatched ? "seems" : "is"} ${state} .`;
const wasAt = (person: string, place: string, mismatched: boolean) =>
  `${person} ${mismatched ? "spent time" : "was"} at the ${place} .`;
const isAt = (person: string, place: string, mismatched: boolean) =>
  phrase([person, "is", mismatched ? "staying" : undefined, `at the ${place} .`]);

/** A state word, its synonym, and a word of the opposite pole. */
function statePoles(ctx: GenContext): { word: string; synonym: string; antonym: string; unrelated: string } {
  const { rng } = ctx;
  const pair = pick(rng, STATE_PAIRS);
  const side = rng.int(2);
  const [word, synonym] = rng.int(2) === 0 ? pair[side] : [pair[side][1], pair[side][0]];
  const other = pickOther(rng, STATE_PAIRS, pair);
  return { word: word, synonym: synonym, antonym: pick(rng, pair[1 - side]), unrelated: pick(rng, pick(rng, other)) };
}

/** A class the member belongs to: its category, or (two taxonomy steps, with `composition`) its supercategory. */
function hypernym(ctx: GenContext, member: string): string {
  const [category, sup] = ancestors(member);
  return chance(ctx.rng, ctx.knobs.composition * 0.5) ? sup : category;
}

/** A category or supercategory the member does not belong to (a cohyponym category, mostly). */
function foreignClass(ctx: GenContext, member: string): string {
  const mine = ancestors(member);
  const pool = chance(ctx.rng, 0.8) ? CATEGORIES : SUPERS;
  let c = pick(ctx.rng, pool);
  while (mine.includes(c)) c = pick(ctx.rng, pool);
  return c;
}

function randomEvent(ctx: GenContext, noun: string): Event {
  const { rng } = ctx;
  return { person: pick(rng, NAMES), verb: pick(rng, EVENT_VERBS), noun: noun };
}

type Pair = [string, string];

/** Premise/hypothesis makers per label; the `nested` ones reason about negated or quantified premises. */
const MAKERS: Record<number, { basic: ((ctx: GenContext) => Pair)[]; nested: ((ctx: GenContext) => Pair)[] }> = {
  0: {
    basic: [
      (ctx) => {
        const e = withExtras(ctx, randomEvent(ctx, pick(ctx.rng, MEMBERS)));
        return [
          eventText(e, "saw", ctx.mismatched),
          eventText({ ...e, noun: hypernym(ctx, e.noun), color: undefined, place: undefined }, "saw", ctx.mismatched),
        ];
      },
      (ctx) => {
        const e = {
          ...randomEvent(ctx, pick(ctx.rng, MEMBERS)), color: pick(ctx.rng, COLORS),
          place: chance(ctx.rng, 0.5) ? pick(ctx.rng, PLACES) : undefined,
        };
        return [eventText(e, "saw", ctx.mismatched), eventText({ ...e, color: undefined }, "saw", ctx.mismatched)];
      },
      (ctx) => {
        const e = { ...randomEvent(ctx, pick(ctx.rng, MEMBERS)), place: pick(ctx.rng, PLACES) };
        return [eventText(e, "saw", ctx.mismatched), wasAt(e.person, e.place, ctx.mismatched)];
      },
      (ctx) => {
        const s = statePoles(ctx);
        const person = pick(ctx.rng, NAMES);
        return [stateText(person, s.word, ctx.mismatched), stateText(person, s.synonym, ctx.mismatched)];
      },
    ],
    nested: [
      // No dog → no poodle: negation reverses the direction of the taxonomy.
      (ctx) => {
        const member = pick(ctx.rng, MEMBERS);
        const e = randomEvent(ctx, hypernym(ctx, member));
        const polarity: Polarity = chance(ctx.rng, 0.5) ? "not" : "nobody";
        return [eventText(e, polarity, ctx.mismatched), eventText({ ...e, noun: member }, polarity, ctx.mismatched)];
      },
    ],
  },
  1: {
    basic: [
      (ctx) => {
        const member = pick(ctx.rng, MEMBERS);
        const e = randomEvent(ctx, hypernym(ctx, member));
        return [eventText(e, "saw", ctx.mismatched), eventText({ ...e, noun: member }, "saw", ctx.mismatched)];
      },
      (ctx) => {
        const e = randomEvent(ctx, pick(ctx.rng, MEMBERS));
        const added = chance(ctx.rng, 0.5) ? { color: pick(ctx.rng, COLORS) } : { place: pick(ctx.rng, PLACES) };
        return [eventText(e, "saw", ctx.mismatched), eventText({ ...e, ...added }, "saw", ctx.mismatched)];
      },
      (ctx) => {
        const e = randomEvent(ctx, pick(ctx.rng, MEMBERS));
        return [
          eventText(e, "saw", ctx.mismatched),
          eventText({ ...e, noun: foreignClass(ctx, e.noun) }, "saw", ctx.mismatched),
        ];
      },
      // Not seeing a cat is compatible with seeing a poodle: the negation looks like a contradiction.
      (ctx) => {
        const e = randomEvent(ctx, pick(ctx.rng, MEMBERS));
        return [
          eventText(e, "saw", ctx.mismatched),
          eventText({ ...e, noun: foreignClass(ctx, e.noun) }, "not", ctx.mismatched),
        ];
      },
      (ctx) => {
        const e = randomEvent(ctx, pick(ctx.rng, MEMBERS));
        return [
          eventText(e, "saw", ctx.mismatched),
          eventText({ ...e, person: pickOther(ctx.rng, NAMES, e.person) }, "saw", ctx.mismatched),
        ];
      },
      (ctx) => {
        const s = statePoles(ctx);
        const person = pick(ctx.rng, NAMES);
        return [stateText(person, s.word, ctx.mismatched), stateText(person, s.unrelated, ctx.mismatched)];
      },
    ],
    nested: [
      // Not a poodle → not a dog does not follow.
      (ctx) => {
        const e = randomEvent(ctx, pick(ctx.rng, MEMBERS));
        const polarity: Polarity = chance(ctx.rng, 0.5) ? "not" : "nobody";
        return [
          eventText(e, polarity, ctx.mismatched),
          eventText({ ...e, noun: hypernym(ctx, e.noun) }, polarity, ctx.mismatched),
        ];
      },
    ],
  },
  2: {
    basic: [
      (ctx) => {
        const e = withExtras(ctx, randomEvent(ctx, pick(ctx.rng, MEMBERS)));
        const noun = chance(ctx.rng, 0.3) ? e.noun : hypernym(ctx, e.noun);
        return [
          eventText(e, "saw", ctx.mismatched),
          eventText({ person: e.person, verb: e.verb, noun: noun }, "not", ctx.mismatched),
        ];
      },
      (ctx) => {
        const e = randomEvent(ctx, pick(ctx.rng, MEMBERS));
        return [
          eventText(e, "saw", ctx.mismatched),
          eventText({ ...e, noun: hypernym(ctx, e.noun) }, "nobody", ctx.mismatched),
        ];
      },
      (ctx) => {
        const s = statePoles(ctx);
        const person = pick(ctx.rng, NAMES);
        return [stateText(person, s.word, ctx.mismatched), stateText(person, s.antonym, ctx.mismatched)];
      },
      (ctx) => {
        const person = pick(ctx.rng, NAMES);
        const place = pick(ctx.rng, PLACES);
        return [isAt(person, place, ctx.mismatched), isAt(person, pickOther(ctx.rng, PLACES, place), ctx.mismatched)];
      },
    ],
    nested: [
      (ctx) => {
        const member = pick(ctx.rng, MEMBERS);
        const e = randomEvent(ctx, hypernym(ctx, member));
        return [
          eventText(e, chance(ctx.rng, 0.5) ? "not" : "nobody", ctx.mismatched),
          eventText({ ...e, noun: member }, "saw", ctx.mismatched),
        ];
      },
    ],
  },
};

/** Optionally a colour and a place in the premise (details the hypothesis may drop). */
function withExtras(ctx: GenContext, e: Event): Event {
  const { rng } = ctx;
  return {
    ...e,
    color: chance(rng, 0.3) ? pick(rng, COLORS) : undefined,
    place: chance(rng, 0.3) ? pick(rng, PLACES) : undefined,
  };
}

export const MNLI: BuiltinTask = {
  name: "MNLI",
  columns: [
    { name: "index", role: "index" }, { name: "premise", role: "text" }, { name: "hypothesis", role: "pair" },
    { name: "label", role: "label" },
  ],
  labelNames: ["entailment", "neutral", "contradiction"],
  splits: [
    { file: "train.tsv", kind: "train", mismatched: false },
    { file: "dev_matched.tsv", kind: "dev", mismatched: false },
    { file: "dev_mismatched.tsv", kind: "dev", mismatched: true },
    { file: "test.tsv", kind: "test", mismatched: false },
  ],
  example(ctx: GenContext, label: number) {
    const makers = MAKERS[label];
    const make = chance(ctx.rng, ctx.knobs.nesting) ? pick(ctx.rng, makers.nested) : pick(ctx.rng, makers.basic);
    const [premise, hypothesis] = make(ctx);
    return { text: premise, pair: hypothesis, label: label };
  },
  corpusSentence(ctx: GenContext): string {
    const { rng } = ctx;
    // Both genres: pretraining text covers the mismatched templates, as real pretraining covers many genres.
    const style = { ...ctx, mismatched: chance(rng, 0.5) };
    const roll = rng.uniform();
    let line: string;
    if (roll < 0.35) line = taxonomyStatement(rng);
    else if (roll < 0.7) {
      const e = withExtras(style, randomEvent(style, pick(rng, chance(rng, 0.7) ? MEMBERS : CATEGORIES)));
      line = eventText(e, chance(rng, 0.7) ? "saw" : pick(rng, ["not", "nobody"] as const), style.mismatched);
    } else if (roll < 0.9) {
      const s = statePoles(style);
      const person = pick(rng, NAMES);
      line = pick(rng, [
        `${person} is ${s.word} , in other words ${s.synonym} .`, `${person} is ${s.word} , not ${s.antonym} .`,
        stateText(person, s.word, style.mismatched),
      ]);
    } else {
      line = pick(rng, [isAt, wasAt])(pick(rng, NAMES), pick(rng, PLACES), style.mismatched);
    }
    return line;
  },
};
