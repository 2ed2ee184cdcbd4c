// QNLI-like: a question about a person of the world and a sentence, 0 entailment (the sentence answers the
// question) / 1 not_entailment. Sentences state true facts of the seed's world in one of several synonymous
// phrasings ("lives in" = "resides in" = "dwells in"). A sentence answers when it states the asked relation of
// the asked person, and, for "what kind of dog does mara own ?", an owned thing of the asked kind (a poodle,
// not a tabby). Hard negatives change one name or ask for a kind the owned thing is not; a negated
// statement ("mara does not live in the mill") never answers.
import { NAMES, OCCUPATIONS, OWNERSHIP, PLACES, Relation, RELATIONS, TAXONOMY } from "./lexicon";
import { BuiltinTask, GenContext, STANDARD_SPLITS } from "./task";
import { ancestors, chance, fill, pick, pickOther, Person, taxonomyStatement } from "./world";

/** The relations a question can ask about: the four of the lexicon, and ownership by kind. */
type Asked = { relation: Relation } | { own: string };

function valueOf(person: Person, relation: Relation): string {
  switch (relation.name) {
    case "home":
      return person.home;
    case "work":
      return person.work;
    case "occupation":
      return person.occupation;
    default:
      return person.friend;
  }
}

/** The values a relation ranges over. */
function valuePool(relation: Relation): readonly string[] {
  return relation.name === "occupation" ? OCCUPATIONS : relation.name === "friend" ? NAMES : PLACES;
}

function statement(ctx: GenContext, person: Person, relation: Relation): string {
  return fill(pick(ctx.rng, relation.statements), { p: person.name, x: valueOf(person, relation) });
}

function ownStatement(ctx: GenContext, person: Person, thing: string): string {
  return fill(pick(ctx.rng, OWNERSHIP.statements), { p: person.name, x: thing });
}

function question(ctx: GenContext, person: Person, asked: Asked): string {
  const template = "relation" in asked ? pick(ctx.rng, asked.relation.questions) : pick(ctx.rng, OWNERSHIP.questions);
  return `${fill(template, { p: person.name, c: "own" in asked ? asked.own : "" })} ?`;
}

/** The kind asked about for a thing: its category, or with `composition` its supercategory. */
function kindOf(ctx: GenContext, thing: string): string {
  const [category, sup] = ancestors(thing);
  return chance(ctx.rng, ctx.knobs.composition * 0.5) ? sup : category;
}

/** A true fact of someone, any relation: the distracting clause. */
function anyFact(ctx: GenContext, person: Person): string {
  return chance(ctx.rng, 0.75)
    ? statement(ctx, person, pick(ctx.rng, RELATIONS))
    : ownStatement(ctx, person, pick(ctx.rng, person.owns));
}

/** With `composition`, the sentence carries a second fact, about someone else, before or after. */
function withDistractor(ctx: GenContext, clause: string, about: Person): string {
  if (!chance(ctx.rng, ctx.knobs.composition)) return `${clause} .`;
  const other = anyFact(ctx, pickOther(ctx.rng, ctx.world.people, about));
  return chance(ctx.rng, 0.5) ? `${clause} , and ${other} .` : `${other} , and ${clause} .`;
}

function answering(ctx: GenContext): [string, string] {
  const { rng, world } = ctx;
  const person = pick(rng, world.people);
  if (rng.int(3) === 0) {
    const thing = pick(rng, person.owns);
    return [
      question(ctx, person, { own: kindOf(ctx, thing) }), withDistractor(ctx, ownStatement(ctx, person, thing), person),
    ];
  }
  const relation = pick(rng, RELATIONS);
  return [question(ctx, person, { relation: relation }), withDistractor(ctx, statement(ctx, person, relation), person)];
}

function notAnswering(ctx: GenContext): [string, string] {
  const { rng, world } = ctx;
  const person = pick(rng, world.people);
  const other = pickOther(rng, world.people, person);
  const relation = pick(rng, RELATIONS);
  if (chance(rng, ctx.knobs.hardNegative)) {
    switch (rng.int(3)) {
      case 0:
        // The asked relation, of someone else: one name away from an answer.
        return [
          question(ctx, person, { relation: relation }), withDistractor(ctx, statement(ctx, other, relation), person),
        ];
      case 1: {
        // A thing the person owns, asked about as a kind it is not (a tabby for "which dog").
        const thing = pick(rng, person.owns);
        const [category, sup] = ancestors(thing);
        const siblings = ancestors(pick(rng, person.owns.filter((t) => t !== thing)));
        const kind = chance(rng, 0.5) ? pickOther(rng, Object.keys(TAXONOMY[sup]), category) : pick(rng, siblings);
        return [question(ctx, person, { own: kind }), withDistractor(ctx, ownStatement(ctx, person, thing), person)];
      }
      default: {
        // The asked relation, negated, with a value it does not have.
        // Any value but the true one (and, for a friend, not the person themself).
        const value = pickOther(rng, valuePool(relation).filter((v) => v !== person.name), valueOf(person, relation));
        const negated = fill(pick(rng, relation.negated), { p: person.name, x: value });
        return [question(ctx, person, { relation: relation }), withDistractor(ctx, negated, person)];
      }
    }
  }
  // Another relation of the same person, or facts of others only.
  const otherRelation = pickOther(rng, RELATIONS, relation);
  const sentence = chance(rng, 0.5)
    ? withDistractor(ctx, statement(ctx, person, otherRelation), person)
    : `${anyFact(ctx, other)} .`;
  return [question(ctx, person, { relation: relation }), sentence];
}

export const QNLI: BuiltinTask = {
  name: "QNLI",
  columns: [
    { name: "index", role: "index" }, { name: "question", role: "text" }, { name: "sentence", role: "pair" },
    { name: "label", role: "label" },
  ],
  labelNames: ["entailment", "not_entailment"],
  splits: STANDARD_SPLITS,
  example(ctx: GenContext, label: number) {
    const [q, s] = label === 0 ? answering(ctx) : notAnswering(ctx);
    return { text: q, pair: s, label: label };
  },
  corpusSentence(ctx: GenContext): string {
    const { rng, world } = ctx;
    const person = pick(rng, world.people);
    const roll = rng.uniform();
    if (roll < 0.25) return taxonomyStatement(rng);
    if (roll < 0.35) return answering(ctx)[0];
    // Facts in all their phrasings: the same (person, value) in each phrasing makes the phrasings neighbours.
    return withDistractor(ctx, anyFact(ctx, person), person);
  },
};
