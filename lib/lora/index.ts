// LoRA, DoRA and full fine-tuning of attention matrices: the adapted linear layer (the LoRA forward pass),
// attaching/merging adapters, target names, per-matrix learning-rate groups, parameter counting.
export * from "./attach";
export * from "./config";
export * from "./count";
export * from "./linear";
export * from "./modules";
export * from "./targets";
export * from "./adapter-io";
