// What a built-in task is to the suite: its GLUE file layout (names, columns, label ids as the Hugging Face
// glue datasets number them) and two generators, one for labelled examples and one for corpus sentences.
import { Rng } from "../../random/index";
import { TextExample } from "../example";
import { Knobs, World } from "./world";

export const TASK_NAMES = ["SST-2", "MNLI", "QNLI", "QQP"] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** A column of the TSV: the row number, the first or second text, or the label. */
export interface Column {
  name: string;
  role: "index" | "text" | "pair" | "label";
}

export interface SplitSpec {
  file: string;
  kind: "train" | "dev" | "test";
  /** Written in the held-out templates (MNLI's dev_mismatched: a "genre" the train set never shows). */
  mismatched: boolean;
}

export interface GenContext {
  rng: Rng;
  world: World;
  knobs: Knobs;
  mismatched: boolean;
}

export interface BuiltinTask {
  name: TaskName;
  columns: readonly Column[];
  /** Label names by id, as in GLUE (SST-2: negative, positive). */
  labelNames: readonly string[];
  splits: readonly SplitSpec[];
  /** An example whose generating semantics give `label` (the suite picks labels, so classes balance). */
  example(ctx: GenContext, label: number): TextExample;
  /** One line of the unlabelled corpus (the suite drops those that contain a dev or test sentence). */
  corpusSentence(ctx: GenContext): string;
}

export const STANDARD_SPLITS: readonly SplitSpec[] = [
  { file: "train.tsv", kind: "train", mismatched: false },
  { file: "dev.tsv", kind: "dev", mismatched: false },
  { file: "test.tsv", kind: "test", mismatched: false },
];
