// Experiments: single fine-tuning runs as plain-JSON configurations, results cached by the configuration's
// hash, the comparisons built from them, and declarative sweeps run on parallel workers.
//   cache.ts     runKey / cached (readCached, writeCached): one atomically written JSON file per configuration
//   finetune.ts  fineTune(config): data + checkpoint (pretrained or fresh) + adapter + rates → before/after scores
//   testbed.ts   compareInitializations: pretrained vs random initialisation over seeds (the testbed's sanity check)
//   grid.ts      GridSpec → expandGrid / runGrid (resume, shards, worker processes) → results.csv; slurmScript
//   worker.ts    the child process runGrid forks (not exported: it is an entry point)
//   grids.ts     the named grids of `qkv grid NAME`
export * from "./cache";
export * from "./finetune";
export * from "./grid";
export * from "./grids";
export * from "./testbed";
