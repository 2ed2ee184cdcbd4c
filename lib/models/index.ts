// Models: configurations and presets (real-scale dimensions for counting and bounds; small ones for training).
export * from "./config";
export * from "./count";
export * from "./presets";
