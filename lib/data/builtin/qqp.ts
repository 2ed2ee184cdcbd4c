// QQP-like: two how-to questions, 0 not duplicate / 1 duplicate. A question means (sense of its frame, verb
// synset, thing synset, modifier synset); two questions are duplicates when all four agree, whatever the
// words ("how do i fix my car ?" = "what is the best way to repair my automobile ?" = "for my auto , what is
// the best way to mend it ?"). Hard negatives move one slot out of its synonym set (and half of them reword
// the rest), so word overlap says little: the synonym sets, learnable from the corpus, decide.
import { ACTION_SYNSETS, MODIFIER_SYNSETS, QUESTION_FRAMES, THING_SYNSETS } from "./lexicon";
import { BuiltinTask, GenContext, STANDARD_SPLITS } from "./task";
import { chance, fill, phrase, pick, pickOther } from "./world";

const SENSES = [...new Set(QUESTION_FRAMES.map((f) => f.sense))];

/** A question's meaning (indices into the lexicon's sets) and the words chosen for it. */
interface Question {
  sense: string;
  frame: string;
  action: number;
  verb: string;
  thing: number;
  noun: string;
  modifier?: number;
  adjective?: string;
}

function render(q: Question): string {
  return `${fill(q.frame, { v: q.verb, t: phrase([q.adjective, q.noun]) })} ?`;
}

function randomQuestion(ctx: GenContext): Question {
  const { rng } = ctx;
  const frame = pick(rng, QUESTION_FRAMES);
  const action = rng.int(ACTION_SYNSETS.length);
  const thing = rng.int(THING_SYNSETS.length);
  const modifier = chance(rng, ctx.knobs.composition) ? rng.int(MODIFIER_SYNSETS.length) : undefined;
  return {
    sense: frame.sense, frame: frame.text, action: action, verb: pick(rng, ACTION_SYNSETS[action].words), thing: thing,
    noun: pick(rng, THING_SYNSETS[thing].words), modifier: modifier,
    adjective: modifier === undefined ? undefined : pick(rng, MODIFIER_SYNSETS[modifier]),
  };
}

/** The same meaning in other words: each slot may switch to a synonym, the frame to one of the same sense. */
function paraphrase(ctx: GenContext, q: Question): Question {
  const { rng } = ctx;
  const frames = QUESTION_FRAMES.filter((f) => f.sense === q.sense);
  return {
    ...q,
    frame: chance(rng, 0.6) ? pick(rng, frames).text : q.frame,
    verb: chance(rng, 0.6) ? pick(rng, ACTION_SYNSETS[q.action].words) : q.verb,
    noun: chance(rng, 0.6) ? pick(rng, THING_SYNSETS[q.thing].words) : q.noun,
    adjective: q.modifier !== undefined && chance(rng, 0.6) ? pick(rng, MODIFIER_SYNSETS[q.modifier]) : q.adjective,
  };
}

/** One slot moved to another meaning, the rest (words included) kept: a near-duplicate that is not one. */
function changeOneSlot(ctx: GenContext, q: Question): Question {
  const { rng } = ctx;
  const slots = ["action", "thing", "sense", ...(q.modifier === undefined ? [] : ["modifier"])];
  switch (pick(rng, slots)) {
    case "action": {
      const action = pickOther(rng, ACTION_SYNSETS.map((_, i) => i), q.action);
      return { ...q, action: action, verb: pick(rng, ACTION_SYNSETS[action].words) };
    }
    case "thing": {
      const thing = pickOther(rng, THING_SYNSETS.map((_, i) => i), q.thing);
      return { ...q, thing: thing, noun: pick(rng, THING_SYNSETS[thing].words) };
    }
    case "sense": {
      const sense = pickOther(rng, SENSES, q.sense);
      return { ...q, sense: sense, frame: pick(rng, QUESTION_FRAMES.filter((f) => f.sense === sense)).text };
    }
    default: {
      const modifier = pickOther(rng, MODIFIER_SYNSETS.map((_, i) => i), q.modifier!);
      return { ...q, modifier: modifier, adjective: pick(rng, MODIFIER_SYNSETS[modifier]) };
    }
  }
}

export const QQP: BuiltinTask = {
  name: "QQP",
  columns: [
    { name: "id", role: "index" }, { name: "question1", role: "text" }, { name: "question2", role: "pair" },
    { name: "label", role: "label" },
  ],
  labelNames: ["not_duplicate", "duplicate"],
  splits: STANDARD_SPLITS,
  example(ctx: GenContext, label: number) {
    const q1 = randomQuestion(ctx);
    const text = render(q1);
    let pair: string;
    if (label === 1) {
      // A paraphrase that differs in some word or in the frame (identical pairs teach nothing).
      do pair = render(paraphrase(ctx, q1));
      while (pair === text);
    } else if (chance(ctx.rng, ctx.knobs.hardNegative)) {
      const changed = changeOneSlot(ctx, q1);
      pair = render(chance(ctx.rng, 0.5) ? paraphrase(ctx, changed) : changed);
    } else pair = render(randomOther(ctx, q1));
    return { text: text, pair: pair, label: label };
  },
  corpusSentence(ctx: GenContext): string {
    const { rng } = ctx;
    const q = randomQuestion(ctx);
    const thing = phrase([q.adjective, q.noun]);
    const roll = rng.uniform();
    let line: string;
    if (roll < 0.3) line = render(q);
    // Synonyms share their contexts: every verb of a set comes with the set's purpose, every noun with its use.
    else if (roll < 0.55) line = `i had to ${q.verb} my ${thing} ${ACTION_SYNSETS[q.action].context} .`;
    else if (roll < 0.8) line = `i use my ${thing} ${THING_SYNSETS[q.thing].context} .`;
    else if (roll < 0.9) {
      line = `to ${q.verb} something is to ${pickOther(rng, ACTION_SYNSETS[q.action].words, q.verb)} it .`;
    } else {
      line = fill("a {n} is also called a {m} .", {
        n: q.noun, m: pickOther(rng, THING_SYNSETS[q.thing].words, q.noun),
      });
    }
    return line;
  },
};

/** A question that differs in meaning from `q` in at least its action or its thing. */
function randomOther(ctx: GenContext, q: Question): Question {
  let other = randomQuestion(ctx);
  while (other.action === q.action && other.thing === q.thing) other = randomQuestion(ctx);
  return other;
}
