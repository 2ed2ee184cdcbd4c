// Experiments: single fine-tuning runs as plain-JSON configurations, results cached by the configuration's
// hash, and the comparisons built from them.
//   cache.ts     runKey / cached: one atomically written JSON file per configuration
//   finetune.ts  fineTune(config): data + checkpoint (pretrained or fresh) + adapter + rates → before/after scores
//   testbed.ts   compareInitializations: pretrained vs random initialisation over seeds (the testbed's sanity check)
export * from "./cache";
export * from "./finetune";
export * from "./testbed";
