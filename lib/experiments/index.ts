// Experiments: single fine-tuning runs as plain-JSON configurations, results cached by the configuration's
// hash, the comparisons built from them, and declarative sweeps run on parallel workers.
//   cache.ts     runKey / cached, cachedAsync (readCached, writeCached): one atomically written JSON file per
//                configuration
//   finetune.ts  fineTune(config): data + checkpoint (pretrained or fresh) + adapter + rates → before/after scores
//   testbed.ts   compareInitializations: pretrained vs random initialisation over seeds (the testbed's sanity check)
//   grid/        declarative sweeps: spec.ts (GridSpec → expandGrid), run.ts (runGrid: resume, shards, locks) on the
//                worker processes of pool.ts, table.ts (results.csv, a folder's owner), labels.ts, slurm.ts
//   worker.ts    the child process runGrid forks (not exported: it is an entry point)
//   grids.ts     the paper's sweeps at mini scale, and the MiniLM addendum's, named for `qkv grid NAME` and the
//                notebooks
//   minilm.ts    the MiniLM addendum in one call: rate sweep, verdict cells, verdicts
//   breadth.ts   the adapter knobs the question invites (α, rsLoRA, layers, rank_pattern) as one described grid
//   deviations.ts  an experiment's settings: the paper's, the authors' script's and ours (read from the runs)
//   robustness.ts  the robustness addendum: λ verdicts per rate scale and budget, the scale rule, survival
//   width.ts     the width addendum: the best λ and the cost of λ = 1 at three widths, judged and calibrated
//   frame.ts     a grid's runs as a danfojs DataFrame (tables are group-bys over it), long to wide
//   summary.ts   mean ± sd over seeds per cell, (η_QK, η_V) heatmaps (best cell selected on the selection split)
//   cells.ts     a rate grid's cells: one cell's rows, chance accuracy, a task at chance (the figures are
//                lib/plot/grids.ts)
//   protocol.ts  the verdict protocol (v2) in machine form and its hash; docs/PROTOCOL.md is its prose
//   verdicts.ts  the claims judged by the protocol: paired block-design intervals, five verdicts, Holm
//   simulate.ts  the verdicts' calibration: rows drawn under no, the paper's and a reversed effect
//   protocol-v1.ts  the previous rule, only to show its verdicts beside v2's
//   cost.ts      what a method costs (Table 3): adapter bytes, step time, peak memory, steps to a target loss
export * from "./cache";
export * from "./finetune";
export * from "./grid/index";
export * from "./grids";
export * from "./minilm";
export * from "./robustness";
export * from "./width";
export * from "./testbed";
export * from "./summary";
export * from "./frame";
export * from "./deviations";
export * from "./breadth";
export * from "./cells";
export * from "./cost";
export * from "./gaps";
export * from "./protocol";
export * from "./profile";
export * from "./verdicts";
export * from "./simulate";
export * from "./protocol-v1";
