// SST-2-like: one review sentence, 0 negative / 1 positive. A clause's polarity is its sentiment word's,
// flipped by each negation ("not", "never", "nobody", "it is not true that"); in "X , but Y" and
// "although X , Y" the second clause decides. Negated and contrasted sentences carry words of both classes,
// so a bag of words cannot reach the ceiling. The corpus ends reviews with a coda of the same polarity
// ("… , and everyone loved it"), which is how a masked LM meets every sentiment word in a revealing context.
import {
  FILM_NOUNS, INTENSIFIERS, NEGATIVE_ADJECTIVES, NEGATIVE_VERBS, POSITIVE_ADJECTIVES, POSITIVE_VERBS,
} from "./lexicon";
import { BuiltinTask, GenContext, STANDARD_SPLITS } from "./task";
import { chance, fill, phrase, pick } from "./world";

const adjectives = (polarity: number): readonly string[] =>
  (polarity === 1 ? POSITIVE_ADJECTIVES : NEGATIVE_ADJECTIVES);
const verbs = (polarity: number): readonly (readonly [string, string])[] =>
  (polarity === 1 ? POSITIVE_VERBS : NEGATIVE_VERBS);

/** One clause (no final punctuation) whose meaning has `polarity`. */
export function clause(ctx: GenContext, polarity: number): string {
  const { rng, knobs } = ctx;
  const negated = chance(rng, knobs.negation);
  // The sentiment word carries the opposite polarity when a negation flips it.
  const word = negated ? 1 - polarity : polarity;
  const noun = pick(rng, FILM_NOUNS);
  const intensifier = chance(rng, 0.3) ? pick(rng, INTENSIFIERS) : undefined;
  const adj = pick(rng, adjectives(word));
  const [base, past] = pick(rng, verbs(word));
  switch (rng.int(4)) {
    case 0:
      return phrase([
        `the ${noun}`, pick(rng, ["was", "is"]), negated ? pick(rng, ["not", "never"]) : undefined, intensifier, adj,
      ]);
    case 1:
      return negated
        ? pick(rng, [`i did not ${base} the ${noun}`, `nobody ${past} the ${noun}`])
        : pick(rng, [`i ${past} the ${noun}`, `we ${past} the ${noun}`]);
    case 2:
      return phrase([`the ${noun}`, negated ? "never" : undefined, "felt", intensifier, adj]);
    default:
      return phrase(["i", negated ? "did not find" : "found", `the ${noun}`, intensifier, adj]);
  }
}

/** A review sentence body whose meaning has `polarity`. */
function review(ctx: GenContext, polarity: number): string {
  const { rng, knobs } = ctx;
  if (chance(rng, knobs.composition)) {
    // Mostly a contrast, in which the second clause decides, so the words of both classes appear.
    const agree = chance(rng, 0.25);
    const a = clause(ctx, agree ? polarity : 1 - polarity);
    const b = clause(ctx, polarity);
    if (agree) return `${a} , and ${b}`;
    return pick(rng, [`${a} , but ${b}`, `although ${a} , ${b}`, `${a} , yet ${b}`, `even though ${a} , ${b}`]);
  }
  if (chance(rng, knobs.nesting)) {
    return `${pick(rng, ["it is not true that", "i would not say that"])} ${clause(ctx, 1 - polarity)}`;
  }
  return clause(ctx, polarity);
}

const CODAS = [
  [
    "and i want my money back", "so we {v} it", "and everyone {v} it", "and the audience {v} it",
    "and it deserves no award",
  ],
  [
    "and i would watch it again", "so we {v} it", "and everyone {v} it", "and the audience {v} it",
    "and it deserves every award",
  ],
];

export const SST2: BuiltinTask = {
  name: "SST-2",
  columns: [{ name: "sentence", role: "text" }, { name: "label", role: "label" }],
  labelNames: ["negative", "positive"],
  splits: STANDARD_SPLITS,
  example(ctx: GenContext, label: number) {
    return { text: `${review(ctx, label)} .`, label: label };
  },
  corpusSentence(ctx: GenContext): string {
    const { rng } = ctx;
    const polarity = rng.int(2);
    const body = review(ctx, polarity);
    const roll = rng.uniform();
    if (roll < 0.7) {
      const coda = fill(pick(rng, CODAS[polarity]), { v: pick(rng, verbs(polarity))[1] });
      return `${body} , ${coda} .`;
    }
    if (roll < 0.85) return `${body} .`;
    // A direct gloss of one sentiment word (the lexicon lines a masked-LM curriculum oversamples: isSentimentGloss).
    const adj = pick(rng, adjectives(polarity));
    return fill(`a {a} {n} is a ${polarity === 1 ? "good" : "bad"} {n} .`, { a: adj, n: pick(rng, FILM_NOUNS) });
  },
};

const GLOSS = /^a (\S+) (\S+) is a (good|bad) \2 \.$/;

/** Whether a corpus line is one of the SST-2 corpus's glosses, "a dull script is a bad script ." */
export function isSentimentGloss(line: string): boolean {
  const match = GLOSS.exec(line);
  return match !== null && adjectives(match[3] === "good" ? 1 : 0).includes(match[1]);
}
