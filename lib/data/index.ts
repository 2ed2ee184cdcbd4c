// Data: GLUE-style task folders and the built-in synthetic suite.
//   glue.ts       the paper's 8 tasks from GLUE_DIR (or data/tasks): splits, substitutes, the paper's metrics
//   tsv.ts        the strict TSV reader under it (errors name file:line)
//   builtin/      the built-in synthetic suite (SST-2/MNLI/QNLI/QQP analogs, corpora) written from a seed
//   baselines.ts  majority-class and bag-of-words baselines of any task
//   encode.ts     text examples → token ids for the models
export * from "./errors";
export * from "./example";
export * from "./tsv";
export * from "./glue";
export * from "./encode";
export * from "./baselines";
export * from "./builtin/index";
export * from "./survey";
