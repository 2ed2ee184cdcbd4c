// Text examples → token ids for the models: [CLS] text [SEP] (pair [SEP]) cut to maxLength, as GLUE
// fine-tuning scripts do (longest_first truncation).
import { Tokenizer } from "../tokenizers/index";
import { Example } from "../train/index";
import { TextExample } from "./example";

export function encodeExamples(examples: readonly TextExample[], tokenizer: Tokenizer, maxLength: number): Example[] {
  return examples.map((e) => ({ ids: tokenizer.encode(e.text, e.pair, { maxLength, truncation: "longest_first" }).ids, label: e.label }));
}
