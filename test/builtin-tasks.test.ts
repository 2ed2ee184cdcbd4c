// The built-in task suite: byte-identical regeneration, files in GLUE's layout, balanced classes, disjoint
// splits, a corpus free of dev and test sentences, and every dev/test label re-derived by an independent
// reader of the sentences (it parses the text with the lexicon; it shares no code with the generators).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { buildWorld, DEFAULT_SUITE, SuiteManifest, writeSuite } from "../lib/data/builtin/index";
import {
  ACTION_SYNSETS, EVENT_VERBS, MODIFIER_SYNSETS, NEGATIVE_ADJECTIVES, NEGATIVE_VERBS, OWNERSHIP, POSITIVE_ADJECTIVES, POSITIVE_VERBS,
  QUESTION_FRAMES, RELATIONS, STATE_PAIRS, TAXONOMY, THING_SYNSETS,
} from "../lib/data/builtin/lexicon";
import { REPO_ROOT } from "../lib/paths";
import { tempDir } from "./helpers/notebooks";

type Row = Record<string, string>;

function readTsv(file: string): Row[] {
  const [header, ...lines] = fs.readFileSync(file, "utf8").replace(/\n$/, "").split("\n");
  const names = header.split("\t");
  return lines.map((line, i) => {
    const cells = line.split("\t");
    assert.equal(cells.length, names.length, `${file} row ${i}: ${cells.length} cells`);
    return Object.fromEntries(names.map((n, k) => [n, cells[k]]));
  });
}

const filesOf = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesOf(path.join(dir, d.name)).map((f) => path.join(d.name, f)) : [d.name])).sort();

const HELD_OUT: Record<string, string[]> = {
  "SST-2": ["dev.tsv", "test.tsv"], MNLI: ["dev_matched.tsv", "dev_mismatched.tsv", "test.tsv"], QNLI: ["dev.tsv", "test.tsv"], QQP: ["dev.tsv", "test.tsv"],
};
const TEXT_COLUMNS: Record<string, string[]> = { "SST-2": ["sentence"], MNLI: ["premise", "hypothesis"], QNLI: ["question", "sentence"], QQP: ["question1", "question2"] };
const HEADERS: Record<string, string> = {
  "SST-2": "sentence\tlabel", MNLI: "index\tpremise\thypothesis\tlabel", QNLI: "index\tquestion\tsentence\tlabel", QQP: "id\tquestion1\tquestion2\tlabel",
};

// ---- Independent readers of the generated text ---------------------------------------------------------

const PARENT = new Map<string, string>();
for (const [sup, cats] of Object.entries(TAXONOMY)) {
  for (const [cat, members] of Object.entries(cats)) {
    PARENT.set(cat, sup);
    for (const m of members) PARENT.set(m, cat);
  }
}
function isKindOf(word: string, cls: string): boolean {
  for (let w: string | undefined = word; w !== undefined; w = PARENT.get(w)) if (w === cls) return true;
  return false;
}

const POSITIVE = new Set<string>([...POSITIVE_ADJECTIVES, ...POSITIVE_VERBS.flat()]);
const NEGATIVE = new Set<string>([...NEGATIVE_ADJECTIVES, ...NEGATIVE_VERBS.flat()]);

/** A review's polarity: its clause's sentiment word, flipped by a negation; after a contrast, the last clause. */
function reviewPolarity(sentence: string): number {
  const body = sentence.replace(/ \.$/, "");
  for (const outer of ["it is not true that ", "i would not say that "]) if (body.startsWith(outer)) return 1 - clausePolarity(body.slice(outer.length));
  const concessive = body.match(/^(?:although|even though) .* , (.*)$/);
  if (concessive) return clausePolarity(concessive[1]);
  const joined = body.match(/ , (?:but|yet|and) (.*)$/);
  return clausePolarity(joined ? joined[1] : body);
}
function clausePolarity(clause: string): number {
  const words = clause.split(" ");
  const sentiment = words.filter((w) => POSITIVE.has(w) || NEGATIVE.has(w));
  assert.equal(sentiment.length, 1, `one sentiment word in ${JSON.stringify(clause)}`);
  const negated = words.some((w) => w === "not" || w === "never" || w === "nobody");
  return (POSITIVE.has(sentiment[0]) ? 1 : 0) ^ (negated ? 1 : 0);
}

const BASE_OF = new Map<string, string>(EVENT_VERBS.flatMap(([base, past]) => [[base, base], [past, base]] as [string, string][]));
interface Event { who: string; negated: boolean; verb: string; color?: string; noun: string; place?: string }

/** A matched-template MNLI sentence as a meaning, or undefined for forms this reader does not cover. */
function parseMnli(s: string): { event?: Event; state?: [string, string]; isAt?: [string, string]; wasAt?: [string, string] } | undefined {
  let m = s.match(/^(\w+) is at the (\w+) \.$/);
  if (m) return { isAt: [m[1], m[2]] };
  m = s.match(/^(\w+) was at the (\w+) \.$/);
  if (m) return { wasAt: [m[1], m[2]] };
  m = s.match(/^(\w+) is (\w+) \.$/);
  if (m) return { state: [m[1], m[2]] };
  m = s.match(/^(\w+) (did not (\w+)|(\w+)) an? (?:(\w+) )?(\w+)(?: at the (\w+))? \.$/);
  if (!m) return undefined;
  const verb = BASE_OF.get(m[3] ?? m[4]);
  assert.ok(verb, `a verb in ${JSON.stringify(s)}`);
  return { event: { who: m[1], negated: m[1] === "nobody" || m[3] !== undefined, verb: verb, color: m[5], noun: m[6], place: m[7] } };
}

const STATE_POLE = new Map<string, [number, number]>();
STATE_PAIRS.forEach((pair, i) => pair.forEach((pole, side) => pole.forEach((w) => STATE_POLE.set(w, [i, side]))));

/** The NLI label of two parsed sentences (0 entailment, 1 neutral, 2 contradiction). */
function nliLabel(premise: string, hypothesis: string): number | undefined {
  const p = parseMnli(premise);
  const h = parseMnli(hypothesis);
  if (!p || !h) return undefined;
  if (p.state && h.state) {
    const [a, b] = [STATE_POLE.get(p.state[1])!, STATE_POLE.get(h.state[1])!];
    return a[0] !== b[0] ? 1 : a[1] === b[1] ? 0 : 2;
  }
  if (p.isAt && h.isAt) return p.isAt[1] === h.isAt[1] ? 0 : 2;
  if (p.event && h.wasAt) return p.event.place === h.wasAt[1] && p.event.who === h.wasAt[0] ? 0 : 1;
  if (!p.event || !h.event) return undefined;
  const [e, f] = [p.event, h.event];
  const samePerson = e.who === f.who;
  if (e.verb !== f.verb) return 1;
  if (!e.negated && !f.negated) {
    const entailed = samePerson && isKindOf(e.noun, f.noun) && (f.color === undefined || f.color === e.color) && (f.place === undefined || f.place === e.place);
    return entailed ? 0 : 1;
  }
  if (!e.negated && f.negated) return (f.who === "nobody" || samePerson) && isKindOf(e.noun, f.noun) && !f.color && !f.place ? 2 : 1;
  if (e.negated && f.negated) return samePerson && isKindOf(f.noun, e.noun) ? 0 : 1;
  return (e.who === "nobody" || samePerson) && isKindOf(f.noun, e.noun) ? 2 : 1;
}

const slot = (template: string) => new RegExp(`^${template.replace(/\{p\}/g, "(?<p>\\w+)").replace(/\{x\}/g, "(?<x>\\w+)").replace(/\{c\}/g, "(?<c>\\w+)").replace(/ a /g, " an? ")}$`);

/** Whether a QNLI sentence answers the question; every affirmative fact is also checked against the world. */
function answers(question: string, sentence: string, world: ReturnType<typeof buildWorld>): boolean {
  const q = question.replace(/ \?$/, "");
  let asked: { person: string; relation?: string; kind?: string } | undefined;
  for (const r of RELATIONS) for (const t of r.questions) { const m = q.match(slot(t)); if (m) asked = { person: m.groups!.p, relation: r.name }; }
  for (const t of OWNERSHIP.questions) { const m = q.match(slot(t)); if (m) asked = { person: m.groups!.p, kind: m.groups!.c }; }
  assert.ok(asked, `a question form: ${JSON.stringify(question)}`);
  let answered = false;
  for (const clause of sentence.replace(/ \.$/, "").split(" , and ")) {
    for (const r of RELATIONS) {
      for (const t of r.statements) {
        const m = clause.match(slot(t));
        if (!m) continue;
        const person = world.people.find((x) => x.name === m.groups!.p)!;
        const value = { home: person.home, work: person.work, occupation: person.occupation, friend: person.friend }[r.name];
        assert.equal(m.groups!.x, value, `a true fact: ${JSON.stringify(clause)}`);
        if (asked.relation === r.name && asked.person === person.name) answered = true;
      }
    }
    for (const t of OWNERSHIP.statements) {
      const m = clause.match(slot(t));
      if (!m) continue;
      assert.ok(world.people.find((x) => x.name === m.groups!.p)!.owns.includes(m.groups!.x), `a true fact: ${JSON.stringify(clause)}`);
      if (asked.kind !== undefined && asked.person === m.groups!.p && isKindOf(m.groups!.x, asked.kind)) answered = true;
    }
  }
  return answered;
}

const setOf = (sets: readonly { words: readonly string[] }[] | readonly (readonly string[])[], word: string) =>
  sets.findIndex((s) => ("words" in s ? s.words : s).includes(word));

/** A QQP question's meaning: (sense, action set, thing set, modifier set). */
function questionMeaning(question: string): string {
  const q = question.replace(/ \?$/, "");
  for (const f of QUESTION_FRAMES) {
    const re = new RegExp(`^${f.text.replace("{v}", "(?<v>\\w+)").replace("{t}", "(?:(?<m>\\w+) )?(?<t>\\w+)")}$`);
    const m = q.match(re);
    if (m) return [f.sense, setOf(ACTION_SYNSETS, m.groups!.v), setOf(THING_SYNSETS, m.groups!.t), m.groups!.m ? setOf(MODIFIER_SYNSETS, m.groups!.m) : "-"].join("/");
  }
  assert.fail(`a question form: ${JSON.stringify(question)}`);
}

// ---- The suite -----------------------------------------------------------------------------------------

describe("the built-in task suite", () => {
  let dirA: string;
  let dirB: string;
  let manifest: SuiteManifest;

  before(() => {
    // The default sizes: the acceptance criterion is about the suite users get.
    dirA = tempDir("suite-a");
    dirB = tempDir("suite-b");
    manifest = writeSuite(dirA, { seed: 0 });
    writeSuite(dirB, { seed: 0 });
  });
  // Two default suites are 8 MB: leave nothing behind.
  after(() => {
    for (const d of [dirA, dirB]) fs.rmSync(d, { recursive: true, force: true });
  });

  test("the same seed regenerates byte-identical files", () => {
    const files = filesOf(dirA);
    assert.deepEqual(files, filesOf(dirB));
    assert.equal(files.length, 18);
    for (const f of files) assert.ok(fs.readFileSync(path.join(dirA, f)).equals(fs.readFileSync(path.join(dirB, f))), `${f} differs`);
  });

  test("another seed gives other files; changing one size leaves the other files as they were", () => {
    const small = { sizes: { train: 300, dev: 100, test: 100, corpus: 500 } };
    const c = tempDir("suite-c");
    const d = tempDir("suite-d");
    const e = tempDir("suite-e");
    const m1 = writeSuite(c, { ...small, seed: 1 });
    const m2 = writeSuite(d, { ...small, seed: 2 });
    const m3 = writeSuite(e, { seed: 1, sizes: { ...small.sizes, train: 400 } });
    for (const task of ["SST-2", "MNLI", "QNLI", "QQP"] as const) {
      for (const [file, entry] of Object.entries(m1.tasks[task]!.files)) {
        assert.notEqual(entry.sha256, m2.tasks[task]!.files[file].sha256, `${task}/${file} is the same for seeds 1 and 2`);
        if (file === "train.tsv") assert.equal(m3.tasks[task]!.files[file].rows, 400);
        else assert.equal(entry.sha256, m3.tasks[task]!.files[file].sha256, `${task}/${file} changed with the train size`);
      }
    }
  });

  test("GLUE headers, row counts, and the manifest's checksums", () => {
    for (const [task, entry] of Object.entries(manifest.tasks)) {
      for (const [file, f] of Object.entries(entry!.files)) {
        const bytes = fs.readFileSync(path.join(dirA, task, file));
        assert.equal(createHash("sha256").update(bytes).digest("hex"), f.sha256, `${task}/${file}`);
        const lines = bytes.toString("utf8").replace(/\n$/, "").split("\n");
        if (file === "corpus.txt") {
          assert.equal(lines.length, DEFAULT_SUITE.sizes.corpus);
          continue;
        }
        assert.equal(lines[0], HEADERS[task]);
        assert.equal(lines.length - 1, f.rows);
        assert.equal(f.rows, file === "train.tsv" ? DEFAULT_SUITE.sizes.train : file === "test.tsv" ? DEFAULT_SUITE.sizes.test : DEFAULT_SUITE.sizes.dev);
      }
    }
  });

  test("balanced classes, no text shared between splits, short sentences, a small vocabulary", () => {
    const vocabulary = new Set<string>();
    for (const task of Object.keys(HEADERS)) {
      const seen = new Map<string, string>();
      const classes = task === "MNLI" ? 3 : 2;
      for (const file of ["train.tsv", ...HELD_OUT[task]]) {
        const rows = readTsv(path.join(dirA, task, file));
        const counts = new Array<number>(classes).fill(0);
        for (const r of rows) counts[Number(r.label)]++;
        // Train labels carry the label noise (≤ 5%); dev and test are exactly balanced.
        for (const n of counts) assert.ok(Math.abs(n - rows.length / classes) <= (file === "train.tsv" ? 0.05 * rows.length : 1), `${task}/${file} classes ${counts}`);
        for (const r of rows) {
          const key = TEXT_COLUMNS[task].map((c) => r[c]).join("\t");
          assert.ok(!seen.has(key) || seen.get(key) === file, `${task}: ${JSON.stringify(key)} in ${seen.get(key)} and ${file}`);
          assert.ok(!seen.has(key), `${task}/${file}: ${JSON.stringify(key)} twice`);
          seen.set(key, file);
          const texts = TEXT_COLUMNS[task].map((c) => r[c]);
          for (const t of texts) {
            assert.match(t, /^[a-z]+( [a-z]+| [,.?])* [.?]$/, `${task}/${file}: lowercase words and spaced punctuation`);
            assert.ok(t.split(" ").length <= 24, `${task}/${file}: ${JSON.stringify(t)} is longer than 24 words`);
            for (const w of t.split(" ")) vocabulary.add(w);
          }
        }
      }
      for (const line of fs.readFileSync(path.join(dirA, task, "corpus.txt"), "utf8").trim().split("\n")) for (const w of line.split(" ")) vocabulary.add(w);
    }
    assert.ok(vocabulary.size < 1500, `${vocabulary.size} words`);
  });

  test("no dev or test sentence occurs in the corpus, not even inside a line", () => {
    // Dev and test sentences, their final punctuation dropped, looked up as every whole-word run of every
    // corpus line.
    for (const task of Object.keys(HEADERS)) {
      const bodies = new Set<string>();
      for (const file of HELD_OUT[task]) for (const r of readTsv(path.join(dirA, task, file))) for (const c of TEXT_COLUMNS[task]) bodies.add(r[c].replace(/ [.?]$/, ""));
      for (const line of fs.readFileSync(path.join(dirA, task, "corpus.txt"), "utf8").trim().split("\n")) {
        const words = line.split(" ");
        for (let i = 0; i < words.length; i++) {
          for (let j = i + 1; j <= words.length; j++) {
            const run = words.slice(i, j).join(" ");
            assert.ok(!bodies.has(run), `${task}: corpus line ${JSON.stringify(line)} contains ${JSON.stringify(run)}`);
          }
        }
      }
    }
  });

  test("the lexicon: no word in both sentiment classes nor on both poles of a state", () => {
    for (const w of POSITIVE) assert.ok(!NEGATIVE.has(w), w);
    const poles = new Map<string, string>();
    STATE_PAIRS.forEach((pair, i) => pair.forEach((pole, side) => pole.forEach((w) => {
      assert.ok(!poles.has(w), `${w} twice among the states`);
      assert.ok(!POSITIVE.has(w) && !NEGATIVE.has(w), `${w} is a state and a sentiment word`);
      poles.set(w, `${i}/${side}`);
    })));
  });

  test("SST-2: every dev and test label is the polarity a reader of the sentence derives", () => {
    // The reader itself, on cases worked by hand.
    assert.equal(reviewPolarity("the film was not good ."), 0);
    assert.equal(reviewPolarity("the plot was dull , but the cast was truly superb ."), 1);
    assert.equal(reviewPolarity("although i loved the score , the ending felt tedious ."), 0);
    assert.equal(reviewPolarity("it is not true that nobody enjoyed the finale ."), 1);
    for (const file of HELD_OUT["SST-2"]) {
      for (const r of readTsv(path.join(dirA, "SST-2", file))) assert.equal(Number(r.label), reviewPolarity(r.sentence), `${file}: ${r.sentence}`);
    }
  });

  test("MNLI: matched dev and test labels follow the taxonomy, states and negation", () => {
    assert.equal(nliLabel("mara saw a poodle .", "mara saw a dog ."), 0);
    assert.equal(nliLabel("mara saw a dog .", "mara saw a poodle ."), 1);
    assert.equal(nliLabel("mara saw a poodle .", "mara did not see a cat ."), 1);
    assert.equal(nliLabel("mara saw a poodle .", "nobody saw an animal ."), 2);
    assert.equal(nliLabel("mara did not see a dog .", "mara did not see a poodle ."), 0);
    assert.equal(nliLabel("mara is happy .", "mara is unhappy ."), 2);
    let checked = 0;
    let rows = 0;
    for (const file of ["dev_matched.tsv", "test.tsv"]) {
      for (const r of readTsv(path.join(dirA, "MNLI", file))) {
        rows++;
        const label = nliLabel(r.premise, r.hypothesis);
        assert.ok(label !== undefined, `${file}: a matched form: ${r.premise} / ${r.hypothesis}`);
        assert.equal(Number(r.label), label, `${file}: ${r.premise} / ${r.hypothesis}`);
        checked++;
      }
    }
    assert.equal(checked, rows);
    // The mismatched genre uses templates the matched files never do.
    const mismatched = readTsv(path.join(dirA, "MNLI", "dev_mismatched.tsv"));
    assert.ok(mismatched.every((r) => parseMnli(r.premise) === undefined || parseMnli(r.hypothesis) === undefined));
  });

  test("QNLI: a sentence is labelled an answer exactly when it states the asked fact (and every fact is true)", () => {
    const world = buildWorld(0);
    for (const file of HELD_OUT.QNLI) {
      for (const r of readTsv(path.join(dirA, "QNLI", file))) {
        assert.equal(Number(r.label), answers(r.question, r.sentence, world) ? 0 : 1, `${file}: ${r.question} / ${r.sentence}`);
      }
    }
  });

  test("QQP: two questions are duplicates exactly when sense, action, thing and modifier agree", () => {
    assert.equal(questionMeaning("how do i fix my car ?"), questionMeaning("for my automobile , what is the best way to repair it ?"));
    assert.notEqual(questionMeaning("how do i fix my car ?"), questionMeaning("how do i sell my car ?"));
    for (const file of HELD_OUT.QQP) {
      for (const r of readTsv(path.join(dirA, "QQP", file))) {
        assert.equal(Number(r.label), questionMeaning(r.question1) === questionMeaning(r.question2) ? 1 : 0, `${file}: ${r.question1} / ${r.question2}`);
      }
    }
  });

  test("a knob set apart: QQP negatives differ in one slot of meaning at hardNegative 1, in action or thing at 0", () => {
    const sizes = { train: 200, dev: 100, test: 100, corpus: 100 };
    const slotsApart = (hardNegative: number) => {
      const dir = tempDir(`suite-knob-${hardNegative}`);
      const m = writeSuite(dir, { sizes, tasks: ["QQP"], knobs: { hardNegative } });
      assert.deepEqual(m.knobs, { hardNegative });
      const negatives = readTsv(path.join(dir, "QQP", "dev.tsv")).filter((r) => r.label === "0");
      return negatives.map((r) => {
        const [a, b] = [questionMeaning(r.question1).split("/"), questionMeaning(r.question2).split("/")];
        return { differ: a.filter((x, i) => x !== b[i]).length, actionOrThing: a[1] !== b[1] || a[2] !== b[2] };
      });
    };
    const hard = slotsApart(1);
    assert.ok(hard.length > 30 && hard.every((n) => n.differ === 1), "every hard negative moves exactly one slot");
    assert.ok(slotsApart(0).every((n) => n.actionOrThing), "every easy negative changes the action or the thing");
    // The default suite records no knobs; a bad one is named.
    assert.equal(manifest.knobs, undefined);
    assert.throws(() => writeSuite(tempDir("suite-knob-bad"), { sizes, knobs: { hardNegative: 1.5 } }), /knobs\.hardNegative must be a probability in \[0, 1\], got 1\.5/);
    assert.throws(() => writeSuite(tempDir("suite-knob-bad"), { sizes, knobs: { hardNegatives: 0 } as never }), /unknown knob "hardNegatives"/);
  });

  test("the baselines: majority at chance, bag of words below the ceiling on SST-2", () => {
    for (const [task, entry] of Object.entries(manifest.tasks)) {
      for (const b of Object.values(entry!.baselines)) assert.ok(Math.abs(b.majority - 1 / entry!.labels.length) < 0.01, `${task} majority ${b.majority}`);
    }
    const sst2 = manifest.tasks["SST-2"]!.baselines["dev.tsv"];
    // Negation and contrast put words of both classes in one sentence: a bag of words stays far from 100%.
    assert.ok(sst2.bagOfWords > 0.55 && sst2.bagOfWords < 0.8, `SST-2 bag of words ${sst2.bagOfWords}`);
  });
});

describe("qkv tasks", () => {
  const qkv = (...args: string[]) => spawnSync(path.join(REPO_ROOT, "bin", "qkv"), ["tasks", ...args], { encoding: "utf8" });

  test("writes the suite and prints the baselines", () => {
    const dir = tempDir("tasks-cli");
    const r = qkv("--out", dir, "--train", "200", "--dev", "60", "--test", "60", "--corpus", "100", "--tasks", "SST-2,QQP", "--seed", "7");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /SST-2\s+dev\.tsv\s+60\s+0\.500\s+0\.\d{3}/);
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(path.join(dir, "suite.json"), "utf8")).tasks), ["SST-2", "QQP"]);
    assert.equal(fs.readFileSync(path.join(dir, "QQP", "train.tsv"), "utf8").trim().split("\n").length, 201);
  });

  test("bad options exit 2 and name the option and the value", () => {
    for (const [args, message] of [
      [["--difficulty", "1.5"], /--difficulty must be a number in \[0, 1\], got "1.5"/],
      [["--tasks", "SST-2,CoLA"], /unknown task "CoLA"/],
      [["--train", "0"], /--train must be a positive integer, got "0"/],
      [["--knobs", "hardNegative"], /--knobs takes name=probability pairs separated by commas, got "hardNegative"/],
      [["--knobs", "noise=0.1"], /unknown knob "noise"/],
    ] as const) {
      const r = qkv("--out", tempDir("tasks-bad"), ...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
    }
  });
});
