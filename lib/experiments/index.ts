// Experiments: single fine-tuning runs as plain-JSON configurations, results cached by the configuration's
// hash, the comparisons built from them, and declarative sweeps run on parallel workers.
//   cache.ts     runKey / cached, cachedAsync (readCached, writeCached): one atomically written JSON file per configuration
//   finetune.ts  fineTune(config): data + checkpoint (pretrained or fresh) + adapter + rates → before/after scores
//   testbed.ts   compareInitializations: pretrained vs random initialisation over seeds (the testbed's sanity check)
//   grid.ts      GridSpec → expandGrid / runGrid (resume, shards, worker processes) → results.csv; slurmScript
//   worker.ts    the child process runGrid forks (not exported: it is an entry point)
//   grids.ts     the paper's sweeps at mini scale, named for `qkv grid NAME` and the notebooks
//   summary.ts   mean ± sd over seeds per cell, (η_QK, η_V) heatmaps, verdicts (effect vs spread over seeds)
//   figures.ts   the paper's figures from grid rows: accuracy heatmaps, training-loss curves
//   verdicts.ts  the two phenomena judged per task and overall (00_overview's verdict lines)
//   cost.ts      what a method costs (Table 3): adapter bytes, step time, peak memory, steps to a target loss
export * from "./cache";
export * from "./finetune";
export * from "./grid";
export * from "./grids";
export * from "./testbed";
export * from "./summary";
export * from "./figures";
export * from "./cost";
export * from "./verdicts";
