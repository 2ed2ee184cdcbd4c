// Text examples → token ids for the models: [CLS] text [SEP] (pair [SEP]) cut to maxLength, as GLUE
// fine-tuning scripts do (longest_first truncation). A BERT pair's token types (0 for [CLS] a [SEP], 1 for
// b [SEP]) go with the ids; where every type is 0 (RoBERTa, single texts) the example carries none, as before.
import { Tokenizer } from "../tokenizers/index";
import { Example } from "../train/index";
import { TextExample } from "./example";

export function encodeExamples(examples: readonly TextExample[], tokenizer: Tokenizer, maxLength: number): Example[] {
  return examples.map((e) => {
    const { ids, typeIds } = tokenizer.encode(e.text, e.pair, { maxLength, truncation: "longest_first" });
    return typeIds.some((t) => t !== 0) ? { ids, typeIds, label: e.label } : { ids, label: e.label };
  });
}
