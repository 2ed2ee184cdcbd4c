// Tokenizers from local files, matching Hugging Face's fast tokenizers id for id.
//
//   loadTokenizer(dir)  vocab.txt → WordPieceTokenizer (BERT); vocab.json + merges.txt → ByteLevelBpeTokenizer
//                       (RoBERTa/GPT-2); tokenizer_config.json / special_tokens_map.json read when present
//   tok.encode(text, pair?, { maxLength, truncation, padding, addSpecialTokens })
//                       → { ids, typeIds, attentionMask }; [CLS] a [SEP] b [SEP] or <s> a </s></s> b </s>
//   tok.encodeBatch([text | [text, pair], …], options)   padding "longest" pads to the longest row
//   buildWordPieceVocab(texts, { maxSize })  a vocab.txt learned from a corpus (the project's own pretrained models)
//   tok.tokenize(text)  ids without the surrounding specials; tok.idsToTokens(ids) for reading them
//
// Special tokens written in the text ("[MASK]", "<mask>") are recognised as Hugging Face does. Unpaired
// UTF-16 surrogates become U+FFFD. Every bad input or file throws a TokenizerError naming the field, or
// the file and line.
export { BYTE_TO_CHAR, ByteLevelBpeTokenizer, GPT2_PATTERN, ROBERTA_SPECIALS } from "./bpe";
export type { BpeOptions } from "./bpe";
export { loadTokenizer, readMerges, readVocabJson, readVocabTxt } from "./load";
export { MAX_TOKEN_ID, Tokenizer, TokenizerError, truncationNotice } from "./tokenizer";
export type { EncodeOptions, Encoding, SpecialTokens, TextInput, Truncation } from "./tokenizer";
export { BERT_SPECIALS, WordPieceTokenizer } from "./wordpiece";
export { buildWordPieceVocab, PRETRAIN_SPECIALS } from "./vocab";
export type { VocabOptions } from "./vocab";
export type { WordPieceOptions } from "./wordpiece";
