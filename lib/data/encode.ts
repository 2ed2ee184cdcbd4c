// Text examples → token ids for the models: [CLS] text [SEP] (pair [SEP]) cut to maxLength, as GLUE
// fine-tuning scripts do (longest_first truncation). A BERT pair's token types (0 for [CLS] a [SEP], 1 for
// b [SEP]) go with the ids; where every type is 0 (RoBERTa, single texts) the example carries none, as before.
import { Tokenizer, truncationNotice } from "../tokenizers/index";
import { Example } from "../train/index";
import { TextExample } from "./example";

/** `source` names the examples in the warning given when most of them keep no text at this maxLength. */
export function encodeExamples(
  examples: readonly TextExample[], tokenizer: Tokenizer, maxLength: number, source = "the examples",
): Example[] {
  let emptied = 0;
  const encoded = examples.map((e): Example => {
    const { ids, typeIds } = tokenizer.encode(e.text, e.pair, { maxLength, truncation: "longest_first" });
    if (tokenizer.keptNoText(ids) && e.text !== "") emptied++;
    return typeIds.some((t) => t !== 0) ? { ids, typeIds, label: e.label } : { ids, label: e.label };
  });
  const notice = truncationNotice(source, emptied, examples.length, maxLength);
  if (notice !== undefined) console.warn(`warning: ${notice}`);
  return encoded;
}
