// Pretraining the project's own small models (no pretrained weights can be had on these machines):
//   heads.ts       the masked-LM head (RobertaLMHead, tied decoder) and the causal-LM head, HF names
//   objectives.ts  masked-LM (15 %, 80/10/10) and causal-LM batches
//   corpus.ts      text → vocabulary + tokenized corpus; the built-in suite's and GLUE's training text
//   run.ts         the resumable, reproducible run and its checkpoint + model card
//   recipe.ts      the settings `qkv pretrain` uses per (model, corpus), and where checkpoints go
//   cloze.ts       what a checkpoint learned: copy, sentiment-polarity and synonym cloze accuracy (encoder or decoder)
export * from "./heads";
export * from "./objectives";
export * from "./corpus";
export * from "./run";
export * from "./recipe";
export * from "./cloze";
