// Training: the loss, AdamW over learning-rate groups, schedules, the fine-tuning loop, GLUE metrics.
export * from "./adamw";
export * from "./groups";
export * from "./loop";
export * from "./loss";
export * from "./metrics";
export * from "./schedule";
export * from "./config";
