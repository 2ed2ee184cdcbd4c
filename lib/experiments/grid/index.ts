// Declarative fine-tuning sweeps, by concern: what a grid is (./spec), running it (./run, on the worker pool of
// ./pool), its table (./table), names of runs and methods (./labels), and SLURM job arrays (./slurm).
export * from "./labels";
export { GridInterrupted } from "./pool";
export type { WorkerReply, WorkerRequest } from "./pool";
export * from "./run";
export * from "./slurm";
export * from "./spec";
export { collectGrid, CSV_COLUMNS, GridConflict, gridResultsDir } from "./table";
export type { GridRow } from "./table";
