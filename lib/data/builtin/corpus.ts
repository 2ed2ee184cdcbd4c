// The unlabelled pretraining corpus of a task: sentences from the same world and generators as the labelled
// splits, none of which contains a dev or test sentence (as a whole line or as a run of its words), so a
// model pretrained on it has never read the text it is evaluated on.
import { BuiltinTask, GenContext } from "./task";
import { SuiteError } from "./world";

/** The dev and test sentences, found inside a corpus line as runs of whole words (final punctuation aside). */
export class HeldOut {
  private readonly bodies = new Set<string>();
  private readonly firstWords = new Set<string>();
  private readonly lengths = new Set<number>();

  add(sentence: string): void {
    const words = sentence.split(" ");
    if (words[words.length - 1] === "." || words[words.length - 1] === "?") words.pop();
    this.bodies.add(words.join(" "));
    this.firstWords.add(words[0]);
    this.lengths.add(words.length);
  }

  occursIn(line: string): boolean {
    const words = line.split(" ");
    for (let i = 0; i < words.length; i++) {
      // Only runs that start with a held-out sentence's first word can be one.
      if (!this.firstWords.has(words[i])) continue;
      let run = words[i];
      for (let j = i + 1; j <= words.length; j++) {
        if (this.lengths.has(j - i) && this.bodies.has(run)) return true;
        if (j < words.length) run += ` ${words[j]}`;
      }
    }
    return false;
  }
}

/** `size` corpus sentences drawn from the task's corpus generator, skipping any that contains a held-out one. */
export function buildCorpus(task: BuiltinTask, ctx: GenContext, size: number, heldOut: HeldOut): string[] {
  const lines: string[] = [];
  // Most candidates pass; the cap only stops a world too small for the size asked for.
  const maxDraws = 20 * size + 1000;
  for (let draws = 0; lines.length < size; draws++) {
    if (draws >= maxDraws) {
      throw new SuiteError(`${task.name} corpus: only ${lines.length} of ${size} sentences avoid the dev and test ` +
        `sentences after ${draws} draws; ask for a smaller corpus`);
    }
    const line = task.corpusSentence(ctx);
    if (!heldOut.occursIn(line)) lines.push(line);
  }
  return lines;
}
